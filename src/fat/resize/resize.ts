import type { BlockDevice } from '../device/block-device.js';
import { decodeBootSector, validateBootSector } from '../format/boot-sector.js';
import { computeGeometry, type FatType } from '../format/geometry.js';
import { SectorIO } from '../table/sector-io.js';
import { FatError } from '../errors.js';
import { formatSize } from '../mkfs/layout.js';
import { readPartitionTable } from '../disk/partition.js';
import { scanVolume } from './scan.js';
import { planShape, rootClusters, type PlanInput } from './plan.js';
import { mapClusters, type Mapping } from './mapping.js';
import { mapInPlace, moveInOldVolume, planMoves, type InPlacePlan } from './in-place.js';
import { writeResized } from './write.js';
import type { Shape } from './shape.js';

export interface ResizeOptions {
  /** Keep the FAT type: refuse (naming the sizes the type allows) when the size needs another. */
  keepType?: boolean;
  /** New cluster size in bytes: every cluster moves (not in place). */
  clusterSize?: number;
  /** With size 'min': leave this many bytes free on top of the data. */
  free?: number;
  /** Plan only: write nothing. */
  dryRun?: boolean;
  /**
   * Write the resized volume into this device (which must read as zeros, as a fresh sparse file
   * does) instead of over the old one. Needed when every cluster moves (another cluster size).
   */
  target?: BlockDevice;
  /** Plan (with dryRun) as if writing into another device. */
  copy?: boolean;
  /**
   * Called once the new size is known, before the first write, to make the device (or target)
   * hold `bytes` (growing a file or partition); not called for a dry run.
   */
  ensureSize?: (bytes: number) => void;
  /**
   * Flush the device between the steps whose order keeps an interruption safe (data before the
   * links to it, the new metadata before the boot sector that switches to it): what makes the
   * order hold across a power failure. Default true; false for scratch devices.
   */
  sync?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** A volume's geometry, as `fat resize --json` prints it. */
export interface ResizeGeometry {
  fatType: FatType;
  bytes: number;
  sectorSize: number;
  totalSectors: number;
  clusterSize: number;
  clusterCount: number;
  reservedSectors: number;
  numFats: number;
  fatSize: number;
  rootEntries: number;
  dataStart: number;
}

export interface ResizeResult {
  from: ResizeGeometry;
  to: ResizeGeometry;
  /** 'FAT16 -> FAT32' and the like, or null when the type stays. */
  typeChange: string | null;
  /** Clusters in use, and how many of them move (their data is copied to another place). */
  clustersUsed: number;
  clustersToMove: number;
  bytesToMove: number;
  /** Bytes the device (or target) must hold: the new volume's size. */
  bytes: number;
  dryRun: boolean;
  inPlace: boolean;
  /**
   * The volume already has the requested size (and cluster size): nothing is written (`to` is
   * `from`, nothing moves). Into another device (`target`) the copy is still written, and this
   * is false; a dry run says true either way.
   */
  unchanged: boolean;
}

const geometryOf = (s: Shape): ResizeGeometry => ({
  fatType: s.fatType, bytes: s.totalSectors * s.sectorSize, sectorSize: s.sectorSize, totalSectors: s.totalSectors,
  clusterSize: s.sectorsPerCluster * s.sectorSize, clusterCount: s.clusterCount, reservedSectors: s.reservedSectors,
  numFats: s.numFats, fatSize: s.fatSize, rootEntries: s.rootEntries, dataStart: s.dataStart,
});

/** Read and validate the volume's boot sector; the volume's sector I/O and geometry. */
function openOld(device: BlockDevice): { io: SectorIO; geo: ReturnType<typeof computeGeometry>; media: number } {
  const first = new Uint8Array(Math.max(512, device.sectorSize));
  if (device.sectorCount * device.sectorSize < 512) throw new FatError('FAT_NOT_FAT', 'not a FAT image: smaller than 512 bytes');
  device.read(0, first);
  const bs = decodeBootSector(first);
  try {
    validateBootSector(bs);
  } catch (e) {
    if (!(e instanceof FatError) || e.code !== 'FAT_NOT_FAT') throw e;
    // As the rest of fatkit says it (disk/partition.ts), naming the partition table when there is one.
    const why = `no FAT boot sector (${e.message.replace(/^not a FAT (file system|image): /, '')})`;
    const table = readPartitionTable(device);
    throw new FatError('FAT_NOT_FAT', table === undefined
      ? `not a FAT image: ${why} and no partition table`
      : `not a FAT image: ${why} but ${table.scheme === 'gpt' ? 'a GPT' : 'an MBR'} partition table: resize a partition of it (--partition N)`, { structure: 'boot sector', sector: 0 });
  }
  const io = new SectorIO(device, bs.bytesPerSector);
  const geo = computeGeometry(bs, io.sectorCount);
  return { io, geo, media: bs.media };
}

/**
 * The smallest number of sectors in (fails, upTo) whose plan `attempt` makes (undefined: none
 * below `upTo`). More room never hurts a plan, so a bisection finds the edge.
 */
function smallestInPlace<T>(fails: number, upTo: number, attempt: (sectors: number) => T | undefined): T | undefined {
  let lo = fails;
  let hi = upTo;
  let best: T | undefined;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const r = attempt(mid);
    if (r === undefined) lo = mid;
    else {
      hi = mid;
      best = r;
    }
  }
  return best;
}

/**
 * Resize the FAT volume on `device` to `bytes` (whole sectors; 'min': the smallest that holds its
 * data plus `free`), growing or shrinking its FATs as mkfs.fat sizes them and keeping its type
 * unless the cluster count needs another (then converting FAT12↔16↔32, or refusing with
 * `keepType`). Clusters keep their place where they can and only change number; those under the
 * grown FATs or past a shrunk end move to free space. Everything is planned and checked before the
 * first write: a volume that does not fit, or one whose chains are damaged, changes no byte.
 * The device must already hold the new size (grow a file or partition first; shrink it after).
 */
