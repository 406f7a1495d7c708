import type { BlockDevice } from '../device/block-device.js';
import { SliceDevice } from '../device/slice.js';
import { findPartition } from '../disk/partition.js';
import { FatError } from '../errors.js';
import { checkRoom, partitionRoom, setPartitionSectors } from './partition-entry.js';
import { setFatPartitionType } from './partition-type.js';
import { resize, type ResizeOptions, type ResizeResult } from './resize.js';

export interface PartitionResizeOptions extends ResizeOptions {
  /**
   * Make the disk hold `sectors` sectors (the table's), called before the first write when the
   * last partition grows past the disk's end. Without it such a resize is refused.
   */
  growDisk?: (sectors: number) => void;
}

/** Where the partition ends up, as `fat resize --json` prints it (bytes). */
export interface PartitionResizeReport {
  index: number;
  start: number;
  size: number;
  diskSize: number;
}

/**
 * Resize the FAT volume in partition `n` of a whole disk, in place, and move the partition's entry
 * with it: an MBR primary or logical partition (5 and up: its EBR, the link to it and, when it
 * grows past it, the extended partition) or a GPT partition (both arrays and headers). `size`
 * 'max' takes all the free space after the partition: up to the next partition (or EBR), or the
 * disk's end (a GPT's last usable sector). `disk` must count the table's sectors.
 *
 * The order makes every interruption leave a volume that lies wholly inside the partition the
 * table on the disk gives it (so every file stays readable through it): growing, the disk, then
 * the entry (a partition larger than its volume is a valid state), then the volume, which writes
 * only inside the grown partition; shrinking, the volume first (inside the old partition), then
 * the entry. Flushes between the steps keep that order on the disk. When the FAT type changed, an
 * MBR type byte naming the old type is set to the new one last (partition-type.ts).
 */
export function resizePartition(disk: BlockDevice, n: number, size: number | 'min' | 'max', options: PartitionResizeOptions = {}): { result: ResizeResult; partition: PartitionResizeReport } {
  const { growDisk, ...rest } = options;
  if (rest.clusterSize !== undefined) throw new FatError('EINVAL', '--cluster-size moves every cluster: it cannot be done inside a partition (in place)');
  const { partition: p, table } = findPartition(disk, n);
  const ss = disk.sectorSize;
  if (ss !== table.sectorSize) throw new FatError('EINVAL', `the disk must be opened in the table's ${table.sectorSize}-byte sectors`);
  if (!p.isFat) throw new FatError('FAT_NOT_FAT', `partition ${n} holds no FAT file system`);
  const room = partitionRoom(disk, table, p);
  let target: number | 'min';
  if (size === 'max') {
    // Less room than the partition has: it overlaps what comes after it (or the GPT's backup).
    if (room.freeSectors < p.sectorCount) {
      const what = room.why?.replace(/ (starts|comes) right after .*$/, '') ?? (table.scheme === 'gpt' ? 'the GPT\'s backup at the disk\'s end' : 'the end of what an MBR addresses');
      throw new FatError('FAT_CORRUPT', `partition ${n} overlaps ${what}: max would shrink it; give a size`, { structure: 'partition table', sector: p.startLba });
    }
    target = room.freeSectors * ss;
  } else target = size;
  const slice = (sectors: number): BlockDevice => new SliceDevice(disk, p.startLba, sectors);
  const plan = resize(slice(p.sectorCount), target, { ...rest, dryRun: true });
  const sectors = plan.bytes / ss;
  if (!Number.isInteger(sectors)) throw new FatError('EINVAL', `the volume's sectors do not match the table's ${ss}-byte sectors`);
  checkRoom(room, p, sectors, ss);
  const diskSectors = room.diskSectorsFor(sectors);
  const partition = { index: n, start: p.startLba * ss, size: sectors * ss, diskSize: diskSectors * ss };
  if (rest.dryRun) return { result: plan, partition };
  // The size it already has: nothing to write, neither the volume nor the table.
  if (plan.unchanged && sectors === p.sectorCount) return { result: { ...plan, dryRun: false }, partition };
  const barrier = rest.sync === false ? () => {} : () => disk.flush();
  let result: ResizeResult;
  if (sectors > p.sectorCount) {
    if (diskSectors > disk.sectorCount) {
      if (growDisk === undefined) throw new FatError('ENOSPC', `partition ${n} would end past the disk's end: the disk cannot grow`);
      growDisk(diskSectors);
    }
    setPartitionSectors(disk, table, p, sectors, barrier);
    barrier();
    result = resize(slice(sectors), target, rest);
  } else {
    result = resize(slice(p.sectorCount), target, rest);
    barrier();
    setPartitionSectors(disk, table, p, sectors, barrier);
  }
  barrier();
  if (result.typeChange !== null) {
    // An MBR type byte that named the old type (0x06 FAT16, 0x0C FAT32, ...) names the new one.
    setFatPartitionType(disk, table, p, result.to.fatType, sectors);
    barrier();
  }
  return { result, partition };
}
