import type { BlockDevice } from '../fat/device/block-device.js';
import { FileDevice } from '../fat/device/file.js';
import { SliceDevice } from '../fat/device/slice.js';
import { findPartition, type Partition, type PartitionTable } from '../fat/disk/partition.js';
import { mkfs, type MkfsOptions, type MkfsResult } from '../fat/mkfs/mkfs.js';
import { planBuild, type BuildPlan, type BuildResult } from '../fat/build/plan.js';
import { FatError } from '../fat/errors.js';
import { collectBuildEntries, writeBuildAsync, type BuildImageOptions } from './build-image.js';
import { lockImage } from './image-lock.js';

export interface FormatPartitionOptions extends Omit<MkfsOptions, 'size' | 'partition' | 'hiddenSectors' | 'esp' | 'diskGuid' | 'partitionGuid' | 'partitionName'> {
  /** Read the table in these sectors (a 4Kn MBR disk whose partitions hold no FAT yet); by default the table's own. */
  sectorSize?: number;
  /** Fill the new volume with this host directory's tree (and the walker's options). */
  build?: Omit<BuildImageOptions, 'size' | 'diskSize' | 'partition' | 'force' | 'sync' | 'onPlan'>;
  /** fdatasync the image at the end. */
  sync?: boolean;
}

export interface FormattedPartition {
  result: MkfsResult | BuildResult;
  partition: Partition;
  table: PartitionTable;
  plan?: BuildPlan;
}

const MIB = 1 << 20;

/**
 * Refuse to format a partition whose place on the disk is in doubt, before anything is written:
 * one that overlaps the partition table (LBA 0, a GPT header or entry array, the backup GPT) or
 * another partition, and, on an MBR disk whose partitions hold no FAT volume yet, one that only a
 * 4096-byte reading places on a MiB boundary (a 4Kn disk read as 512-byte sectors would be
 * formatted at an eighth of its offset): there the user says which with --sector-size.
 */
function refuseUnsafeTarget(table: PartitionTable, p: Partition, unit: number, unitGiven: boolean): void {
  const start = p.startLba * unit;
  const end = start + p.sectorCount * unit;
  const what = `partition ${p.index}`;
  if (table.scheme === 'mbr' && !unitGiven && !table.partitions.some((x) => x.isFat) && start % MIB !== 0 && (start * (4096 / unit)) % MIB === 0) {
    throw new FatError('EINVAL', `cannot tell whether the MBR counts 512- or 4096-byte sectors (no partition holds a FAT volume yet): give --sector-size 512 or 4096`);
  }
  const ts = table.sectorSize;
  // GPT: the protective MBR, the header and 128 entries of 128 bytes (16 KiB) before; the backup after.
  const head = table.scheme === 'gpt' ? ts * 2 + 16384 : ts;
  if (start < head) throw new FatError('FAT_CORRUPT', `${what} overlaps the partition table (it starts at byte ${start}): refusing to format it`);
  for (const q of table.partitions) {
    if (q === p || q.problem !== undefined || q.sectorCount === 0 || !holdsData(q)) continue;
    const qs = q.startLba * unit;
    const qe = qs + q.sectorCount * unit;
    if (qs < end && start < qe) throw new FatError('FAT_CORRUPT', `${what} overlaps partition ${q.index}: refusing to format it`);
  }
}

/** Partitions that hold data (not an extended partition's container entry, nor GPT's protective one). */
const holdsData = (q: Partition): boolean => !(typeof q.type === 'number' && [0x05, 0x0f, 0x85, 0xee].includes(q.type));

/**
 * `fat make IMG --partition N [--from DIR]`: format partition N of an existing MBR or GPT disk in
 * place, the volume the partition's size, leaving the table and every byte outside the partition
 * as they were (the job of `mkfs.fat --offset` plus `mcopy -i IMG@@OFFSET`). The image is locked
 * (IMG.lock, EBUSY while another process writes it) and written in place, not through a temporary
 * file: the rest of the disk must stay. With `build`, the tree is planned for the partition's size
 * first (failing before anything is written when it does not fit).
 */
export async function formatPartitionInPlace(image: string, n: number, options: FormatPartitionOptions = {}): Promise<FormattedPartition> {
  const lock = lockImage(image);
  try {
    // Find the partition (in 512-byte sectors, or those asked for), then reopen the image in the
    // table's sector size: the volume's sectors are the disk's logical sectors.
    const probe = FileDevice.open(image, { readOnly: true, sectorSize: options.sectorSize ?? 512 });
    let found: { partition: Partition; table: PartitionTable };
    try {
      found = findPartition(probe, n);
    } finally {
      probe.close();
    }
    const { partition, table } = found;
    const ss = table.sectorSize;
    const unit = options.sectorSize ?? 512;
    const startByte = partition.startLba * unit;
    const bytes = partition.sectorCount * unit;
    if (startByte % ss !== 0 || bytes % ss !== 0) {
      throw new FatError('FAT_CORRUPT', `partition ${n} is not aligned to the table's ${ss}-byte sectors`);
    }
    refuseUnsafeTarget(table, partition, unit, options.sectorSize !== undefined);
    const whole = FileDevice.open(image, { sectorSize: ss });
    try {
      const dev: BlockDevice = new SliceDevice(whole, startByte / ss, bytes / ss);
      const mkfsOptions: MkfsOptions = { ...options, hiddenSectors: startByte / ss, size: bytes };
      let result: MkfsResult | BuildResult;
      let plan: BuildPlan | undefined;
      if (options.build === undefined) {
        result = mkfs(dev, mkfsOptions);
      } else {
        const buildOptions = { ...options.build, ...mkfsOptions, size: bytes };
        const entries = await collectBuildEntries(options.build.from, { ...options.build, image });
        options.build.signal?.throwIfAborted();
        plan = planBuild(entries, buildOptions, ss);
        // The builder expects a zeroed device: clear the new volume's FATs and root first.
        mkfs(dev, { ...mkfsOptions, size: plan.volumeBytes, ...(plan.rootEntries !== undefined ? { rootEntries: plan.rootEntries } : {}) });
        result = await writeBuildAsync(dev, plan, buildOptions, options.build.signal);
      }
      if (options.sync) whole.flush();
      return { result, partition, table, ...(plan ? { plan } : {}) };
    } finally {
      whole.close();
    }
  } finally {
    lock.release();
  }
}
