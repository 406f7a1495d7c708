import type { Command } from 'commander';
import { diskUsage } from '../../index.js';
import { openVolume, writeOut } from '../volume.js';

export function register(program: Command): void {
  program
    .command('du')
    .description('show the space allocated per directory, recursively (as mdu)')
    .argument('<image>', 'the image file')
    .argument('[path]', 'the directory (or file) to count', '/')
    .option('-s, --summary', 'print only the total for PATH')
    .option('--json', 'print a JSON array of { path, bytes, clusters }')
    .addHelpText('after', `
Prints, for PATH and every directory below it (children before their parent, PATH last), the
bytes and clusters allocated to it and everything in it: each file's whole cluster chain and each
directory's own clusters (the FAT32 root's too; the FAT12/16 root region has none). mtools' mdu
counts the same, except that it leaves out the own clusters of directories directly in a FAT12/16
root. Bytes are clusters times the cluster size.`)
    .action(async (image: string, path: string, opts: { summary?: boolean; json?: boolean }, cmd: Command) => {
      const cv = openVolume(image, cmd);
      let rows;
      try {
        rows = diskUsage(cv.volume, path, { summary: opts.summary === true });
      } finally {
        cv.volume.close();
      }
      const text = opts.json
        ? `${JSON.stringify(rows.map((r) => ({ path: r.path, bytes: r.bytes, clusters: r.clusters })), null, 2)}\n`
        : rows.map((r) => `${String(r.bytes).padStart(12)} ${String(r.clusters).padStart(9)}  ${r.path}\n`).join('');
      await writeOut(text);
      if (cv.skipped) process.exitCode = 1;
    });
}
