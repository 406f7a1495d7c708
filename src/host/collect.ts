/**
 * The host-tree collector: one way to read a site directory, shared by `crunch` and the FAT image
 * builder. Asynchronous (fast-glob walks and stats in parallel); the result is sorted and complete
 * before anything is returned, so callers never see a half-read tree.
 */
import * as fsSync from 'node:fs';
import { promises as fs, constants as fsConstants, type Stats } from 'node:fs';
import path from 'node:path';
import { FatError } from '../fat/errors.js';
import { findCaseCollisions, caseCollisionError } from './case-collisions.js';
import { HostTreeError, type HostTreeProblem } from './host-tree-error.js';
import { comparePaths } from './paths.js';

export { comparePaths };

export interface CollectOptions {
  /** fast-glob patterns matched against POSIX paths relative to the root; default every entry. */
  include?: string[];
  /**
   * fast-glob patterns to leave out. A directory that matches is left out with everything in it
   * (`drafts` or `**\/node_modules` prune the whole subtree).
   */
  exclude?: string[];
  /**
   * Follow symbolic links (default true, like ocaml-crunch and mcopy): a link to a file is that
   * file, a link to a directory is that directory's tree; loops and dangling links are errors.
   * When false, links are left out and listed in `skipped`.
   */
  followSymlinks?: boolean;
  /** Include dotfiles and dot-directories (`.well-known`); default true. */
  dot?: boolean;
  /**
   * Accept names that differ only in case (`README.md` next to `readme.md`). Default false: such
   * a tree cannot live on a case-insensitive file system (FAT, NTFS, APFS), so it is an error.
   */
  allowCaseCollisions?: boolean;
}

export interface HostEntry {
  /** POSIX path relative to the root, without `./` or a trailing slash. */
  path: string;
  /** Where to read it on the host (through symbolic links, when they are followed). */
  absPath: string;
  type: 'file' | 'directory';
  /** Bytes for files, 0 for directories. */
  size: number;
  /** Modification time of the file (of a link's target), in milliseconds; see clampMtime. */
  mtimeMs: number;
  /** `st_mode` of the file (of a link's target). */
  mode: number;
}

export interface CollectedTree {
  /** The absolute root directory. */
  root: string;
  /**
   * Every included file and directory (empty ones too), sorted by path in UTF-16 code-unit order
   * (plain `<` on strings), so a directory always comes before what it contains.
   */
  entries: HostEntry[];
  /** Entries deliberately left out: symbolic links when `followSymlinks` is false. */
  skipped: { path: string; reason: 'symlink' }[];
}

interface Walked {
  path: string;
  stats: Stats;
  symlink: boolean;
}

/**
 * Walk `root` and return its sorted entries. Throws FatError ENOENT/ENOTDIR for a bad root,
 * HostTreeError (code EIO) listing every symlink loop, dangling link, unreadable entry and special
 * file at once, and FatError EEXIST listing every case-insensitive collision.
 */
