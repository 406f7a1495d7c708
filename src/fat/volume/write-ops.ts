import type { Volume } from './volume.js';
import type { Directory } from '../dir/dir-handle.js';
import type { DirRecord } from '../dir/directory.js';
import { ATTR, CASE_LOWER_BASE, CASE_LOWER_EXT, ENTRY_SIZE, encodeDirEntry, type RawDirEntry } from '../format/dir-entry.js';
import { encodeDosTime, type DosDateTime } from '../format/dos-time.js';
import { DOT_NAME, DOTDOT_NAME, planShortName } from '../format/short-name.js';
import { clusterToSector } from '../format/geometry.js';
import { fileClusters, writeClusters } from '../file/chain.js';
import { FatError } from '../errors.js';
import { joinPath, splitPath } from '../format/path.js';

/** The largest file FAT can hold: 4 GiB - 1. */
export const MAX_FILE_SIZE = 0xffffffff;

export type TimeLike = Date | number;

/** Times and attributes a new or rewritten entry may be given. */
export interface EntryOptions {
  mtime?: TimeLike;
  atime?: TimeLike;
  birthtime?: TimeLike;
  /** Extra attribute bits (READ_ONLY, HIDDEN, SYSTEM, ARCHIVE); files get ARCHIVE by default. */
  attributes?: number;
}

export interface WriteFileOptions extends EntryOptions {
  /** 'w' replaces (default), 'wx' fails with EEXIST when the file exists, 'a' appends. */
  flag?: 'w' | 'wx' | 'a';
}

/** A TimeLike as a Date: an invalid Date, a non-finite number or anything else is EINVAL (never stored as 1980). */
export function validTime(t: TimeLike, what = 'time'): Date {
  const d = typeof t === 'number' ? new Date(t) : t instanceof Date ? t : undefined;
  if (d === undefined || !Number.isFinite(d.getTime())) throw new FatError('EINVAL', `invalid ${what}: ${String(t)}`);
  return d;
}

/** Check every time of `opts` before anything is written: the one validation of TimeLike inputs. */
export function checkTimes(opts: EntryOptions): void {
  if (opts.mtime !== undefined) validTime(opts.mtime, 'mtime');
  if (opts.atime !== undefined) validTime(opts.atime, 'atime');
  if (opts.birthtime !== undefined) validTime(opts.birthtime, 'birthtime');
}

const toDate = (t: TimeLike | undefined, fallback: Date): Date => (t === undefined ? fallback : validTime(t));

/** Files cannot be made at the root's path: it is a directory (EISDIR, as node:fs says). */
export function refuseRoot(path: string): void {
  // A path whose last component is a name (not empty, `.` or `..`) is not the root: no split needed.
  if (typeof path === 'string' && path.indexOf('\0') < 0) {
    const last = path.length - 1 - path.lastIndexOf('/');
    if (last > 2 || (last > 0 && path.charCodeAt(path.length - 1) !== 0x2e) || (last === 2 && path.charCodeAt(path.length - 2) !== 0x2e)) return;
  }
  if (splitPath(path).length === 0) throw new FatError('EISDIR', 'is a directory: /', { path: '/' });
}

/** The name of an entry made by makeRaw until createEntry gives it its own (never written to). */
const NO_NAME_YET = new Uint8Array(11);

/** encodeDosTime, remembering the last time and its encoding (writes stamp one time again and again); read-only. */
let lastMs = NaN;
let lastDos: DosDateTime = { date: 0, time: 0, tenths: 0 };
const dosTime = (d: Date): DosDateTime => (d.getTime() === lastMs ? lastDos : (lastDos = encodeDosTime((lastMs = d.getTime()))));

/**
 * A fresh short entry with times stamped; `mtime` is opts.mtime or the clock, which each caller
 * asks itself (`opts.mtime ?? vol.now()` at its own call site: V8 then builds no caller's fast code
 * around the clock of a volume that is gone, which it would throw away after the next GC).
 */
function makeRaw(attr: number, cluster: number, size: number, opts: EntryOptions, mtime: Date): RawDirEntry {
  // Creation and access times default to the modification time: encoded once then.
  const m = dosTime(mtime);
  const c = opts.birthtime === undefined ? m : dosTime(validTime(opts.birthtime));
  const a = opts.atime === undefined ? m : dosTime(validTime(opts.atime));
  return {
    name: NO_NAME_YET,
    attr,
    caseFlags: 0,
    ctimeTenths: c.tenths,
    ctime: c.time,
    cdate: c.date,
    adate: a.date,
    cluster,
    mtime: m.time,
    mdate: m.date,
    size,
  };
}

