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

/**
 * Watch process.stdout for errors of writes nobody awaits (help text, a JSON error). The stream is
 * created on first use, not here: creating it loads Node's stream modules (net for a pipe or a
 * terminal), which commands that write through writeOut's file descriptor never need.
 */
export function watchStdout(): void {
  const watch = (s: NodeJS.WriteStream): void => {
    s.on('error', (e: NodeJS.ErrnoException) => reportOutputError(new OutputError(e)));
  };
  const d = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (!d?.get || !d.configurable) {
    watch(process.stdout);
    return;
  }
  const get = d.get;
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: d.enumerable,
    get() {
      Object.defineProperty(process, 'stdout', d);
      const s = get.call(process) as NodeJS.WriteStream;
      watch(s);
      return s;
    },
  });
}

/**
 * fd 1 while it is written directly (writeSync, which reports partial writes and errors at once,
 * and needs no stream): files, devices, pipes and terminals alike. Undefined once a write would
 * block (a non-blocking pipe someone else shares, EAGAIN) or when fd 1 is not open: the stream
 * (process.stdout) then takes over.
 */
let syncFd: number | undefined | null = null;

function directOutput(): number | undefined {
  if (syncFd === null) {
    try {
      fs.fstatSync(1);
      syncFd = 1;
    } catch {
      syncFd = undefined;
    }
  }
  return syncFd;
}

/** Write to stdout (waiting when a pipe is full); rejects with OutputError once stdout has failed. */
export async function writeOut(chunk: Uint8Array | string): Promise<void> {
  if (failed) throw failed;
  const fd = directOutput();
  if (fd !== undefined) {
    // Node's stream for files drops the rest of a partial write (a disk filling up): loop here.
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let off = 0;
    try {
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw (failed = new OutputError(e as NodeJS.ErrnoException));
      syncFd = undefined;
      chunk = buf.subarray(off);
    }
  }
  // The stream: wait while it is full. An error arriving later is recorded by watchStdout's
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
