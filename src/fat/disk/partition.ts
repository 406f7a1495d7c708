import type { BlockDevice } from '../device/block-device.js';
import { SliceDevice } from '../device/slice.js';
import { EXTENDED_TYPES, PROTECTIVE_TYPE, readMbr } from './mbr.js';
import { GPT_BASIC_DATA, GPT_EFI_SYSTEM, gptPartitions, readGpt } from './gpt.js';
import { fatBootSectorProblem, readBytes } from './probe.js';
import { FatError } from '../errors.js';
import { le32 } from '../format/bytes.js';

export interface Partition {
  /** 1-based, as in the table (MBR logical partitions are 5, 6, ...). */
  index: number;
  /** MBR type byte, or GPT type GUID (upper case). */
  type: number | string;
  /** First sector and size, in the device's sectors (converted when a GPT uses other LBA sizes). */
  startLba: number;
  sectorCount: number;
  /** GPT unique partition GUID. */
  guid?: string;
  /** GPT partition name. */
  name?: string;
  /** MBR boot flag. */
  bootable?: boolean;
  /** The partition's first sector holds a valid FAT boot sector. */
  isFat: boolean;
  /** Why the partition cannot be opened (it lies outside the image, ...); reported when chosen. */
  problem?: string;
}

export interface PartitionTable {
  scheme: 'mbr' | 'gpt';
  /** GPT disk GUID. */
  diskGuid?: string;
  /** MBR disk signature (at byte 440). */
  diskSignature?: number;
  /** The sector size the table counts in: 512, or 4096 on a 4Kn disk (partitions are converted to the device's sectors). */
  sectorSize: number;
  partitions: Partition[];
  /** What was odd but survivable: an EBR loop, a corrupt primary GPT header, ... */
  warnings: string[];
}

export interface FindVolumeOptions {
  /** Choose this partition (1-based, as in the table). */
  partition?: number;
  /** The volume starts at this byte offset (a multiple of the device's sector size). */
  offset?: number;
}

/** Where findFatVolume found the volume. */
export interface FatVolumeLocation {
  device: BlockDevice;
  partition?: Partition;
  table?: PartitionTable;
  /**
   * Set when sector 0 is a FAT boot sector (the volume opened) and also reads as a partition table
   * with FAT partitions: `partition: N` opens those instead.
   */
  alsoTable?: PartitionTable;
}

const FAT_MBR_TYPES: readonly number[] = [0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e, 0x11, 0x14, 0x16, 0x1b, 0x1c, 0x1e, 0xef];

/** True for MBR types and GPT type GUIDs that are meant to hold FAT (isFat is the real test). */
export function isFatPartitionType(type: number | string): boolean {
  if (typeof type === 'number') return FAT_MBR_TYPES.includes(type);
  return type === GPT_BASIC_DATA || type === GPT_EFI_SYSTEM;
}

const isContainer = (p: Partition): boolean =>
  typeof p.type === 'number' && (EXTENDED_TYPES.includes(p.type) || p.type === PROTECTIVE_TYPE);

export function formatPartitionType(type: number | string): string {
  return typeof type === 'number' ? `0x${type.toString(16).padStart(2, '0')}` : type;
}

interface Inspection {
  fatAt0: boolean;
  table?: PartitionTable;
  /** Why there is neither a FAT boot sector nor a table (for the error message). */
  why: string;
}

/** Logical sector sizes a table may count in, the device's own first. */
const unitsFor = (dev: BlockDevice): number[] => [...new Set([dev.sectorSize, 512, 4096, 2048, 1024])];

/**
 * Sector 0 and what it holds: a FAT boot sector, a partition table, or neither. With `wantTable`,
 * a table is looked for even when sector 0 is a FAT boot sector (the user named a partition, or
 * asked what the disk holds); there only an MBR with a FAT partition counts.
 */
