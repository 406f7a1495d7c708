import type { CommandModule } from './program.js';
import { baseProgram } from './program.js';
import { run } from './run.js';
import { installSignalHandlers } from './signals.js';

/** Run one command's module as loadProgram + run would for its command line (runners.ts). */
export async function runCommand(command: CommandModule, argv: string[]): Promise<void> {
  installSignalHandlers();
  const program = baseProgram();
  command.register(program);
  await run(program, argv);
}
