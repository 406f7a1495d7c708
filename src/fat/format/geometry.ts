import type { BootSector } from './boot-sector.js';
import { FatError } from '../errors.js';

export type FatType = 12 | 16 | 32;

/** Where everything is on a volume, derived from its boot sector. FAT-NOTES.md section 1. */
export interface Geometry {
  fatType: FatType;
  sectorSize: number;
  sectorsPerCluster: number;
  clusterSize: number;
  reservedSectors: number;
  numFats: number;
  /** Sectors per FAT. */
  fatSize: number;
  /** First sector of FAT copy 0 (= reservedSectors). */
  fatStart: number;
  /** FAT12/16 fixed root: first sector, sector count and entry count (0 on FAT32). */
  rootDirStart: number;
  rootDirSectors: number;
  rootEntries: number;
  /** First sector of cluster 2. */
  dataStart: number;
  totalSectors: number;
  /** Number of data clusters; valid cluster numbers are 2..clusterCount+1. */
  clusterCount: number;
  /** FAT32 root directory cluster (0 on FAT12/16). */
  rootCluster: number;
  /** The active FAT when mirroring is off (FAT32 ExtFlags), else -1 (all copies mirrored). */
  activeFat: number;
}

/** FAT type from the cluster count alone (fatgen103). */
export function fatTypeForClusters(clusters: number): FatType {
  return clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
}

/**
 * Compute and validate a volume's layout. `deviceSectors` is the device size in the volume's
 * sectors: regions that fall outside it are a truncated or corrupt image.
 */
export function computeGeometry(bs: BootSector, deviceSectors: number): Geometry {
  const bad = (why: string): never => {
    throw new FatError('FAT_CORRUPT', `corrupt boot sector: ${why}`, { structure: 'boot sector', sector: 0 });
  };
  const sectorSize = bs.bytesPerSector;
  const fatSize = bs.fatSize16 || bs.fatSize32;
  const totalSectors = bs.totalSectors16 || bs.totalSectors32;
  const rootDirSectors = Math.ceil((bs.rootEntries * 32) / sectorSize);
  const fatStart = bs.reservedSectors;
  const rootDirStart = fatStart + bs.numFats * fatSize;
  const dataStart = rootDirStart + rootDirSectors;
  if (fatSize === 0) bad('FAT size is 0');
  if (dataStart >= totalSectors) {
    bad(`reserved sectors, FATs and root directory (${dataStart} sectors) do not fit in the volume (${totalSectors} sectors)`);
  }
  if (dataStart > deviceSectors) {
    throw new FatError('FAT_CORRUPT', `image is truncated: its FATs and root directory end at sector ${dataStart} but the image has ${deviceSectors} sectors`, { structure: 'image', sector: dataStart });
  }
  if (totalSectors > deviceSectors) {
    throw new FatError('FAT_CORRUPT', `image is truncated: the boot sector says ${totalSectors} sectors but the image has ${deviceSectors}`, { structure: 'image' });
  }
  let clusterCount = Math.floor((totalSectors - dataStart) / bs.sectorsPerCluster);
  let fatType: FatType;
  if (bs.fat32Layout) fatType = 32;
  else fatType = clusterCount < 4085 ? 12 : 16; // a FATSz16 volume is never FAT32 (as Linux reads it)
  if (clusterCount === 0) bad('no data clusters');
  // Clamp to what the FAT can address, as Linux does (fat_fill_super).
  const fatEntries = Math.floor((fatSize * sectorSize * 8) / fatType);
  const maxByType = fatType === 12 ? 0xff4 : fatType === 16 ? 0xfff4 : 0x0ffffff5;
  clusterCount = Math.min(clusterCount, fatEntries - 2, maxByType);
  if (clusterCount < 1) bad('the FAT is too small to hold any cluster');
  let rootCluster = 0;
  if (fatType === 32) {
    rootCluster = bs.rootCluster;
    if (rootCluster < 2 || rootCluster > clusterCount + 1) bad(`root directory cluster ${rootCluster} is out of range`);
  }
  const mirroringOff = fatType === 32 && (bs.extFlags & 0x80) !== 0;
  const activeFat = mirroringOff ? bs.extFlags & 0x0f : -1;
  if (activeFat >= bs.numFats) bad(`active FAT ${activeFat} does not exist (${bs.numFats} FATs)`);
  return {
    fatType,
    sectorSize,
    sectorsPerCluster: bs.sectorsPerCluster,
    clusterSize: sectorSize * bs.sectorsPerCluster,
    reservedSectors: bs.reservedSectors,
    numFats: bs.numFats,
    fatSize,
    fatStart,
    rootDirStart,
    rootDirSectors,
    rootEntries: bs.rootEntries,
    dataStart,
    totalSectors,
    clusterCount,
    rootCluster,
    activeFat,
  };
}

/** First sector of cluster `n` (2-based). */
export function clusterToSector(g: Geometry, n: number): number {
  return g.dataStart + (n - 2) * g.sectorsPerCluster;
}
