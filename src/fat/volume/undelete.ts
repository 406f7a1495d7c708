/**
 * Deleted files: list them (`listDeleted`) and bring one back (`undelete`), as mtools users reach
 * for fatcat or testdisk. A deleted entry keeps everything but the first byte of its name (and of
 * its long-name slots); its clusters were freed. The chain is taken as FAT12/16 undeleters take
 * it: the run of clusters from the first one that the size needs (FAT32 keeps the first cluster's
 * high word), refused when any of them is in use now. A deleted directory comes back when its
 * first cluster still holds its `.` and `..`; its own entries stay deleted (undelete them one by one).
 */
import type { Volume } from './volume.js';
import type { DirLocation } from '../dir/directory.js';
import { foldName } from '../dir/directory.js';
import { readRawDirectory, scanDeleted, shortPatternOf, legalFirstByte, firstByteForChecksum, type DeletedEntry } from '../dir/deleted.js';
import { ATTR, CASE_LOWER_BASE, CASE_LOWER_EXT, ENTRY_FREE, ENTRY_KANJI_E5, ENTRY_SIZE, decodeDirEntry, isLongNameSlot, type RawDirEntry } from '../format/dir-entry.js';
import { decodeDosTime } from '../format/dos-time.js';
import { clusterToSector } from '../format/geometry.js';
import { codePage, type CodePage, type CodePageName } from '../format/code-page.js';
import { DOT_NAME, DOTDOT_NAME, shortKey } from '../format/short-name.js';
import { joinPath, splitPath } from '../format/path.js';
import { put16 } from '../format/bytes.js';
import { FatError } from '../errors.js';
import { createEntry } from './write-ops.js';

/** A deleted entry as `fat list --deleted` shows it. */
export interface DeletedFile {
  /** The directory it was in, and its path there (long name, else the short name with `?` for a lost first character). */
  directory: string;
  path: string;
  name: string;
  /** The 8.3 name as stored, `?` for the lost first character unless the long name's checksum gives it. */
  shortName: string;
  /** The long name, when its slots survive and their checksum matches; else null. */
  longName: string | null;
  type: 'file' | 'directory';
  size: number;
  mtime: Date;
  firstCluster: number;
  /** The clusters an undelete would take back. */
  clusters: number;
  attributes: number;
  /** Its index in the directory (`undelete`'s `entry` option picks it among same-named ones). */
  entry: number;
  /** Whether `undelete` can bring it back now (its clusters are free), and why not when it cannot. */
  recoverable: boolean;
  problem: string | null;
  /** Whether the lost first character is known (from the long name); else `undelete` needs `firstChar`. */
  firstCharKnown: boolean;
}

export interface ListDeletedOptions {
  /** Directory levels to look in (1 = only `path`); all by default. */
  depth?: number;
}

export interface UndeleteOptions {
  /** Restore under this path instead (any directory; a fresh short name and long name). */
  to?: string;
  /** The lost first character of the short name (a letter is upper-cased). */
  firstChar?: string;
  /** The entry index (`DeletedFile.entry`) when several deleted entries carry the name. */
  entry?: number;
}

export interface UndeleteResult {
  /** Where it is now. */
  path: string;
  type: 'file' | 'directory';
  size: number;
  clusters: number;
  /** Whether its long name came back with it. */
  longName: boolean;
}

/** The stored byte for a first character: upper-cased, in the code page (0xE5 stored as 0x05); EINVAL when no short name may start with it. */
export function firstCharByte(ch: string, page: CodePage | CodePageName = 'cp437'): number {
  const p = typeof page === 'string' ? codePage(page) : page;
  const chars = [...ch];
  if (chars.length !== 1) throw new FatError('EINVAL', `the first character must be one character, not "${ch}"`);
  const up = chars[0].toUpperCase();
  const b = p.encode([...up].length === 1 ? up : chars[0]);
  const stored = b === 0xe5 ? ENTRY_KANJI_E5 : b;
  if (stored === undefined || !legalFirstByte(stored)) throw new FatError('EINVAL', `a short name cannot start with "${ch}"`);
  return stored;
}

interface Found {
  d: DeletedEntry;
  dir: string;
  loc: DirLocation;
  /** The cluster `..` of a directory restored here points to (0 for the root). */
  parentCluster: number;
  sectors: number[];
  buf: Uint8Array;
}

