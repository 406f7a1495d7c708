import type { Volume } from '../volume/volume.js';
import type { BuildEntry, BuildProgress } from './plan.js';
import { ATTR } from '../format/dir-entry.js';
import { FatError } from '../errors.js';
import { writeClusters } from '../file/chain.js';
import { claimFatName, cleanName } from '../format/name-rules.js';
import { foldName } from '../dir/directory.js';
import { joinPath, splitPath } from '../format/path.js';
import { addFileEntry, checkTimes, MAX_FILE_SIZE, writeFile, type EntryOptions } from '../volume/write-ops.js';
import { checkAddItems, creationOrder } from './add-check.js';

export interface AddTreeOptions {
  /** Directory of the volume to add under (created when missing); default the root. */
  to?: string;
  /** Replace existing files (default: refuse, before anything is written). */
  overwrite?: boolean;
  onProgress?: (p: BuildProgress) => void;
}

export interface AddTreeResult {
  files: number;
  directories: number;
  bytes: number;
}

const CHUNK = 8 << 20;
/** FAT and directory sectors are written after this many files, and at the end. */
const FLUSH_EVERY = 512;

/**
 * Add a host tree (sorted BuildEntries, as the image builder takes them) to an open volume: every
 * name, conflict and the space needed are checked before anything is written; then directories are
 * made, and each file's data goes into one contiguous run where the free space allows, in large
 * transfers, with the FAT and directory entries written in batches (data first, then FAT, then
 * entries, so a crash leaves at worst lost clusters).
 */
export function addTree(vol: Volume, entries: BuildEntry[], options: AddTreeOptions = {}): AddTreeResult {
  checkTreeShape(entries, options);
  const base = `/${splitPath(options.to ?? '/').join('/')}`;
  const target = (rel: string): string => joinPath(base, rel.split('/').map((c) => cleanName(c, rel)).join('/'));

  // 1. Check everything first.
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const e of entries) {
    let dest: string;
    try {
      dest = target(e.path);
    } catch (err) {
      problems.push(`${e.path}: ${(err as Error).message}`);
      continue;
    }
    // Two host names that are one FAT name (case, trailing dots) would overwrite each other.
    const clash = claimFatName(seen, foldName(dest), e.path);
    if (clash) {
      problems.push(clash);
      continue;
    }
    if (e.type === 'file' && e.size > MAX_FILE_SIZE) problems.push(`${e.path}: ${e.size} bytes is more than FAT's 4 GiB - 1 per file`);
    if (!vol.exists(dest)) continue;
    const st = vol.stat(dest);
    if (e.type === 'directory' && !st.isDirectory()) problems.push(`${dest} exists and is not a directory`);
    if (e.type === 'file' && st.isDirectory()) problems.push(`${dest} exists and is a directory`);
    else if (e.type === 'file' && !options.overwrite) problems.push(`${dest} already exists (use --overwrite)`);
  }
  if (problems.length) {
    throw new FatError('EEXIST', `cannot add ${problems.length} path${problems.length > 1 ? 's' : ''}: ${problems.slice(0, 20).join('; ')}${problems.length > 20 ? `; and ${problems.length - 20} more` : ''}`);
  }

  // 2 and 3: directories (`to` first), then files; writeItems checks entries and space first.
  const made: AddItem[] = base === '/' ? [] : [{ dest: base, type: 'directory', size: 0 }];
  return writeItems(vol, [...made, ...entries.map((e) => ({
    dest: target(e.path),
    type: e.type,
    size: e.size,
    ...(e.read ? { read: e.read } : {}),
    times: { mtime: e.mtimeMs },
  }))], options);
}

/** A malformed call is EINVAL saying what is wrong (not a TypeError caught as a name problem). */
function checkTreeShape(entries: unknown, options: AddTreeOptions): void {
  if (!Array.isArray(entries)) throw new FatError('EINVAL', 'addTree: entries must be an array of BuildEntry');
  if (typeof options !== 'object' || options === null) throw new FatError('EINVAL', 'addTree: options must be an object');
  if (options.to !== undefined && typeof options.to !== 'string') throw new FatError('EINVAL', 'addTree: options.to must be a volume path (a string)');
  entries.forEach((e: unknown, i) => {
    const o = e as Partial<BuildEntry> | null;
    const bad = (why: string): FatError => new FatError('EINVAL', `addTree: entry ${i}: ${why}`);
    if (typeof o !== 'object' || o === null) throw bad('not an object');
    if (typeof o.path !== 'string' || o.path === '') throw bad('path must be a non-empty relative path (a string)');
    if (o.type !== 'file' && o.type !== 'directory') throw bad(`${o.path}: type must be 'file' or 'directory', not ${JSON.stringify(o.type)}`);
    if (o.type === 'file' && (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0)) throw bad(`${o.path}: size must be a whole number of bytes`);
    if (o.type === 'file' && typeof o.read !== 'function') throw bad(`${o.path}: a file needs read(position, into)`);
    if (typeof o.mtimeMs !== 'number' || !Number.isFinite(o.mtimeMs)) throw bad(`${o.path}: mtimeMs must be a time in milliseconds`);
  });
}

