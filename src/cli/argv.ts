/** The global options that take a value (`--partition 2`), as program.ts defines them. */
export const GLOBAL_VALUE_OPTIONS: readonly string[] = ['--partition', '--offset', '--code-page'];

/**
 * Whether the command line (process.argv shape, after waitArgs) only asks for the version: `-V` or
 * `--version` among the global options, before any command or `--`. The start then prints it
 * without loading commander or any command (commander would print the same and exit 0).
 */
export function versionOnly(argv: readonly string[]): boolean {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-V' || a === '--version') return true;
    if (a === '--' || !a.startsWith('-') || a === '-') return false;
    if (GLOBAL_VALUE_OPTIONS.includes(a) || (a === '--wait' && /^\d+(\.\d+)?$/.test(argv[i + 1] ?? ''))) i++;
  }
  return false;
}

/**
 * The command word of a command line (process.argv shape, after waitArgs): the first word that is
 * not a global option or its value, as program.ts commandNameOf finds it with commander; undefined
 * when `--` or nothing comes first. The start picks the command's runner by it (runners.ts).
 */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined;
    if (!a.startsWith('-') || a === '-') return a;
    if (GLOBAL_VALUE_OPTIONS.includes(a) || (a === '--wait' && /^\d+(\.\d+)?$/.test(argv[i + 1] ?? ''))) i++;
  }
  return undefined;
}