/** Clusters a deleted entry would take back, or why it cannot come back. */
function planClusters(vol: Volume, f: Found): { clusters: number[]; problem?: string } {
  const { raw } = f.d;
  const fat = vol.fat;
  const max = fat.maxCluster;
  const c0 = raw.cluster;
  const isDir = (raw.attr & ATTR.DIRECTORY) !== 0;
  if (!isDir && raw.size === 0) return c0 === 0 ? { clusters: [] } : { clusters: [], problem: `it is 0 bytes long but starts at cluster ${c0}` };
  if (!isDir && c0 === 0) return { clusters: [], problem: `it is ${raw.size} bytes long but has no first cluster` };
  if (isDir && raw.size !== 0) return { clusters: [], problem: `it is a directory with a size (${raw.size})` };
  if (c0 < 2 || c0 > max) return { clusters: [], problem: `its first cluster ${c0} is outside the volume (clusters 2..${max})` };
  const inUse = (c: number): string | undefined => {
    const v = fat.get(c);
    return v === 0 ? undefined : fat.isBad(v) ? `cluster ${c} is marked bad` : `cluster ${c} is in use by another file`;
  };
  if (!isDir) {
    const n = Math.ceil(raw.size / vol.geo.clusterSize);
    if (c0 + n - 1 > max) return { clusters: [], problem: `its ${n} clusters from cluster ${c0} run past the end of the volume (cluster ${max})` };
    const clusters: number[] = [];
    for (let c = c0; c < c0 + n; c++) {
      const why = inUse(c);
      if (why) return { clusters: [], problem: why };
      clusters.push(c);
    }
    return { clusters };
  }
  // A directory: its first cluster must be free and hold its `.` and `..`.
  const why = inUse(c0);
  if (why) return { clusters: [], problem: why };
  const first = readCluster(vol, c0);
  const dot = decodeDirEntry(first, 0, vol.geo.fatType === 32);
  const dotdot = decodeDirEntry(first, ENTRY_SIZE, vol.geo.fatType === 32);
  const parentOk = dotdot.cluster === f.parentCluster || (f.parentCluster === 0 && vol.geo.fatType === 32 && dotdot.cluster === vol.geo.rootCluster);
  if (!sameName(dot.name, DOT_NAME) || !sameName(dotdot.name, DOTDOT_NAME) || dot.cluster !== c0 || !parentOk) {
    return { clusters: [], problem: `cluster ${c0} no longer holds its "." and ".." entries` };
  }
  // Further clusters: the free run after it, while the directory has not ended and they read as entries.
  const clusters = [c0];
  const limit = Math.ceil((65536 * ENTRY_SIZE) / vol.geo.clusterSize);
  let cur = first;
  while (clusters.length < limit && !hasEnd(cur)) {
    const next = clusters[clusters.length - 1] + 1;
    if (next > max || fat.get(next) !== 0) break;
    const bytes = readCluster(vol, next);
    if (!looksLikeEntries(bytes)) break;
    clusters.push(next);
    cur = bytes;
  }
  return { clusters };
}

const sameName = (a: Uint8Array, b: Uint8Array): boolean => a.every((x, i) => x === b[i]);

function readCluster(vol: Volume, c: number): Uint8Array {
  return vol.io.readSectors(clusterToSector(vol.geo, c), vol.geo.sectorsPerCluster);
}

/** Whether a directory cluster holds its end marker (an entry starting with 0x00). */
function hasEnd(bytes: Uint8Array): boolean {
  for (let o = 0; o < bytes.length; o += ENTRY_SIZE) if (bytes[o] === ENTRY_FREE) return true;
  return false;
}

/** Whether a cluster reads as directory entries (up to an end marker), and not as another directory's first cluster. */
function looksLikeEntries(bytes: Uint8Array): boolean {
  if (sameName(bytes.subarray(0, 11), DOT_NAME)) return false;
  for (let o = 0; o < bytes.length; o += ENTRY_SIZE) {
    if (bytes[o] === ENTRY_FREE) return true;
    const attr = bytes[o + 11];
    if (isLongNameSlot(attr)) continue;
    if (attr & 0xc0 || bytes[o] < 0x20 && bytes[o] !== ENTRY_KANJI_E5) return false;
    for (let k = 1; k < 11; k++) if (bytes[o + k] < 0x20) return false;
  }
  return true;
}

/** The deleted entries of one directory (live path `dir`). */
function scanDir(vol: Volume, dir: string): Found[] {
  const at = vol.dirAt(dir);
  const loc = at.dir.loc;
  const { buf, sectors } = readRawDirectory(vol, loc, at.path);
  const parentCluster = at.rec ? at.rec.raw.cluster : 0;
  return scanDeleted(buf, vol.geo.fatType === 32, vol.page).map((d) => ({ d, dir: at.path, loc, parentCluster, sectors, buf }));
}

