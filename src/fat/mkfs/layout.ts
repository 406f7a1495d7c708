import { FatError } from '../errors.js';
import type { FatType } from '../format/geometry.js';

/**
 * Choose a fresh volume's geometry exactly as mkfs.fat 4.2 does (FAT-NOTES.md section 7), from its
 * size and options. Pure: no I/O. The image builder asks the same question ("what would mkfs.fat
 * choose for N sectors?"), so keep this free of everything but arithmetic.
 */
export interface LayoutOptions {
  /** Volume size in bytes (mkfs.fat's device size); whole sectors are used. */
  size: number;
  /** Bytes per sector: 512 (default), 1024, 2048 or 4096. */
  sectorSize?: number;
  /** FAT type; by default FAT32 at 512 MiB and above, else FAT12 or FAT16, whichever gives more clusters. */
  fatType?: FatType;
  /** Sectors per cluster (a power of two); by default mkfs.fat's choice. */
  sectorsPerCluster?: number;
  /** Minimum reserved sectors (1 on FAT12/16 and 32 on FAT32 by default); rounded up to a cluster when aligning. */
  reservedSectors?: number;
  /** Number of FATs: 1 or 2 (default 2). */
  numFats?: number;
  /** Minimum root directory entries on FAT12/16 (16..32768); by default 512, or the floppy preset's. */
  rootEntries?: number;
  /** Media descriptor: 0xF0 or 0xF8..0xFF; by default 0xF8, or the floppy preset's. */
  media?: number;
  /** Align the FATs and the data area to the cluster size and round the size to whole tracks (default true). */
  align?: boolean;
  /** Sectors before the volume on its disk (the partition start); only stored in the boot sector. */
  hiddenSectors?: number;
}

/** The geometry mkfs.fat would write; every field is in the volume's own sectors. */
export interface Layout {
  fatType: FatType;
  sectorSize: number;
  /** Sectors the volume covers (the size rounded down to whole sectors, and to whole tracks when aligning). */
  totalSectors: number;
  sectorsPerCluster: number;
  clusterSize: number;
  reservedSectors: number;
  numFats: number;
  /** Sectors per FAT. */
  fatSize: number;
  /** Root directory entries (0 on FAT32). */
  rootEntries: number;
  rootDirSectors: number;
  clusterCount: number;
  media: number;
  driveNumber: number;
  sectorsPerTrack: number;
  heads: number;
  hiddenSectors: number;
  /** Whether the FATs and data area were aligned to the cluster size (off for 8192 sectors or fewer). */
  aligned: boolean;
  fatStart: number;
  rootDirStart: number;
  /** First sector of cluster 2. */
  dataStart: number;
  /** FAT32: FSInfo sector (1) and backup boot sector (6 by default; 0 when the reserved area is too small). */
  fsInfoSector: number;
  backupBootSector: number;
  /** FAT32: where the backup FSInfo goes, or 0 when it does not fit in the reserved area. */
  backupFsInfoSector: number;
  /** FAT32 root directory cluster (2), 0 on FAT12/16. */
  rootCluster: number;
}

export const MAX_CLUST_12 = 4084;
export const MIN_CLUST_16 = 4087;
export const MAX_CLUST_16 = 65524;
export const MIN_CLUST_32 = 65525;
export const MAX_CLUST_32 = 268435446;
const MIB = 1024 * 1024;

interface FloppyPreset { spt: number; heads: number; media: number; spc: number; rootEntries: number }

/** mkfs.fat's presets for the classic floppy sizes (in KiB). */
const FLOPPIES: Record<number, FloppyPreset> = {
  360: { spt: 9, heads: 2, media: 0xfd, spc: 2, rootEntries: 112 },
  720: { spt: 9, heads: 2, media: 0xf9, spc: 2, rootEntries: 112 },
  1200: { spt: 15, heads: 2, media: 0xf9, spc: 1, rootEntries: 224 },
  1440: { spt: 18, heads: 2, media: 0xf0, spc: 1, rootEntries: 224 },
  2880: { spt: 36, heads: 2, media: 0xf0, spc: 2, rootEntries: 224 },
};

