import type { Volume } from '../volume/volume.js';
import type { Directory } from '../dir/dir-handle.js';
import type { AddItem } from './add-tree.js';
import { FatError, type FatErrorCode } from '../errors.js';
import { cleanName } from '../format/name-rules.js';
import { foldName, MAX_DIR_ENTRIES } from '../dir/directory.js';
import { directShortName, shortKey } from '../format/short-name.js';
import { splitPath } from '../format/path.js';
import { ENTRY_SIZE } from '../format/dir-entry.js';
import { MAX_FILE_SIZE } from '../volume/write-ops.js';
import { formatSize } from '../mkfs/layout.js';

/*
 * Everything writeItems needs, checked before it writes anything: names, sizes, what the paths
 * are in the image, the entries each directory must take (long-name slots, `.` and `..`, growth
 * past FAT's 65,536 entries or a fixed FAT12/16 root) and the clusters all of it takes, counting
 * what replaced files free. On any problem nothing has been written.
 */

/** A directory items go into: one already in the image, or one the items create. */
interface Target {
  path: string;
  dir?: Directory;
  /** Entries each new name takes, in the order writeItems inserts them. */
  counts: number[];
}

/** What the check found: the items that replace an existing file (written first). */
export interface AddCheck {
  replacements: Set<AddItem>;
}

/**
 * Long-name slots plus the short entry a new name takes (an 8.3 name free in the directory: 1; one
 * with a `~` counts as a long name, since an alias made earlier in the same batch may take it).
 */
function entriesFor(name: string, dir: Directory | undefined): number {
  const direct = directShortName(name);
  if (direct && !name.includes('~') && !dir?.isShortTaken(shortKey(direct.raw))) return 1;
  return Math.ceil(name.length / 13) + 1;
}

/** The malformed-call check: EINVAL naming the item and the field. */
function checkShape(items: unknown): asserts items is AddItem[] {
  if (!Array.isArray(items)) throw new FatError('EINVAL', 'the items to add must be an array');
  items.forEach((it: unknown, i) => {
    const o = it as Partial<AddItem> | null;
    const bad = (why: string): FatError => new FatError('EINVAL', `item ${i} to add: ${why}`);
    if (typeof o !== 'object' || o === null) throw bad('not an object');
    if (typeof o.dest !== 'string') throw bad('dest must be a volume path (a string)');
    if (o.type !== 'file' && o.type !== 'directory') throw bad(`type must be 'file' or 'directory', not ${JSON.stringify(o.type)}`);
    if (o.type === 'file') {
      if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) throw bad(`${o.dest}: size must be a whole number of bytes`);
      if (o.size > 0 && typeof o.read !== 'function') throw bad(`${o.dest}: a file needs read(position, into)`);
    }
  });
}

/** Directories first, then files with 8.3 names, then the rest: the order writeItems creates them in. */
export function creationOrder<T extends AddItem>(items: T[]): T[] {
  const is83 = (e: AddItem): boolean => directShortName(cleanName(e.dest.slice(e.dest.lastIndexOf('/') + 1), e.dest)) !== undefined;
  return [
    ...items.filter((e) => e.type === 'directory'),
    ...items.filter((e) => e.type === 'file' && is83(e)),
    ...items.filter((e) => e.type === 'file' && !is83(e)),
  ];
}

