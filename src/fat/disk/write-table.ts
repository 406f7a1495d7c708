import type { BlockDevice } from '../device/block-device.js';
import type { FatType } from '../format/geometry.js';
import { FatError } from '../errors.js';
import { encodeMbr, mbrTypeForFat, PARTITION_ALIGNMENT } from './mbr-encode.js';
import { encodeGpt, gptTrailerSectors } from './gpt-encode.js';
import { GPT_BASIC_DATA, GPT_EFI_SYSTEM } from './gpt.js';
import { derivedGuid, parseGuid, randomGuid } from './guid.js';

/**
 * The partition table mkfs writes around a fresh volume (`fat make --partition mbr|gpt`): one
 * partition at 1 MiB; with GPT, the backup entries and header after it at the end of the disk.
 */
export type PartitionScheme = 'none' | 'mbr' | 'gpt';

/** MBR type byte of an EFI System Partition. */
export const MBR_EFI_SYSTEM = 0xef;

/** The options of a table that mkfs takes. */
export interface TableOptions {
  /** Which table; default 'none' (the volume is the whole device). */
  partition?: PartitionScheme;
  /** The partition is an EFI System Partition: its type is EFI System (and mkfs defaults to FAT32). */
  esp?: boolean;
  /** GPT disk GUID and unique partition GUID (text form); by default random, or derived from `seed`. */
  diskGuid?: string;
  partitionGuid?: string;
  /** GPT partition name; default "EFI System" for an ESP, else "Microsoft basic data". */
  partitionName?: string;
}

/** Bytes a table needs before the partition (1 MiB) and after it (GPT: backup entries and header). */
export function tableOverhead(scheme: PartitionScheme, sectorSize: number): { before: number; after: number } {
  if (scheme === 'none') return { before: 0, after: 0 };
  return { before: PARTITION_ALIGNMENT, after: scheme === 'gpt' ? gptTrailerSectors(sectorSize) * sectorSize : 0 };
}

/**
 * The bytes of a partition that fills `available` bytes: a GPT partition ends on a 1 MiB boundary
 * (as sgdisk and parted align it; the rest, under 1 MiB, stays free), an MBR one fills the disk.
 */
export function fillingPartitionBytes(scheme: PartitionScheme, available: number): number {
  if (scheme !== 'gpt' || available < PARTITION_ALIGNMENT) return available;
  return Math.floor(available / PARTITION_ALIGNMENT) * PARTITION_ALIGNMENT;
}

/** The partition for a volume of `bytes`: a GPT partition grows to end on a 1 MiB boundary. */
export function alignedPartitionBytes(scheme: PartitionScheme, bytes: number): number {
  return scheme === 'gpt' ? Math.ceil(bytes / PARTITION_ALIGNMENT) * PARTITION_ALIGNMENT : bytes;
}

/** Check the table options that do not depend on the disk (GUIDs, name); EINVAL naming the problem. */
export function validateTableOptions(o: TableOptions): void {
  if (o.diskGuid !== undefined) parseGuid(o.diskGuid);
  if (o.partitionGuid !== undefined) parseGuid(o.partitionGuid);
  if (o.partitionName !== undefined && o.partitionName.length > 36) {
    throw new FatError('EINVAL', `partition name "${o.partitionName}" is longer than 36 characters`);
  }
  if ((o.diskGuid ?? o.partitionGuid ?? o.partitionName) !== undefined && o.partition !== 'gpt') {
    throw new FatError('EINVAL', 'disk GUID, partition GUID and partition name belong to a GPT (partition: gpt)');
  }
}

export interface WrittenTable {
  scheme: 'mbr' | 'gpt';
  /** MBR type byte or GPT type GUID. */
  type: number | string;
  diskGuid?: string;
  partitionGuid?: string;
}

export interface TableWrite extends TableOptions {
  partition: 'mbr' | 'gpt';
  /** First sector and sectors of the partition. */
  start: number;
  count: number;
  fatType: FatType;
  heads: number;
  sectorsPerTrack: number;
  /** The MBR's disk signature. */
  diskSignature: number;
  /** Where default GUIDs come from: undefined for random ones, else a string they are derived from. */
  seed?: string;
}

/** Write the table for a partition of `device`; the sectors between are left as they are. */
export function writePartitionTable(device: BlockDevice, t: TableWrite): WrittenTable {
  const ss = device.sectorSize;
  if (t.partition === 'mbr') {
    const type = t.esp ? MBR_EFI_SYSTEM : mbrTypeForFat(t.fatType);
    device.write(0, encodeMbr({
      start: t.start, count: t.count, type, sectorSize: ss, heads: t.heads, sectorsPerTrack: t.sectorsPerTrack, diskSignature: t.diskSignature,
    }));
    return { scheme: 'mbr', type };
  }
  const guid = (given: string | undefined, what: string): string =>
    given !== undefined ? given.trim().replace(/^\{|\}$/g, '').toUpperCase() : t.seed !== undefined ? derivedGuid(`${what}/${t.seed}`) : randomGuid();
  const diskGuid = guid(t.diskGuid, 'disk');
  const partitionGuid = guid(t.partitionGuid, 'partition/1');
  const type = t.esp ? GPT_EFI_SYSTEM : GPT_BASIC_DATA;
  const name = t.partitionName ?? (t.esp ? 'EFI System' : 'Microsoft basic data');
  for (const w of encodeGpt({ sectorSize: ss, diskSectors: device.sectorCount, diskGuid, partition: { start: t.start, count: t.count, type, guid: partitionGuid, name } })) {
    device.write(w.lba, w.data);
  }
  return { scheme: 'gpt', type, diskGuid, partitionGuid };
}
