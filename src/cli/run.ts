import { CommanderError, type Command } from 'commander';
import { FatError, oneLine } from '../index.js';
import { systemMessage } from './errno.js';
import { OutputError, exitStatus, reportOutputError, watchStdout } from './output.js';

/** Exit statuses: 0 ok, 1 failure, 2 usage. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A failure the CLI reports as one line without a stack, like FatError. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_FAILURE) {
    super(message);
  }
}

function debugEnabled(argv: string[]): boolean {
  return argv.includes('--debug') || process.env.FATKIT_DEBUG === '1';
}

/** One line for any error: `fat: message`. Unexpected errors get their stack only under --debug. */
export function reportError(err: unknown, debug: boolean): number {
  if (err instanceof OutputError) {
    reportOutputError(err);
    return EXIT_FAILURE;
  }
  if (err instanceof CliError) {
    process.stderr.write(`fat: ${oneLine(err.message)}\n`);
    return err.exitCode;
  }
  if (err instanceof FatError) {
    process.stderr.write(`fat: ${err.message}\n`);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return EXIT_FAILURE;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.syscall === 'string') {
    // A host file-system error (ENOENT opening IMG, EACCES writing OUT, ...).
    const where = e.path ? `${e.path}: ` : '';
    process.stderr.write(`fat: ${where}${systemMessage(e)}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return EXIT_FAILURE;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`fat: internal error: ${msg.split('\n')[0]}${debug ? '' : ' (run with --debug for details)'}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT_FAILURE;
}

/** Parse and run; turn every error into one line and an exit status. Never throws. */
export async function run(program: Command, argv: string[]): Promise<void> {
  const debug = debugEnabled(argv);
  // A failed standard output is exit 1 (EPIPE, `fat list IMG | head`, a quiet 0): see output.ts.
  watchStdout();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = exitStatus(0);
        return;
      }
      process.exitCode = exitStatus(err.exitCode === 0 ? 0 : EXIT_USAGE);
      return;
    }
    process.exitCode = exitStatus(reportError(err, debug));
  }
  if (process.exitCode !== undefined) process.exitCode = exitStatus(Number(process.exitCode));
}
