/** The value `--wait` without a number stands for: wait as long as it takes. */
export const WAIT_FOREVER = 'forever';

/**
 * `--wait` takes an optional value, and commander would take the next word (`fat --wait add ...`)
 * as it: a `--wait` not followed by a number is rewritten to `--wait=forever` before parsing.
 * (Its own file: the start runs it before loading any command or the library.)
 */
export function waitArgs(argv: string[]): string[] {
  return argv.map((a, i) => (a === '--wait' && !/^\d+(\.\d+)?$/.test(argv[i + 1] ?? '') ? `--wait=${WAIT_FOREVER}` : a));
}