/** Check `items` against the volume (see the header); throws the first problem's code, listing all. */
export function checkAddItems(vol: Volume, items: AddItem[]): AddCheck {
  checkShape(items);
  const problems: { code: FatErrorCode; text: string }[] = [];
  const problem = (code: FatErrorCode, text: string): void => void problems.push({ code, text });
  const cs = vol.geo.clusterSize;

  // Names and sizes first: the rest needs clean paths.
  const parsed = new Map<AddItem, string[]>();
  for (const it of items) {
    try {
      const parts = splitPath(it.dest).map((c) => cleanName(c, it.dest));
      if (it.type === 'file' && parts.length === 0) problem('EISDIR', `${it.dest} is the root directory`);
      else parsed.set(it, parts);
    } catch (e) {
      if (!(e instanceof FatError)) throw e;
      problem(e.code, e.message);
    }
    if (it.type === 'file' && it.size > MAX_FILE_SIZE) problem('EFBIG', `${it.dest}: ${it.size} bytes is more than FAT's 4 GiB - 1 per file`);
  }

  // What each path is: in the image, or made by the items (keyed by folded path).
  const made = new Map<string, 'directory' | 'file'>();
  const targets = new Map<string, Target>();
  const replacements = new Set<AddItem>();
  let fileClusters = 0;
  const replaced: { need: number; frees: number }[] = [];
  const keyOf = (parts: string[]): string => parts.map(foldName).join('/');
  const pathOf = (parts: string[]): string => `/${parts.join('/')}`;
  const inImage = (parts: string[]): 'directory' | 'file' | 'none' => {
    try {
      return vol.stat(pathOf(parts)).isDirectory() ? 'directory' : 'file';
    } catch (e) {
      if (e instanceof FatError && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return 'none';
      throw e;
    }
  };
  const seen = new Map<string, 'directory' | 'file' | 'none'>();
  const kindOf = (parts: string[]): 'directory' | 'file' | 'none' => {
    const key = keyOf(parts);
    const m = made.get(key);
    if (m) return m;
    let k = seen.get(key);
    if (k === undefined) seen.set(key, (k = inImage(parts)));
    return k;
  };
  const targetOf = (parts: string[]): Target => {
    const key = keyOf(parts);
    let t = targets.get(key);
    if (!t) {
      const isNew = made.get(key) === 'directory';
      t = { path: pathOf(parts), counts: isNew ? [2] : [], ...(isNew ? {} : { dir: vol.dirAt(pathOf(parts)).dir }) };
      targets.set(key, t);
    }
    return t;
  };
  /** The directory at `parts`, made (with its missing parents, as mkdir -p) when `create`. */
  const ensureDir = (parts: string[], create: boolean, what: string): boolean => {
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i);
      const kind = kindOf(sub);
      if (kind === 'directory') continue;
      if (kind === 'file') {
        problem(i === parts.length && create ? 'EEXIST' : 'ENOTDIR', `${pathOf(sub)} is a file (${what})`);
        return false;
      }
      if (!create) {
        problem('ENOENT', `no directory ${pathOf(sub)} (${what})`);
        return false;
      }
      const parent = targetOf(sub.slice(0, -1));
      parent.counts.push(entriesFor(sub[sub.length - 1], parent.dir));
      made.set(keyOf(sub), 'directory');
    }
    return true;
  };

  for (const it of creationOrder(items.filter((e) => parsed.has(e)))) {
    const parts = parsed.get(it)!;
    if (it.type === 'directory') {
      ensureDir(parts, true, it.dest);
      continue;
    }
    if (!ensureDir(parts.slice(0, -1), false, it.dest)) continue;
    const key = keyOf(parts);
    const kind = kindOf(parts);
    if (made.get(key) === 'file') problem('EEXIST', `${it.dest} is given twice`);
    else if (kind === 'directory') problem('EISDIR', `${it.dest} is a directory`);
    else if (kind === 'file') {
      replacements.add(it);
      replaced.push({ need: Math.ceil(it.size / cs), frees: Math.ceil(vol.stat(it.dest).size / cs) });
    } else {
      const parent = targetOf(parts.slice(0, -1));
      parent.counts.push(entriesFor(parts[parts.length - 1], parent.dir));
      fileClusters += Math.ceil(it.size / cs);
    }
    made.set(key, 'file');
  }

  // Entries per directory, and the clusters new and growing directories take.
  let dirClusters = 0;
  for (const t of targets.values()) {
    if (!t.dir) {
      const entries = t.counts.reduce((a, b) => a + b, 0);
      if (entries > MAX_DIR_ENTRIES) problem('ENOSPC', `directory ${t.path} would need ${entries} entries (FAT allows ${MAX_DIR_ENTRIES}, counting long-name slots, . and ..)`);
      dirClusters += Math.max(1, Math.ceil((entries * ENTRY_SIZE) / cs));
      continue;
    }
    if (!t.counts.length) continue;
    const { span, clusters, free } = t.dir.planInserts(t.counts);
    const adding = t.counts.reduce((a, b) => a + b, 0);
    if (t.dir.loc.kind === 'fixed' && span > t.dir.capacity) {
      problem('ENOSPC', `the root directory cannot hold the new names: they need ${adding} entries, ${free} of its ${t.dir.capacity} are free (FAT12/16 roots cannot grow)`);
    } else if (span > MAX_DIR_ENTRIES) {
      problem('ENOSPC', `directory ${t.path} would need ${span} entries (FAT allows ${MAX_DIR_ENTRIES}, counting long-name slots, . and ..)`);
    }
    dirClusters += clusters;
  }
  if (problems.length) {
    const shown = problems.slice(0, 20).map((p) => p.text).join('; ');
    throw new FatError(problems[0].code, `cannot add${problems.length === 1 ? '' : ` ${problems.length} items`}: ${shown}${problems.length > 20 ? `; and ${problems.length - 20} more` : ''}`);
  }

  // Space: replacements first (each one's old clusters come back), then everything new.
  let free = vol.fat.countFree();
  for (const r of replaced) {
    if (r.need > free + r.frees) {
      throw new FatError('ENOSPC', `no space left on the volume: a replaced file needs ${r.need} clusters of ${cs} bytes, ${free} are free and the old one frees ${r.frees}`);
    }
    free += r.frees - r.need;
  }
  const need = fileClusters + dirClusters;
  if (need > free) {
    throw new FatError('ENOSPC', `no space left on the volume: ${formatSize(need * cs)} needed (${fileClusters} clusters of ${cs} bytes for files, ${dirClusters} for directories), ${formatSize(free * cs)} free`);
  }
  return { replacements };
}