export function resize(device: BlockDevice, bytes: number | 'min', options: ResizeOptions = {}): ResizeResult {
  const { io, geo, media } = openOld(device);
  const scan = scanVolume(io, geo);
  const target = options.target;
  const inPlace = !options.copy && (target === undefined || target === device);
  const from = geometryOf({
    fatType: geo.fatType, sectorSize: geo.sectorSize, sectorsPerCluster: geo.sectorsPerCluster, reservedSectors: geo.reservedSectors,
    numFats: geo.numFats, fatSize: geo.fatSize, rootEntries: geo.rootEntries, rootDirSectors: geo.rootDirSectors,
    totalSectors: geo.totalSectors, dataStart: geo.dataStart, clusterCount: geo.clusterCount,
  });
  // The size it already has: nothing to write (unless a copy into another device was asked for).
  const sameClusters = options.clusterSize === undefined || options.clusterSize === geo.clusterSize;
  const unchanged = (sectors: number): ResizeResult | undefined => sectors !== geo.totalSectors || !sameClusters || (!inPlace && !options.dryRun) ? undefined : {
    from, to: from, typeChange: null, clustersUsed: scan.used, clustersToMove: 0, bytesToMove: 0, bytes: from.bytes,
    dryRun: options.dryRun === true, inPlace, unchanged: true,
  };
  if (typeof bytes === 'number' && Number.isSafeInteger(bytes) && bytes > 0) {
    const same = unchanged(Math.floor(bytes / geo.sectorSize));
    if (same) return same;
  }
  const newClusters = (cs: number): number => {
    let n = 0;
    const same = cs === geo.clusterSize;
    for (const f of scan.files) n += same ? f.chain.length : Math.ceil(f.size / cs);
    for (let i = 1; i < scan.dirs.length; i++) n += same ? scan.dirs[i].clusters.length : Math.ceil((scan.dirs[i].clusters.length * geo.clusterSize) / cs);
    // In place the directories are written anew while the old ones still stand: room for both.
    if (inPlace) for (const d of scan.dirs) n += d.clusters.length;
    return n;
  };
  const input: PlanInput = {
    geo, clustersFor: newClusters, rootSlots: scan.dirs[0].usedSlots,
    rootChainClusters: geo.fatType === 32 ? scan.dirs[0].clusters.length : 0,
  };
  const planOptions = { keepType: options.keepType, clusterSize: options.clusterSize, free: options.free, inPlace };
  let { shape } = planShape(input, bytes, planOptions);
  const same = unchanged(shape.totalSectors);
  if (same) return same;
  let moves: InPlacePlan | undefined;
  let map: Mapping;
  if (inPlace) {
    // Planned whole before the first write: the moves, then where everything lies after them.
    const inPlacePlan = (sh: Shape): { moves: InPlacePlan; map: Mapping } => {
      const m = planMoves(geo, scan, sh);
      return { moves: m, map: mapInPlace(geo, scan, sh, m, rootClusters(input, sh.sectorsPerCluster * sh.sectorSize)) };
    };
    let planned: { moves: InPlacePlan; map: Mapping } | undefined;
    try {
      planned = inPlacePlan(shape);
    } catch (e) {
      if (bytes !== 'min' || !(e instanceof FatError) || e.code !== 'ENOSPC') throw e;
      // The smallest volume that holds the data may leave no room to move what is in the way
      // first: min in place is then the smallest size, up to the current one, that has it (the
      // current one: nothing to do).
      const found = smallestInPlace(shape.totalSectors, geo.totalSectors, (sectors) => {
        try {
          const sh = planShape(input, sectors * geo.sectorSize, planOptions).shape;
          return { shape: sh, ...inPlacePlan(sh) };
        } catch {
          return undefined;
        }
      });
      if (found === undefined) {
        const noop = unchanged(geo.totalSectors);
        if (noop) return noop;
        throw e;
      }
      shape = found.shape;
      planned = found;
    }
    ({ moves, map } = planned);
  } else map = mapClusters(geo, scan, shape, rootClusters(input, shape.sectorsPerCluster * shape.sectorSize));
  const newBytes = shape.totalSectors * shape.sectorSize;
  const result: ResizeResult = {
    from, to: geometryOf(shape), typeChange: shape.fatType === geo.fatType ? null : `FAT${geo.fatType} -> FAT${shape.fatType}`,
    clustersUsed: map.used, clustersToMove: map.moved, bytesToMove: map.moved * shape.sectorsPerCluster * shape.sectorSize,
    bytes: newBytes, dryRun: options.dryRun === true, inPlace, unchanged: false,
  };
  if (options.dryRun) return result;
  options.ensureSize?.(newBytes);
  const out = new SectorIO(inPlace ? device : target!, shape.sectorSize);
  if (out.sectorCount < shape.totalSectors) {
    throw new FatError('EINVAL', `the device holds ${formatSize(out.sectorCount * shape.sectorSize)}, less than the new volume's ${formatSize(newBytes)}: grow it first`);
  }
  if (out.readOnly) throw new FatError('EROFS', 'device is read-only');
  const barrier = options.sync === false ? () => {} : () => (inPlace ? device : target!).flush();
  if (moves !== undefined) moveInOldVolume(io, geo, scan, moves, barrier, options.onProgress);
  writeResized({
    barrier,
    src: io, out, inPlace, geo, scan, shape, map, media,
    oldReserved: io.readSectors(0, geo.reservedSectors),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  barrier();
  return result;
}