/** Insert an entry named `name` into `dir`: short name chosen, long-name slots when needed. */
export function createEntry(vol: Volume, dir: Directory, name: string, raw: RawDirEntry): DirRecord {
  const plan = planShortName(name, vol.page, dir.shortTaken);
  raw.name = plan.raw;
  raw.caseFlags = (raw.caseFlags & ~(CASE_LOWER_BASE | CASE_LOWER_EXT)) | plan.caseFlags;
  return dir.insertNamed(name, raw, plan.needsLongName);
}

/** Clusters needed for `size` bytes. */
const clustersFor = (vol: Volume, size: number): number => Math.ceil(size / vol.geo.clusterSize);

function checkSize(size: number, path: string): void {
  if (size > MAX_FILE_SIZE) throw new FatError('EFBIG', `file too large: ${path} would be ${size} bytes (FAT allows 4 GiB - 1)`, { path });
}

/**
 * Create or replace a file. Order on disk: data, then the FAT, then the directory entry; a replaced
 * file's old clusters are freed last. When the free space holds the new data only with the old
 * file's clusters counted, the old file is emptied first instead (its entry set to no clusters and
 * written, its clusters freed, then the new data goes in as above): a crash then may leave the file
 * empty, never cross-linked. ENOSPC and EFBIG are raised before anything is written.
 */
export function writeFile(vol: Volume, path: string, data: Uint8Array, opts: WriteFileOptions = {}): void {
  if (opts.flag === 'a') return appendFile(vol, path, data, opts);
  refuseRoot(path);
  checkTimes(opts);
  vol.beginWrite();
  const t = vol.resolveForCreate(path);
  if (t.existing) {
    if (t.existing.raw.attr & ATTR.DIRECTORY) throw new FatError('EISDIR', `is a directory: ${t.path}`, { path: t.path });
    if (opts.flag === 'wx') throw new FatError('EEXIST', `file already exists: ${t.path}`, { path: t.path });
  }
  checkSize(data.length, t.path);
  const need = clustersFor(vol, data.length);
  if (t.existing && need > vol.fat.countFree()) freeFirst(vol, t.dir, t.existing, need, t.path);
  const clusters = vol.fat.allocate(need);
  writeClusters(vol, clusters, 0, data, true);
  const first = clusters.length ? clusters[0] : 0;
  if (t.existing) {
    const rec = t.existing;
    const old = rec.raw.cluster;
    const fresh = makeRaw(0, first, data.length, opts, opts.mtime === undefined ? vol.now() : validTime(opts.mtime));
    rec.raw.cluster = first;
    rec.raw.size = data.length;
    rec.raw.mtime = fresh.mtime;
    rec.raw.mdate = fresh.mdate;
    rec.raw.adate = fresh.adate;
    rec.raw.attr = (rec.raw.attr | ATTR.ARCHIVE) | (opts.attributes ?? 0);
    vol.fat.flush();
    t.dir.update(rec);
    t.dir.flush();
    if (old && vol.fat.inRange(old)) vol.fat.freeChain(old);
    vol.fat.flush();
    vol.fileChanged(rec);
    return;
  }
  const mtime = opts.mtime === undefined ? vol.now() : validTime(opts.mtime);
  createOrRollBack(vol, t.dir, t.name, makeRaw(ATTR.ARCHIVE | (opts.attributes ?? 0), first, data.length, opts, mtime));
  vol.fat.flush();
  t.dir.flush();
}

/**
 * Make room for a replacement that fits only in the space the old file frees: its entry is emptied
 * (written first), then its clusters are freed. ENOSPC, with nothing changed, when even that is not
 * enough.
 */
function freeFirst(vol: Volume, dir: Directory, rec: DirRecord, need: number, path: string): void {
  const old = fileClusters(vol, rec.raw, path).length;
  const free = vol.fat.countFree();
  if (need > free + old) {
    throw new FatError('ENOSPC', `no space left on the volume: ${path} needs ${need} clusters, ${free} are free and the old file frees ${old}`, { path });
  }
  const first = rec.raw.cluster;
  rec.raw.cluster = 0;
  rec.raw.size = 0;
  dir.update(rec);
  dir.flush();
  if (first && vol.fat.inRange(first)) vol.fat.freeChain(first);
  vol.fat.flush();
  vol.fileChanged(rec);
}

/** A new file entry (archive bit, times from `opts`) in `dir`; the caller flushes. */
export function addFileEntry(vol: Volume, dir: Directory, name: string, cluster: number, size: number, opts: EntryOptions = {}): DirRecord {
  const mtime = opts.mtime === undefined ? vol.now() : validTime(opts.mtime);
  return createOrRollBack(vol, dir, name, makeRaw(ATTR.ARCHIVE | (opts.attributes ?? 0), cluster, size, opts, mtime));
}

