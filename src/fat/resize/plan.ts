import type { FatType, Geometry } from '../format/geometry.js';
import { FatError } from '../errors.js';
import { formatSize } from '../mkfs/layout.js';
import { largestSectors, shapeFor, smallestSectors, TYPE_RANGE, type Shape, type ShapeParams } from './shape.js';

/** What the planner needs to know of the old volume besides its geometry. */
export interface PlanInput {
  geo: Geometry;
  /** Clusters the files and subdirectories (not the root) need with clusters of this many bytes. */
  clustersFor: (clusterSize: number) => number;
  /** Slots the root directory uses (up to its end marker). */
  rootSlots: number;
  /** Clusters of the FAT32 root directory's chain, 0 on FAT12/16. */
  rootChainClusters: number;
}

export interface PlanOptions {
  /** Keep the FAT type: refuse, naming the size limits, when the size needs another. */
  keepType?: boolean;
  /** New cluster size in bytes (a full relocation). */
  clusterSize?: number;
  /** With 'min': this many bytes free on top of the data. */
  free?: number;
  /** Keep the data area on the old cluster grid (needed to resize in place). Default true. */
  keepGrid?: boolean;
  /**
   * Resizing in place, safely: the new FATs (and FAT12/16 root) must not overlap the old ones, so
   * that the old volume stays whole until the boot sector switches to the new one. They go after
   * the old metadata (the reserved area grows to the old data start), or back at the type's usual
   * place when they fit before the old FATs; when the old FATs end past sector 65535, over a
   * mirrored FAT32's FAT #2 (overSecondFat).
   */
  inPlace?: boolean;
}

const isPow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** The parameters of the new volume for `type`: the old ones when the type stays, mkfs.fat's defaults for a new type. */
function paramsFor(input: PlanInput, type: FatType, spc: number, align: boolean, keepGrid: boolean, reservedAt?: number): ShapeParams {
  const g = input.geo;
  const ss = g.sectorSize;
  const sameFamily = (type === 32) === (g.fatType === 32);
  const alignUp = (n: number): number => (align ? Math.ceil(n / spc) * spc : n);
  let reserved: number;
  let rootEntries: number;
  if (sameFamily && spc === g.sectorsPerCluster) {
    reserved = g.reservedSectors;
    rootEntries = g.rootEntries;
  } else if (type === 32) {
    reserved = alignUp(Math.max(32, sameFamily ? g.reservedSectors : 0));
    rootEntries = 0;
  } else {
    reserved = alignUp(sameFamily ? g.reservedSectors : 1);
    // The FAT32 root's entries must fit the fixed root: 512 by default, more when it holds more.
    const want = sameFamily ? g.rootEntries : Math.max(512, input.rootSlots);
    const perSector = ss / 32;
    const sectors = alignUp(Math.ceil(want / perSector));
    rootEntries = Math.min(sectors * perSector, 65535 - (65535 % perSector));
  }
  if (reservedAt !== undefined) reserved = reservedAt;
  const grid = keepGrid && spc === g.sectorsPerCluster ? { grid: { offset: g.dataStart } } : {};
  return { fatType: type, sectorSize: ss, sectorsPerCluster: spc, reservedSectors: reserved, numFats: g.numFats, rootEntries, align, ...grid };
}

/** The usual reserved area of a type: 32 sectors on FAT32, 1 on FAT12/16 (rounded up to a cluster when aligned). */
const usualReserved = (type: FatType, spc: number, align: boolean): number => {
  const r = type === 32 ? 32 : 1;
  return align ? Math.ceil(r / spc) * spc : r;
};

/**
 * Where the new FATs may start over the old FAT #2, or undefined: a FAT32 volume with two or more
 * FATs, mirrored (or FAT 1 the active one), whose FAT #2 starts at or below sector 65535. Every
 * reader reads FAT #1 (FAT #2 is a copy), and check --repair and fsck.fat -a mend the copies from
 * it, so while the old volume is live its FAT #2 may be overwritten by the new FATs.
 */
export function overSecondFat(g: Geometry): number | undefined {
  if (g.fatType !== 32 || g.numFats < 2 || g.activeFat > 0) return undefined;
  const at = g.reservedSectors + g.fatSize;
  return at <= 65535 ? at : undefined;
}

/**
 * The shapes to try for a type, in order: the usual one; in place, the one whose metadata ends
 * before the old FATs begin (if any), then the one whose metadata follows the old metadata, and,
 * when that cannot be named (the old FATs end past sector 65535), the one whose FATs start over
 * the old FAT #2 (see overSecondFat; in-place.ts moves the clusters under them first).
 */
