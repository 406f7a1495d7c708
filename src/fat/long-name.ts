import { le16 } from './bytes.js';

/** UTF-16 units per long-name slot, and their byte offsets inside the 32-byte slot. */
export const LFN_UNITS_PER_SLOT = 13;
export const LFN_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] as const;
export const LFN_LAST = 0x40;
export const LFN_MAX_UNITS = 255;

/** One long-name slot, decoded. */
export interface LongNameSlot {
  /** Sequence number 1..20 (without the 0x40 "last" bit). */
  order: number;
  last: boolean;
  checksum: number;
  /** The 13 UTF-16 units, as stored (padding included). */
  units: number[];
}

export function decodeLongNameSlot(b: Uint8Array, off: number): LongNameSlot {
  const units: number[] = [];
  for (const o of LFN_OFFSETS) units.push(le16(b, off + o));
  return { order: b[off] & 0x1f, last: (b[off] & LFN_LAST) !== 0, checksum: b[off + 13], units };
}

/**
 * Join a complete run of slots (given in order 1..n) into a name: units up to the first 0x0000;
 * undefined when the result is empty or longer than 255 units.
 */
export function joinLongName(slots: LongNameSlot[]): string | undefined {
  const units: number[] = [];
  outer: for (const s of slots) {
    for (const u of s.units) {
      if (u === 0) break outer;
      units.push(u);
    }
  }
  if (units.length === 0 || units.length > LFN_MAX_UNITS) return undefined;
  let s = '';
  for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.slice(i, i + 4096));
  return s;
}
