import type { BlockDevice } from '../device/block-device.js';
import type { Partition } from '../disk/partition.js';
import { crc32 } from '../disk/crc32.js';
import { le32, put32 } from '../format/bytes.js';
import { FatError } from '../errors.js';

/**
 * A GPT partition's last LBA, with both entry arrays and headers (CRCs, the backup at the disk's
 * end, LastUsableLBA) and the protective MBR when the disk grew. The disk counts the GPT's sectors.
 */
const le64 = (b: Uint8Array, o: number): number => le32(b, o) + le32(b, o + 4) * 0x100000000;
const put64 = (b: Uint8Array, o: number, v: number): void => {
  put32(b, o, v % 0x100000000);
  put32(b, o + 4, Math.floor(v / 0x100000000));
};

export interface GptTrailer { entrySectors: number; count: number; size: number; entriesLba: number; header: Uint8Array }

/** The primary header and the size of its entry array (the backup keeps as many sectors plus its header after the last usable LBA). */
export function gptTrailer(disk: BlockDevice): GptTrailer {
  const h = new Uint8Array(disk.sectorSize);
  disk.read(1, h);
  const count = le32(h, 80);
  const size = le32(h, 84);
  return { entrySectors: Math.ceil((count * size) / disk.sectorSize), count, size, entriesLba: le64(h, 72), header: h };
}

/**
 * Set GPT partition `p` to `sectors` sectors. The disk must already have its final size. Order, so
 * that a reader finds a valid table after any prefix of the writes (the kernel, sgdisk and fatkit
 * read the primary header, and the backup at the disk's last sector when the primary does not
 * check out): the backup array and header at the disk's end first (the primary, untouched, still
 * stands), a barrier, then the primary array and header (a crash between them leaves a primary
 * whose array CRC fails: readers take the new backup), a barrier, then the old backup header is
 * cleared (when the disk grew past it) and the protective MBR follows the disk's size.
 */
export function setGptSectors(disk: BlockDevice, p: Partition, sectors: number, barrier: () => void): void {
  const ss = disk.sectorSize;
  const t = gptTrailer(disk);
  const arrayBytes = t.count * t.size;
  const entries = new Uint8Array(t.entrySectors * ss);
  disk.read(t.entriesLba, entries);
  const o = (p.index - 1) * t.size;
  if (le64(entries, o + 32) !== p.startLba) throw new FatError('FAT_CORRUPT', `GPT entry ${p.index} does not start where the partition does`);
  put64(entries, o + 40, p.startLba + sectors - 1);
  const entriesCrc = crc32(entries.subarray(0, arrayBytes));
  const last = disk.sectorCount - 1;
  const lastUsable = last - t.entrySectors - 1;
  if (p.startLba + sectors - 1 > lastUsable) throw new FatError('EINVAL', `partition ${p.index} would end past the GPT's last usable sector ${lastUsable}: grow the disk first`);
  const header = (at: number, other: number, entriesAt: number): Uint8Array => {
    const h = t.header.slice();
    const size = le32(h, 12);
    put64(h, 24, at);
    put64(h, 32, other);
    put64(h, 48, lastUsable);
    put64(h, 72, entriesAt);
    put32(h, 88, entriesCrc);
    put32(h, 16, 0);
    put32(h, 16, crc32(h.subarray(0, size)));
    return h;
  };
  const oldBackup = le64(t.header, 32);
  disk.write(last - t.entrySectors, entries);
  disk.write(last, header(last, 1, last - t.entrySectors));
  barrier();
  disk.write(t.entriesLba, entries);
  disk.write(1, header(1, last, t.entriesLba));
  barrier();
  // The old backup header, left inside the grown disk, would confuse a tool looking for one.
  if (oldBackup !== last && oldBackup > 1 && oldBackup < last && (oldBackup < p.startLba || oldBackup >= p.startLba + sectors)) {
    disk.write(oldBackup, new Uint8Array(ss));
  }
  const mbr = new Uint8Array(ss);
  disk.read(0, mbr);
  for (let i = 0; i < 4; i++) {
    const e = 446 + 16 * i;
    if (mbr[e + 4] === 0xee) put32(mbr, e + 12, Math.min(disk.sectorCount - 1, 0xffffffff));
  }
  disk.write(0, mbr);
}
