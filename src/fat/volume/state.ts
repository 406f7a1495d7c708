/**
 * The volume's state as stored and reported: the clean bit (FAT[1], or the boot sector's flag on
 * FAT12), the FAT32 FSInfo counts, and `info()`. Functions of a Volume, which calls them; this
 * file imports the Volume type only (no run-time cycle).
 */
import type { Volume } from './volume.js';
import type { FatType } from '../format/geometry.js';
import { decodeFsInfo, type FsInfo } from '../format/fs-info.js';
import { put32 } from '../format/bytes.js';
import { formatVolumeId } from '../format/boot-sector.js';

export interface VolumeInfo {
  fatType: FatType;
  /** The label from the root directory entry, else from the boot sector; undefined when "NO NAME". */
  label: string | undefined;
  bootSectorLabel: string;
  volumeId: number;
  /** `ABCD-1234`, as DOS prints it. */
  volumeIdHex: string;
  oemName: string;
  media: number;
  sectorSize: number;
  sectorsPerCluster: number;
  clusterSize: number;
  totalSectors: number;
  reservedSectors: number;
  numFats: number;
  fatSize: number;
  rootEntries: number;
  rootCluster: number;
  dataStart: number;
  hiddenSectors: number;
  sectorsPerTrack: number;
  heads: number;
  clusterCount: number;
  freeClusters: number;
  /** Clusters in use by files and directories (neither free nor marked bad). */
  usedClusters: number;
  /** Clusters marked bad in the FAT (0xFF7 / 0xFFF7 / 0x0FFFFFF7): neither used nor free. */
  badClusters: number;
  /** Bytes in data clusters, and free bytes. */
  totalBytes: number;
  freeBytes: number;
  /** The volume was not cleanly unmounted (boot sector flag or FAT[1] clean bit). */
  dirty: boolean;
  /** FAT32 FSInfo as stored (undefined elsewhere or when its signatures are wrong). */
  fsInfo?: FsInfo;
}


export function volumeInfo(vol: Volume): VolumeInfo {
  const g = vol.geo;
  const bs = vol.bootSector;
  const fsInfo = readFsInfo(vol);
  const free = vol.fat.countFree();
  const bad = vol.fat.countBad();
  const rootLabel = vol.dirAt('/').dir.label;
  const bootLabel = bs.extSignature === 0x29 ? bs.volumeLabel.replace(/ +$/, '') : '';
  const label = rootLabel ?? (bootLabel && bootLabel !== 'NO NAME' ? bootLabel : undefined);
  const id = bs.extSignature === 0x29 || bs.extSignature === 0x28 ? bs.volumeId : 0;
  return {
    fatType: g.fatType,
    label,
    bootSectorLabel: bootLabel,
    volumeId: id,
    volumeIdHex: formatVolumeId(id),
    oemName: bs.oemName.replace(/ +$/, ''),
    media: bs.media,
    sectorSize: g.sectorSize,
    sectorsPerCluster: g.sectorsPerCluster,
    clusterSize: g.clusterSize,
    totalSectors: g.totalSectors,
    reservedSectors: g.reservedSectors,
    numFats: g.numFats,
    fatSize: g.fatSize,
    rootEntries: g.rootEntries,
    rootCluster: g.rootCluster,
    dataStart: g.dataStart,
    hiddenSectors: bs.hiddenSectors,
    sectorsPerTrack: bs.sectorsPerTrack,
    heads: bs.heads,
    clusterCount: g.clusterCount,
    freeClusters: free,
    usedClusters: g.clusterCount - free - bad,
    badClusters: bad,
    totalBytes: g.clusterCount * g.clusterSize,
    freeBytes: free * g.clusterSize,
    dirty: isDirty(vol),
    ...(fsInfo ? { fsInfo } : {}),
  };
}

export function isDirty(vol: Volume): boolean {
  if (vol.bootSector.flags & 1) return true;
  const f1 = vol.fat.get(1);
  if (vol.geo.fatType === 16) return (f1 & 0x8000) === 0;
  if (vol.geo.fatType === 32) return (f1 & 0x08000000) === 0;
  return false;
}

export function setCleanBit(vol: Volume, clean: boolean): void {
  const t = vol.geo.fatType;
  if (t === 12) {
    // FAT12 has no clean bit in its FAT: use the boot sector's state flag, as Linux does.
    const b = vol.io.readSectors(0, 1);
    b[37] = clean ? b[37] & ~1 : b[37] | 1;
    vol.io.write(0, b);
    vol.bootSector.flags = b[37];
    return;
  }
  const bit = t === 16 ? 0x8000 : 0x08000000;
  const v = vol.fat.get(1);
  vol.fat.set(1, clean ? v | bit : v & ~bit);
}

export function writeFsInfo(vol: Volume): void {
  const bs = vol.bootSector;
  if (!hasFsInfo(vol)) return;
  const sectors = [bs.fsInfoSector];
  if (bs.backupBootSector > 0 && bs.backupBootSector + bs.fsInfoSector < vol.geo.reservedSectors) sectors.push(bs.backupBootSector + bs.fsInfoSector);
  for (const s of sectors) {
    const b = vol.io.readSectors(s, 1);
    if (!decodeFsInfo(b)) continue;
    put32(b, 488, vol.fat.countFree());
    put32(b, 492, vol.fat.nextFreeHint);
    vol.io.write(s, b);
  }
}

/** The volume has an FSInfo sector where its boot sector says (FAT32 only). */
function hasFsInfo(vol: Volume): boolean {
  const s = vol.bootSector.fsInfoSector;
  return vol.geo.fatType === 32 && s >= 1 && s < vol.geo.reservedSectors;
}

/** FAT32 FSInfo as stored; undefined elsewhere or when its signatures are wrong. */
export function readFsInfo(vol: Volume): FsInfo | undefined {
  return hasFsInfo(vol) ? decodeFsInfo(vol.io.readSectors(vol.bootSector.fsInfoSector, 1)) : undefined;
}
