import type { Command } from 'commander';
import { openVolume, writeOut } from '../volume.js';

export function register(program: Command): void {
  program
    .command('cat')
    .description('write a file from an image to standard output')
    .argument('<image>', 'the image file')
    .argument('<path>', 'the file inside the image')
    .action(async (image: string, path: string, _opts: unknown, cmd: Command) => {
      // Problems elsewhere in the directories on the way are not this command's business.
      const { volume } = openVolume(image, cmd, { quietProblems: true });
      try {
        for (const chunk of volume.readChunks(path)) await writeOut(chunk);
      } finally {
        volume.close();
      }
    });
}