/** createEntry, freeing the entry's clusters if the directory has no room (ENOSPC) so nothing leaks. */
function createOrRollBack(vol: Volume, dir: Directory, name: string, raw: RawDirEntry): DirRecord {
  try {
    return createEntry(vol, dir, name, raw);
  } catch (e) {
    if (raw.cluster) vol.fat.freeChain(raw.cluster);
    throw e;
  }
}

/** Append to a file (created when missing), extending its chain in place where the FAT allows. */
export function appendFile(vol: Volume, path: string, data: Uint8Array, opts: EntryOptions = {}): void {
  refuseRoot(path);
  checkTimes(opts);
  vol.beginWrite();
  const t = vol.resolveForCreate(path);
  if (!t.existing) return writeFile(vol, path, data, { ...opts, flag: 'w' });
  const rec = t.existing;
  if (rec.raw.attr & ATTR.DIRECTORY) throw new FatError('EISDIR', `is a directory: ${t.path}`, { path: t.path });
  const size = rec.raw.size;
  checkSize(size + data.length, t.path);
  const chain = fileClusters(vol, rec.raw, t.path);
  extendChain(vol, rec, chain, clustersFor(vol, size + data.length));
  writeClusters(vol, chain, size, data, true);
  vol.fat.flush();
  const fresh = makeRaw(0, 0, 0, opts, opts.mtime === undefined ? vol.now() : validTime(opts.mtime));
  rec.raw.size = size + data.length;
  rec.raw.mtime = fresh.mtime;
  rec.raw.mdate = fresh.mdate;
  rec.raw.adate = fresh.adate;
  rec.raw.attr |= ATTR.ARCHIVE;
  t.dir.update(rec);
  t.dir.flush();
  vol.fileChanged(rec);
}

/**
 * Grow `chain` (in place) to `want` clusters, linking the new ones after its last and setting the
 * entry's first cluster when the file was empty. The FAT is left dirty.
 */
export function extendChain(vol: Volume, rec: DirRecord, chain: number[], want: number): void {
  const need = want - chain.length;
  if (need <= 0) return;
  const last = chain.length ? chain[chain.length - 1] : undefined;
  const extra = vol.fat.allocate(need, last);
  if (last !== undefined) vol.fat.set(last, extra[0]);
  else rec.raw.cluster = extra[0];
  for (const c of extra) chain.push(c); // (a spread of a million clusters overflows the stack)
}

/** Cut `chain` to `keep` clusters (freeing the rest); keep 0 empties the file. The FAT is left dirty. */
export function shrinkChain(vol: Volume, rec: DirRecord, chain: number[], keep: number): void {
  if (keep >= chain.length) return;
  if (keep === 0) {
    vol.fat.freeChain(chain[0]);
    rec.raw.cluster = 0;
  } else {
    vol.fat.freeChain(chain[keep]);
    vol.fat.set(chain[keep - 1], vol.fat.eoc);
  }
  chain.length = keep;
}

export interface MkdirOptions extends EntryOptions {
  recursive?: boolean;
}

/** Create a directory: a zeroed cluster holding `.` and `..` (0 under the root), then its entry. */
function mkdirOne(vol: Volume, dir: Directory, name: string, parentCluster: number, opts: EntryOptions): DirRecord {
  const [c] = vol.fat.allocate(1);
  const g = vol.geo;
  const buf = new Uint8Array(g.clusterSize);
  const raw = makeRaw(ATTR.DIRECTORY | (opts.attributes ?? 0), c, 0, opts, opts.mtime === undefined ? vol.now() : validTime(opts.mtime));
  encodeDirEntry({ ...raw, name: DOT_NAME, attr: ATTR.DIRECTORY }, buf, 0);
  const up = g.fatType === 32 && parentCluster === g.rootCluster ? 0 : parentCluster;
  encodeDirEntry({ ...raw, name: DOTDOT_NAME, attr: ATTR.DIRECTORY, cluster: up }, buf, ENTRY_SIZE);
  const rec = createOrRollBack(vol, dir, name, raw);
  vol.io.write(clusterToSector(g, c), buf);
  vol.fat.flush();
  dir.flush();
  vol.adoptDir(c, joinPath(dir.path, rec.name), buf);
  return rec;
}

