import type { Command } from 'commander';
import { cleanName } from '../../index.js';
import { openVolume, whenImageFree, writeOut } from '../volume.js';
import { CliError } from '../run.js';
import { components, foldKey, listSome, nameProblem, probe, volPath, writeClock, type Found } from '../write-support.js';

interface MkdirOptions {
  parents?: boolean;
  verbose?: boolean;
}

export function register(program: Command): void {
  program
    .command('mkdir')
    .description('create directories in an image')
    .argument('<image>', 'the image file')
    .argument('<paths...>', 'the directories to create')
    .option('-p, --parents', 'create missing parents too, and accept directories that exist')
    .option('-v, --verbose', 'print each directory created')
    .addHelpText('after', '\nEvery path is checked before anything is created. New directories get the current time, or SOURCE_DATE_EPOCH.')
    .action(async (image: string, paths: string[], opts: MkdirOptions, cmd: Command) => {
      const bad: string[] = [];
      for (const p of paths) {
        for (const name of components(p)) {
          const why = nameProblem(name);
          if (why) bad.push(`${p} (${why})`);
        }
      }
      if (bad.length) throw new CliError(`names FAT cannot hold: ${listSome(bad)}`);

      const clock = writeClock();
      const cv = await whenImageFree(cmd, () => openVolume(image, cmd, { write: true, now: clock.now }));
      const vol = cv.volume;
      const created: string[] = [];
      try {
        // Check every path against the image and against the ones before it, then create.
        const planned = new Map<string, Found>();
        const at = (parts: string[]): Found => planned.get(foldKey(parts)) ?? probe(vol, parts);
        const errors: string[] = [];
        for (const p of paths) {
          const parts = components(p).map((n) => cleanName(n));
          if (parts.length === 0) {
            if (!opts.parents) errors.push('the root directory already exists');
            continue;
          }
          let ok = true;
          for (let i = 1; i < parts.length && ok; i++) {
            const found = at(parts.slice(0, i));
            if (found === 'file') {
              errors.push(`not a directory: ${vol.realpath(volPath(parts.slice(0, i)))}`);
              ok = false;
            } else if (found === 'none') {
              if (!opts.parents) {
                errors.push(`no such directory: ${volPath(parts.slice(0, i))} (use -p to create it)`);
                ok = false;
              } else planned.set(foldKey(parts.slice(0, i)), 'directory');
            }
          }
          if (!ok) continue;
          const found = at(parts);
          if (found === 'file' || (found === 'directory' && !opts.parents)) {
            errors.push(`${planned.has(foldKey(parts)) ? volPath(parts) : vol.realpath(volPath(parts))} already exists`);
            continue;
          }
          planned.set(foldKey(parts), 'directory');
        }
        if (errors.length) throw new CliError(errors.length === 1 ? errors[0] : `${errors[0]} (and ${errors.length - 1} more problems; nothing was created)`);

        const now = clock.now();
        for (const p of paths) {
          const path = volPath(components(p));
          if (path === '/') continue;
          const first = vol.mkdir(path, { recursive: true, mtime: now, atime: now, birthtime: now });
          if (first !== undefined) {
            // Every directory from the first one created down to `path` is new.
            const real = vol.realpath(path);
            const depth = components(first).length;
            const parts = components(real);
            for (let i = depth; i <= parts.length; i++) created.push(volPath(parts.slice(0, i)));
          }
        }
      } finally {
        vol.close();
      }
      if (opts.verbose && created.length) await writeOut(created.map((c) => `${c}/\n`).join(''));
      if (cv.skipped) process.exitCode = 1;
    });
}
