import type { Geometry } from '../format/geometry.js';
import { fatEntries } from './scan.js';
import type { Shape } from './shape.js';
import type { Mapping } from './mapping.js';
import { decodeBootSector, encodeBootSector } from '../format/boot-sector.js';
import { encodeFsInfo } from '../format/fs-info.js';
import { put16, put32 } from '../format/bytes.js';
import { BAD, EOC_WRITE as EOC, writeFatEntry as setEntry } from '../table/fat-entry.js';

/**
 * The new volume's metadata: its FAT (one copy's bytes), and its reserved area (boot sector, and on
 * FAT32 FSInfo, backup boot sector and backup FSInfo). The boot sector keeps what the old one said
 * (boot code, OEM name, volume id, label, media, drive, mirroring flags, hidden sectors) and
 * changes only the geometry; a FAT12/16 ↔ FAT32 conversion rewrites it in the other layout,
 * keeping those fields (the boot code cannot follow: it is fatkit's).
 */
/** One FAT copy of the new volume (`entry1`: the old FAT's entry 1, kept when the type stays). */
export function buildFat(shape: Shape, geo: Geometry, entry1: number, media: number, map: Mapping): Uint8Array {
  const t = shape.fatType;
  const b = new Uint8Array(shape.fatSize * shape.sectorSize);
  setEntry(b, t, 0, (EOC[t] & ~0xff) | media);
  setEntry(b, t, 1, t === geo.fatType ? entry1 : EOC[t]);
  const eoc = EOC[t];
  // FAT16 and FAT32 entries as elements of a typed array (the FAT is all zeros: FAT32's top four
  // bits stay zero); FAT12's 12-bit entries one by one. A chain that keeps its place (in place)
  // is renumbered as it is written: one pass over its clusters.
  const entries = fatEntries(b, t);
  map.keptFat?.(b);
  for (const c of map.chains) {
    if (c.keep !== undefined && map.keptFat !== undefined) continue;
    const keep = c.keep;
    const cl = keep === undefined ? c.clusters : c.old;
    const d = keep ?? 0;
    const last = cl.length - 1;
    if (last < 0) continue;
    if (entries !== undefined) {
      for (let i = 0; i < last; i++) entries[cl[i] - d] = cl[i + 1] - d;
      entries[cl[last] - d] = eoc;
    } else for (let i = 0; i <= last; i++) setEntry(b, t, cl[i] - d, i < last ? cl[i + 1] - d : eoc);
  }
  for (const j of map.bad) setEntry(b, t, j, BAD[t]);
  return b;
}

export interface ReservedArea {
  /** Sectors 1.. of the reserved area (sector 0 is `boot`). */
  rest: Uint8Array;
  boot: Uint8Array;
  /** The sectors after 0 that hold something new: FSInfo, the backup boot sector, the backup FSInfo. */
  written: number[];
}

/**
 * The new reserved area: the old one's sectors kept where the layout family stays (FAT32 keeps its
 * extra boot sectors), the boot sector patched, FSInfo and the backups written.
 */
export function buildReserved(shape: Shape, geo: Geometry, oldReserved: Uint8Array, map: Mapping): ReservedArea {
  const ss = shape.sectorSize;
  const old = decodeBootSector(oldReserved.subarray(0, ss));
  const area = new Uint8Array(shape.reservedSectors * ss);
  const sameFamily = (geo.fatType === 32) === (shape.fatType === 32);
  const fat32 = shape.fatType === 32;
  let boot: Uint8Array;
  let fsInfoSector = 0;
  let backupBoot = 0;
  const total16 = shape.totalSectors < 65536 && !fat32 ? shape.totalSectors : 0;
  if (sameFamily) {
    area.set(oldReserved.subarray(0, Math.min(oldReserved.length, area.length)));
    boot = oldReserved.slice(0, ss);
    boot[13] = shape.sectorsPerCluster;
    put16(boot, 14, shape.reservedSectors);
    put16(boot, 19, total16);
    put32(boot, 32, total16 ? 0 : shape.totalSectors);
    if (fat32) {
      put32(boot, 36, shape.fatSize);
      put32(boot, 44, map.root!.clusters[0]);
      fsInfoSector = old.fsInfoSector;
      backupBoot = old.backupBootSector;
    } else {
      put16(boot, 17, shape.rootEntries);
      put16(boot, 22, shape.fatSize);
      if (old.extSignature === 0x29 && /^FAT1[26] {3}$/.test(old.fsType)) {
        const type = `FAT${shape.fatType}   `;
        for (let i = 0; i < 8; i++) boot[54 + i] = type.charCodeAt(i);
      }
    }
  } else {
    fsInfoSector = fat32 ? 1 : 0;
    backupBoot = fat32 && shape.reservedSectors >= 8 ? 6 : 0;
    boot = encodeBootSector({
      oemName: old.oemName,
      bytesPerSector: ss,
      sectorsPerCluster: shape.sectorsPerCluster,
      reservedSectors: shape.reservedSectors,
      numFats: shape.numFats,
      rootEntries: shape.rootEntries,
      totalSectors16: total16,
      media: old.media,
      fatSize16: fat32 ? 0 : shape.fatSize,
      sectorsPerTrack: old.sectorsPerTrack,
      heads: old.heads,
      hiddenSectors: old.hiddenSectors,
      totalSectors32: total16 ? 0 : shape.totalSectors,
      fatSize32: fat32 ? shape.fatSize : 0,
      extFlags: 0,
      fsVersion: 0,
      rootCluster: fat32 ? map.root!.clusters[0] : 0,
      fsInfoSector,
      backupBootSector: backupBoot,
      driveNumber: old.driveNumber,
      flags: old.flags,
      extSignature: 0x29,
      volumeId: old.extSignature === 0x29 || old.extSignature === 0x28 ? old.volumeId : 0,
      volumeLabel: old.extSignature === 0x29 ? old.volumeLabel : 'NO NAME    ',
      fsType: `FAT${shape.fatType}`,
      fat32Layout: fat32,
    });
  }
  area.set(boot, 0);
  const written: number[] = [];
  if (fat32) {
    const info = encodeFsInfo({ freeCount: shape.clusterCount - map.used - map.bad.length, nextFree: map.firstFree }, ss);
    if (fsInfoSector > 0 && fsInfoSector < shape.reservedSectors) {
      area.set(info, fsInfoSector * ss);
      written.push(fsInfoSector);
    }
    if (backupBoot > 0 && backupBoot < shape.reservedSectors) {
      area.set(boot, backupBoot * ss);
      written.push(backupBoot);
      const bi = backupBoot + fsInfoSector;
      if (fsInfoSector > 0 && bi < shape.reservedSectors) {
        area.set(info, bi * ss);
        written.push(bi);
      }
    }
  }
  return { boot, rest: area.subarray(ss), written };
}