export function mkdir(vol: Volume, path: string, opts: MkdirOptions = {}): string | undefined {
  checkTimes(opts);
  vol.beginWrite();
  const parts = splitPath(path);
  if (parts.length === 0) {
    if (opts.recursive) return undefined;
    throw new FatError('EEXIST', 'the root directory already exists', { path: '/' });
  }
  let created: string | undefined;
  const upTo = opts.recursive ? 1 : parts.length;
  for (let i = upTo; i <= parts.length; i++) {
    const sub = `/${parts.slice(0, i).join('/')}`;
    const t = vol.resolveForCreate(sub);
    if (t.existing) {
      const isDir = (t.existing.raw.attr & ATTR.DIRECTORY) !== 0;
      if (i < parts.length || (opts.recursive && isDir)) {
        if (!isDir) throw new FatError('ENOTDIR', `not a directory: ${t.path}`, { path: t.path });
        continue;
      }
      throw new FatError('EEXIST', `already exists: ${t.path}`, { path: t.path });
    }
    mkdirOne(vol, t.dir, t.name, t.parentCluster, opts);
    created ??= t.path;
  }
  return created;
}

export interface RmOptions {
  recursive?: boolean;
  /** Ignore a missing path. */
  force?: boolean;
}

/**
 * Remove an entry: the directory entry first, then its clusters (a crash leaves lost clusters, not
 * a cross-link). A directory's whole subtree is listed first, iteratively, so that a corrupt image
 * whose directories link back to an ancestor is refused before anything is removed.
 */
function removeRecord(vol: Volume, parent: Directory, rec: DirRecord, path: string, recursive: boolean): void {
  if (rec.raw.attr & ATTR.DIRECTORY) vol.forgetPaths();
  const order: { parent: Directory; rec: DirRecord; path: string }[] = [{ parent, rec, path }];
  const seen = new Set<number>();
  for (let i = 0; i < order.length; i++) {
    const item = order[i];
    if (!(item.rec.raw.attr & ATTR.DIRECTORY)) continue;
    const c = item.rec.raw.cluster;
    if (seen.has(c)) {
      throw new FatError('FAT_CORRUPT', `corrupt directory: ${item.path} links back to a directory above it (run fat check --repair)`, { path: item.path, cluster: c });
    }
    seen.add(c);
    const sub = vol.dir(vol.dirLocationOf(item.rec, item.path), item.path);
    if (!sub.isEmpty && !recursive) throw new FatError('ENOTEMPTY', `directory not empty: ${item.path}`, { path: item.path });
    for (const child of sub.records) order.push({ parent: sub, rec: child, path: joinPath(item.path, child.name) });
  }
  // Deepest first: everything below a directory goes before the directory itself.
  for (let i = order.length - 1; i >= 0; i--) {
    const { parent: p, rec: r } = order[i];
    if (r.raw.attr & ATTR.DIRECTORY) {
      vol.dir(vol.dirLocationOf(r, order[i].path), order[i].path).flush();
      vol.forgetDir(r.raw.cluster);
    }
    p.remove(r);
    p.flush();
    vol.fileRemoved(r);
    if (r.raw.cluster && vol.fat.inRange(r.raw.cluster)) vol.fat.freeChain(r.raw.cluster);
    vol.fat.flush();
  }
}

export function rm(vol: Volume, path: string, opts: RmOptions = {}): void {
  vol.beginWrite();
  let r;
  try {
    r = vol.resolve(path);
  } catch (e) {
    if (opts.force && e instanceof FatError && e.code === 'ENOENT') return;
    throw e;
  }
  if (!r.rec || !r.parent) throw new FatError('EINVAL', 'cannot remove the root directory', { path: '/' });
  removeRecord(vol, r.parent, r.rec, r.path, opts.recursive === true);
}

export function rmdir(vol: Volume, path: string): void {
  const r = vol.resolve(path);
  if (r.rec && !(r.rec.raw.attr & ATTR.DIRECTORY)) throw new FatError('ENOTDIR', `not a directory: ${r.path}`, { path: r.path });
  rm(vol, path);
}

export function unlink(vol: Volume, path: string): void {
  const r = vol.resolve(path);
  if (!r.rec || r.rec.raw.attr & ATTR.DIRECTORY) throw new FatError('EISDIR', `is a directory: ${r.path}`, { path: r.path });
  rm(vol, path);
}

/**
 * Move or rename, like POSIX rename: an existing file at `to` is replaced; a directory may replace
 * an empty directory; a directory cannot move into itself. The new entry is written before the old
 * one is removed, so a crash never loses the file.
 */
