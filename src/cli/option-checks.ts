import { CliError, EXIT_USAGE } from './run.js';

/* Checks of option values shared by several commands; each command checks its own before it starts. */

/** A path option given as "" (it would mean the current directory without saying so). */
export function nonEmpty(value: string | undefined, what: string): void {
  if (value !== undefined && value.trim() === '') throw new CliError(`${what} needs a path, not ""`, EXIT_USAGE);
}

/** --include / --exclude: every glob non-empty. */
export function checkGlobs(opts: { include?: string[]; exclude?: string[] }): void {
  for (const [what, globs] of [['--include', opts.include], ['--exclude', opts.exclude]] as const) {
    if (globs?.some((g) => g.trim() === '')) throw new CliError(`${what} needs a glob, not ""`, EXIT_USAGE);
  }
}
