import { put32 } from '../format/bytes.js';
import { FatError } from '../errors.js';
import type { FatType } from '../format/geometry.js';

/**
 * Writing a master boot record with one partition: what `fat make --partition mbr` puts at LBA 0.
 * (Reading MBRs is device/mbr.ts.)
 */
export interface MbrPartitionInit {
  /** First sector of the partition (LBA, in the disk's sectors). */
  start: number;
  /** Sectors in the partition. */
  count: number;
  /** MBR partition type byte. */
  type: number;
  /** Bytes per sector of the disk (the MBR fills one sector). */
  sectorSize: number;
  /** CHS geometry used for the legacy CHS fields. */
  heads: number;
  sectorsPerTrack: number;
  /** Disk signature at 0x1B8 (Linux's PARTUUID prefix). */
  diskSignature: number;
  /** Mark the partition active (0x80); default false. */
  bootable?: boolean;
}

/** The byte offset where partition data starts by default: 1 MiB, as fdisk and parted align. */
export const PARTITION_ALIGNMENT = 1024 * 1024;

/**
 * MBR type byte for a FAT volume reached by LBA: 0x01 for FAT12 (there is no FAT12 LBA type; every
 * reader uses LBA for it anyway), 0x0E "W95 FAT16 (LBA)" and 0x0C "W95 FAT32 (LBA)", as sfdisk,
 * parted and Windows write for partitions that start at 1 MiB.
 */
export function mbrTypeForFat(fatType: FatType): number {
  return fatType === 12 ? 0x01 : fatType === 16 ? 0x0e : 0x0c;
}

/** Legacy CHS triple for an LBA, saturated at cylinder 1023 as the convention is. */
export function encodeChs(lba: number, heads: number, sectorsPerTrack: number): [number, number, number] {
  const perCylinder = heads * sectorsPerTrack;
  let c = Math.floor(lba / perCylinder);
  let h = Math.floor((lba % perCylinder) / sectorsPerTrack);
  let s = (lba % sectorsPerTrack) + 1;
  if (c > 1023) {
    c = 1023;
    h = heads - 1;
    s = sectorsPerTrack;
  }
  return [h & 0xff, (s & 0x3f) | ((c >> 2) & 0xc0), c & 0xff];
}

/** Encode sector 0 of a disk holding one primary partition (entry 1); no boot code. */
export function encodeMbr(p: MbrPartitionInit): Uint8Array {
  if (!Number.isInteger(p.start) || p.start < 1 || !Number.isInteger(p.count) || p.count < 1 || p.start + p.count > 0x100000000) {
    throw new FatError('EINVAL', `partition of ${p.count} sectors at ${p.start} does not fit an MBR (at most 2^32 sectors)`);
  }
  if (p.heads < 1 || p.heads > 255 || p.sectorsPerTrack < 1 || p.sectorsPerTrack > 63) {
    throw new FatError('EINVAL', `CHS geometry ${p.heads}/${p.sectorsPerTrack} is outside 1-255 heads and 1-63 sectors per track`);
  }
  const b = new Uint8Array(p.sectorSize);
  put32(b, 0x1b8, p.diskSignature >>> 0);
  const e = 0x1be;
  b[e] = p.bootable ? 0x80 : 0x00;
  b.set(encodeChs(p.start, p.heads, p.sectorsPerTrack), e + 1);
  b[e + 4] = p.type;
  b.set(encodeChs(p.start + p.count - 1, p.heads, p.sectorsPerTrack), e + 5);
  put32(b, e + 8, p.start);
  put32(b, e + 12, p.count);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}
