/**
 * Each command's runner: one file holding everything `fat NAME` runs (commander, the program, the
 * command, the library code it reaches), so a start loads one module for it instead of the ~25
 * chunks of a split bundle (~10-25 ms of CPU, bench/small/PROFILE.md). By command name and
 * alias, relative to the start's module. Empty here: scripts/bundle-cli.mjs writes the table into
 * dist/cli/main.js with the runners (dist/cli/run/); without them (tsc's unbundled build) every
 * start takes the program's own path (runner.ts runProgram).
 */
export const RUNNERS: Readonly<Record<string, RunnerFile>> = {};

export interface RunnerFile {
  /** The runner, relative to the start's module. */
  file: string;
  /** Whether it may run as a vm.Script (it calls no import(): code-cache.ts). */
  script: boolean;
}

