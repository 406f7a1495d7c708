import { CommanderError, type Command } from 'commander';
import { FatError, oneLine } from '../index.js';
import { systemMessage } from './errno.js';
import { OutputError, exitStatus, outputFailed, reportOutputError, watchStdout } from './output.js';

/** Exit statuses: 0 ok, 1 failure, 2 usage. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * A failure the CLI reports as one line without a stack, like FatError. Its `code` (for --json):
 * `USAGE` for usage errors, `FAILED` for others unless a more precise one is given.
 */
export class CliError extends Error {
  readonly code: string;
  constructor(message: string, readonly exitCode: number = EXIT_FAILURE, code?: string) {
    super(message);
    this.code = code ?? (exitCode === EXIT_USAGE ? 'USAGE' : 'FAILED');
  }
}

function debugEnabled(argv: string[]): boolean {
  return argv.includes('--debug') || process.env.FATKIT_DEBUG === '1';
}

/** `--json` among the options (before any `--`): errors are then JSON on stdout too. */
function jsonEnabled(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).slice(2).includes('--json');
}

/** What the CLI says about an error: its line (after `fat: `), a code, the exit status, a stack for --debug. */
export interface ErrorReport {
  message: string;
  code: string;
  exitCode: number;
  stack?: string;
}

export function describeError(err: unknown, debug = false): ErrorReport {
  if (err instanceof OutputError) return { message: err.message, code: err.code, exitCode: EXIT_FAILURE };
  if (err instanceof CliError) return { message: oneLine(err.message), code: err.code, exitCode: err.exitCode };
  if (err instanceof CommanderError) return { message: oneLine(err.message.replace(/^error: /, '')), code: 'USAGE', exitCode: EXIT_USAGE };
  if (err instanceof FatError) return { message: err.message, code: err.code, exitCode: EXIT_FAILURE, stack: err.stack };
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.syscall === 'string') {
    // A host file-system error (ENOENT opening IMG, EACCES writing OUT, ...).
    const where = e.path ? `${e.path}: ` : '';
    return { message: `${where}${systemMessage(e)}`, code: e.code, exitCode: EXIT_FAILURE, stack: e.stack };
  }
  const msg = err instanceof Error ? err.message : String(err);
  const stack = err instanceof Error ? err.stack : undefined;
  return { message: `internal error: ${msg.split('\n')[0]}${debug ? '' : ' (run with --debug for details)'}`, code: 'INTERNAL', exitCode: EXIT_FAILURE, stack };
}

/**
 * One line for any error: `fat: message` on stderr (commander prints its own usage errors). With
 * `json`, also `{ "error": { "code", "message" } }` on stdout. Stacks only under --debug.
 */
export function reportError(err: unknown, debug: boolean, json = false): number {
  if (err instanceof OutputError) {
    reportOutputError(err);
    return EXIT_FAILURE;
  }
  const r = describeError(err, debug);
  if (!(err instanceof CommanderError)) process.stderr.write(`fat: ${r.message}\n`);
  if (debug && r.stack) process.stderr.write(`${r.stack}\n`);
  if (json && !outputFailed()) process.stdout.write(`${JSON.stringify({ error: { code: r.code, message: r.message } }, null, 2)}\n`);
  return r.exitCode;
}

/** Parse and run; turn every error into one line and an exit status. Never throws. */
export async function run(program: Command, argv: string[]): Promise<void> {
  const debug = debugEnabled(argv);
  // A failed standard output is exit 1 (EPIPE, `fat list IMG | head`, a quiet 0): see output.ts.
  watchStdout();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const help = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
    if (err instanceof CommanderError && (help.includes(err.code) || err.exitCode === 0)) {
      process.exitCode = exitStatus(0);
      return;
    }
    process.exitCode = exitStatus(reportError(err, debug, jsonEnabled(argv)));
  }
  if (process.exitCode !== undefined) process.exitCode = exitStatus(Number(process.exitCode));
}
