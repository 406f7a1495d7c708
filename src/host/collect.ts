/**
 * The host-tree walker: the one way fatkit reads a host directory, for `fat make --from` (the
 * image builder), `fat add` and crunch. Synchronous readdir walk (a plain walk is several times
 * faster than a glob library's, bench/build/PROFILE.md) behind an async entry point (the glob
 * matcher is loaded on first use); the result is sorted and complete before anything is
 * returned, so callers never see a half-read tree, and nothing is written before it is read.
 *
 * One policy for what a FAT volume (or a crunch module) cannot hold, reported at once as a
 * HostTreeError listing every offending path: symbolic-link loops, dangling links, unreadable
 * files and directories, and special files (sockets, FIFOs, devices), unless `skipSpecial` asks
 * to leave those out (each is then listed in `skipped` and given to `onSkip`).
 */
import * as fs from 'node:fs';
import { constants as fsConstants, type Stats } from 'node:fs';
import path from 'node:path';
import { FatError } from '../fat/errors.js';
import { findCaseCollisions, caseCollisionError } from './case-collisions.js';
import { HostTreeError, type HostTreeProblem } from './host-tree-error.js';
import { comparePaths } from './paths.js';
import { pathFilter, type PathFilter } from './path-filter.js';
import { tempImageOwner } from './temp-name.js';
import { isLockFileName, lockPathFor } from './image-lock.js';

export { comparePaths };

export interface CollectOptions {
  /**
   * Glob patterns for what to take (default everything), on POSIX paths relative to the root: an
   * entry is in when it or a directory above it matches. See path-filter.ts for the rules.
   */
  include?: string[];
  /**
   * Glob patterns to leave out. A directory that matches is left out with everything in it
   * (`drafts`, `drafts/` or `**\/node_modules` prune the whole subtree; `posts/*` empties `posts`).
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
  /** Leave sockets, FIFOs and devices out (listed in `skipped`) instead of failing on them. */
  skipSpecial?: boolean;
  /**
   * The image file being made from this tree: when it lies inside, it is left out (listed in
   * `skipped`), and so are its temporary files (`.NAME.tmp-*` beside it).
   */
  image?: string;
  /** Told of every entry left out, in path order, once the walk has succeeded. */
  onSkip?: (entry: SkippedEntry) => void;
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

/** An entry deliberately left out of the tree. */
export interface SkippedEntry {
  path: string;
  /** A symbolic link (not followed), a special file (with skipSpecial), the image being written. */
  reason: 'symlink' | 'special' | 'image';
  /** For special files: what it is. */
  kind?: 'FIFO' | 'socket' | 'device';
}

export interface CollectedTree {
  /** The absolute root directory. */
  root: string;
  /**
   * Every included file and directory (empty ones too), sorted by path in UTF-16 code-unit order
   * (plain `<` on strings), so a directory always comes before what it contains.
   */
  entries: HostEntry[];
  /** Entries deliberately left out, sorted by path. */
  skipped: SkippedEntry[];
}

/** What a skipped entry is, for a message: `a FIFO`, `it is the image being written`. */
export function describeSkip(entry: SkippedEntry): string {
  if (entry.reason === 'image') return 'it is the image being written';
  if (entry.reason === 'symlink') return 'a symbolic link';
  return `a ${entry.kind ?? 'special file'}`;
}

/**
 * Walk `root` and return its sorted entries. Throws FatError ENOENT/ENOTDIR for a bad root,
 * HostTreeError (code EIO) listing every symlink loop, dangling link, unreadable entry and special
 * file at once, and FatError EEXIST listing every case-insensitive collision.
 */
export async function collectTree(root: string, options: CollectOptions = {}): Promise<CollectedTree> {
  const absRoot = path.resolve(root);
  assertDirectory(absRoot, root);
  const filter = await pathFilter(options.include, options.exclude);
  const walk = new Walk(absRoot, options, filter);
  walk.run();
  if (walk.problems.length > 0) throw new HostTreeError(absRoot, walk.problems);
  const entries = walk.entries();
  entries.sort((a, b) => comparePaths(a.path, b.path));
  if (!options.allowCaseCollisions) {
    const collisions = findCaseCollisions(entries.map((e) => e.path));
    if (collisions.length > 0) throw caseCollisionError(collisions);
  }
  const skipped = walk.skipped.sort((a, b) => comparePaths(a.path, b.path));
  if (options.onSkip) for (const s of skipped) options.onSkip(s);
  return { root: absRoot, entries, skipped };
}

interface Frame {
  rel: string;
  abs: string;
  /** The directory's real path (loops are links back to one of `ancestors`). */
  real: string;
  ancestors: string[];
  /** Everything below is in (the directory, or one above it, matched an include pattern). */
  included: boolean;
}

/** One walk: readdir with file types, stat what needs it, follow links, note what cannot be read. */
class Walk {
  readonly problems: HostTreeProblem[] = [];
  readonly skipped: SkippedEntry[] = [];
  private readonly kept: HostEntry[] = [];
  /** Directories not included themselves: kept only to hold an included entry. */
  private readonly holders = new Map<string, HostEntry>();
  private readonly follow: boolean;
  private readonly image: ImageMark | undefined;
  private readonly canRead = readableCheck();

  constructor(private readonly absRoot: string, private readonly options: CollectOptions, private readonly filter: PathFilter | undefined) {
    this.follow = options.followSymlinks ?? true;
    this.image = options.image === undefined ? undefined : imageMark(options.image);
  }

