import type { Command } from 'commander';
import { CliError } from '../run.js';

// Placeholder: replaced by the write commands.
export function register(program: Command): void {
  program
    .command('mv')
    .description('not yet available')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('mv is not implemented yet');
    });
}
