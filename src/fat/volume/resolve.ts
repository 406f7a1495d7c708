/**
 * Paths to entries: component by component from the root, or, for a path whose directory was
 * found before, from the path cache (issue #16): `writeFile('/a/b/c.txt')` finds `/a/b` again
 * without resolving it from the root. Only existing directories are remembered, under the path as
 * the caller wrote it; the volume forgets them all when any directory is renamed or removed, after
 * a repair and on close. Functions of a Volume, which owns one PathResolver; this file imports the
 * Volume type only (no run-time cycle).
 */
import type { Volume } from './volume.js';
import type { DirRecord } from '../dir/directory.js';
import type { Directory } from '../dir/dir-handle.js';
import { ATTR } from '../format/dir-entry.js';
import { cleanName } from '../format/name-rules.js';
import { joinPath, splitPath } from '../format/path.js';
import { FatError } from '../errors.js';

/** A directory found by path: its listing, its record (undefined: the root), its canonical path. */
export type DirAt = { dir: Directory; rec: DirRecord | undefined; path: string };
/** An entry found by path (undefined record: the root), the listing that holds it, its canonical path. */
export type Resolved = { rec: DirRecord | undefined; parent: Directory | undefined; path: string };
/** Where a new entry goes (see Volume.resolveForCreate). */
export type ForCreate = { dir: Directory; name: string; existing: DirRecord | undefined; path: string; parentCluster: number };

/** Directories the path cache remembers before it starts again (a bound for hostile callers). */
const PATH_CACHE_MAX = 4096;

/**
 * Where a path's last component starts (after its last `/`; 0 when it has none), when it is an
 * ordinary name (not empty, `.` or `..`) and the path holds no NUL: the paths the path cache can
 * answer, from the directory before it (`path.slice(0, at - 1)`, '' for the root). -1 sends the
 * path through splitPath, which knows the rest (and the errors).
 */
function lastPart(path: string): number {
  if (typeof path !== 'string' || path.indexOf('\0') >= 0) return -1;
  const at = path.lastIndexOf('/') + 1;
  const n = path.length - at;
  if (n === 0 || (n <= 2 && path.charCodeAt(at) === 0x2e && (n === 1 || path.charCodeAt(at + 1) === 0x2e))) return -1;
  return at;
}

/** The directory part of a path whose last component starts at `at` ('' for the root). */
const parentKey = (path: string, at: number): string => (at <= 1 ? '' : path.slice(0, at - 1));

/** Look a path component up: trailing dots and spaces (and leading spaces) are not part of a name, on lookup as on create. */
function findPart(listing: Directory, part: string): DirRecord | undefined {
  const last = part.charCodeAt(part.length - 1);
  return listing.find(part.charCodeAt(0) !== 0x20 && last !== 0x20 && last !== 0x2e ? part : part.replace(/^ +/, '').replace(/[. ]+$/, '') || part);
}

export class PathResolver {
  /** Paths (as callers wrote them) of directories found before -> the directory. */
  private readonly cache = new Map<string, DirAt>();

  constructor(private readonly vol: Volume) {}

  /** Forget every remembered path. */
  forget(): void {
    this.cache.clear();
  }

  resolve(path: string): Resolved {
    const at = lastPart(path);
    if (at < 0) return this.resolveFromRoot(path);
    this.vol.assertOpen();
    const parent = this.parentDir(parentKey(path, at));
    const name = at === 0 ? path : path.slice(at);
    const found = findPart(parent.dir, name);
    if (!found) {
      const p = joinPath(parent.path, name);
      throw new FatError('ENOENT', `no such file or directory: ${p}`, { path: p });
    }
    return { rec: found, parent: parent.dir, path: joinPath(parent.path, found.name) };
  }

  /** resolve() component by component from the root. */
  private resolveFromRoot(path: string): Resolved {
    const vol = this.vol;
    const parts = splitPath(path);
    let loc = vol.rootLocation();
    let cur = '/';
    let rec: DirRecord | undefined;
    let parent: Directory | undefined;
    for (let i = 0; i < parts.length; i++) {
      const listing = vol.dir(loc, cur);
      const found = findPart(listing, parts[i]);
      const next = joinPath(cur, found ? found.name : parts[i]);
      if (!found) throw new FatError('ENOENT', `no such file or directory: ${joinPath(cur, parts[i])}`, { path: next });
      parent = listing;
      rec = found;
      cur = next;
      if (i < parts.length - 1) {
        if (!(found.raw.attr & ATTR.DIRECTORY)) throw new FatError('ENOTDIR', `not a directory: ${cur}`, { path: cur });
        loc = vol.dirLocationOf(found, cur);
      }
    }
    return { rec, parent, path: cur };
  }

  /** The directory at `path`, which must be one (remembered). */
  dirAt(path: string): DirAt {
    const hit = this.cache.get(path);
    if (hit !== undefined) {
      this.vol.assertOpen();
      return hit;
    }
    return this.remember(path, this.dirAtRecord(this.resolve(path)));
  }

  /**
   * The directory at `key` (the part of a path before its last `/`; '' for the root), from the
   * cache, else resolved from the root (iteratively: no recursion, whatever the depth) and remembered.
   */
  private parentDir(key: string): DirAt {
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    return this.remember(key, this.dirAtRecord(this.resolveFromRoot(key === '' ? '/' : key)));
  }

  private remember(key: string, at: DirAt): DirAt {
    if (this.cache.size >= PATH_CACHE_MAX) this.cache.clear();
    this.cache.set(key, at);
    return at;
  }

  private dirAtRecord({ rec, path: abs }: Resolved): DirAt {
    if (rec && !(rec.raw.attr & ATTR.DIRECTORY)) throw new FatError('ENOTDIR', `not a directory: ${abs}`, { path: abs });
    return { dir: this.vol.dir(this.vol.dirLocationOf(rec, abs), abs), rec, path: abs };
  }

  /** Where a new entry named by `path` goes (Volume.resolveForCreate). */
  resolveForCreate(path: string): ForCreate {
    const at = lastPart(path);
    let parent: DirAt;
    let last: string;
    if (at >= 0) {
      this.vol.assertOpen();
      parent = this.parentDir(parentKey(path, at));
      last = at === 0 ? path : path.slice(at);
    } else {
      const parts = splitPath(path);
      const l = parts.pop();
      if (l === undefined) throw new FatError('EEXIST', 'the root directory already exists', { path: '/' });
      parent = this.dirAt(`/${parts.join('/')}`);
      last = l;
    }
    const name = cleanName(last, joinPath(parent.path, last));
    const existing = parent.dir.find(name);
    const parentCluster = parent.rec ? parent.rec.raw.cluster : 0;
    return { dir: parent.dir, name, existing, path: joinPath(parent.path, existing ? existing.name : name), parentCluster };
  }
}