export async function collectTree(root: string, options: CollectOptions = {}): Promise<CollectedTree> {
  const absRoot = path.resolve(root);
  await assertDirectory(absRoot, root);
  const follow = options.followSymlinks ?? true;
  const dot = options.dot ?? true;
  const exclude = options.exclude ?? [];
  const problems: HostTreeProblem[] = [];
  const skipped: CollectedTree['skipped'] = [];
  if (exclude.length === 0 && !(options.include && options.include.length > 0)) {
    // No globs: a plain synchronous walk does the same in a tenth of the time (bench/build/PROFILE.md).
    return finish(absRoot, walkSync(absRoot, follow, dot, problems, skipped), problems, skipped, options);
  }
  // fast-glob is loaded only for globs: the plain walk above is most runs, and loading it costs.
  const { default: fg } = await import('fast-glob');
  const found = new Map<string, Walked>();

  // The walk itself never follows links: each directory link is walked on its own (through the
  // link, so exclude patterns still see logical paths) after a loop check on its real path.
  const pending: string[] = [''];
  const realCache = new Map<string, Promise<string>>();
  const realOf = (rel: string): Promise<string> => {
    let p = realCache.get(rel);
    if (!p) realCache.set(rel, (p = fs.realpath(path.join(absRoot, rel))));
    return p;
  };
  while (pending.length > 0) {
    const base = pending.shift()!;
    const pattern = base === '' ? '**' : `${fg.escapePath(base)}/**`;
    const walked = await fg([pattern], {
      cwd: absRoot, onlyFiles: false, dot, followSymbolicLinks: false, stats: true,
      suppressErrors: true, ignore: exclude, unique: true,
    });
    for (const e of walked) {
      const stats = e.stats!;
      if (!e.dirent.isSymbolicLink()) {
        found.set(e.path, { path: e.path, stats, symlink: false });
        continue;
      }
      if (!follow) {
        skipped.push({ path: e.path, reason: 'symlink' });
        continue;
      }
      let target: Stats;
      try {
        target = await fs.stat(path.join(absRoot, e.path));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        problems.push({ path: e.path, reason: code === 'ELOOP' ? 'symlink loop' : code === 'EACCES' ? 'permission denied' : 'dangling symlink' });
        continue;
      }
      if (target.isDirectory() && (await isLoop(e.path, realOf))) {
        problems.push({ path: e.path, reason: 'symlink loop' });
        continue;
      }
      found.set(e.path, { path: e.path, stats: target, symlink: true });
      if (target.isDirectory()) pending.push(e.path);
    }
  }

  let kept = [...found.values()];
  const include = options.include;
  if (include && include.length > 0) {
    // Loops are ruled out above, so fast-glob may follow links here: it only decides membership.
    if (problems.length === 0) {
      const matched = new Set(await fg(include, {
        cwd: absRoot, onlyFiles: false, dot, followSymbolicLinks: follow, suppressErrors: true,
        ignore: exclude, unique: true,
      }));
      kept = kept.filter((w) => matched.has(w.path));
      addAncestors(kept, found);
    }
  }

  const entries: HostEntry[] = [];
  await Promise.all(kept.map(async (w) => {
    const reason = await unreadable(path.join(absRoot, w.path), w.stats);
    if (reason) problems.push({ path: w.path, reason });
    else entries.push(toEntry(absRoot, w));
  }));
  return finish(absRoot, entries, problems, skipped, options);
}

/** Sort, report problems and case collisions: the end of both walks. */
function finish(absRoot: string, entries: HostEntry[], problems: HostTreeProblem[], skipped: CollectedTree['skipped'], options: CollectOptions): CollectedTree {
  if (problems.length > 0) throw new HostTreeError(absRoot, problems);
  entries.sort((a, b) => comparePaths(a.path, b.path));
  skipped.sort((a, b) => comparePaths(a.path, b.path));
  if (!options.allowCaseCollisions) {
    const collisions = findCaseCollisions(entries.map((e) => e.path));
    if (collisions.length > 0) throw caseCollisionError(collisions);
  }
  return { root: absRoot, entries, skipped };
}

/**
 * The walk without globs: readdir with file types, stat only what needs it, follow links to files
 * and directories (a link to one of its own ancestors is a loop), report what cannot be read.
 */
