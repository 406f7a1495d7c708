import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { Command } from 'commander';
import { FatError, type Volume, type WalkEntry } from '../../index.js';
import { openVolume, warn } from '../volume.js';
import { CliError, EXIT_USAGE } from '../run.js';

/** Why a name must not become a host path component, or undefined when it may. */
export function hostUnsafeReason(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `name is "${name}"`;
  if (/[/\\\0]/.test(name)) return 'name contains "/", "\\" or NUL';
  return undefined;
}

/**
 * Extraction never writes outside `root`: every component is checked, the resolved path must stay
 * below root, and nothing is written through a symbolic link that already exists there.
 */
export class SafeWriter {
  private readonly root: string;
  private readonly seen = new Set<string>();

  constructor(root: string) {
    fs.mkdirSync(root, { recursive: true });
    this.root = fs.realpathSync(root);
  }

  /** The host path for volume path components, or a reason to skip. */
  target(components: string[]): { path: string } | { skip: string } {
    for (const c of components) {
      const why = hostUnsafeReason(c);
      if (why) return { skip: why };
    }
    const p = nodePath.resolve(this.root, ...components);
    const rel = nodePath.relative(this.root, p);
    if (rel === '' || rel.startsWith('..') || nodePath.isAbsolute(rel)) return { skip: 'path leaves the output directory' };
    const key = p.toLowerCase();
    if (this.seen.has(key)) return { skip: 'a second entry with the same name (differing only in case)' };
    this.seen.add(key);
    // No existing component below root may be a symbolic link.
    let cur = this.root;
    for (const c of components) {
      cur = nodePath.join(cur, c);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(cur);
      } catch {
        break;
      }
      if (st.isSymbolicLink()) return { skip: `refusing to write through the symbolic link ${cur}` };
    }
    return { path: p };
  }
}

async function writeFileFrom(volume: Volume, from: string, to: string): Promise<void> {
  const fd = fs.openSync(to, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o644);
  try {
    for (const chunk of volume.readChunks(from, 4 << 20)) {
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function register(program: Command): void {
  program
    .command('extract')
    .alias('x')
    .description('copy files out of an image, keeping modification times')
    .argument('<image>', 'the image file')
    .argument('[path]', 'what to extract: a file, or a directory with everything below it', '/')
    .requiredOption('-o, --output <dir>', 'the host directory to extract into (created if missing)')
    .addHelpText('after', `
PATH "/" extracts the whole volume into DIR; any other directory is extracted as DIR/<its name>
(like cp -r). Names that are unsafe on the host ("..", "/", "\\", NUL) are reported and skipped,
and the exit status is then 1. Nothing is ever written outside DIR.`)
    .action(async (image: string, path: string, opts: { output: string }, cmd: Command) => {
      if (!opts.output) throw new CliError('extract needs -o DIR', EXIT_USAGE);
      const cv = openVolume(image, cmd);
      const { volume } = cv;
      let skipped = 0;
      try {
        const writer = new SafeWriter(opts.output);
        const root = volume.realpath(path);
        const top = volume.stat(root);
        // The extracted root's own components: none for "/", its name otherwise (cp -r semantics).
        const rootParts = root.split('/').filter(Boolean);
        const base = rootParts.length ? [rootParts[rootParts.length - 1]] : [];
        const dirs: { host: string; mtime: Date; atime: Date }[] = [];
        const entries: Iterable<WalkEntry> = top.isDirectory()
          ? [...(base.length ? [{ path: root, stats: top, depth: 0 }] : []), ...volume.walk(root)]
          : [{ path: root, stats: top, depth: 0 }];
        for (const e of entries) {
          const comps = [...base, ...e.path.split('/').filter(Boolean).slice(rootParts.length)];
          const t = writer.target(comps);
          if ('skip' in t) {
            warn(`${e.path}: skipped: ${t.skip}`);
            skipped++;
            continue;
          }
          if (e.stats.isDirectory()) {
            fs.mkdirSync(t.path, { recursive: true });
            dirs.push({ host: t.path, mtime: e.stats.mtime, atime: e.stats.atime });
          } else {
            try {
              await writeFileFrom(volume, e.path, t.path);
            } catch (err) {
              // A corrupt file is reported and left out; the rest of the volume is still extracted.
              if (!(err instanceof FatError)) throw err;
              fs.rmSync(t.path, { force: true });
              warn(`${e.path}: skipped: ${err.message}`);
              skipped++;
              continue;
            }
            fs.utimesSync(t.path, e.stats.atime, e.stats.mtime);
          }
        }
        // Directory times last, deepest first, so that creating their contents does not change them.
        for (let i = dirs.length - 1; i >= 0; i--) fs.utimesSync(dirs[i].host, dirs[i].atime, dirs[i].mtime);
      } finally {
        volume.close();
      }
      if (skipped || cv.skipped) process.exitCode = 1;
    });
}
