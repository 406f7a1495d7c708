import type { BlockDevice } from '../device/block-device.js';
import type { Partition } from './partition.js';
import { toDeviceSectors } from './probe.js';
import { EXTENDED_TYPES, hasSignature, isEmptyEntry as isEmpty, rawEntry as entry, readEbrChain, type RawEntry } from './ebr.js';

export { EXTENDED_TYPES };
/** The single entry of a GPT disk's protective MBR. */
export const PROTECTIVE_TYPE = 0xee;

export interface MbrTable {
  partitions: Partition[];
  /** An entry of type 0xEE: the disk is (or claims to be) GPT. */
  protective: boolean;
  warnings: string[];
}

/**
 * Decode an MBR from sector 0 (at least 512 bytes), following the first extended partition's EBR
 * chain. Undefined when sector 0 has no plausible table: no 55 AA, a boot flag other than 00/80,
 * no entry, or an entry that starts at sector 0. The table's LBAs count `unit`-byte sectors (the
 * disk's logical sector size: 512, or 4096 on a 4Kn disk, whatever the image's device says); the
 * partitions come back in the device's sectors (see toDeviceSectors).
 */
export function readMbr(dev: BlockDevice, sector0: Uint8Array, unit = dev.sectorSize): MbrTable | undefined {
  if (!hasSignature(sector0)) return undefined;
  const entries = [0, 1, 2, 3].map((i) => entry(sector0, i));
  if (entries.some((e) => e.status !== 0 && e.status !== 0x80)) return undefined;
  const used = entries.filter((e) => !isEmpty(e));
  if (used.length === 0 || used.some((e) => e.start === 0)) return undefined;

  const table: MbrTable = { partitions: [], protective: false, warnings: [] };
  let extended: RawEntry | undefined;
  entries.forEach((e, i) => {
    if (isEmpty(e)) return;
    if (e.type === PROTECTIVE_TYPE) table.protective = true;
    if (EXTENDED_TYPES.includes(e.type)) {
      if (extended === undefined) extended = e;
      else table.warnings.push(`partition ${i + 1} is a second extended partition: its logical partitions are ignored`);
    }
    table.partitions.push(toDeviceSectors(dev, unit, { index: i + 1, type: e.type, bootable: e.status === 0x80 }, e.start, e.count));
  });
  if (extended !== undefined) readLogical(dev, unit, extended.start, table);
  return table;
}

/** The logical partitions of the extended partition starting at `extStart` (see readEbrChain). */
function readLogical(dev: BlockDevice, unit: number, extStart: number, table: MbrTable): void {
  const { links, warnings } = readEbrChain(dev, unit, extStart);
  for (const l of links) {
    if (l.index === undefined) continue;
    table.partitions.push(toDeviceSectors(dev, unit, { index: l.index, type: l.logical.type, bootable: l.logical.status === 0x80 }, l.lba + l.logical.start, l.logical.count));
  }
  table.warnings.push(...warnings);
}
