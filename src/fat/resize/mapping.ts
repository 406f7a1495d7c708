import type { Geometry } from '../format/geometry.js';
import type { Scan } from './scan.js';
import type { Shape } from './shape.js';
import { FatError } from '../errors.js';

/**
 * Which new cluster each old one becomes. On the old cluster grid (same cluster size, the data
 * area shifted by whole clusters) old cluster k lies where new cluster k − shift does: it keeps its
 * place and only changes number, unless that number falls outside the new volume (under the grown
 * FATs, or past a shrunk end); those clusters, and every cluster off the grid, move to free new
 * clusters, in chain order, from the lowest up.
 */
export interface NewChain {
  /** Old clusters, in order (empty for a root that becomes a chain). */
  old: Uint32Array;
  /** New clusters, in order (empty when the chain `keep`s its place). */
  clusters: Uint32Array;
  /**
   * In place, a chain that keeps its place: its new clusters are `old[i] − keep`, read once the
   * moves are done (in-place.ts: the chains are views that follow them).
   */
  keep?: number;
  /** Bytes of data the chain carries (files: their size; directories: their clusters). */
  bytes: number;
  /** Index in scan.dirs for a directory chain (0: the FAT32 root), -1 for a file. */
  dir: number;
}

export interface Mapping {
  chains: NewChain[];
  /** The new FAT32 root's chain, when the new volume is FAT32. */
  root?: NewChain;
  /** New clusters marked bad (bad clusters that kept their place). */
  bad: number[];
  /** On the old grid: new = old − shift. Undefined when the resize moves every cluster. */
  shift: number | undefined;
  /** Clusters whose data moves (their place on the device changes). */
  moved: number;
  /** Clusters in use in the new volume. */
  used: number;
  /** The lowest free new cluster (2 when none), for FSInfo's hint. */
  firstFree: number;
  /** In place: writes the entries of every chain that `keep`s its place into a new FAT (by runs, not cluster by cluster). */
  keptFat?: (fat: Uint8Array) => void;
}

export function mapClusters(geo: Geometry, scan: Scan, shape: Shape, rootClusterCount: number): Mapping {
  const newCs = shape.sectorsPerCluster * shape.sectorSize;
  const sameCs = newCs === geo.clusterSize;
  const diff = shape.dataStart - geo.dataStart;
  const shift = sameCs && diff % shape.sectorsPerCluster === 0 ? diff / shape.sectorsPerCluster : undefined;
  const newMax = shape.clusterCount + 1;
  const taken = new Uint8Array(newMax + 1);
  const chains: NewChain[] = [];
  let root: NewChain | undefined;
  const lengthFor = (old: Uint32Array, bytes: number, isFile: boolean): number =>
    sameCs ? old.length : isFile ? Math.ceil(bytes / newCs) : Math.ceil((old.length * geo.clusterSize) / newCs);

  for (let i = 0; i < scan.dirs.length; i++) {
    const d = scan.dirs[i];
    if (i === 0) {
      if (shape.fatType !== 32) continue;
      const n = geo.fatType === 32 && sameCs ? d.clusters.length : rootClusterCount;
      root = { old: geo.fatType === 32 && sameCs ? d.clusters : new Uint32Array(0), clusters: new Uint32Array(n), bytes: n * newCs, dir: 0 };
      chains.push(root);
      continue;
    }
    const n = lengthFor(d.clusters, 0, false);
    chains.push({ old: d.clusters, clusters: new Uint32Array(n), bytes: d.clusters.length * geo.clusterSize, dir: i });
  }
  for (const f of scan.files) {
    const n = lengthFor(f.chain, f.size, true);
    chains.push({ old: f.chain, clusters: new Uint32Array(n), bytes: Math.min(f.size, f.chain.length * geo.clusterSize), dir: -1 });
  }

  // Clusters that keep their place.
  let used = 0;
  const bad: number[] = [];
  if (shift !== undefined) {
    for (const c of chains) {
      if (c.old.length !== c.clusters.length) continue;
      for (let i = 0; i < c.old.length; i++) {
        const j = c.old[i] - shift;
        if (j >= 2 && j <= newMax) {
          c.clusters[i] = j;
          taken[j] = 1;
        }
      }
    }
    for (const k of scan.bad) {
      const j = k - shift;
      if (j >= 2 && j <= newMax && !taken[j]) {
        taken[j] = 1;
        bad.push(j);
      }
    }
  }
  // The rest move to free clusters, lowest first, in chain order.
  let next = 2;
  let moved = 0;
  for (const c of chains) {
    for (let i = 0; i < c.clusters.length; i++) {
      used++;
      if (c.clusters[i] !== 0) continue;
      while (next <= newMax && taken[next]) next++;
      if (next > newMax) throw new FatError('ENOSPC', `the new volume has no room for the data (${shape.clusterCount} clusters)`);
      c.clusters[i] = next;
      taken[next] = 1;
      moved++;
    }
  }
  let firstFree = 2;
  while (firstFree <= newMax && taken[firstFree]) firstFree++;
  if (firstFree > newMax) firstFree = 2;
  return { chains, ...(root ? { root } : {}), bad, shift, moved, used, firstFree };
}
