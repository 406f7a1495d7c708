import type { Command } from 'commander';
import { FatError, type Volume } from '../../index.js';
import { openVolume, whenImageFree, writeOut } from '../volume.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { components, listSome, probe, volPath, writeClock } from '../write-support.js';

interface MvOptions {
  noClobber?: boolean;
  verbose?: boolean;
}

/** The canonical path of an existing entry, or undefined. */
function realOrUndefined(vol: Volume, path: string): string | undefined {
  try {
    return vol.realpath(path);
  } catch (e) {
    if (e instanceof FatError && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return undefined;
    throw e;
  }
}

/**
 * Where `from` goes, like mv: into `to` when `to` is an existing directory (unless it is `from`
 * itself under another case: then it is a rename), else to `to` itself. A trailing slash on `to`
 * means a directory (POSIX rename): into it when it exists; else only a directory may take its name.
 */
function destination(vol: Volume, from: string, fromIsDir: boolean, to: string, many: boolean): string {
  const toParts = components(to);
  const found = probe(vol, toParts);
  const fromName = from.split('/').pop()!;
  const slash = to.endsWith('/');
  if (found === 'directory') {
    const realTo = vol.realpath(volPath(toParts));
    if (!many && realTo !== '/' && realTo.toUpperCase() === from.toUpperCase() && !slash) return volPath(toParts);
    return volPath([...components(realTo), fromName]);
  }
  if (many) throw new CliError(`target ${volPath(toParts)} is not a directory`);
  if (slash && found === 'file') throw new CliError(`cannot move ${from} to ${to}: ${vol.realpath(volPath(toParts))} is not a directory`);
  if (slash && !fromIsDir) throw new CliError(`cannot move ${from} to ${to}: no such directory`);
  return volPath(toParts);
}

export function register(program: Command): void {
  program
    .command('mv')
    .description('move or rename files and directories in an image')
    .argument('<image>', 'the image file')
    .argument('<paths...>', 'FROM... TO: what to move, then where')
    .option('-n, --no-clobber', 'do not replace an existing file (it is an error instead)')
    .option('-v, --verbose', 'print each move')
    .addHelpText('after', `
Like mv: when TO is an existing directory, FROM moves into it; otherwise FROM is renamed to TO,
replacing a file there (unless -n) or an empty directory. Several FROMs need a directory TO.
TO/ (a trailing slash) names a directory: FROM moves into it, and only a directory FROM may be
renamed to a TO/ that does not exist yet (as POSIX mv and rename do).
A rename that only changes case (mv IMG /readme.txt /README.TXT) is allowed.`)
    .action(async (image: string, paths: string[], opts: MvOptions & { clobber?: boolean }, cmd: Command) => {
      if (paths.length < 2) throw new CliError('mv needs FROM and TO', EXIT_USAGE);
      const to = paths[paths.length - 1];
      const froms = paths.slice(0, -1);
      const noClobber = opts.clobber === false;
      const cv = await whenImageFree(cmd, () => openVolume(image, cmd, { write: true, now: writeClock().now }));
      const vol = cv.volume;
      const lines: string[] = [];
      try {
        const missing = froms.filter((f) => realOrUndefined(vol, f) === undefined);
        if (missing.length) throw new CliError(`no such file or directory: ${listSome(missing.map((m) => volPath(components(m))))}`);
        const moves = froms.map((f) => {
          const real = vol.realpath(f);
          if (real === '/') throw new CliError('cannot move the root directory');
          const isDir = vol.stat(real).isDirectory();
          if (f.endsWith('/') && !isDir) throw new CliError(`${f}: not a directory`);
          const dest = destination(vol, real, isDir, to, froms.length > 1);
          const existing = realOrUndefined(vol, dest);
          if (existing !== undefined && existing.toUpperCase() !== real.toUpperCase() && vol.stat(existing).isDirectory() !== isDir) {
            throw new CliError(isDir ? `cannot overwrite non-directory ${existing} with directory ${real}` : `cannot overwrite directory ${existing} with non-directory ${real}`);
          }
          if (existing !== undefined && existing === real && components(dest).pop() === components(real).pop()) {
            throw new CliError(`${real} and ${dest} are the same entry`);
          }
          if (existing !== undefined && existing.toUpperCase() !== real.toUpperCase() && noClobber) {
            throw new CliError(`${existing} already exists (not replaced: --no-clobber)`);
          }
          return { from: real, to: dest };
        });
        for (const m of moves) {
          vol.rename(m.from, m.to);
          lines.push(`${m.from} -> ${vol.realpath(m.to)}\n`);
        }
      } finally {
        vol.close();
      }
      if (opts.verbose && lines.length) await writeOut(lines.join(''));
      if (cv.skipped) process.exitCode = 1;
    });
}
