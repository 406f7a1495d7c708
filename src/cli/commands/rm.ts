import type { Command } from 'commander';
import { FatError, type Volume } from '../../index.js';
import { openVolume, whenImageFree, writeOut } from '../volume.js';
import { CliError } from '../run.js';

interface RmOptions {
  recursive?: boolean;
  force?: boolean;
  verbose?: boolean;
}

/** `/a/b` is `/a` or below it (paths as realpath gives them; FAT names ignore case). */
const within = (path: string, dir: string): boolean => {
  const p = path.toUpperCase();
  const d = dir.toUpperCase();
  return p === d || p.startsWith(`${d}/`);
};

/**
 * What to remove: canonical paths, each checked first (so that one bad path changes nothing),
 * without duplicates or paths inside another one being removed.
 */
function plan(vol: Volume, paths: string[], opts: RmOptions): string[] {
  const targets: string[] = [];
  const errors: string[] = [];
  for (const p of paths) {
    let real: string;
    try {
      real = vol.realpath(p);
    } catch (e) {
      if (e instanceof FatError && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) {
        if (!opts.force) errors.push(e.message);
        continue;
      }
      throw e;
    }
    if (real === '/') {
      errors.push('refusing to remove the root directory');
      continue;
    }
    if (vol.stat(real).isDirectory() && !opts.recursive) {
      errors.push(`${real}: is a directory (use -r)`);
      continue;
    }
    targets.push(real);
  }
  if (errors.length) throw new CliError(errors.length === 1 ? errors[0] : `${errors[0]} (and ${errors.length - 1} more problems; nothing was removed)`);
  // Keep the outermost of nested targets, in the order given.
  const same = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();
  return targets.filter((t, i) => !targets.some((o, j) => j !== i && within(t, o) && (!same(t, o) || j < i)));
}

export function register(program: Command): void {
  program
    .command('rm')
    .description('remove files and directories from an image')
    .argument('<image>', 'the image file')
    .argument('<paths...>', 'what to remove')
    .option('-r, --recursive', 'remove directories and everything in them')
    .option('-f, --force', 'ignore paths that do not exist')
    .option('-v, --verbose', 'print each path removed')
    .addHelpText('after', '\nEvery path is checked before anything is removed; without -r a directory is an error, as with rm.')
    .action(async (image: string, paths: string[], opts: RmOptions, cmd: Command) => {
      const cv = await whenImageFree(cmd, () => openVolume(image, cmd, { write: true }));
      const vol = cv.volume;
      const removed: string[] = [];
      try {
        for (const t of plan(vol, paths, opts)) {
          vol.rm(t, { recursive: opts.recursive === true });
          removed.push(t);
        }
      } finally {
        vol.close();
      }
      if (opts.verbose && removed.length) await writeOut(removed.map((r) => `${r}\n`).join(''));
      if (cv.skipped) process.exitCode = 1;
    });
}