const invalid = (message: string): FatError => new FatError('EINVAL', message);
const isPow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
const cdiv = (a: number, b: number): number => Math.ceil(a / b);

/** CHS geometry mkfs.fat guesses for an image file of `sectors` sectors. */
export function guessGeometry(sectors: number): { sectorsPerTrack: number; heads: number } {
  if (sectors <= 524288) {
    // SD card recommendation (below 256 MiB with 512-byte sectors).
    const heads = sectors <= 32768 ? 2 : sectors <= 65536 ? 4 : sectors <= 262144 ? 8 : 16;
    return { sectorsPerTrack: sectors <= 4096 ? 16 : 32, heads };
  }
  // LBA-assist translation.
  const c = 63 * 1024;
  const heads = sectors <= 16 * c ? 16 : sectors <= 32 * c ? 32 : sectors <= 64 * c ? 64 : sectors <= 128 * c ? 128 : 255;
  return { sectorsPerTrack: 63, heads };
}

/** Check the options that do not depend on the size; throws EINVAL naming the valid values. */
export function validateLayoutOptions(o: LayoutOptions): void {
  const ss = o.sectorSize ?? 512;
  if (![512, 1024, 2048, 4096].includes(ss)) throw invalid(`sector size ${ss} is not 512, 1024, 2048 or 4096`);
  if (!Number.isFinite(o.size) || o.size < 0) throw invalid(`invalid volume size ${o.size}`);
  if (o.fatType !== undefined && ![12, 16, 32].includes(o.fatType)) throw invalid(`FAT type ${o.fatType} is not 12, 16 or 32`);
  if (o.sectorsPerCluster !== undefined) {
    const spc = o.sectorsPerCluster;
    if (!isPow2(spc) || spc > 128 || spc * ss > 65536) {
      throw invalid(`cluster size ${spc * ss} must be a power of two from ${ss} to ${Math.min(128 * ss, 65536)} bytes`);
    }
  }
  if (o.reservedSectors !== undefined && (!Number.isInteger(o.reservedSectors) || o.reservedSectors < 1 || o.reservedSectors > 65535)) {
    throw invalid(`reserved sectors ${o.reservedSectors} must be from 1 to 65535`);
  }
  if (o.reservedSectors !== undefined && o.fatType === 32 && o.reservedSectors < 2) {
    throw invalid('FAT32 needs at least 2 reserved sectors');
  }
  if (o.numFats !== undefined && o.numFats !== 1 && o.numFats !== 2) throw invalid(`number of FATs ${o.numFats} must be 1 or 2`);
  if (o.rootEntries !== undefined && (!Number.isInteger(o.rootEntries) || o.rootEntries < 16 || o.rootEntries > 32768)) {
    throw invalid(`root directory entries ${o.rootEntries} must be from 16 to 32768`);
  }
  if (o.media !== undefined && !(o.media === 0xf0 || (Number.isInteger(o.media) && o.media >= 0xf8 && o.media <= 0xff))) {
    throw invalid(`media byte 0x${Number(o.media).toString(16)} must be 0xf0 or 0xf8 to 0xff`);
  }
  if (o.hiddenSectors !== undefined && (!Number.isInteger(o.hiddenSectors) || o.hiddenSectors < 0 || o.hiddenSectors > 0xffffffff)) {
    throw invalid(`hidden sectors ${o.hiddenSectors} must be from 0 to 4294967295`);
  }
}

type Failure = 'clusters' | 'small' | 'large' | 'reserved' | 'reserved32';
type Attempt = { ok: true; layout: Layout } | { ok: false; reason: Failure };