function walkSync(absRoot: string, follow: boolean, dot: boolean, problems: HostTreeProblem[], skipped: CollectedTree['skipped']): HostEntry[] {
  const out: HostEntry[] = [];
  const stack: { rel: string; abs: string; ancestors: string[] }[] = [{ rel: '', abs: absRoot, ancestors: [fsSync.realpathSync(absRoot)] }];
  const canRead = readableCheck();
  while (stack.length > 0) {
    const { rel, abs: absDir, ancestors } = stack.pop()!;
    let dirents: fsSync.Dirent[];
    try {
      dirents = fsSync.readdirSync(absDir, { withFileTypes: true });
    } catch (err) {
      problems.push({ path: rel || '.', reason: (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : 'cannot read' });
      continue;
    }
    const prefix = absDir.endsWith(path.sep) ? absDir : absDir + path.sep;
    for (const d of dirents) {
      if (!dot && d.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${d.name}` : d.name;
      const abs = prefix + d.name;
      const link = d.isSymbolicLink();
      let st: Stats;
      try {
        if (link) {
          if (!follow) {
            skipped.push({ path: r, reason: 'symlink' });
            continue;
          }
          st = fsSync.statSync(abs);
        } else st = fsSync.lstatSync(abs);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        problems.push({ path: r, reason: code === 'ELOOP' ? 'symlink loop' : code === 'EACCES' ? 'permission denied' : 'dangling symlink' });
        continue;
      }
      if (st.isDirectory()) {
        let real = abs;
        if (link) {
          real = fsSync.realpathSync(abs);
          if (ancestors.includes(real)) {
            problems.push({ path: r, reason: 'symlink loop' });
            continue;
          }
        }
        out.push(entryOf(r, abs, st));
        stack.push({ rel: r, abs, ancestors: [...ancestors, link ? real : path.join(ancestors[ancestors.length - 1]!, d.name)] });
      } else if (st.isFile()) {
        if (!canRead(abs, st)) {
          problems.push({ path: r, reason: 'permission denied' });
          continue;
        }
        out.push(entryOf(r, abs, st));
      } else {
        problems.push({ path: r, reason: 'not a regular file or directory' });
      }
    }
  }
  return out;
}

/**
 * Whether this process may read a file: what access(R_OK) answers, without its system call where
 * the mode bits settle it: on Linux, the owner's class is the owner bits (ACLs never override
 * them). Anything else asks access(), root included (root without CAP_DAC_OVERRIDE, in a container
 * or on an NFS export with root_squash, cannot read everything; macOS ACLs can deny an owner).
 */
function readableCheck(): (abs: string, st: Stats) => boolean {
  const uid = process.platform === 'linux' && typeof process.getuid === 'function' ? process.getuid() : undefined;
  return (abs, st) => {
    if (uid !== undefined && uid !== 0 && st.uid === uid && (st.mode & 0o400) !== 0) return true;
    try {
      fsSync.accessSync(abs, fsConstants.R_OK);
      return true;
    } catch {
      return false;
    }
  };
}

async function assertDirectory(absRoot: string, given: string): Promise<void> {
  let st: Stats;
  try {
    st = await fs.stat(absRoot);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FatError('ENOENT', `${given}: no such directory`, { path: given });
    throw new FatError('EIO', `${given}: cannot read (${code ?? 'error'})`, { path: given, cause: err });
  }
  if (!st.isDirectory()) throw new FatError('ENOTDIR', `${given}: not a directory`, { path: given });
}

/** A link to a directory loops when its target is the real path of one of its own ancestors. */
async function isLoop(rel: string, realOf: (rel: string) => Promise<string>): Promise<boolean> {
  const target = await realOf(rel);
  for (let parent = posixDirname(rel); ; parent = posixDirname(parent)) {
    if ((await realOf(parent)) === target) return true;
    if (parent === '') return false;
  }
}

function posixDirname(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** Every directory above an included entry is included too (it has to exist to hold it). */
function addAncestors(kept: Walked[], found: Map<string, Walked>): void {
  const have = new Set(kept.map((w) => w.path));
  for (const w of [...kept]) {
    for (let p = posixDirname(w.path); p !== '' && !have.has(p); p = posixDirname(p)) {
      const dir = found.get(p);
      if (!dir) break;
      have.add(p);
      kept.push(dir);
    }
  }
}

async function unreadable(abs: string, stats: Stats): Promise<string | undefined> {
  if (!stats.isFile() && !stats.isDirectory()) return 'not a regular file or directory';
  try {
    await fs.access(abs, stats.isDirectory() ? fsConstants.R_OK | fsConstants.X_OK : fsConstants.R_OK);
    return undefined;
  } catch {
    return 'permission denied';
  }
}

function toEntry(absRoot: string, w: Walked): HostEntry {
  return entryOf(w.path, path.join(absRoot, ...w.path.split('/')), w.stats);
}

function entryOf(rel: string, absPath: string, stats: Stats): HostEntry {
  const dir = stats.isDirectory();
  return { path: rel, absPath, type: dir ? 'directory' : 'file', size: dir ? 0 : stats.size, mtimeMs: stats.mtimeMs, mode: stats.mode };
}