function candidates(input: PlanInput, type: FatType, spc: number, align: boolean, options: PlanOptions): { params: ShapeParams; accept: (s: Shape) => boolean }[] {
  const keepGrid = options.keepGrid ?? true;
  const g = input.geo;
  if (!options.inPlace) return [{ params: paramsFor(input, type, spc, align, keepGrid), accept: () => true }];
  const low = usualReserved(type, spc, align);
  const beforeOld = (s: Shape): boolean => s.dataStart <= g.reservedSectors && (g.fatType !== 32 || s.reservedSectors >= 8 || type !== 32);
  const afterOld = (s: Shape): boolean => s.reservedSectors >= g.dataStart && s.reservedSectors <= 65535;
  const out = [
    { params: paramsFor(input, type, spc, align, keepGrid, low), accept: beforeOld },
    { params: paramsFor(input, type, spc, align, keepGrid, g.dataStart), accept: afterOld },
  ];
  const second = overSecondFat(g);
  if (g.dataStart > 65535 && second !== undefined) {
    out.push({ params: paramsFor(input, type, spc, align, keepGrid, second), accept: (s: Shape) => s.reservedSectors >= second && s.reservedSectors <= 65535 });
  }
  return out;
}

/** Whether the old volume's FATs were cluster-aligned (mkfs.fat aligns volumes over 8192 sectors). */
const wasAligned = (g: Geometry): boolean => g.fatSize % g.sectorsPerCluster === 0 && g.reservedSectors % g.sectorsPerCluster === 0;

/** Clusters the root directory takes as a FAT32 chain of `clusterSize`-byte clusters. */
export function rootClusters(input: PlanInput, clusterSize: number): number {
  const g = input.geo;
  if (g.fatType === 32 && clusterSize === g.clusterSize) return input.rootChainClusters;
  return Math.max(1, Math.ceil((Math.max(input.rootSlots, 1) * 32) / clusterSize));
}

/** Clusters the data needs in a volume of type `type` (a converted root gains or loses its chain). */
function neededClusters(input: PlanInput, type: FatType, clusterSize: number): number {
  return input.clustersFor(clusterSize) + (type === 32 ? rootClusters(input, clusterSize) : 0);
}

export interface Plan {
  shape: Shape;
  /** The type changes (FAT12↔16, FAT16↔32). */
  converts: boolean;
}

/**
 * The new volume's shape for `bytes` (or the smallest that holds the data plus `free` for 'min').
 * The type stays when the new cluster count allows it; otherwise it converts (FAT12↔16, FAT16↔32),
 * or with `keepType` the error names the sizes the type allows. EINVAL names what is wrong.
 */
export function planShape(input: PlanInput, bytes: number | 'min', options: PlanOptions = {}): Plan {
  try {
    return planShapeAt(input, bytes, options);
  } catch (e) {
    const g = input.geo;
    if (!(e instanceof FatError) || !options.inPlace || g.dataStart <= 65535 || overSecondFat(g) !== undefined || e.code === 'EINVAL' && /cluster size/.test(e.message)) throw e;
    // In place the new FATs start past the old ones, over a mirrored FAT32's FAT #2, or before the
    // old FATs when they fit: past sector 65535 the boot sector cannot name them. When the size
    // fails for a reason of its own (too small for the data, too large for the type), that reason
    // is the one to give.
    planShapeAt(input, bytes, { ...options, inPlace: false });
    const why = g.fatType !== 32 ? `it is FAT${g.fatType} (only a mirrored FAT32's FAT #2 may be overwritten)`
      : g.numFats < 2 ? `it has one FAT (only a mirrored FAT32's FAT #2 may be overwritten)`
        : g.activeFat > 0 ? `its FATs are not mirrored (FAT #${g.activeFat + 1} is the active one), so FAT #2 may not be overwritten`
          : `its FAT #2 starts at sector ${g.reservedSectors + g.fatSize}, past that limit too`;
    throw new FatError('FAT_UNSUPPORTED', `the old FATs end at sector ${g.dataStart}, past the 65535 reserved sectors a boot sector can name, and ${why}, so the new ones cannot go where the old volume does not look: this volume cannot be resized in place safely (a bare image can be, through a temporary file: without --in-place)`);
  }
}

