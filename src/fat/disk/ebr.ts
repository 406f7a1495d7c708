import type { BlockDevice } from '../device/block-device.js';
import { readBytes } from './probe.js';
import { le32 } from '../format/bytes.js';

/** MBR partition types of extended partitions (containers of logical partitions). */
export const EXTENDED_TYPES: readonly number[] = [0x05, 0x0f, 0x85];
/** Bound on the logical partitions followed through an EBR chain. */
const MAX_LOGICAL = 128;

/** One 16-byte entry of an MBR or EBR. */
export interface RawEntry {
  status: number;
  type: number;
  start: number;
  count: number;
}

export function rawEntry(b: Uint8Array, i: number): RawEntry {
  const o = 446 + 16 * i;
  return { status: b[o], type: b[o + 4], start: le32(b, o + 8), count: le32(b, o + 12) };
}

export const hasSignature = (b: Uint8Array): boolean => b[510] === 0x55 && b[511] === 0xaa;
export const isEmptyEntry = (e: RawEntry): boolean => e.type === 0 || e.count === 0;

/** One extended boot record of the chain, in the table's `unit`-byte sectors. */
export interface EbrLink {
  /** Where this EBR is (absolute). */
  lba: number;
  /** Its first entry: the logical partition (start relative to `lba`), unless empty. */
  logical: RawEntry;
  /** The logical partition's number (5, 6, ...: empty entries are not numbered), or undefined. */
  index?: number;
  /** Its second entry: the link to the next EBR (start relative to the extended partition's start). */
  next: RawEntry;
}

/**
 * Follow the EBR chain of the extended partition starting at `extStart` (in `unit`-byte sectors),
 * bounded against loops and overlong chains; what stopped it early goes to `warnings`. Logical
 * partitions are numbered from 5 in chain order, as Linux, fdisk and sfdisk number them.
 */
export function readEbrChain(dev: BlockDevice, unit: number, extStart: number): { links: EbrLink[]; warnings: string[] } {
  const links: EbrLink[] = [];
  const warnings: string[] = [];
  const seen = new Set<number>();
  let ebr = extStart;
  let index = 5;
  for (let step = 0; ; step++) {
    if (seen.has(ebr)) {
      warnings.push(`the extended partition's chain loops back to sector ${ebr}: stopped there`);
      break;
    }
    if (step >= MAX_LOGICAL) {
      warnings.push(`more than ${MAX_LOGICAL} logical partitions: stopped there`);
      break;
    }
    seen.add(ebr);
    const b = readBytes(dev, ebr * unit, 512);
    if (b === undefined) {
      warnings.push(`extended boot record at sector ${ebr} is beyond the end of the image`);
      break;
    }
    if (!hasSignature(b)) {
      warnings.push(`no 55 AA signature in the extended boot record at sector ${ebr}`);
      break;
    }
    const logical = rawEntry(b, 0);
    const next = rawEntry(b, 1);
    links.push({ lba: ebr, logical, next, ...(isEmptyEntry(logical) ? {} : { index: index++ }) });
    if (isEmptyEntry(next) || !EXTENDED_TYPES.includes(next.type)) break;
    ebr = extStart + next.start;
  }
  return { links, warnings };
}