/** One entry to write at a volume path; checks (names, conflicts, space) are the caller's. */
export interface AddItem {
  dest: string;
  type: 'file' | 'directory';
  size: number;
  read?: (position: number, into: Uint8Array) => number;
  times?: EntryOptions;
}

/**
 * Write items (a directory before what it holds): first everything is checked (checkAddItems:
 * names, sizes, conflicts, each directory's entries and growth, the space, counting what replaced
 * files free), so that on failure nothing was written. Then files replacing existing ones (through
 * writeFile), directories made (with missing parents), and each new file's data put in one
 * contiguous run where the free space allows, in large transfers, its entry added in memory; the
 * FAT and the directory sectors written every FLUSH_EVERY files and at the end (data, then FAT,
 * then entries: a crash leaves at worst lost clusters).
 */
export function writeItems(vol: Volume, items: AddItem[], options: { onProgress?: (p: BuildProgress) => void; onStart?: (item: AddItem) => void; onItem?: (item: AddItem) => void } = {}): AddTreeResult {
  const { replacements } = checkAddItems(vol, items);
  for (const item of items) if (item.times) checkTimes(item.times);
  vol.beginWrite();
  const cs = vol.geo.clusterSize;
  const result: AddTreeResult = { files: 0, directories: 0, bytes: 0 };
  const totalBytes = items.reduce((s, e) => s + (e.type === 'file' ? e.size : 0), 0);
  const progress: BuildProgress = { bytes: 0, totalBytes, files: 0, totalFiles: items.filter((e) => e.type === 'file').length };
  const buf = new Uint8Array(CHUNK);
  let pending = 0;
  const flush = (): void => {
    vol.fat.flush();
    vol.flushDirs();
    pending = 0;
  };
  const readAll = (e: AddItem, into: Uint8Array, at: number): number => {
    const n = e.read!(at, into);
    if (n <= 0) throw new FatError('EIO', `${e.dest} is shorter than when it was listed`, { path: e.dest });
    return n;
  };
  // Replacements first (the space they free is counted), then directories, then files whose
  // names are 8.3 names, then the rest: a generated alias (`LONGFI~1.TXT`) then never takes the
  // name of a file really called that in the same batch.
  const ordered = [...items.filter((e) => replacements.has(e)), ...creationOrder(items.filter((e) => !replacements.has(e)))];
  for (const e of ordered) {
    options.onStart?.(e);
    if (e.type === 'directory') {
      if (vol.mkdir(e.dest, { recursive: true, ...e.times }) !== undefined) result.directories++;
      options.onItem?.(e);
      continue;
    }
    const slash = e.dest.lastIndexOf('/');
    const parent = vol.dirAt(e.dest.slice(0, slash) || '/');
    const name = cleanName(e.dest.slice(slash + 1), e.dest);
    const existing = parent.dir.find(name);
    if (existing && existing.raw.attr & ATTR.DIRECTORY) throw new FatError('EISDIR', `is a directory: ${e.dest}`, { path: e.dest });
    if (existing) {
      // Replacing: the ordinary path (new chain, entry updated, old chain freed).
      flush();
      const data = new Uint8Array(e.size);
      for (let pos = 0; pos < e.size; ) pos += readAll(e, data.subarray(pos), pos);
      writeFile(vol, e.dest, data, e.times ?? {});
      progress.bytes += e.size;
    } else {
      const chain = vol.fat.allocate(Math.ceil(e.size / cs));
      try {
        for (let pos = 0; pos < e.size; ) {
          const n = readAll(e, buf.subarray(0, Math.min(CHUNK, e.size - pos)), pos);
          writeClusters(vol, chain, pos, buf.subarray(0, n), pos + n >= e.size);
          pos += n;
          progress.bytes += n;
        }
        addFileEntry(vol, parent.dir, name, chain.length ? chain[0] : 0, e.size, e.times ?? {});
      } catch (err) {
        if (chain.length) vol.fat.freeChain(chain[0]);
        throw err;
      }
      if (++pending >= FLUSH_EVERY) flush();
    }
    result.files++;
    result.bytes += e.size;
    progress.files++;
    options.onItem?.(e);
    options.onProgress?.(progress);
  }
  flush();
  return result;
}
