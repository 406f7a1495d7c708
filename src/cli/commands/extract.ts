import * as fs from 'node:fs';
import type { Command } from 'commander';
import { FatError, type FatStats, type Volume, type WalkEntry } from '../../index.js';
import { openVolume, warn, writeOut } from '../volume.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { SafeWriter, hostName } from '../safe-writer.js';

/** What `fat extract --json` prints for each entry: where it went, or why it did not. */
interface Mapping {
  path: string;
  type: 'file' | 'directory';
  /** The host path written (absent when the entry was skipped). */
  hostPath?: string;
  /** Why the host name differs from the entry's name. */
  renamed?: string;
  /** Why the entry was not extracted. */
  skipped?: string;
}

const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** Copy a file out, its times set on the open file (no second lookup of its path). */
function writeFileFrom(volume: Volume, from: string, to: string, stats: FatStats): void {
  const fd = fs.openSync(to, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o644);
  try {
    for (const chunk of volume.readChunks(from, 4 << 20)) {
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
    }
    fs.futimesSync(fd, stats.atime, stats.mtime);
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
    .option('--json', 'print where every entry went (and what was renamed or skipped) as JSON')
    .addHelpText('after', `
PATH "/" extracts the whole volume into DIR; any other directory is extracted as DIR/<its name>
(like cp -r). Names that are unsafe on the host ("..", "/", "\\", NUL) are reported and skipped;
names the host cannot hold (over 255 UTF-8 bytes, or refused by the host as too long) are
extracted under a shortened name with a stable suffix (or the 8.3 name), reported on one line
each; the exit status is then 1. Nothing is ever written outside DIR.`)
    .action(async (image: string, path: string, opts: { output: string; json?: boolean }, cmd: Command) => {
      if (!opts.output) throw new CliError('extract needs -o DIR', EXIT_USAGE);
      const cv = openVolume(image, cmd);
      const { volume } = cv;
      let problems = 0;
      const report: Mapping[] = [];
      try {
        const writer = new SafeWriter(opts.output);
        const root = volume.realpath(path);
        const top = volume.stat(root);
        // The extracted root's own components: none for "/", its name otherwise (cp -r semantics).
        const rootParts = root.split('/').filter(Boolean);
        const dirs: { host: string; mtime: Date; atime: Date }[] = [];
        /** Host components of each directory extracted, by its path below the root ('' for the root). */
        const hostDirs = new Map<string, string[]>();
        /** Directories not extracted: what is below them is not either (their line says why). */
        const skippedDirs = new Set<string>();
        const entries: Iterable<WalkEntry> = top.isDirectory()
          ? [{ path: root, stats: top, depth: 0 }, ...volume.walk(root)]
          : [{ path: root, stats: top, depth: 0 }];
        for (const e of entries) {
          const rel = e.path.split('/').filter(Boolean).slice(rootParts.length);
          const type = e.stats.isDirectory() ? 'directory' : 'file';
          const own = rel.length ? rel[rel.length - 1] : rootParts[rootParts.length - 1];
          if (own === undefined) {
            hostDirs.set('', []); // extracting "/" puts the volume's contents straight into DIR
            continue;
          }
          const item: Mapping = { path: e.path, type };
          report.push(item);
          const parentKey = rel.slice(0, -1).join('/');
          const parent = rel.length ? hostDirs.get(parentKey) : [];
          if (parent === undefined || skippedDirs.has(parentKey)) {
            item.skipped = 'its directory was not extracted';
            if (type === 'directory') skippedDirs.add(rel.join('/'));
            continue;
          }
          const mapped = hostName(own);
          const placed = place(writer, [...parent, mapped.name], e, volume);
          if ('skip' in placed) {
            warn(`${e.path}: skipped: ${placed.skip}`);
            item.skipped = placed.skip;
            if (type === 'directory') skippedDirs.add(rel.join('/'));
            problems++;
            continue;
          }
          if (type === 'directory') hostDirs.set(rel.join('/'), placed.comps);
          const renamed = mapped.renamed ?? placed.renamed;
          if (renamed !== undefined) {
            warn(`${e.path}: ${renamed}: extracted as ${placed.comps[placed.comps.length - 1]}`);
            item.renamed = renamed;
            problems++;
          }
          item.hostPath = placed.path;
          if (type === 'directory') dirs.push({ host: placed.path, mtime: e.stats.mtime, atime: e.stats.atime });
        }
        // Directory times last, deepest first, so that creating their contents does not change them.
        for (let i = dirs.length - 1; i >= 0; i--) fs.utimesSync(dirs[i].host, dirs[i].atime, dirs[i].mtime);
      } finally {
        volume.close();
      }
      if (opts.json) await writeOut(`${JSON.stringify(report, null, 2)}\n`);
      if (problems || cv.skipped) process.exitCode = 1;
    });
}

/**
 * Create one entry on the host: a directory, or a file with its bytes. A name the host refuses as
 * too long (a file system with a shorter limit, or a path past PATH_MAX) is tried once more under
 * its 8.3 name. A corrupt file is reported and left out; the rest of the volume is still extracted.
 */
function place(writer: SafeWriter, comps: string[], e: WalkEntry, volume: Volume): { path: string; comps: string[]; renamed?: string } | { skip: string } {
  const create = (names: string[]): { path: string } | { skip: string } => {
    const t = writer.target(names);
    if ('skip' in t) return t;
    if (e.stats.isDirectory()) {
      if (fs.mkdirSync(t.path, { recursive: true }) === t.path) writer.created(t.path);
      return t;
    }
    try {
      writeFileFrom(volume, e.path, t.path, e.stats);
    } catch (err) {
      fs.rmSync(t.path, { force: true });
      throw err;
    }
    return t;
  };
  try {
    try {
      const t = create(comps);
      return 'skip' in t ? t : { path: t.path, comps };
    } catch (err) {
      if (errnoOf(err) !== 'ENAMETOOLONG' || !e.stats.shortName) throw err;
      const fallback = [...comps.slice(0, -1), e.stats.shortName];
      const t = create(fallback);
      return 'skip' in t ? t : { path: t.path, comps: fallback, renamed: 'the host refused the name as too long' };
    }
  } catch (err) {
    if (err instanceof FatError) return { skip: err.message };
    if (errnoOf(err) === 'ENAMETOOLONG') return { skip: 'the host refused the name (and its 8.3 name) as too long' };
    throw err;
  }
}
