import type { BlockDevice } from '../device/block-device.js';
import type { Partition, PartitionTable } from '../disk/partition.js';
import { EXTENDED_TYPES } from '../disk/ebr.js';
import { le32, put32 } from '../format/bytes.js';
import { FatError } from '../errors.js';
import { formatSize } from '../mkfs/layout.js';
import { gptTrailer, setGptSectors } from './gpt-entry.js';
import { logicalPlace, setLogicalSectors } from './logical-entry.js';

/**
 * Growing or shrinking a partition's entry around a resized volume: an MBR primary entry's sector
 * count; a logical partition's entry in its EBR, the link to it and the extended partition
 * (logical-entry.ts); a GPT entry's last LBA with both arrays and headers (gpt-entry.ts). `disk`
 * counts the table's own sectors (table.sectorSize), as do the partition's LBAs.
 */
export interface PartitionRoom {
  /** Largest sector count the partition may take, or undefined: no limit (the disk grows). */
  maxSectors: number | undefined;
  /**
   * The sectors it may take without growing the disk: up to what is in the way, or to the disk's
   * end (a GPT's last usable sector). What the size `max` means.
   */
  freeSectors: number;
  /** The partition in the way, if any. */
  blocker?: number;
  /** What is in the way, as an error message says it ("partition 2 starts right after it"). */
  why?: string;
  /** Sectors the disk must have for the partition to take `sectors` sectors. */
  diskSectorsFor(sectors: number): number;
}

const MBR_MAX = 0xffffffff;

interface Obstacle { start: number; why: string; blocker?: number }

/** The first thing after `p` on the disk: another partition, or (logical) another EBR. */
function firstObstacle(disk: BlockDevice, table: PartitionTable, p: Partition): Obstacle | undefined {
  const found: Obstacle[] = [];
  let extStart: number | undefined;
  const logical = table.scheme === 'mbr' && p.index > 4;
  if (logical) {
    const place = logicalPlace(disk, p);
    extStart = place.extStart;
    for (const l of place.links) {
      if (l === place.link) continue;
      const of = l.index !== undefined ? ` of partition ${l.index}` : '';
      found.push({ start: l.lba, why: `the extended boot record${of} (sector ${l.lba}) comes right after it`, ...(l.index !== undefined ? { blocker: l.index } : {}) });
    }
  }
  for (const q of table.partitions) {
    if (q.index === p.index || q.sectorCount === 0) continue;
    const container = typeof q.type === 'number' && EXTENDED_TYPES.includes(q.type) && q.index <= 4;
    // A logical partition grows inside its extended partition, which grows with it.
    if (logical && container && q.startLba === extStart) continue;
    const what = container ? `partition ${q.index} (the extended partition)` : `partition ${q.index}`;
    const why = logical && q.index <= 4 ? `${what} starts right after the extended partition it lies in` : `${what} starts right after it`;
    found.push({ start: q.startLba, why, blocker: q.index });
  }
  let next: Obstacle | undefined;
  for (const o of found) if (o.start >= p.startLba && (next === undefined || o.start < next.start)) next = o;
  return next;
}

/** How far partition `p` may grow: to what comes after it, or without limit when it is the last one. */
export function partitionRoom(disk: BlockDevice, table: PartitionTable, p: Partition): PartitionRoom {
  if (disk.sectorSize !== table.sectorSize) throw new FatError('EINVAL', `the disk must be opened in the table's ${table.sectorSize}-byte sectors`);
  const next = firstObstacle(disk, table, p);
  const trailer = table.scheme === 'gpt' ? gptTrailer(disk).entrySectors + 1 : 0;
  // An MBR counts 32-bit sectors: no partition may end past sector 2^32 - 1.
  const limit = table.scheme === 'gpt' ? undefined : MBR_MAX - p.startLba;
  const cap = (n: number): number => (limit === undefined ? n : Math.min(n, limit));
  const maxSectors = next !== undefined ? cap(next.start - p.startLba) : limit;
  const freeSectors = cap((next?.start ?? disk.sectorCount - trailer) - p.startLba);
  return {
    maxSectors,
    freeSectors,
    ...(next?.blocker !== undefined ? { blocker: next.blocker } : {}),
    ...(next !== undefined ? { why: next.why } : {}),
    diskSectorsFor: (sectors) => Math.max(disk.sectorCount, p.startLba + sectors + trailer),
  };
}

/** Refuse, naming what is in the way and the largest size left, when `sectors` do not fit. */
export function checkRoom(room: PartitionRoom, p: Partition, sectors: number, sectorSize: number): void {
  if (room.maxSectors === undefined || sectors <= room.maxSectors) return;
  const max = room.maxSectors * sectorSize;
  const why = room.why ?? (room.blocker !== undefined ? `partition ${room.blocker} starts right after it` : 'an MBR counts at most 2^32 - 1 sectors');
  throw new FatError('ENOSPC', `partition ${p.index} cannot grow to ${formatSize(sectors * sectorSize)}: ${why}; it can grow to at most ${formatSize(max)} (${max} bytes)`);
}

/**
 * Set partition `p`'s size to `sectors` in the table. For GPT the disk must already have its final
 * size: the backup entry array and header are written at its end first (see setGptSectors). An
 * MBR primary entry is one sector write; a logical partition's up to three (setLogicalSectors).
 * `barrier` (a flush) keeps the order of several writes on the disk.
 */
export function setPartitionSectors(disk: BlockDevice, table: PartitionTable, p: Partition, sectors: number, barrier: () => void = () => {}): void {
  if (table.scheme === 'gpt') return setGptSectors(disk, p, sectors, barrier);
  if (p.index > 4) return setLogicalSectors(disk, p, sectors, barrier);
  const mbr = new Uint8Array(disk.sectorSize);
  disk.read(0, mbr);
  const e = 446 + 16 * (p.index - 1);
  if (le32(mbr, e + 8) !== p.startLba) throw new FatError('FAT_CORRUPT', `MBR entry ${p.index} does not start where the partition does`);
  put32(mbr, e + 12, sectors);
  // CHS of the end: saturated, as partitioning tools write them past 8 GiB (LBA is what counts).
  mbr.set([0xfe, 0xff, 0xff], e + 5);
  disk.write(0, mbr);
}
