/**
 * Where an entry's clusters lie (`fat map`, as mtools' mshowfat prints them) and whether files are
 * fragmented (`fat info`, `fat list --fragmented`). Functions of a Volume; this file imports the
 * Volume type only (no run-time cycle).
 */
import type { Volume } from './volume.js';
import type { WalkEntry } from './walk.js';
import type { FatStats } from '../dir/stats.js';
import { FatError } from '../errors.js';

/** A run of consecutive clusters, `first` to `last` inclusive. */
export interface Extent {
  first: number;
  last: number;
}

/** What `clusterMap` finds for one entry. */
export interface ClusterMap {
  /** The canonical path (names as stored). */
  path: string;
  /** The entry's chain as runs of consecutive clusters, in chain order; empty without clusters. */
  extents: Extent[];
  /** More than one extent. */
  fragmented: boolean;
  /** Clusters in the chain. */
  clusters: number;
  /** `/` of a FAT12/16 volume: the fixed root region, which has no clusters. */
  fixedRoot: boolean;
}

/** Runs of consecutive clusters in a chain, in chain order (`[5,6,7,9]` is 5-7 and 9-9). */
export function extentsOf(chain: readonly number[]): Extent[] {
  const out: Extent[] = [];
  for (const c of chain) {
    const last = out[out.length - 1];
    if (last && c === last.last + 1) last.last = c;
    else out.push({ first: c, last: c });
  }
  return out;
}

/**
 * The whole chain from an entry's first cluster to its end-of-chain mark, as linked (mshowfat and
 * mdu follow it the same way; a file's size does not cut it short). Cluster 0 has no chain. A loop,
 * a link out of range, to a free or to a bad cluster is FAT_CORRUPT: the walk is bounded.
 */
export function entryChain(vol: Volume, stats: FatStats, path: string): number[] {
  const first = stats.firstCluster;
  if (first === 0) return [];
  return vol.fat.chain(first, `${stats.isDirectory() ? 'directory' : 'file'} ${path}`);
}

/** The clusters of the file or directory at `path`, as extents. */
export function clusterMap(vol: Volume, path: string): ClusterMap {
  const abs = vol.realpath(path);
  const stats = vol.stat(abs);
  const fixedRoot = abs === '/' && vol.geo.fatType !== 32;
  const chain = fixedRoot ? [] : entryChain(vol, stats, abs);
  const extents = extentsOf(chain);
  return { path: abs, extents, fragmented: extents.length > 1, clusters: chain.length, fixedRoot };
}

/**
 * Whether a walked entry is a fragmented file (directories never count). A file whose chain is
 * corrupt is reported to the volume's onProblem (as skipped) and counts as not fragmented.
 */
export function isFragmentedFile(vol: Volume, entry: WalkEntry): boolean {
  if (entry.stats.isDirectory()) return false;
  try {
    return extentsOf(entryChain(vol, entry.stats, entry.path)).length > 1;
  } catch (e) {
    if (e instanceof FatError && e.code === 'FAT_CORRUPT') {
      vol.report({ path: entry.path, message: `fragmentation unknown: ${e.message}`, skipped: true });
      return false;
    }
    throw e;
  }
}

/** Files below `path` and how many of them are fragmented (as `isFragmentedFile` judges them). */
export interface Fragmentation {
  files: number;
  fragmentedFiles: number;
}

export function fragmentation(vol: Volume, path = '/'): Fragmentation {
  let files = 0;
  let fragmentedFiles = 0;
  for (const e of vol.walk(path)) {
    if (e.stats.isDirectory()) continue;
    files++;
    if (isFragmentedFile(vol, e)) fragmentedFiles++;
  }
  return { files, fragmentedFiles };
}
