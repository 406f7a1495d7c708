import * as fs from 'node:fs';
import { systemMessage } from './errno.js';

/*
 * Standard output. Every command writes through writeOut, which fails when the write fails (a full
 * disk, /dev/full, EIO): the command stops and `fat: cannot write output: ...` exits 1. A reader
 * that went away (EPIPE: `fat list IMG | head`) is not a failure: the command stops quietly, exit 0.
 */

/** Standard output could not be written; `quiet` for EPIPE. */
export class OutputError extends Error {
  readonly quiet: boolean;
  readonly code: string;
  constructor(readonly errno: NodeJS.ErrnoException) {
    super(`cannot write output: ${systemMessage(errno)}`);
    this.code = errno.code ?? 'EIO';
    this.quiet = errno.code === 'EPIPE';
  }
}

let failed: OutputError | undefined;
let reported = false;

/** Whether standard output has failed (later output, such as a JSON error, is pointless then). */
export const outputFailed = (): boolean => failed !== undefined;

/**
 * Report a failed standard output once: one line on stderr, exit status 1 (0 for EPIPE), whatever
 * is set later. Called for awaited writes (through the command's error) and unawaited ones
 * (help text, through the stream's 'error' event).
 */
export function reportOutputError(err: OutputError): void {
  failed ??= err;
  if (reported) return;
  reported = true;
  if (err.quiet) process.exit(0);
  process.stderr.write(`fat: ${err.message}\n`);
  process.exitCode = 1;
}

/** The exit status to set, unless standard output has failed (then it stays 1). */
export const exitStatus = (code: number): number => (failed && !failed.quiet ? 1 : code);

/** Watch process.stdout for errors of writes nobody awaits. */
export function watchStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => reportOutputError(new OutputError(e)));
}

let syncFd: number | undefined | null = null;

/** fd 1 when it is a file or a device (not a terminal): written with writeSync, which reports partial writes. */
function fileOutput(): number | undefined {
  if (syncFd === null) {
    try {
      const st = fs.fstatSync(1);
      syncFd = (st.isFile() || st.isCharacterDevice()) && !process.stdout.isTTY ? 1 : undefined;
    } catch {
      syncFd = undefined;
    }
  }
  return syncFd;
}

/** Write to stdout (waiting when a pipe is full); rejects with OutputError once stdout has failed. */
export async function writeOut(chunk: Uint8Array | string): Promise<void> {
  if (failed) throw failed;
  const fd = fileOutput();
  if (fd !== undefined) {
    // Node's stream for files drops the rest of a partial write (a disk filling up): loop here.
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let off = 0;
    try {
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      throw (failed = new OutputError(e as NodeJS.ErrnoException));
    }
    return;
  }
  // A pipe or terminal: wait while it is full. An error arriving later is recorded by watchStdout's
  // listener (and reported there); the next writeOut throws it, so the command stops.
  const out = process.stdout;
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (e?: NodeJS.ErrnoException): void => {
      out.off('drain', settle);
      out.off('error', settle);
      if (e) reject((failed ??= new OutputError(e)));
      else resolve();
    };
    out.on('drain', settle);
    out.on('error', settle);
  });
}
