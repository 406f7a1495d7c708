import type { Command } from 'commander';
import {
  FatError, FileDevice, createImageFile, findPartition, formatSize, lockImage, resize, resizePartition,
  type PartitionResizeReport, type ResizeOptions, type ResizeResult,
} from '../../index.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { volumeLocation, whenImageFree, writeOut } from '../volume.js';
import { parseSize } from '../size.js';

interface ResizeCliOptions {
  free?: string;
  inPlace?: boolean;
  keepType?: boolean;
  clusterSize?: string;
  dryRun?: boolean;
  json?: boolean;
  sync?: boolean;
}

type PartitionReport = PartitionResizeReport;

/** Check the command line before anything is opened (usage errors, exit 2). */
function parseArgs(size: string, opts: ResizeCliOptions, cmd: Command): { target: number | 'min' | 'max'; options: ResizeOptions; partition?: number } {
  const { partition, offset } = volumeLocation(cmd);
  if (offset !== undefined) throw new CliError('resize works on a bare image or a partition (--partition N), not at an --offset', EXIT_USAGE);
  const word = size.trim().toLowerCase();
  const target = word === 'min' || word === 'max' ? word : parseSize(size, 'SIZE');
  if (target === 'max' && partition === undefined) {
    throw new CliError('SIZE max grows a partition into the free space after it (--partition N): a bare image has no such limit; give a size', EXIT_USAGE);
  }
  if (typeof target === 'number' && target < 512) throw new CliError(`SIZE: ${JSON.stringify(size)} is smaller than one sector`, EXIT_USAGE);
  const options: ResizeOptions = {};
  if (opts.free !== undefined) {
    if (target !== 'min') throw new CliError('--free goes with SIZE min', EXIT_USAGE);
    options.free = parseSize(opts.free, '--free');
  }
  if (opts.clusterSize !== undefined) {
    const cs = parseSize(opts.clusterSize, '--cluster-size');
    if (cs < 512 || cs > 65536 || (cs & (cs - 1)) !== 0) throw new CliError(`--cluster-size ${opts.clusterSize} must be a power of two from 512 to 65536 bytes`, EXIT_USAGE);
    options.clusterSize = cs;
  }
  if (opts.keepType) options.keepType = true;
  if (opts.sync === false) options.sync = false;
  return { target, options, ...(partition !== undefined ? { partition } : {}) };
}

/** A bare image: through a temporary file beside it (default), or in place. The file ends up the volume's size. */
function resizeBare(image: string, target: number | 'min', options: ResizeOptions, inPlace: boolean, dryRun: boolean): ResizeResult {
  if (dryRun) {
    const dev = FileDevice.open(image, { readOnly: true });
    try {
      return resize(dev, target, { ...options, dryRun: true, copy: !inPlace });
    } finally {
      dev.close();
    }
  }
  if (!inPlace) {
    const probe = FileDevice.open(image, { readOnly: true });
    let bytes: number;
    try {
      const plan = resize(probe, target, { ...options, dryRun: true, copy: true });
      // Already that size: no temporary file, no write.
      if (plan.unchanged) return { ...plan, dryRun: false };
      bytes = plan.bytes;
    } finally {
      probe.close();
    }
    return createImageFile(image, bytes, {}, (tmp) => {
      const src = FileDevice.open(image, { readOnly: true });
      try {
        return resize(src, target, { ...options, target: tmp });
      } finally {
        src.close();
      }
    });
  }
  const lock = lockImage(image);
  try {
    const dev = FileDevice.open(image);
    try {
      const old = dev.sectorCount;
      let sectors = old;
      let r: ResizeResult;
      try {
        r = resize(dev, target, {
          ...options,
          // Grow the file once the new size is known (resize checks everything before).
          ensureSize: (bytes) => {
            sectors = bytes / dev.sectorSize;
            if (sectors > old) dev.resize(sectors);
          },
        });
      } catch (e) {
        if (dev.sectorCount !== old) dev.resize(old);
        throw e;
      }
      if (sectors !== dev.sectorCount) dev.resize(sectors);
      return r;
    } finally {
      dev.close();
    }
  } finally {
    lock.release();
  }
}

