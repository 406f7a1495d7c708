import type { Command } from 'commander';
import { writeSparseImage } from '../../index.js';
import { writeOut, type GlobalOptions } from '../volume.js';
import { nonEmpty } from '../option-checks.js';
import { flashLocation, mapSummary } from './bmap.js';

interface SparseOptions {
  output: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('sparse')
    .description('write an Android sparse image (for fastboot, simg2img) with free clusters left out')
    .argument('<image>', 'the image file (a FAT volume or a partitioned disk)')
    .requiredOption('-o, --output <file>', 'the sparse image to write (replaced atomically)')
    .option('--json', 'print { output, outputSize, chunks, rawBlocks, fillBlocks, dontCareBlocks, ... }')
    .addHelpText('after', `
Blocks are 4 KiB: what fat bmap maps is stored (uniform blocks as FILL chunks, the rest RAW), the
rest (free clusters) is DONT_CARE. simg2img OUT RAW gives back the image (padded with zeros to a
whole block) with zeros where the free clusters were.`)
    .action(async (image: string, opts: SparseOptions, cmd: Command) => {
      nonEmpty(opts.output, '--output');
      const r = writeSparseImage(image, opts.output, flashLocation(cmd, 'sparse'));
      if (opts.json) {
        const { map, outputBytes, chunks, rawBlocks, fillBlocks, dontCareBlocks } = r;
        await writeOut(`${JSON.stringify({ output: opts.output, outputSize: outputBytes, chunks, rawBlocks, fillBlocks, dontCareBlocks, ...mapSummary(map) }, null, 2)}\n`);
      } else if (!cmd.optsWithGlobals<GlobalOptions>().quiet) {
        await writeOut(`${opts.output}: ${r.outputBytes} bytes, ${r.chunks} chunks (${r.rawBlocks} raw, ${r.fillBlocks} fill, ${r.dontCareBlocks} don't-care blocks of ${r.map.blockSize} bytes)\n`);
      }
    });
}
