import type { BlockDevice } from '../device/block-device.js';
import type { Partition } from './partition.js';
import { crc32 } from './crc32.js';
import { le64, readBytes, toDeviceSectors } from './probe.js';
import { le32 } from '../format/bytes.js';
import { formatGuid } from './guid.js';

/** GPT type GUIDs of partitions that normally hold a FAT file system. */
export const GPT_BASIC_DATA = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';
export const GPT_EFI_SYSTEM = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';

const MAX_ENTRIES = 1024;
const SIGNATURE = 'EFI PART';

/** A GPT as found on disk: LBAs are still in `unit`-byte sectors (the disk's logical sector size). */
export interface GptRaw {
  unit: number;
  /** The disk GUID of the header. */
  diskGuid: string;
  partitions: { index: number; type: string; guid: string; first: number; last: number; name: string }[];
  /** Set when the primary header was unusable and the backup at the end of the disk was read. */
  usedBackup?: string;
}

function utf16Name(b: Uint8Array, off: number, units: number): string {
  let s = '';
  for (let i = 0; i < units; i++) {
    const c = b[off + 2 * i] | (b[off + 2 * i + 1] << 8);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Read and check the GPT header at `lba` (in `unit`-byte sectors) and its entry array. */
function readAt(dev: BlockDevice, unit: number, lba: number): GptRaw | string {
  const h = readBytes(dev, lba * unit, unit);
  if (h === undefined) return `no GPT header at LBA ${lba}: beyond the end of the image`;
  for (let i = 0; i < 8; i++) if (h[i] !== SIGNATURE.charCodeAt(i)) return `no "EFI PART" signature at LBA ${lba}`;
  const headerSize = le32(h, 12);
  if (headerSize < 92 || headerSize > unit) return `GPT header size ${headerSize} is not between 92 and ${unit}`;
  const copy = h.slice(0, headerSize);
  copy.fill(0, 16, 20);
  if (crc32(copy) !== le32(h, 16)) return 'GPT header crc32 mismatch';
  if (le64(h, 24) !== lba) return `GPT header at LBA ${lba} says it is at LBA ${le64(h, 24)}`;
  const entriesLba = le64(h, 72);
  const count = le32(h, 80);
  const size = le32(h, 84);
  if (count > MAX_ENTRIES) return `GPT has ${count} partition entries (at most ${MAX_ENTRIES} are accepted)`;
  if (size < 128 || size > 4096 || size % 8 !== 0) return `GPT partition entry size ${size} is not a multiple of 8 from 128 to 4096`;
  const entries = count === 0 ? new Uint8Array(0) : readBytes(dev, entriesLba * unit, count * size);
  if (entries === undefined) return `GPT partition entries at LBA ${entriesLba} lie beyond the end of the image`;
  if (crc32(entries) !== le32(h, 88)) return 'GPT partition entry array crc32 mismatch';

  const partitions: GptRaw['partitions'] = [];
  for (let i = 0; i < count; i++) {
    const o = i * size;
    if (entries.subarray(o, o + 16).every((x) => x === 0)) continue;
    partitions.push({
      index: i + 1,
      type: formatGuid(entries, o),
      guid: formatGuid(entries, o + 16),
      first: le64(entries, o + 32),
      last: le64(entries, o + 40),
      name: utf16Name(entries, o + 56, Math.min(36, (size - 56) >> 1)),
    });
  }
  return { unit, diskGuid: formatGuid(h, 56), partitions };
}

/**
 * Find a valid GPT: the primary header at LBA 1 for each candidate logical sector size, then the
 * backup header in the disk's last sector. Returns the table, or why there is none.
 */
export function readGpt(dev: BlockDevice): GptRaw | string {
  const units = [...new Set([dev.sectorSize, 512, 4096])];
  let why: string | undefined;
  for (const unit of units) {
    const r = readAt(dev, unit, 1);
    if (typeof r !== 'string') return r;
    // Prefer what was wrong with a header that exists over "there is no header".
    if (why === undefined || (why.startsWith('no ') && !r.startsWith('no '))) why = r;
  }
  const bytes = dev.sectorCount * dev.sectorSize;
  for (const unit of units) {
    const last = Math.floor(bytes / unit) - 1;
    if (last < 2) continue;
    const r = readAt(dev, unit, last);
    if (typeof r !== 'string') return { ...r, usedBackup: why };
  }
  return why ?? 'no GPT header';
}

/** GPT partitions in the device's sectors, marking those the device cannot hold. */
export function gptPartitions(dev: BlockDevice, raw: GptRaw): Partition[] {
  return raw.partitions.map((e) => {
    const fields = { index: e.index, type: e.type, guid: e.guid, ...(e.name !== '' ? { name: e.name } : {}) };
    if (Number.isNaN(e.first) || Number.isNaN(e.last) || e.last < e.first) {
      return { ...fields, startLba: 0, sectorCount: 0, isFat: false, problem: `has an invalid range (LBA ${e.first}..${e.last})` };
    }
    return toDeviceSectors(dev, raw.unit, fields, e.first, e.last - e.first + 1);
  });
}
