import type { Command } from 'commander';
import { bmapOf, writeBmapFile, type ImageBlockMap } from '../../index.js';
import { volumeLocation, writeOut, type GlobalOptions } from '../volume.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { nonEmpty } from '../option-checks.js';

interface BmapOptions {
  output?: string;
  json?: boolean;
}

/** --partition does not apply (every partition is mapped); --offset places a volume without a table. */
export function flashLocation(cmd: Command, what: string): { offset?: number } {
  const { partition, offset } = volumeLocation(cmd);
  if (partition !== undefined) throw new CliError(`${what} maps the whole image, every partition of it: --partition does not apply`, EXIT_USAGE);
  return offset === undefined ? {} : { offset };
}

/** The --json summary of a block map. */
export function mapSummary(map: ImageBlockMap): Record<string, unknown> {
  return {
    imageSize: map.imageBytes,
    blockSize: map.blockSize,
    blocksCount: map.blockCount,
    mappedBlocksCount: map.mappedBlocks,
    mappedBytes: map.mappedBlocks * map.blockSize,
    ranges: map.ranges,
    notes: map.notes,
  };
}

export function register(program: Command): void {
  program
    .command('bmap')
    .description('write a bmaptool block map (format 2.0, sha256) of the blocks an image uses')
    .argument('<image>', 'the image file (a FAT volume or a partitioned disk)')
    .option('-o, --output <file>', 'write the bmap to FILE (replaced atomically) instead of standard output')
    .option('--json', 'with -o: print { imageSize, blockSize, blocksCount, mappedBlocksCount, mappedBytes, ranges, notes }')
    .addHelpText('after', `
Blocks are 4 KiB. Mapped: a FAT volume's reserved sectors, FATs and root, and the clusters in use;
on a partitioned disk the MBR/GPT sectors, each FAT partition's used parts and other partitions
whole; before the first partition, every block that is not all zeros (boot code). Free clusters are left out: bmaptool copies
only mapped blocks (bmaptool copy --bmap MAP IMAGE DEVICE).`)
    .action(async (image: string, opts: BmapOptions, cmd: Command) => {
      nonEmpty(opts.output, '--output');
      if (opts.json && opts.output === undefined) throw new CliError('--json prints a summary: give the bmap a file with -o FILE', EXIT_USAGE);
      const where = flashLocation(cmd, 'bmap');
      if (opts.output === undefined) {
        await writeOut(bmapOf(image, where).text);
        return;
      }
      const map = writeBmapFile(image, opts.output, where);
      if (opts.json) await writeOut(`${JSON.stringify({ output: opts.output, ...mapSummary(map) }, null, 2)}\n`);
      else if (!cmd.optsWithGlobals<GlobalOptions>().quiet) {
        await writeOut(`${opts.output}: ${map.mappedBlocks} of ${map.blockCount} blocks of ${map.blockSize} bytes mapped\n`);
      }
    });
}