function describe(vol: Volume, f: Found): DeletedFile {
  const { d } = f;
  const known = d.firstByte !== undefined;
  const first = known ? vol.page.decode(Uint8Array.of(d.firstByte === ENTRY_KANJI_E5 ? 0xe5 : d.firstByte!)) : '?';
  const shortName = shortPatternOf(d.rawName, vol.page, first);
  const name = d.longName ?? caseApplied(shortName, d.raw.caseFlags);
  const plan = planClusters(vol, f);
  return {
    directory: f.dir,
    path: joinPath(f.dir, name),
    name,
    shortName,
    longName: d.longName ?? null,
    type: d.raw.attr & ATTR.DIRECTORY ? 'directory' : 'file',
    size: d.raw.size,
    mtime: decodeDosTime(d.raw.mdate, d.raw.mtime),
    firstCluster: d.raw.cluster,
    clusters: plan.clusters.length,
    attributes: d.raw.attr,
    entry: d.index,
    recoverable: plan.problem === undefined,
    problem: plan.problem ?? null,
    firstCharKnown: known,
  };
}

/** The short name shown with its case bits (mtools stores `readme.txt` as README.TXT plus bits). */
function caseApplied(short: string, flags: number): string {
  const dot = short.indexOf('.');
  const base = dot < 0 ? short : short.slice(0, dot);
  const ext = dot < 0 ? '' : short.slice(dot + 1);
  const b = flags & CASE_LOWER_BASE ? base.toLowerCase() : base;
  const e = flags & CASE_LOWER_EXT ? ext.toLowerCase() : ext;
  return dot < 0 ? b : `${b}.${e}`;
}

/**
 * Deleted entries in the directory `path` and, down to `depth` levels, in its live subdirectories:
 * name, size, time, first cluster, and whether they can be brought back now.
 */
export function listDeleted(vol: Volume, path = '/', options: ListDeletedOptions = {}): DeletedFile[] {
  const root = vol.dirAt(path).path;
  const dirs = [root];
  if (options.depth === undefined || options.depth > 1) {
    const walkOptions = options.depth === undefined ? {} : { depth: options.depth - 1 };
    for (const e of vol.walk(root, walkOptions)) if (e.stats.isDirectory()) dirs.push(e.path);
  }
  return dirs.flatMap((dir) => {
    try {
      return scanDir(vol, dir).map((f) => describe(vol, f));
    } catch (e) {
      // A subdirectory that cannot be read (a corrupt chain) is reported and left out, as walks do.
      if (dir === root || !(e instanceof FatError)) throw e;
      vol.report({ path: dir, message: `deleted entries not listed: ${e.message}`, skipped: true });
      return [];
    }
  });
}

/** The deleted entry `path` names (long name, or short name whose first character may be anything). */
function findDeleted(vol: Volume, path: string, entry: number | undefined): Found {
  const parts = splitPath(path);
  const last = parts.pop();
  if (last === undefined) throw new FatError('EINVAL', 'the root directory cannot be undeleted');
  const found = scanDir(vol, `/${parts.join('/')}`);
  const dir = found[0]?.dir ?? vol.dirAt(`/${parts.join('/')}`).path;
  const want = foldName(last);
  const named = found.filter(({ d }) => {
    if (entry !== undefined && d.index !== entry) return false;
    if (d.longName !== undefined && foldName(d.longName) === want) return true;
    const p = foldName(d.shortPattern);
    return [...p].length === [...want].length && [...p].slice(1).join('') === [...want].slice(1).join('');
  });
  const where = joinPath(dir, last);
  if (named.length === 0) throw new FatError('ENOENT', `no deleted entry ${entry !== undefined ? `${entry} ` : ''}named ${where}`, { path: where });
  if (named.length === 1) return named[0];
  const live = named.filter((f) => planClusters(vol, f).problem === undefined);
  if (live.length === 1) return live[0];
  const pick = live.length > 1 ? live : named;
  throw new FatError('EINVAL', `${pick.length} deleted entries match ${where} (entries ${pick.map((f) => f.d.index).join(', ')}): choose one by its entry number`, { path: where });
}

/** What `undelete` would restore for `path`: the listing line of the entry it picks. */
export function deletedEntry(vol: Volume, path: string, options: { entry?: number } = {}): DeletedFile {
  return describe(vol, findDeleted(vol, path, options.entry));
}

/**
 * Bring a deleted file or directory back: its chain (the run of clusters the size needs, from the
 * first cluster; refused when any is in use), then its entry where it was (with its long-name
 * slots when they survive and their checksum matches), or under `to`. The lost first character
 * comes from `firstChar` or from the long name; without either it is EINVAL.
 */