/** The arithmetic of mkfs.fat's establish_params() and setup_tables(); no messages. */
function attempt(o: LayoutOptions): Attempt {
  const ss = o.sectorSize ?? 512;
  const size = Math.floor(o.size);
  const deviceSectors = Math.floor(size / ss);
  const numFats = o.numFats ?? 2;

  // establish_params(): geometry, floppy presets, FAT32 by size and its cluster size.
  let { sectorsPerTrack, heads } = guessGeometry(deviceSectors);
  let media = 0xf8;
  let spc = 4;
  let defaultRootEntries = 512;
  const floppy = FLOPPIES[Math.floor(size / 1024)];
  if (floppy) {
    sectorsPerTrack = floppy.spt;
    heads = floppy.heads;
    media = floppy.media;
    spc = floppy.spc;
    defaultRootEntries = floppy.rootEntries;
  }
  const userType = o.fatType;
  let fatType: 0 | FatType = userType ?? (size >= 512 * MIB ? 32 : 0);
  if (fatType === 32) {
    spc = deviceSectors > 32 * MIB * 2 ? 64 : deviceSectors > 16 * MIB * 2 ? 32 : deviceSectors > 8 * MIB * 2 ? 16 : deviceSectors > 260 * 1024 * 2 ? 8 : 1;
  }

  // setup_tables().
  if (o.sectorsPerCluster !== undefined) spc = o.sectorsPerCluster;
  if (o.media !== undefined) media = o.media;
  const driveNumber = media === 0xf8 ? 0x80 : 0x00;
  let rootEntries = fatType === 32 ? 0 : o.rootEntries ?? defaultRootEntries;
  let reserved = o.reservedSectors ?? (fatType === 32 ? 32 : 1);
  if (fatType === 32 && reserved < 2) return { ok: false, reason: 'reserved32' };

  let numSectors = deviceSectors;
  let align = o.align ?? true;
  if (align) numSectors = Math.floor(numSectors / sectorsPerTrack) * sectorsPerTrack;
  if (numSectors <= 8192) align = false; // small volumes are not aligned
  const alignObject = (sectors: number, cs: number): number => (align ? Math.ceil(sectors / cs) * cs : sectors);

  const rootDirSectors = cdiv(rootEntries * 32, ss);
  const maxSpc = o.sectorsPerCluster ?? 128;
  let clust12 = 0, clust16 = 0, clust32 = 0;
  let fat12 = 0, fat16 = 0, fat32 = 0;
  for (; spc <= maxSpc; spc *= 2) {
    const fatdata32 = numSectors - alignObject(reserved, spc);
    const fatdata1216 = fatdata32 - alignObject(rootDirSectors, spc);

    // The factor 2 avoids cut-off errors for one FAT; numFats*3 is for the two reserved entries.
    clust12 = Math.floor((2 * (fatdata1216 * ss + numFats * 3)) / (2 * spc * ss + numFats * 3));
    fat12 = alignObject(cdiv(Math.floor(((clust12 + 2) * 3 + 1) / 2), ss), spc);
    clust12 = Math.floor((fatdata1216 - numFats * fat12) / spc);
    const max12 = Math.min(Math.floor((fat12 * 2 * ss) / 3), MAX_CLUST_12);
    if (clust12 > max12) clust12 = 0;

    clust16 = Math.floor((fatdata1216 * ss + numFats * 4) / (spc * ss + numFats * 2));
    fat16 = alignObject(cdiv((clust16 + 2) * 2, ss), spc);
    clust16 = Math.floor((fatdata1216 - numFats * fat16) / spc);
    const max16 = Math.min(Math.floor((fat16 * ss) / 2), MAX_CLUST_16);
    if (clust16 > max16) clust16 = 0;
    if (clust16 && clust16 < MIN_CLUST_16) clust16 = 0; // would be taken for FAT12

    clust32 = Math.floor((fatdata32 * ss + numFats * 8) / (spc * ss + numFats * 4));
    fat32 = alignObject(cdiv((clust32 + 2) * 4, ss), spc);
    clust32 = Math.floor((fatdata32 - numFats * fat32) / spc);
    const max32 = Math.min(Math.floor((fat32 * ss) / 4), MAX_CLUST_32);
    if (clust32 > max32) clust32 = 0;
    // mkfs.fat allows fewer than 65525 clusters when FAT32 is asked for (with a warning); fatkit never does.
    if (clust32 && clust32 < MIN_CLUST_32) clust32 = 0;

    // Clamp negative counts (volumes smaller than their metadata) to "does not fit".
    if (clust12 < 0) clust12 = 0;
    if (clust16 < 0) clust16 = 0;
    if (clust32 < 0) clust32 = 0;
    if ((clust12 && (fatType === 0 || fatType === 12)) || (clust16 && (fatType === 0 || fatType === 16)) || (clust32 && fatType === 32)) break;
  }
  if (spc > maxSpc) return { ok: false, reason: 'clusters' };
  if (fatType === 0) fatType = clust16 > clust12 ? 16 : 12;
  const clusterCount = fatType === 12 ? clust12 : fatType === 16 ? clust16 : clust32;
  const fatSize = fatType === 12 ? fat12 : fatType === 16 ? fat16 : fat32;
  if (!clusterCount) return { ok: false, reason: 'clusters' };

  reserved = alignObject(reserved, spc);
  if (reserved > 65535) return { ok: false, reason: 'reserved' };
  if (align) rootEntries = alignObject(rootDirSectors, spc) * (ss >> 5);
  if (fatType === 32) rootEntries = 0;
  if (rootEntries > 65535) return { ok: false, reason: 'reserved' };
  const rootSectors = cdiv(rootEntries * 32, ss);
  const dataStart = reserved + numFats * fatSize + rootSectors;

  // "Too few blocks for viable filesystem": at least 32 KiB of data area (mkfs.fat counts 1 KiB blocks).
  if (Math.floor(size / 1024) < cdiv(dataStart * ss, 1024) + 32) return { ok: false, reason: 'small' };
  if (numSectors > 0xffffffff) return { ok: false, reason: 'large' };

  let fsInfoSector = 0, backupBootSector = 0, backupFsInfoSector = 0;
  if (fatType === 32) {
    fsInfoSector = 1;
    const r = reserved;
    backupBootSector = r >= 7 ? 6 : r >= 3 + fsInfoSector && fsInfoSector !== r - 2 && fsInfoSector !== r - 1 ? r - 2 : r >= 3 && fsInfoSector !== r - 1 ? r - 1 : 0;
    if (backupBootSector && backupBootSector + fsInfoSector < r) backupFsInfoSector = backupBootSector + fsInfoSector;
  }
  return {
    ok: true,
    layout: {
      fatType,
      sectorSize: ss,
      totalSectors: numSectors,
      sectorsPerCluster: spc,
      clusterSize: spc * ss,
      reservedSectors: reserved,
      numFats,
      fatSize,
      rootEntries,
      rootDirSectors: rootSectors,
      clusterCount,
      media,
      driveNumber,
      sectorsPerTrack,
      heads,
      hiddenSectors: o.hiddenSectors ?? 0,
      aligned: align,
      fatStart: reserved,
      rootDirStart: reserved + numFats * fatSize,
      dataStart,
      fsInfoSector,
      backupBootSector,
      backupFsInfoSector,
      rootCluster: fatType === 32 ? 2 : 0,
    },
  };
}

