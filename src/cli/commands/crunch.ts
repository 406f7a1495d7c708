import type { Command } from 'commander';
import { CliError } from '../run.js';

// Placeholder until the crunch issue lands: the command exists but says so.
export function register(program: Command): void {
  program
    .command('crunch')
    .description('not yet available')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('crunch is not implemented yet');
    });
}
