import type { BlockDevice } from '../device/block-device.js';
import type { Partition, PartitionTable } from '../disk/partition.js';
import type { FatType } from '../format/geometry.js';
import { logicalPlace } from './logical-entry.js';

/** The MBR type bytes of FAT partitions (and their hidden forms, 0x10 more). */
const FAT_TYPES = [0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e];
const LBA_TYPES = [0x0c, 0x0e];
/** Past this many bytes a partition cannot be addressed by CHS (1024 x 255 x 63 sectors of 512). */
const CHS_LIMIT = 1024 * 255 * 63 * 512;

/**
 * The MBR type byte a FAT partition should have after its volume became `fatType`: the same byte
 * when it already names that type (or is not a FAT type at all: 0xEF, 0x83, ...), otherwise the
 * byte of the new type, keeping the LBA form (0x0C/0x0E) and the hidden bit (0x10) of the old one.
 */
export function fatPartitionType(old: number, fatType: FatType, endByte: number): number {
  const hidden = old & 0x10 && FAT_TYPES.includes(old & ~0x10) ? 0x10 : 0;
  const base = old & ~hidden;
  if (!FAT_TYPES.includes(base)) return old;
  const lba = LBA_TYPES.includes(base) || endByte > CHS_LIMIT;
  let want: number;
  if (fatType === 12) want = base === 0x01 ? base : 0x01;
  else if (fatType === 16) want = [0x04, 0x06, 0x0e].includes(base) ? base : lba ? 0x0e : endByte <= 32 * 1024 * 1024 ? 0x04 : 0x06;
  else want = [0x0b, 0x0c].includes(base) ? base : lba ? 0x0c : 0x0b;
  return want | hidden;
}

/**
 * After a resize converted partition `p`'s volume to `fatType`, make its MBR entry's type byte say
 * so (fdisk and some firmware go by it; Linux and mtools read the boot sector). One sector write
 * (the MBR, or a logical partition's EBR), none when the byte is already right; GPT has no such
 * byte. Written last: an interruption before it leaves the old byte, which no reader needs.
 */
export function setFatPartitionType(disk: BlockDevice, table: PartitionTable, p: Partition, fatType: FatType, sectors: number): void {
  if (table.scheme !== 'mbr') return;
  const lba = p.index > 4 ? logicalPlace(disk, p).link.lba : 0;
  const b = new Uint8Array(disk.sectorSize);
  disk.read(lba, b);
  const at = 446 + 16 * (p.index > 4 ? 0 : p.index - 1) + 4;
  const want = fatPartitionType(b[at], fatType, (p.startLba + sectors) * disk.sectorSize);
  if (want === b[at]) return;
  b[at] = want;
  disk.write(lba, b);
}
