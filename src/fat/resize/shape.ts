import type { FatType } from '../format/geometry.js';
import { MAX_CLUST_12, MAX_CLUST_32, MIN_CLUST_16, MIN_CLUST_32, MAX_CLUST_16 } from '../mkfs/layout.js';

/**
 * A volume's geometry as resize plans it: the fields a boot sector holds and the regions they
 * place. Sizes are in the volume's sectors. The FAT size follows mkfs.fat's arithmetic
 * (mkfs/layout.ts) for the given cluster size, reserved area and root region, then grows by the
 * fewest sectors that keep the data area on the old cluster grid (see `gridOf`), so that most
 * clusters stay where they are and only change numbers.
 */
export interface Shape {
  fatType: FatType;
  sectorSize: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  numFats: number;
  fatSize: number;
  rootEntries: number;
  rootDirSectors: number;
  totalSectors: number;
  dataStart: number;
  clusterCount: number;
}

/** What stays fixed while a shape is sized for a number of sectors. */
export interface ShapeParams {
  fatType: FatType;
  sectorSize: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  numFats: number;
  /** 0 on FAT32. */
  rootEntries: number;
  /** Round the FAT size up to whole clusters, as mkfs.fat does on volumes over 8192 sectors. */
  align: boolean;
  /**
   * Keep the data area on this grid: dataStart ≡ grid.offset (mod sectorsPerCluster), so old cluster
   * k sits exactly where a new cluster does. The FAT grows (then the reserved area) by the fewest
   * sectors that do it.
   */
  grid?: { offset: number };
}

/** Cluster count limits of each type, as fatkit creates them (never 4085/4086, never FAT32 below 65525). */
export const TYPE_RANGE: Record<FatType, { min: number; max: number }> = {
  12: { min: 1, max: MAX_CLUST_12 },
  16: { min: MIN_CLUST_16, max: MAX_CLUST_16 },
  32: { min: MIN_CLUST_32, max: MAX_CLUST_32 },
};

const BITS: Record<FatType, number> = { 12: 12, 16: 16, 32: 32 };

/** Entries a FAT of `sectors` sectors holds. */
const entriesOf = (t: FatType, sectors: number, ss: number): number => Math.floor((sectors * ss * 8) / BITS[t]);

/**
 * The shape of a volume of `totalSectors` sectors with these parameters, or why there is none:
 * 'small' (no room for the metadata and 32 KiB of data, or the type's minimum cluster count) or
 * 'large' (more clusters than the type holds).
 */
export function shapeFor(p: ShapeParams, totalSectors: number): Shape | 'small' | 'large' {
  const ss = p.sectorSize;
  const spc = p.sectorsPerCluster;
  const nf = p.numFats;
  const rootDirSectors = Math.ceil((p.rootEntries * 32) / ss);
  const fatdata = totalSectors - p.reservedSectors - rootDirSectors;
  if (fatdata <= 0) return 'small';
  const alignUp = (n: number): number => (p.align ? Math.ceil(n / spc) * spc : n);
  // mkfs.fat's estimate (setup_tables), then the fewest extra sectors that make the FAT hold every cluster.
  let est: number;
  if (p.fatType === 12) {
    const c = Math.floor((2 * (fatdata * ss + nf * 3)) / (2 * spc * ss + nf * 3));
    est = Math.ceil(Math.floor(((c + 2) * 3 + 1) / 2) / ss);
  } else if (p.fatType === 16) {
    const c = Math.floor((fatdata * ss + nf * 4) / (spc * ss + nf * 2));
    est = Math.ceil(((c + 2) * 2) / ss);
  } else {
    const c = Math.floor((fatdata * ss + nf * 8) / (spc * ss + nf * 4));
    est = Math.ceil(((c + 2) * 4) / ss);
  }
  let fatSize = alignUp(Math.max(1, est));
  const clustersFor = (f: number): number => Math.floor((fatdata - nf * f) / spc);
  for (let guard = 0; clustersFor(fatSize) + 2 > entriesOf(p.fatType, fatSize, ss) && guard < 64; guard++) fatSize = alignUp(fatSize + 1);
  let reserved = p.reservedSectors;
  if (p.grid !== undefined && spc > 1) {
    // Grow the FAT (then the reserved area) until the data area sits on the old cluster grid.
    const onGrid = (f: number, r: number): boolean => (((r + nf * f + rootDirSectors - p.grid!.offset) % spc) + spc) % spc === 0;
    let found = false;
    for (let extra = 0; extra < 2 * spc && !found; extra++) {
      for (let rf = 0; rf <= extra && !found; rf++) {
        if (onGrid(fatSize + rf, reserved + (extra - rf))) {
          fatSize += rf;
          reserved += extra - rf;
          found = true;
        }
      }
    }
  }
  if (reserved > 65535) return 'large';
  const dataStart = reserved + nf * fatSize + rootDirSectors;
  const clusterCount = Math.min(Math.floor((totalSectors - dataStart) / spc), entriesOf(p.fatType, fatSize, ss) - 2);
  // As mkfs.fat: at least 32 KiB of data area.
  if (clusterCount <= 0 || (totalSectors - dataStart) * ss < 32 * 1024) return 'small';
  if (p.fatType !== 32 && fatSize > 0xffff) return 'large';
  const range = TYPE_RANGE[p.fatType];
  if (clusterCount < range.min) return 'small';
  if (clusterCount > range.max) return 'large';
  if (totalSectors > 0xffffffff) return 'large';
  return {
    fatType: p.fatType, sectorSize: ss, sectorsPerCluster: spc, reservedSectors: reserved, numFats: nf, fatSize,
    rootEntries: p.rootEntries, rootDirSectors, totalSectors, dataStart, clusterCount,
  };
}

/**
 * The smallest number of sectors whose shape holds at least `clusters` clusters, or undefined when
 * none does. Cluster counts grow with the size (but for a cluster or two where the FAT steps up),
 * so a bisection finds the edge and a short walk makes sure of it.
 */
export function smallestSectors(p: ShapeParams, clusters: number, minSectors = 1): number | undefined {
  const fits = (s: number): boolean => {
    const sh = shapeFor(p, s);
    return typeof sh !== 'string' && sh.clusterCount >= clusters;
  };
  const limit = 0xffffffff;
  let hi = Math.max(minSectors, 64);
  while (hi <= limit && !fits(hi)) {
    const sh = shapeFor(p, hi);
    if (sh === 'large') return undefined;
    hi *= 2;
  }
  if (hi > limit) {
    hi = limit;
    if (!fits(hi)) return undefined;
  }
  let lo = Math.max(minSectors, 1) - 1; // lo fails (or is below the floor)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The largest number of sectors whose shape is valid for the type (undefined when none is). */
export function largestSectors(p: ShapeParams): number | undefined {
  const ok = (s: number): boolean => typeof shapeFor(p, s) !== 'string';
  const first = smallestSectors(p, 1);
  if (first === undefined) return undefined;
  let lo = first;
  let hi = lo * 2;
  while (hi <= 0xffffffff && ok(hi)) {
    lo = hi;
    hi *= 2;
  }
  if (hi > 0xffffffff) {
    if (ok(0xffffffff)) return 0xffffffff;
    hi = 0xffffffff;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