export function rename(vol: Volume, from: string, to: string): void {
  vol.beginWrite();
  const src = vol.resolve(from);
  if (!src.rec || !src.parent) throw new FatError('EINVAL', 'cannot rename the root directory', { path: '/' });
  const srcRec = src.rec;
  const srcParent = src.parent;
  const isDir = (srcRec.raw.attr & ATTR.DIRECTORY) !== 0;
  const t = vol.resolveForCreate(to);
  if (isDir && (t.path === src.path || t.path.toUpperCase().startsWith(`${src.path.toUpperCase()}/`))) {
    if (t.existing !== srcRec) throw new FatError('EINVAL', `cannot move ${src.path} into itself`, { path: src.path });
  }
  let replaced: DirRecord | undefined;
  if (t.existing && t.existing !== srcRec) {
    const targetDir = (t.existing.raw.attr & ATTR.DIRECTORY) !== 0;
    if (isDir && !targetDir) throw new FatError('ENOTDIR', `not a directory: ${t.path}`, { path: t.path });
    if (!isDir && targetDir) throw new FatError('EISDIR', `is a directory: ${t.path}`, { path: t.path });
    if (targetDir && !vol.dir(vol.dirLocationOf(t.existing, t.path), t.path).isEmpty) {
      throw new FatError('ENOTEMPTY', `directory not empty: ${t.path}`, { path: t.path });
    }
    replaced = t.existing;
  } else if (t.existing === srcRec && t.name === srcRec.name) {
    return; // same name, same place
  }
  // Paths resolved through the directory that moves (or is replaced) lead elsewhere from now on.
  if (isDir) vol.forgetPaths();
  const raw: RawDirEntry = { ...srcRec.raw, name: new Uint8Array(11) };
  // All or nothing in memory: a new name that does not fit (a full FAT12/16 root) changes nothing.
  // On disk the new entry is written before the old one is removed: a crash between the two leaves
  // both names on the same clusters (fsck.fat keeps the data under one of them), never the file lost.
  const moved = t.dir.transaction(() => {
    if (replaced) t.dir.remove(replaced);
    if (srcRec === t.existing) srcParent.remove(srcRec); // a case-only rename in place: free the name first
    return createEntry(vol, t.dir, t.name, raw);
  });
  vol.fat.flush();
  t.dir.flush();
  if (srcRec !== t.existing) {
    srcParent.remove(srcRec);
    srcParent.flush();
  }
  if (isDir && srcParent !== t.dir) {
    const sub = vol.dir({ kind: 'chain', cluster: srcRec.raw.cluster }, t.path);
    sub.setDotDot(vol.geo.fatType === 32 && t.parentCluster === vol.geo.rootCluster ? 0 : t.parentCluster);
    sub.flush();
  }
  vol.fileMoved(srcRec, moved, t.dir, t.path);
  if (replaced) {
    vol.fileRemoved(replaced);
    if (replaced.raw.cluster && vol.fat.inRange(replaced.raw.cluster)) vol.fat.freeChain(replaced.raw.cluster);
    if (replaced.raw.attr & ATTR.DIRECTORY) vol.forgetDir(replaced.raw.cluster);
    vol.fat.flush();
  }
}

/** Change an entry's access and modification times. */
export function utimes(vol: Volume, path: string, atime: TimeLike, mtime: TimeLike): void {
  checkTimes({ atime, mtime });
  vol.beginWrite();
  const r = vol.resolve(path);
  if (!r.rec || !r.parent) throw new FatError('EINVAL', 'the root directory has no times to change', { path: '/' });
  const m = encodeDosTime(toDate(mtime, vol.now()));
  r.rec.raw.mtime = m.time;
  r.rec.raw.mdate = m.date;
  r.rec.raw.adate = encodeDosTime(toDate(atime, vol.now())).date;
  r.parent.update(r.rec);
  r.parent.flush();
}

export interface Attributes {
  readOnly?: boolean;
  hidden?: boolean;
  system?: boolean;
  archive?: boolean;
}

/** Set or clear attribute bits; the others are kept. */
export function setAttributes(vol: Volume, path: string, attrs: Attributes): void {
  vol.beginWrite();
  const r = vol.resolve(path);
  if (!r.rec || !r.parent) throw new FatError('EINVAL', 'the root directory has no attributes', { path: '/' });
  const bits: [keyof Attributes, number][] = [['readOnly', ATTR.READ_ONLY], ['hidden', ATTR.HIDDEN], ['system', ATTR.SYSTEM], ['archive', ATTR.ARCHIVE]];
  for (const [k, bit] of bits) {
    if (attrs[k] === true) r.rec.raw.attr |= bit;
    else if (attrs[k] === false) r.rec.raw.attr &= ~bit;
  }
  r.parent.update(r.rec);
  r.parent.flush();
}
