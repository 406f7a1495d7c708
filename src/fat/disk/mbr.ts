import type { BlockDevice } from '../device/block-device.js';
import type { Partition } from './partition.js';
import { readBytes, toDeviceSectors } from './probe.js';
import { le32 } from '../format/bytes.js';

/** MBR partition types of extended partitions (containers of logical partitions). */
export const EXTENDED_TYPES: readonly number[] = [0x05, 0x0f, 0x85];
/** The single entry of a GPT disk's protective MBR. */
export const PROTECTIVE_TYPE = 0xee;
/** Bound on the logical partitions followed through an EBR chain. */
const MAX_LOGICAL = 128;

export interface MbrTable {
  partitions: Partition[];
  /** An entry of type 0xEE: the disk is (or claims to be) GPT. */
  protective: boolean;
  warnings: string[];
}

interface RawEntry {
  status: number;
  type: number;
  start: number;
  count: number;
}

function entry(b: Uint8Array, i: number): RawEntry {
  const o = 446 + 16 * i;
  return { status: b[o], type: b[o + 4], start: le32(b, o + 8), count: le32(b, o + 12) };
}

const hasSignature = (b: Uint8Array): boolean => b[510] === 0x55 && b[511] === 0xaa;
const isEmpty = (e: RawEntry): boolean => e.type === 0 || e.count === 0;

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

/** Follow the EBR chain of an extended partition starting at `extStart`, bounded against loops. */
function readLogical(dev: BlockDevice, unit: number, extStart: number, table: MbrTable): void {
  const seen = new Set<number>();
  let ebr = extStart;
  let index = 5;
  for (let step = 0; ; step++) {
    if (seen.has(ebr)) {
      table.warnings.push(`the extended partition's chain loops back to sector ${ebr}: stopped there`);
      return;
    }
    if (step >= MAX_LOGICAL) {
      table.warnings.push(`more than ${MAX_LOGICAL} logical partitions: stopped there`);
      return;
    }
    seen.add(ebr);
    const b = readBytes(dev, ebr * unit, 512);
    if (b === undefined) {
      table.warnings.push(`extended boot record at sector ${ebr} is beyond the end of the image`);
      return;
    }
    if (!hasSignature(b)) {
      table.warnings.push(`no 55 AA signature in the extended boot record at sector ${ebr}`);
      return;
    }
    const logical = entry(b, 0);
    const next = entry(b, 1);
    if (!isEmpty(logical)) {
      table.partitions.push(toDeviceSectors(dev, unit, { index: index++, type: logical.type, bootable: logical.status === 0x80 }, ebr + logical.start, logical.count));
    }
    if (isEmpty(next) || !EXTENDED_TYPES.includes(next.type)) return;
    ebr = extStart + next.start;
  }
}