function planShapeAt(input: PlanInput, bytes: number | 'min', options: PlanOptions): Plan {
  const g = input.geo;
  const ss = g.sectorSize;
  let spc = g.sectorsPerCluster;
  if (options.clusterSize !== undefined) {
    const cs = options.clusterSize;
    if (!isPow2(cs) || cs < ss || cs > 65536 || cs / ss > 128) {
      throw new FatError('EINVAL', `cluster size ${cs} must be a power of two from ${ss} (the sector size) to ${Math.min(65536, 128 * ss)} bytes`);
    }
    spc = cs / ss;
  }
  const types: FatType[] = options.keepType ? [g.fatType] : [g.fatType, ...([12, 16, 32] as FatType[]).filter((t) => t !== g.fatType)];
  const alignFor = (sectors: number, type: FatType): boolean => sectors > 8192 && (type !== g.fatType || spc !== g.sectorsPerCluster || wasAligned(g));

  if (bytes === 'min') {
    const free = options.free ?? 0;
    if (!Number.isSafeInteger(free) || free < 0) throw new FatError('EINVAL', `invalid free space ${free}`);
    let best: Plan | undefined;
    for (const type of types) {
      const need = neededClusters(input, type, spc * ss) + Math.ceil(free / (spc * ss));
      // Alignment depends on the size: try the aligned shape (over 8192 sectors), then the unaligned one.
      for (const align of [true, false]) {
        const a = align && alignFor(1e9, type);
        let found = false;
        for (const c of candidates(input, type, spc, a, options)) {
          const s = smallestSectors(c.params, need);
          if (s === undefined || (alignFor(s, type) !== a)) continue;
          const shape = shapeFor(c.params, s);
          if (typeof shape === 'string' || !c.accept(shape)) continue;
          if (best === undefined || shape.totalSectors < best.shape.totalSectors) best = { shape, converts: type !== g.fatType };
          found = true;
          break;
        }
        if (found) break;
      }
    }
    if (best === undefined) throw new FatError('EINVAL', `no ${options.keepType ? `FAT${g.fatType} ` : ''}volume with ${spc * ss}-byte clusters holds this data`);
    return best;
  }

  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new FatError('EINVAL', `invalid volume size ${bytes}`);

  const sectors = Math.floor(bytes / ss);
  const why: Partial<Record<FatType, 'small' | 'large'>> = {};
  for (const type of types) {
    let shape: Shape | 'small' | 'large' = 'small';
    for (const c of candidates(input, type, spc, alignFor(sectors, type), options)) {
      const sh = shapeFor(c.params, sectors);
      if (typeof sh === 'string' || c.accept(sh)) {
        shape = sh;
        if (typeof sh !== 'string') break;
      }
    }
    if (typeof shape === 'string') {
      why[type] = shape;
      continue;
    }
    const need = neededClusters(input, type, spc * ss);
    if (shape.clusterCount < need) {
      let least = '';
      try {
        const min = planShapeAt(input, 'min', { ...options, free: 0 }).shape.totalSectors * ss;
        least = `: the volume needs at least ${formatSize(min)} (${min} bytes)`;
      } catch {
        // No size holds it with these options: say only that this one does not.
      }
      throw new FatError('ENOSPC', `${formatSize(bytes)} is too small for the data${least}`);
    }
    return { shape, converts: type !== g.fatType };
  }
  // No type works: name the limits of the old type.
  const type = g.fatType;
  const all = candidates(input, type, spc, alignFor(sectors, type), options);
  const p = all[all.length - 1].params;
  const range = TYPE_RANGE[type];
  if (why[type] === 'large') {
    const max = largestSectors(p);
    const hint = options.keepType ? '; without --keep-type the volume would be converted' : '';
    throw new FatError('EINVAL', `${formatSize(bytes)} is too large for FAT${type} with ${spc * ss}-byte clusters (at most ${range.max} clusters): the largest is ${max === undefined ? 'none' : `${formatSize(max * ss)} (${max * ss} bytes)`}${hint}`);
  }
  const min = smallestSectors(p, Math.max(range.min, neededClusters(input, type, spc * ss)));
  const hint = options.keepType ? '' : ' (no other FAT type holds it at this size either)';
  throw new FatError('EINVAL', `${formatSize(bytes)} is too small: the smallest FAT${type} volume with ${spc * ss}-byte clusters that holds the data is ${min === undefined ? 'none' : `${formatSize(min * ss)} (${min * ss} bytes)`}${hint}`);
}