/**
 * The layout mkfs.fat 4.2 gives a volume of `options.size` bytes. Throws FatError EINVAL when no
 * valid volume exists, naming the valid range of sizes for these options.
 */
export function planLayout(options: LayoutOptions): Layout {
  validateLayoutOptions(options);
  const a = attempt(options);
  if (a.ok) return a.layout;
  throw invalid(failureMessage(options, a.reason));
}

/** Human sizes in binary units: 1.4 MiB, 512 MiB, 32 KiB. */
export function formatSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${bytes} bytes`;
  const s = v >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1).replace(/\.0$/, '');
  return `${s} ${units[i]}`;
}

/**
 * A size bound for a message, never on the wrong side of the truth: `up` rounds a minimum up,
 * `down` a maximum down, in the largest unit that stays within 3% (8.1 MiB, 1024.8 MiB, 3.9 GiB).
 */
function formatBound(bytes: number, direction: 'up' | 'down'): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  for (let i = units.length; i >= 1; i--) {
    const v = bytes / 1024 ** i;
    if (v < 1 && i > 1) continue;
    const r = direction === 'up' ? Math.ceil(v * 10) / 10 : Math.floor(v * 10) / 10;
    if (i === 1 || (r > 0 && Math.abs(r - v) / v <= 0.03)) return `${Number.isInteger(r) ? r : r.toFixed(1)} ${units[i - 1]}`;
  }
  return `${bytes} bytes`;
}

const works = (o: LayoutOptions, size: number): boolean => attempt({ ...o, size }).ok;

/**
 * The smallest and largest volume sizes (in KiB steps) that work with these options, if any: the
 * range an error message names. Success is monotonic enough in the size for a bisection.
 */
export function validSizeRange(o: LayoutOptions): { min: number; max: number } | undefined {
  const K = 1024;
  const limit = 0xffffffff * (o.sectorSize ?? 512);
  let hit = 0;
  for (let s = 16 * K; s <= limit; s *= 2) {
    if (works(o, s)) {
      hit = s;
      break;
    }
  }
  if (!hit) {
    // Narrow success windows (e.g. FAT16 with one big cluster size) can fall between powers of two.
    for (let s = 16 * K; s <= limit && !hit; s = Math.ceil(s * 1.0625 / K) * K) if (works(o, s)) hit = s;
    if (!hit) return undefined;
  }
  let lo = 0, hi = hit / K; // lo fails (or is 0), hi works; in KiB
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (works(o, mid * K)) hi = mid;
    else lo = mid;
  }
  const min = hi * K;
  let top = hit / K;
  let bad = 0;
  for (let s = top * 2; s * K <= limit; s *= 2) {
    if (!works(o, s * K)) {
      bad = s;
      break;
    }
    top = s;
  }
  if (!bad) return { min, max: Math.floor(limit / K) * K };
  while (bad - top > 1) {
    const mid = Math.floor((top + bad) / 2);
    if (works(o, mid * K)) top = mid;
    else bad = mid;
  }
  return { min, max: top * K };
}

function failureMessage(o: LayoutOptions, reason: Failure): string {
  const ss = o.sectorSize ?? 512;
  const size = formatSize(Math.floor(o.size / ss) * ss);
  if (reason === 'reserved32') return `FAT32 needs at least 2 reserved sectors (this ${size} volume is FAT32)`;
  if (reason === 'reserved') return 'reserved sectors or root directory too large: rounded up to the cluster size they exceed 65535';
  if (reason === 'large') return `volume of ${size} is too large: at most 4294967295 sectors of ${ss} bytes`;
  // At 512 MiB and above the automatic type is FAT32: explain that rule and range.
  const eff: FatType | undefined = o.fatType ?? (Math.floor(o.size) >= 512 * MIB ? 32 : undefined);
  const type = eff ? `FAT${eff}` : 'FAT';
  const withSpc = o.sectorsPerCluster !== undefined ? ` with ${o.sectorsPerCluster * ss}-byte clusters` : '';
  const typeRule = eff === 12 ? 'FAT12 holds at most 4084 clusters'
    : eff === 16 ? 'FAT16 needs 4087 to 65524 clusters'
    : eff === 32 ? 'FAT32 needs at least 65525 clusters'
    : undefined;
  const range = validSizeRange({ ...o, fatType: eff });
  const inside = range !== undefined && o.size >= range.min && o.size <= range.max;
  const what = range === undefined || inside ? 'not possible' : o.size < range.min ? 'too small' : 'too large';
  const rule = (eff === 12 && what === 'too small' ? undefined : typeRule) ?? (what === 'too small' ? 'a volume needs its boot sector, FATs and root directory plus 32 KiB of data'
    : 'FAT12 holds at most 4084 clusters and FAT16 4087 to 65524');
  let message = `${size} is ${what} for a ${type} volume${withSpc}: ${rule}`;
  if (range === undefined) message += '; no size works with these options';
  else if (!inside) {
    const limit = Math.floor((0xffffffff * ss) / 1024) * 1024;
    message += range.max >= limit ? `; with these options it must be at least ${formatBound(range.min, 'up')}`
      : `; with these options the size must be ${formatBound(range.min, 'up')} to ${formatBound(range.max, 'down')}`;
  }
  if (o.sectorsPerCluster !== undefined && what !== 'too small') message += '; try another cluster size';
  return message;
}
