import type { Command } from 'commander';
import { checkCrunch, crunch, type CrunchOptions, type CrunchSummary } from '../../index.js';
import { checkGlobs, nonEmpty } from '../option-checks.js';
import { writeOut } from '../output.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { warnSkipped } from '../volume.js';

interface CrunchFlags {
  out: string;
  include?: string[];
  exclude?: string[];
  inline?: boolean;
  compress: boolean;
  brotliQuality?: string;
  check?: boolean;
  followSymlinks: boolean;
  dot: boolean;
  skipSpecial?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function describe(summary: CrunchSummary): string {
  const variants = summary.variants > 0 ? `, ${plural(summary.variants, 'compressed variant')} (${size(summary.variantBytes)})` : '';
  return `${plural(summary.files, 'file')} (${size(summary.bytes)}, ${summary.uniqueFiles} distinct)${variants}`;
}

function options(dir: string, flags: CrunchFlags): CrunchOptions {
  const quality = flags.brotliQuality === undefined ? undefined : Number(flags.brotliQuality);
  if (quality !== undefined && !(Number.isInteger(quality) && quality >= 0 && quality <= 11)) {
    throw new CliError(`--brotli-quality must be a whole number from 0 to 11, not "${flags.brotliQuality}"`, EXIT_USAGE);
  }
  nonEmpty(flags.out, '-o');
  checkGlobs(flags);
  return {
    include: flags.include,
    exclude: flags.exclude,
    inline: flags.inline === true,
    compress: flags.compress,
    compression: quality === undefined ? undefined : { brotliQuality: quality },
    followSymlinks: flags.followSymlinks,
    dot: flags.dot,
    skipSpecial: flags.skipSpecial === true,
    onSkip: warnSkipped(dir),
  };
}

export function register(program: Command): void {
  program
    .command('crunch')
    .description('embed a directory as a JavaScript/TypeScript module that serves itself')
    .argument('<dir>', 'the directory to embed')
    .requiredOption('-o, --out <out>', 'output: a directory (index.js, index.d.ts, chunks/) or a .js/.mjs file')
    .option('--include <glob>', 'only embed paths matching this glob (repeatable)', collect)
    .option('--exclude <glob>', 'leave out paths matching this glob; a directory goes with its contents (repeatable)', collect)
    .option('--inline', 'write one self-contained module (base64 literals), for bundlers; adds readSync')
    .option('--no-compress', 'store no brotli/gzip variants')
    .option('--brotli-quality <n>', 'brotli quality 0-11 (default 11: smallest, slowest)')
    .option('--no-follow-symlinks', 'leave symbolic links out instead of following them')
    .option('--no-dot', 'leave out dotfiles and dot-directories')
    .option('--skip-special', 'leave sockets, FIFOs and devices out (one warning each) instead of failing')
    .option('--check', 'write nothing; exit 1 when OUT is not what this command would write')
    .addHelpText('after', '\nMtimes are clamped to SOURCE_DATE_EPOCH when it is set; the same tree gives the same bytes.')
    .action(async (dir: string, flags: CrunchFlags, command: Command) => {
      const quiet = command.optsWithGlobals<{ quiet?: boolean }>().quiet === true;
      if (flags.check) {
        const result = await checkCrunch(dir, flags.out, options(dir, flags));
        if (result.stale.length > 0) {
          const chunks = result.stale.filter((p) => p.endsWith('.bin')).length;
          const named = result.stale.filter((p) => !p.endsWith('.bin')).sort();
          const shown = [...named, ...(chunks > 0 ? [`${chunks} chunk file${chunks === 1 ? '' : 's'}`] : [])].join(', ');
          throw new CliError(`${flags.out} is stale (differs: ${shown}); run fat crunch ${dir} -o ${flags.out} to update it`);
        }
        if (!quiet) await writeOut(`${flags.out} is up to date: ${describe(result.summary)}\n`);
        return;
      }
      const result = await crunch(dir, flags.out, options(dir, flags));
      const chunks = result.chunks > 0 ? ` + ${plural(result.chunks, 'chunk file')}` : '';
      if (!quiet) await writeOut(`crunched ${describe(result.summary)} into ${flags.out}${chunks}\n`);
    });
}