  run(): void {
    const real = fs.realpathSync(this.absRoot);
    const stack: Frame[] = [{ rel: '', abs: this.absRoot, real, ancestors: [real], included: !this.filter?.hasInclude }];
    while (stack.length > 0) this.visit(stack.pop()!, stack);
  }

  /** The included entries and the directories that hold them. */
  entries(): HostEntry[] {
    const out = [...this.kept];
    const have = new Set(out.map((e) => e.path));
    for (const e of this.kept) {
      for (let p = posixDirname(e.path); p !== '' && !have.has(p); p = posixDirname(p)) {
        have.add(p);
        out.push(this.holders.get(p)!);
      }
    }
    return out;
  }

  private problem(rel: string, reason: string): void {
    this.problems.push({ path: rel, reason });
  }

  private visit(frame: Frame, stack: Frame[]): void {
    let dirents: fs.Dirent[];
    try {
      dirents = fs.readdirSync(frame.abs, { withFileTypes: true });
    } catch (err) {
      this.problem(frame.rel || '.', (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : 'cannot read');
      return;
    }
    const dot = this.options.dot ?? true;
    const filter = this.filter;
    const prefix = frame.abs.endsWith(path.sep) ? frame.abs : frame.abs + path.sep;
    for (const d of dirents) {
      if (!dot && d.name.startsWith('.')) continue;
      const rel = frame.rel ? `${frame.rel}/${d.name}` : d.name;
      if (filter?.excludes(rel, d.isDirectory())) continue;
      const abs = prefix + d.name;
      const link = d.isSymbolicLink();
      if (link && !this.follow) {
        this.skipped.push({ path: rel, reason: 'symlink' });
        continue;
      }
      let st: Stats;
      try {
        st = link ? fs.statSync(abs) : fs.lstatSync(abs);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (frame.included || filter?.includes(rel, false)) {
          this.problem(rel, code === 'ELOOP' ? 'symlink loop' : code === 'EACCES' ? 'permission denied' : link ? 'dangling symlink' : 'cannot read');
        }
        continue;
      }
      const isDir = st.isDirectory();
      if (link && isDir && filter?.excludes(rel, true)) continue;
      const included = frame.included || (filter?.includes(rel, isDir) ?? true);
      const mine = this.image?.matches(frame.real, d.name, st);
      if (mine) {
        // The image and its temporary files are reported; its lock file is this run's own, left out quietly.
        if (included && mine === 'image') this.skipped.push({ path: rel, reason: 'image' });
        continue;
      }
      if (isDir) {
        const real = link ? fs.realpathSync(abs) : path.join(frame.real, d.name);
        if (link && frame.ancestors.includes(real)) {
          this.problem(rel, 'symlink loop');
          continue;
        }
        const entry = entryOf(rel, abs, st);
        if (included) this.kept.push(entry);
        else this.holders.set(rel, entry);
        stack.push({ rel, abs, real, ancestors: [...frame.ancestors, real], included });
      } else if (!included) {
        continue;
      } else if (st.isFile()) {
        if (this.canRead(abs, st)) this.kept.push(entryOf(rel, abs, st));
        else this.problem(rel, 'permission denied');
      } else if (this.options.skipSpecial) {
        this.skipped.push({ path: rel, reason: 'special', kind: specialKind(st) });
      } else {
        this.problem(rel, 'not a regular file or directory');
      }
    }
  }
}

/** What a special file is: a FIFO, a socket or a device; undefined for files and directories. */
export function specialKind(st: Stats): SkippedEntry['kind'] {
  if (st.isFile() || st.isDirectory()) return undefined;
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  return 'device';
}

interface ImageMark {
  /** Whether the entry `name` of the directory whose real path is `dirReal` is the image or a temporary file of it ('image'), or its lock file ('lock'). */
  matches(dirReal: string, name: string, st: Stats): 'image' | 'lock' | undefined;
}

/** Recognise the image being written (by device and inode), its temporary files and its lock file (by name, beside it). */
function imageMark(image: string): ImageMark {
  const abs = path.resolve(image);
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  let dir: string | undefined;
  try {
    dir = fs.realpathSync(path.dirname(abs));
  } catch {
    dir = undefined;
  }
  const base = path.basename(abs);
  const lock = lockPathFor(abs);
  const lockDir = path.dirname(lock);
  return {
    matches: (dirReal, name, entry) => {
      if (st !== undefined && st.isFile() && entry.isFile() && entry.dev === st.dev && entry.ino === st.ino) return 'image';
      if (dirReal === dir && tempImageOwner(name, base) !== undefined) return 'image';
      return dirReal === lockDir && isLockFileName(lock, name) ? 'lock' : undefined;
    },
  };
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
      fs.accessSync(abs, fsConstants.R_OK);
      return true;
    } catch {
      return false;
    }
  };
}

function assertDirectory(absRoot: string, given: string): void {
  let st: Stats;
  try {
    st = fs.statSync(absRoot);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FatError('ENOENT', `${given}: no such directory`, { path: given });
    throw new FatError('EIO', `${given}: cannot read (${code ?? 'error'})`, { path: given, cause: err });
  }
  if (!st.isDirectory()) throw new FatError('ENOTDIR', `${given}: not a directory`, { path: given });
}

function posixDirname(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

function entryOf(rel: string, absPath: string, stats: Stats): HostEntry {
  const dir = stats.isDirectory();
  return { path: rel, absPath, type: dir ? 'directory' : 'file', size: dir ? 0 : stats.size, mtimeMs: stats.mtimeMs, mode: stats.mode };
}