export function undelete(vol: Volume, path: string, options: UndeleteOptions = {}): UndeleteResult {
  const given = options.firstChar !== undefined ? firstCharByte(options.firstChar, vol.page) : undefined;
  vol.flushDirs();
  const f = findDeleted(vol, path, options.entry);
  const { d } = f;
  const shown = joinPath(f.dir, d.longName ?? caseApplied(d.shortPattern, d.raw.caseFlags));
  let firstByte = given ?? d.firstByte;
  if (given !== undefined && d.lfnChecksum !== undefined && firstByteForChecksum(d.rawName, d.lfnChecksum) !== given) {
    const want = vol.page.decode(Uint8Array.of(d.firstByte === ENTRY_KANJI_E5 ? 0xe5 : d.firstByte!));
    throw new FatError('EINVAL', `${shown}: first character "${options.firstChar}" does not match its long name (whose checksum gives "${want}")`, { path: shown });
  }
  if (firstByte === undefined && options.to === undefined) {
    throw new FatError('EINVAL', `${shown}: the first character of its short name ${d.shortPattern} is lost; give it (first character) or a new path`, { path: shown });
  }
  const isDir = (d.raw.attr & ATTR.DIRECTORY) !== 0;
  const result = (p: string, longName: boolean, clusters: number): UndeleteResult => ({ path: p, type: isDir ? 'directory' : 'file', size: d.raw.size, clusters, longName });

  if (options.to !== undefined) {
    const target = vol.resolveForCreate(options.to);
    if (target.existing) throw new FatError('EEXIST', `${target.path} already exists`, { path: target.path });
    const plan = clustersOrThrow(vol, f, shown);
    vol.beginWrite();
    linkChain(vol, plan.clusters);
    vol.fat.reload(); // counts the clusters just taken before the entry (which may grow a directory) goes in
    if (isDir) setDotDot(vol, plan.clusters[0], target.parentCluster);
    const raw: RawDirEntry = { ...d.raw, name: new Uint8Array(11) };
    const rec = createEntry(vol, target.dir, target.name, raw);
    vol.flushDirs();
    return result(joinPath(target.path.slice(0, target.path.lastIndexOf('/')) || '/', rec.name), rec.hasLongName, plan.clusters.length);
  }

  // In place: the name must be free in its directory.
  const name = Uint8Array.from(d.rawName);
  name[0] = firstByte!;
  const parent = vol.dirAt(f.dir).dir;
  const shortName = shortPatternOf(name, vol.page, vol.page.decode(Uint8Array.of(firstByte === ENTRY_KANJI_E5 ? 0xe5 : firstByte!)));
  const clash = parent.isShortTaken(shortKey(name)) ? shortName : d.longName !== undefined && parent.find(d.longName) ? d.longName : parent.find(shortName) ? shortName : undefined;
  if (clash !== undefined) throw new FatError('EEXIST', `${joinPath(f.dir, clash)} exists: undelete ${shown} under another path`, { path: joinPath(f.dir, clash) });
  const plan = clustersOrThrow(vol, f, shown);
  vol.beginWrite();
  linkChain(vol, plan.clusters);
  const ss = vol.io.sectorSize;
  const touched = new Set<number>();
  const mark = (i: number, byte: number): void => {
    f.buf[i * ENTRY_SIZE] = byte;
    touched.add(Math.floor((i * ENTRY_SIZE) / ss));
  };
  d.slots.forEach((slot, k) => mark(slot, (k + 1) | (k === d.slots.length - 1 ? 0x40 : 0)));
  mark(d.index, firstByte!);
  for (const s of [...touched].sort((a, b) => a - b)) vol.io.write(f.sectors[s], f.buf.subarray(s * ss, (s + 1) * ss));
  vol.reloadAfterRepair();
  return result(joinPath(f.dir, d.longName ?? caseApplied(shortName, d.raw.caseFlags)), d.longName !== undefined, plan.clusters.length);
}

/** The clusters to take back, or the refusal: EBUSY when one is in use now, FAT_CORRUPT when the entry cannot be right. */
function clustersOrThrow(vol: Volume, f: Found, shown: string): { clusters: number[] } {
  const plan = planClusters(vol, f);
  if (plan.problem === undefined) return plan;
  const code = /in use|marked bad/.test(plan.problem) ? 'EBUSY' : 'FAT_CORRUPT';
  throw new FatError(code, `cannot undelete ${shown}: ${plan.problem}`, { path: shown, ...(f.d.raw.cluster ? { cluster: f.d.raw.cluster } : {}) });
}

/** Chain `clusters` in the FAT (data first: it is there already; the entry comes after). */
function linkChain(vol: Volume, clusters: number[]): void {
  clusters.forEach((c, i) => vol.fat.set(c, i + 1 < clusters.length ? clusters[i + 1] : vol.fat.eoc));
  vol.fat.flush();
}

/** Point a restored directory's `..` at its new parent (0 for the root). */
function setDotDot(vol: Volume, cluster: number, parent: number): void {
  const sector = clusterToSector(vol.geo, cluster);
  const b = vol.io.readSectors(sector, 1);
  put16(b, ENTRY_SIZE + 20, Math.floor(parent / 0x10000));
  put16(b, ENTRY_SIZE + 26, parent & 0xffff);
  vol.io.write(sector, b);
}
