import type { Volume } from './volume.js';
import type { DirLocation, DirRecord } from '../dir/directory.js';
import type { FatStats } from '../dir/stats.js';
import { ATTR } from '../format/dir-entry.js';
import { joinPath } from '../format/path.js';
import { FatError } from '../errors.js';

// Volume.walk() calls this with itself; this file imports the Volume type only (no run-time cycle).

export interface WalkEntry {
  path: string;
  stats: FatStats;
  depth: number;
}

export interface WalkOptions {
  /** Maximum depth below the start (1 = the start's children only). Default: unlimited. */
  depth?: number;
}

type Frame = { records: DirRecord[]; i: number; path: string; depth: number };

/**
 * A directory's entries to walk (a copy: changes made while walking do not move the walk); a
 * corrupt directory below the start is reported and left out. A module function, not a closure
 * per walk: the optimized walk then holds no one walk's objects (which would throw it away).
 */
function openFrame(vol: Volume, loc: DirLocation, p: string, depth: number, start: string): Frame | undefined {
  try {
    return { records: [...vol.dir(loc, p).records], i: 0, path: p, depth };
  } catch (e) {
    if (e instanceof FatError && e.code === 'FAT_CORRUPT' && p !== start) {
      vol.report({ path: p, message: `skipped directory: ${e.message}`, skipped: true });
      return undefined;
    }
    throw e;
  }
}

/**
 * Every entry below `path`, depth first in on-disk order. Directories that link back to one
 * already visited (a corrupt image) are reported and not entered.
 */
export function* walkVolume(vol: Volume, path: string, options: WalkOptions): Generator<WalkEntry> {
  const { rec, path: abs } = vol.resolve(path);
  if (rec && !(rec.raw.attr & ATTR.DIRECTORY)) {
    yield { path: abs, stats: vol.statsOf(rec), depth: 0 };
    return;
  }
  const maxDepth = options.depth ?? Infinity;
  const visited = new Set<number>([rec ? rec.raw.cluster : vol.geo.rootCluster]);
  const stack: Frame[] = [openFrame(vol, vol.dirLocationOf(rec, abs), abs, 1, abs)!];
  // Pre-order, depth first, entries in on-disk order.
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.i >= top.records.length) {
      stack.pop();
      continue;
    }
    const r = top.records[top.i++];
    const p = joinPath(top.path, r.name);
    yield { path: p, stats: vol.statsOf(r), depth: top.depth };
    if (!(r.raw.attr & ATTR.DIRECTORY) || top.depth >= maxDepth) continue;
    const c = r.raw.cluster;
    if (c === 0 || visited.has(c) || !vol.fat.inRange(c)) {
      const why = !vol.fat.inRange(c) && c !== 0 ? `its cluster ${c} is out of range` : 'it links back to a directory already visited';
      vol.report({ path: p, message: `skipped directory contents: ${why}`, skipped: true });
      continue;
    }
    visited.add(c);
    const child = openFrame(vol, { kind: 'chain', cluster: c }, p, top.depth + 1, abs);
    if (child) stack.push(child);
  }
}
