import type { Command } from 'commander';
import { CliError } from '../run.js';

// Placeholder until the make issue lands: the command exists but says so.
export function register(program: Command): void {
  program
    .command('make')
    .description('not yet available')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('make is not implemented yet');
    });
}