/** Partition N of a disk, always in place; the entry (and for GPT the backup header and the disk) follow. */
function resizePartitionOf(image: string, n: number, target: number | 'min' | 'max', options: ResizeOptions, dryRun: boolean): { result: ResizeResult; partition: PartitionReport } {
  const lock = dryRun ? undefined : lockImage(image);
  try {
    const probe = FileDevice.open(image, { readOnly: true });
    let ss: number;
    try {
      ss = findPartition(probe, n).table.sectorSize;
    } finally {
      probe.close();
    }
    const disk = FileDevice.open(image, { sectorSize: ss, readOnly: dryRun });
    try {
      return resizePartition(disk, n, target, { ...options, dryRun, growDisk: (sectors) => disk.resize(sectors) });
    } finally {
      disk.close();
    }
  } finally {
    lock?.release();
  }
}

function human(image: string, r: ResizeResult, part: PartitionReport | undefined, dryRun: boolean): string {
  const f = r.from;
  const t = r.to;
  const lines = [
    `${image}${part ? ` partition ${part.index}` : ''}: ${r.typeChange ?? `FAT${t.fatType}`}, ${formatSize(f.bytes)} -> ${formatSize(t.bytes)} (${t.bytes} bytes)`,
    `clusters: ${f.clusterCount} -> ${t.clusterCount} of ${formatSize(t.clusterSize)}; FAT: ${f.fatSize} -> ${t.fatSize} sectors x ${t.numFats}; data starts at sector ${t.dataStart}`,
    r.unchanged
      ? `unchanged: the volume already has this size; nothing ${dryRun ? 'would be' : 'was'} written`
      : `${dryRun ? 'would move' : 'moved'}: ${r.clustersToMove} of ${r.clustersUsed} clusters in use (${formatSize(r.bytesToMove)})`,
  ];
  if (part) lines.push(`partition ${part.index}: ${formatSize(part.size)} at byte ${part.start}; disk ${formatSize(part.diskSize)}`);
  if (dryRun) lines.push('dry run: nothing was written');
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('resize')
    .description('grow or shrink a FAT volume (a bare image, or --partition N of a disk), converting its FAT type when needed')
    .argument('<image>', 'the image file')
    .argument('<size>', 'the new size (bytes, or with K, M, G, T), min: the smallest that holds the data, or max (--partition N): all the free space after the partition')
    .option('--free <size>', 'with min: leave this much free space')
    .option('--in-place', 'resize the image file in place instead of through a temporary file')
    .option('--keep-type', 'keep the FAT type: refuse sizes that need another')
    .option('--cluster-size <bytes>', 'change the cluster size (every cluster moves; not in place)')
    .option('--dry-run', 'print what would happen and write nothing')
    .option('--no-sync', 'skip the flushes between steps (an interruption then stays safe against a killed process, not a power failure)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
The FATs are sized as mkfs.fat would size them; clusters keep their place where they can and only
those under grown FATs or past a shrunk end move. When the cluster count crosses 4085 or 65525
the volume becomes FAT16 or FAT32 (or FAT12, FAT16 when shrinking), unless --keep-type.
A bare image is written to a temporary file beside it and renamed into place (an interruption
leaves the old image); it ends up exactly the volume's size. --in-place writes the image itself.
With --partition N the volume is resized in place and the partition entry follows it (a GPT's
backup header and the disk file too when the partition is the last one; for a logical partition,
5 and up, its EBR and the extended partition); a partition or EBR in the way is refused. SIZE max
takes the free space up to the next partition or the disk's end. A volume whose chains are
damaged is refused: run fat check --repair first.`)
    .action(async (image: string, size: string, opts: ResizeCliOptions, cmd: Command) => {
      if (image === '') throw new CliError('resize needs a path, not ""', EXIT_USAGE);
      const { target, options, partition } = parseArgs(size, opts, cmd);
      const dryRun = opts.dryRun === true;
      const done = await whenImageFree(cmd, () => partition !== undefined
        ? resizePartitionOf(image, partition, target, options, dryRun)
        : { result: resizeBare(image, target as number | 'min', options, opts.inPlace === true, dryRun), partition: undefined });
      const r = done.result;
      if (opts.json) {
        const json = {
          image, dryRun, inPlace: partition !== undefined || opts.inPlace === true, partition: done.partition ?? null,
          from: r.from, to: r.to, typeChange: r.typeChange, clustersUsed: r.clustersUsed, clustersToMove: r.clustersToMove, bytesToMove: r.bytesToMove,
          unchanged: r.unchanged,
        };
        await writeOut(`${JSON.stringify(json, null, 2)}\n`);
      } else await writeOut(human(image, r, done.partition, dryRun));
    });
}
