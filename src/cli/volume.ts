import type { Command } from 'commander';
import * as nodePath from 'node:path';
import { describeSkip, oneLine, openImage, retryWhileBusy, type ImageDevice, type SkippedEntry, type Volume } from '../index.js';
import { CliError, EXIT_USAGE } from './run.js';
import { parseSize } from './size.js';
import { WAIT_FOREVER } from './wait.js';

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
  /** Where the volume was found: its partition and table, when the image is a whole disk. */
  location: Omit<ImageDevice, 'device' | 'whole'>;
}

/** Print a read problem as one `fat:` line on stderr. */
export function warn(message: string): void {
  process.stderr.write(`fat: ${oneLine(message)}\n`);
}

/**
 * The walker's onSkip for a command: one warning per special file or image left out of the host
 * directory `dir` (links left out by --no-follow-symlinks are asked for, so they go unsaid).
 */
export function warnSkipped(dir: string): (entry: SkippedEntry) => void {
  return (entry) => {
    if (entry.reason !== 'symlink') warn(`skipped ${nodePath.join(dir, ...entry.path.split('/'))}: ${describeSkip(entry)}`);
  };
}

/** Open IMG with the global --partition / --offset options; problems are printed as they are found. */
export function openVolume(img: string, cmd: Command, options: { write?: boolean; now?: () => Date; quietProblems?: boolean } = {}): CliVolume {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const { partition, offset } = volumeLocation(cmd);
  const state: { skipped: number; location: CliVolume['location'] } = { skipped: 0, location: {} };
  const volume = openImage(img, {
    readOnly: !options.write,
    ...(partition !== undefined ? { partition } : {}),
    ...(offset !== undefined ? { offset } : {}),
    ...(g.codePage ? { codePage: g.codePage as 'cp437' | 'cp850' } : {}),
    ...(options.now ? { now: options.now } : {}),
    onLocate: (where) => {
      state.location = where;
    },
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
    location: state.location,
  };
}

export { waitArgs } from './wait.js';

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

/**
 * The global --partition / --offset, checked (usage errors). program.ts checks them before any
 * command but make (which has its own --partition) starts.
 */
export function volumeLocation(cmd: Command): { partition?: number; offset?: number } {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  let partition: number | undefined;
  let offset: number | undefined;
  if (g.partition !== undefined) {
    partition = /^\s*\d+\s*$/.test(g.partition) ? Number(g.partition) : NaN;
    if (!Number.isSafeInteger(partition) || partition < 1) throw new CliError(`--partition takes a partition number from 1, not "${g.partition}"`, EXIT_USAGE);
  }
  if (g.offset !== undefined) {
    offset = parseSize(g.offset, '--offset');
    if (offset % 512 !== 0) throw new CliError(`--offset ${g.offset} is not a multiple of 512 bytes (the smallest sector size)`, EXIT_USAGE);
  }
  if (partition !== undefined && offset !== undefined) throw new CliError('--partition and --offset cannot be used together', EXIT_USAGE);
  return { partition, offset };
}

/** Write to stdout (output.ts): rejects when the write fails. */
export { writeOut } from './output.js';
