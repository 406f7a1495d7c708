import type { Command } from 'commander';
import { oneLine, openImage, retryWhileBusy, type Volume } from '../index.js';
import { CliError, EXIT_USAGE } from './run.js';
import { parseSize } from './size.js';

/** Global options every command understands (DESIGN.md: the command line). */
export interface GlobalOptions {
  partition?: string;
  offset?: string;
  quiet?: boolean;
  debug?: boolean;
  codePage?: string;
  /** --wait [SECONDS]: wait for another writer of the image (true: as long as it takes). */
  wait?: string | true;
}

export interface CliVolume {
  volume: Volume;
  /** Problems reported while reading that left something out (exit 1 at the end). */
  skipped: number;
}

/** Print a read problem as one `fat:` line on stderr. */
export function warn(message: string): void {
  process.stderr.write(`fat: ${oneLine(message)}\n`);
}

/** Open IMG with the global --partition / --offset options; problems are printed as they are found. */
export function openVolume(img: string, cmd: Command, options: { write?: boolean; now?: () => Date; quietProblems?: boolean } = {}): CliVolume {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  let partition: number | undefined;
  let offset: number | undefined;
  if (g.partition !== undefined) {
    partition = Number(g.partition);
    if (!Number.isInteger(partition) || partition < 1) throw new CliError(`--partition takes a partition number from 1, not "${g.partition}"`, EXIT_USAGE);
  }
  if (g.offset !== undefined) offset = parseSize(g.offset, '--offset');
  if (partition !== undefined && offset !== undefined) throw new CliError('--partition and --offset cannot be used together', EXIT_USAGE);
  const state = { skipped: 0 };
  const volume = openImage(img, {
    readOnly: !options.write,
    ...(partition !== undefined ? { partition } : {}),
    ...(offset !== undefined ? { offset } : {}),
    ...(g.codePage ? { codePage: g.codePage as 'cp437' | 'cp850' } : {}),
    ...(options.now ? { now: options.now } : {}),
    onProblem: (p) => {
      if (p.skipped) state.skipped++;
      if (!options.quietProblems) warn(`${p.path}: ${p.message}`);
    },
  });
  return {
    volume,
    get skipped() {
      return state.skipped;
    },
  };
}

const WAIT_FOREVER = 'forever';

/**
 * `--wait` takes an optional value, and commander would take the next word (`fat --wait add ...`)
 * as it: a `--wait` not followed by a number is rewritten to `--wait=forever` before parsing.
 */
export function waitArgs(argv: string[]): string[] {
  return argv.map((a, i) => (a === '--wait' && !/^\d+(\.\d+)?$/.test(argv[i + 1] ?? '') ? `--wait=${WAIT_FOREVER}` : a));
}

/** How long --wait waits for an image another process writes: 0 (fail at once), seconds, or Infinity. */
export function lockWait(cmd: Command): number {
  const w = cmd.optsWithGlobals<GlobalOptions>().wait;
  if (w === undefined) return 0;
  if (w === true || w === WAIT_FOREVER) return Infinity;
  const seconds = Number(w);
  if (w.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new CliError(`--wait takes a number of seconds, not "${w}"`, EXIT_USAGE);
  return seconds;
}

/**
 * Run `attempt` (which locks the image before writing anything: openVolume with write, make) and,
 * with --wait, try again while another process holds the image's lock.
 */
export function whenImageFree<T>(cmd: Command, attempt: () => T | Promise<T>): Promise<T> {
  return retryWhileBusy(attempt, lockWait(cmd));
}

/** Write to stdout, waiting when the pipe is full. */
export async function writeOut(chunk: Uint8Array | string): Promise<void> {
  if (!process.stdout.write(chunk)) {
    await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }
}
