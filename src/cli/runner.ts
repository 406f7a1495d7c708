import type { CommandModule } from './program.js';
import { baseProgram, loadProgram } from './program.js';
import { run } from './run.js';
import { installSignalHandlers } from './signals.js';

/** Run one command's module as loadProgram + run would for its command line (its runner, runners.ts). */
export async function runCommand(command: CommandModule, argv: string[]): Promise<void> {
  installSignalHandlers();
  const program = baseProgram();
  command.register(program);
  await run(program, argv);
}

/**
 * The program's own path: `fat --help`, `fat help`, an unknown command, or a command without a
 * runner (runners.ts). Loads the program and the commands the command line needs (all, for help).
 */
export async function runProgram(argv: string[]): Promise<void> {
  installSignalHandlers();
  await run(await loadProgram(argv), argv);
}