function inspect(dev: BlockDevice, wantTable: boolean): Inspection {
  if (dev.sectorCount === 0) return { fatAt0: false, why: 'the image is empty' };
  const sector0 = readBytes(dev, 0, Math.max(512, dev.sectorSize));
  if (sector0 === undefined) return { fatAt0: false, why: `the image is smaller than 512 bytes` };
  const bpbProblem = fatBootSectorProblem(sector0);
  if (bpbProblem === undefined) {
    if (!wantTable) return { fatAt0: true, why: '' };
    const table = readMbrTable(dev, sector0);
    const plausible = table !== undefined && table.partitions.some((p) => p.isFat);
    return { fatAt0: true, ...(plausible ? { table } : {}), why: '' };
  }

  const mbr = readMbr(dev, sector0);
  if (mbr === undefined || mbr.protective) {
    const gpt = readGpt(dev);
    if (typeof gpt !== 'string') {
      const warnings: string[] = [];
      if (gpt.usedBackup !== undefined) warnings.push(`primary GPT unusable (${gpt.usedBackup}): read the backup at the end of the image`);
      if (mbr === undefined) warnings.push('GPT without a protective MBR');
      return { fatAt0: false, table: finish(dev, { scheme: 'gpt', diskGuid: gpt.diskGuid, sectorSize: gpt.unit, partitions: gptPartitions(dev, gpt), warnings }), why: '' };
    }
    if (mbr === undefined) return { fatAt0: false, why: `no FAT boot sector (${bpbProblem}) and no partition table` };
    const rest = mbr.partitions.filter((p) => p.type !== PROTECTIVE_TYPE);
    if (rest.length === 0) return { fatAt0: false, why: `protective MBR but no valid GPT (${gpt})` };
    const hybrid = readMbrTable(dev, sector0)!;
    hybrid.warnings.push(`hybrid MBR whose GPT is unusable (${gpt}): using the MBR entries`);
    return { fatAt0: false, table: hybrid, why: '' };
  }
  return { fatAt0: false, table: readMbrTable(dev, sector0), why: '' };
}

/**
 * The MBR of sector 0, read in the first logical sector size under which a partition holds a FAT
 * boot sector (a 4Kn disk's table counts 4096-byte sectors even in an image file read as 512-byte
 * sectors); in the device's sector size when none does.
 */
function readMbrTable(dev: BlockDevice, sector0: Uint8Array): PartitionTable | undefined {
  let first: PartitionTable | undefined;
  for (const unit of unitsFor(dev)) {
    const mbr = readMbr(dev, sector0, unit);
    if (mbr === undefined) return undefined;
    const table = finish(dev, { scheme: 'mbr', diskSignature: le32(sector0, 440), sectorSize: unit, partitions: mbr.partitions, warnings: mbr.warnings });
    if (table.partitions.some((p) => p.isFat)) return table;
    first ??= table;
  }
  return first;
}

/** Mark partitions outside the device, and probe each data partition's first sector for a FAT BPB. */
function finish(dev: BlockDevice, table: PartitionTable): PartitionTable {
  for (const p of table.partitions) {
    if (p.problem !== undefined || isContainer(p)) continue;
    const end = p.startLba + p.sectorCount;
    if (end > dev.sectorCount) {
      p.problem = `(sectors ${p.startLba}..${end - 1}) extends beyond the end of the image (${dev.sectorCount} sectors)`;
    }
    const first = readBytes(dev, p.startLba * dev.sectorSize, 512);
    p.isFat = first !== undefined && p.sectorCount > 0 && fatBootSectorProblem(first) === undefined;
  }
  return table;
}

/**
 * The partition table of a whole-disk image: MBR (with logical partitions) or GPT. Undefined when
 * sector 0 is a FAT boot sector or holds no valid table.
 */
export function readPartitionTable(dev: BlockDevice): PartitionTable | undefined {
  const found = inspect(dev, false);
  return found.table;
}

/** Open a partition as a device, or say why it cannot hold a FAT volume. */
function openPartition(dev: BlockDevice, p: Partition): SliceDevice {
  const what = `partition ${p.index} (type ${formatPartitionType(p.type)})`;
  if (isContainer(p)) throw new FatError('EINVAL', `${what} is a container of other partitions, not a file system`);
  if (p.problem !== undefined) throw new FatError('FAT_CORRUPT', `partition ${p.index} ${p.problem}`, { structure: 'partition table', sector: p.startLba });
  if (!p.isFat) throw new FatError('FAT_NOT_FAT', `${what} holds no FAT file system`, { sector: p.startLba });
  return new SliceDevice(dev, p.startLba, p.sectorCount);
}

