import { loadProgram } from './program.js';
import { run } from './run.js';
import { installSignalHandlers } from './signals.js';

/**
 * The program's own path: `fat --help`, `fat help`, an unknown command, or a command without a
 * runner (runners.ts). Loads the program and the commands the command line needs (all, for help).
 */
export async function runProgram(argv: string[]): Promise<void> {
  installSignalHandlers();
  await run(await loadProgram(argv), argv);
}
