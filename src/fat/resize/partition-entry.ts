import type { BlockDevice } from '../device/block-device.js';
import type { Partition, PartitionTable } from '../disk/partition.js';
import { crc32 } from '../disk/crc32.js';
import { le32, put32 } from '../format/bytes.js';
import { FatError } from '../errors.js';
import { formatSize } from '../mkfs/layout.js';

/**
 * Growing or shrinking a partition's entry around a resized volume: the MBR entry's sector count,
 * or the GPT entry's last LBA with both entry arrays and headers (CRCs, the backup at the disk's
 * end, LastUsableLBA and the protective MBR when the disk grows). `disk` counts the table's own
 * sectors (table.sectorSize), as do the partition's LBAs.
 */
const le64 = (b: Uint8Array, o: number): number => le32(b, o) + le32(b, o + 4) * 0x100000000;
const put64 = (b: Uint8Array, o: number, v: number): void => {
  put32(b, o, v % 0x100000000);
  put32(b, o + 4, Math.floor(v / 0x100000000));
};

export interface PartitionRoom {
  /** Largest sector count the partition may take, or undefined: no limit (the disk grows). */
  maxSectors: number | undefined;
  /** The partition in the way, if any. */
  blocker?: number;
  /** Sectors the disk must have for the partition to take `sectors` sectors. */
  diskSectorsFor(sectors: number): number;
}

/** Sectors the GPT keeps after the last usable LBA: the backup entry array and header. */
function gptTrailer(disk: BlockDevice): { entrySectors: number; count: number; size: number; entriesLba: number; header: Uint8Array } {
  const h = new Uint8Array(disk.sectorSize);
  disk.read(1, h);
  const count = le32(h, 80);
  const size = le32(h, 84);
  return { entrySectors: Math.ceil((count * size) / disk.sectorSize), count, size, entriesLba: le64(h, 72), header: h };
}

/** How far partition `p` may grow: to the next partition's start, or without limit when it is the last one. */
export function partitionRoom(disk: BlockDevice, table: PartitionTable, p: Partition): PartitionRoom {
  if (disk.sectorSize !== table.sectorSize) throw new FatError('EINVAL', `the disk must be opened in the table's ${table.sectorSize}-byte sectors`);
  if (table.scheme === 'mbr' && p.index > 4) throw new FatError('FAT_UNSUPPORTED', `partition ${p.index} is a logical partition: resizing one is not supported`);
  let next: Partition | undefined;
  for (const q of table.partitions) {
    if (q === p || q.sectorCount === 0) continue;
    if (q.startLba >= p.startLba && (next === undefined || q.startLba < next.startLba)) next = q;
  }
  const trailer = table.scheme === 'gpt' ? gptTrailer(disk).entrySectors + 1 : 0;
  const limit = table.scheme === 'mbr' ? 0xffffffff - p.startLba : undefined;
  const maxSectors = next !== undefined ? next.startLba - p.startLba : limit;
  return {
    maxSectors,
    ...(next !== undefined ? { blocker: next.index } : {}),
    diskSectorsFor: (sectors) => Math.max(disk.sectorCount, p.startLba + sectors + trailer),
  };
}

/** Refuse, naming the partition in the way and the largest size left, when `sectors` do not fit. */
export function checkRoom(room: PartitionRoom, p: Partition, sectors: number, sectorSize: number): void {
  if (room.maxSectors === undefined || sectors <= room.maxSectors) return;
  const max = room.maxSectors * sectorSize;
  const why = room.blocker !== undefined ? `partition ${room.blocker} starts right after it` : 'an MBR counts at most 2^32 - 1 sectors';
  throw new FatError('ENOSPC', `partition ${p.index} cannot grow to ${formatSize(sectors * sectorSize)}: ${why}; it can grow to at most ${formatSize(max)} (${max} bytes)`);
}

/**
 * Set partition `p`'s size to `sectors` in the table. For GPT the disk must already have its final
 * size: the backup entry array and header are written at its end (the old backup header, when the
 * disk grew, is cleared after the primary ones are written), then the protective MBR.
 */
export function setPartitionSectors(disk: BlockDevice, table: PartitionTable, p: Partition, sectors: number): void {
  const ss = disk.sectorSize;
  if (table.scheme === 'mbr') {
    const mbr = new Uint8Array(ss);
    disk.read(0, mbr);
    const e = 446 + 16 * (p.index - 1);
    if (le32(mbr, e + 8) !== p.startLba) throw new FatError('FAT_CORRUPT', `MBR entry ${p.index} does not start where the partition does`);
    put32(mbr, e + 12, sectors);
    // CHS of the end: saturated, as partitioning tools write them past 8 GiB (LBA is what counts).
    mbr.set([0xfe, 0xff, 0xff], e + 5);
    disk.write(0, mbr);
    return;
  }
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
  disk.write(t.entriesLba, entries);
  disk.write(1, header(1, last, t.entriesLba));
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