/**
 * Partition `n` of a whole disk and its table, whatever it holds (for formatting it): ENOENT when
 * the image has no partition table or no partition `n`, EINVAL for a container (extended, 0xEE),
 * FAT_CORRUPT when it does not lie inside the image.
 */
export function findPartition(dev: BlockDevice, n: number): { partition: Partition; table: PartitionTable } {
  const { table, partition } = chosenPartition(dev, n, inspect(dev, true));
  const what = `partition ${partition.index} (type ${formatPartitionType(partition.type)})`;
  if (isContainer(partition)) throw new FatError('EINVAL', `${what} is a container of other partitions, not a file system`);
  if (partition.problem !== undefined) throw new FatError('FAT_CORRUPT', `partition ${partition.index} ${partition.problem}`, { structure: 'partition table', sector: partition.startLba });
  return { partition, table };
}

/** The partition numbered `partition` of what inspect found, or the one-line reason there is none. */
function chosenPartition(dev: BlockDevice, partition: number, found: Inspection): { partition: Partition; table: PartitionTable } {
  const table = found.table;
  if (!Number.isSafeInteger(partition) || partition < 1) {
    throw new FatError('EINVAL', `invalid partition number ${partition}: partitions are numbered from 1`);
  }
  if (table === undefined) {
    const why = found.fatAt0 ? ': it is a FAT volume without partitions' : '';
    throw new FatError('ENOENT', `no partition ${partition}: the image has no partition table${why}`);
  }
  const p = table.partitions.find((x) => x.index === partition);
  if (p === undefined) {
    const have = table.partitions.map((x) => x.index);
    const list = have.length === 0 ? 'none' : have.length === 1 ? `only partition ${have[0]}` : `partitions ${have.join(', ')}`;
    throw new FatError('ENOENT', `no partition ${partition}: the image has ${list}`);
  }
  return { partition: p, table };
}

/** Find the FAT volume of an image and say where it was: see findFatVolume. */
export function locateFatVolume(dev: BlockDevice, options: FindVolumeOptions = {}): FatVolumeLocation {
  const { partition, offset } = options;
  if (partition !== undefined && offset !== undefined) {
    throw new FatError('EINVAL', 'choose either a partition or an offset, not both');
  }
  if (offset !== undefined) {
    const ss = dev.sectorSize;
    if (!Number.isSafeInteger(offset) || offset < 0) throw new FatError('EINVAL', `invalid offset ${offset}`);
    if (offset % ss !== 0) throw new FatError('EINVAL', `offset ${offset} is not a multiple of the ${ss}-byte sector size`);
    const start = offset / ss;
    if (start >= dev.sectorCount) {
      throw new FatError('EINVAL', `offset ${offset} is at or beyond the end of the image (${dev.sectorCount * ss} bytes)`);
    }
    return { device: new SliceDevice(dev, start, dev.sectorCount - start) };
  }

  const found = inspect(dev, true);
  const table = found.table;
  if (partition !== undefined) {
    const { partition: p } = chosenPartition(dev, partition, found);
    return { device: openPartition(dev, p), partition: p, table: table! };
  }

  if (found.fatAt0) return { device: dev, ...(table !== undefined ? { alsoTable: table } : {}) };
  if (table === undefined) throw new FatError('FAT_NOT_FAT', `not a FAT image: ${found.why}`);
  const fat = table.partitions.filter((p) => p.isFat);
  if (fat.length === 1) return { device: openPartition(dev, fat[0]), partition: fat[0], table };
  if (fat.length > 1) {
    const list = fat.map((p) => p.index).join(', ');
    throw new FatError('EINVAL', `the image has ${fat.length} FAT partitions (${list}): choose one with --partition N`);
  }
  throw new FatError('FAT_NOT_FAT', 'not a FAT image: no FAT boot sector and no FAT partition in its partition table');
}

/**
 * The device of an image's FAT volume: from `offset` when given; the chosen `partition`; the image
 * itself when sector 0 is a FAT boot sector; else its only FAT partition. The result is a slice
 * of `dev` (closing it leaves `dev` open) or `dev` itself.
 */
export function findFatVolume(dev: BlockDevice, options: FindVolumeOptions = {}): BlockDevice {
  return locateFatVolume(dev, options).device;
}
