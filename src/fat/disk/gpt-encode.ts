import { put32 } from '../format/bytes.js';
import { FatError } from '../errors.js';
import { crc32 } from './crc32.js';
import { parseGuid } from './guid.js';
import { PROTECTIVE_TYPE } from './mbr.js';

/**
 * Writing a GUID partition table with one partition: the protective MBR, the primary header and
 * entry array at LBA 1 and 2.., and the backup entry array and header at the end of the disk, as
 * UEFI 2.10 section 5.3 lays them out. (Reading GPTs is gpt.ts.)
 */

/** Entries in the array, and bytes per entry: what every partitioning tool writes. */
export const GPT_ENTRY_COUNT = 128;
export const GPT_ENTRY_SIZE = 128;
/** Characters of a partition name (UTF-16 code units). */
export const GPT_NAME_UNITS = 36;

/** Sectors the entry array takes: 32 at 512-byte sectors, 4 at 4096. */
export const gptEntrySectors = (sectorSize: number): number => Math.ceil((GPT_ENTRY_COUNT * GPT_ENTRY_SIZE) / sectorSize);

/** Sectors a GPT reserves at the end of the disk: the backup entry array and header. */
export const gptTrailerSectors = (sectorSize: number): number => gptEntrySectors(sectorSize) + 1;

export interface GptPartitionInit {
  /** First and last sector count, in the disk's sectors. */
  start: number;
  count: number;
  /** Type GUID (text form). */
  type: string;
  /** Unique partition GUID (text form). */
  guid: string;
  /** Up to 36 UTF-16 code units. */
  name?: string;
}

export interface GptInit {
  sectorSize: number;
  /** Sectors of the whole disk. */
  diskSectors: number;
  diskGuid: string;
  partition: GptPartitionInit;
}

/** One write of whole sectors. */
export interface SectorWrite {
  lba: number;
  data: Uint8Array;
}

const put64 = (b: Uint8Array, o: number, v: number): void => {
  put32(b, o, v % 0x100000000);
  put32(b, o + 4, Math.floor(v / 0x100000000));
};

/** Sector 0 of a GPT disk: one entry of type 0xEE covering the disk from LBA 1 (or 2^32 - 1 sectors). */
export function encodeProtectiveMbr(sectorSize: number, diskSectors: number): Uint8Array {
  const b = new Uint8Array(sectorSize);
  const e = 0x1be;
  b.set([0x00, 0x00, 0x02, 0x00], e); // not bootable; CHS 0/0/2
  b[e + 4] = PROTECTIVE_TYPE;
  b.set([0xff, 0xff, 0xff], e + 5); // CHS end saturated
  put32(b, e + 8, 1);
  put32(b, e + 12, Math.min(diskSectors - 1, 0xffffffff));
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

function encodeEntries(p: GptPartitionInit, sectorSize: number): Uint8Array {
  const a = new Uint8Array(gptEntrySectors(sectorSize) * sectorSize);
  a.set(parseGuid(p.type), 0);
  a.set(parseGuid(p.guid), 16);
  put64(a, 32, p.start);
  put64(a, 40, p.start + p.count - 1);
  const name = p.name ?? '';
  if (name.length > GPT_NAME_UNITS) throw new FatError('EINVAL', `partition name "${name}" is longer than ${GPT_NAME_UNITS} characters`);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    a[56 + 2 * i] = c & 0xff;
    a[57 + 2 * i] = c >> 8;
  }
  return a;
}

function encodeHeader(g: GptInit, at: number, other: number, entriesAt: number, entriesCrc: number): Uint8Array {
  const ss = g.sectorSize;
  const h = new Uint8Array(ss);
  h.set([...'EFI PART'].map((c) => c.charCodeAt(0)), 0);
  put32(h, 8, 0x00010000); // revision 1.0
  put32(h, 12, 92);
  put64(h, 24, at);
  put64(h, 32, other);
  put64(h, 40, 2 + gptEntrySectors(ss));
  put64(h, 48, g.diskSectors - 1 - gptTrailerSectors(ss));
  h.set(parseGuid(g.diskGuid), 56);
  put64(h, 72, entriesAt);
  put32(h, 80, GPT_ENTRY_COUNT);
  put32(h, 84, GPT_ENTRY_SIZE);
  put32(h, 88, entriesCrc);
  put32(h, 16, crc32(h.subarray(0, 92)));
  return h;
}

/**
 * The sectors of a GPT disk holding one partition: protective MBR, primary header and entries,
 * backup entries and header. The partition must lie within the usable LBAs (after the primary entry
 * array, before the backup one).
 */
export function encodeGpt(g: GptInit): SectorWrite[] {
  const ss = g.sectorSize;
  const entrySectors = gptEntrySectors(ss);
  const firstUsable = 2 + entrySectors;
  const lastUsable = g.diskSectors - 1 - gptTrailerSectors(ss);
  const p = g.partition;
  if (!Number.isSafeInteger(p.start) || !Number.isSafeInteger(p.count) || p.count < 1 || p.start < firstUsable || p.start + p.count - 1 > lastUsable) {
    throw new FatError('EINVAL', `partition of ${p.count} sectors at ${p.start} does not fit the GPT's usable sectors ${firstUsable}..${lastUsable}`);
  }
  const entries = encodeEntries(p, ss);
  const entriesCrc = crc32(entries.subarray(0, GPT_ENTRY_COUNT * GPT_ENTRY_SIZE));
  const last = g.diskSectors - 1;
  const backupEntries = last - entrySectors;
  return [
    { lba: 0, data: encodeProtectiveMbr(ss, g.diskSectors) },
    { lba: 1, data: encodeHeader(g, 1, last, 2, entriesCrc) },
    { lba: 2, data: entries },
    { lba: backupEntries, data: entries },
    { lba: last, data: encodeHeader(g, last, 1, backupEntries, entriesCrc) },
  ];
}
