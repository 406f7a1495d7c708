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

/**
 * The long-name slots for `name`, in on-disk order (last slot first), each 32 bytes: order byte
 * (0x40 on the last), units at LFN_OFFSETS, attribute 0x0F, type 0, checksum, cluster 0; the final
 * slot padded with 0x0000 then 0xFFFF.
 */
export function encodeLongName(name: string, checksum: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(name.length / LFN_UNITS_PER_SLOT) * 32);
  encodeLongNameInto(name, checksum, out, 0);
  return out;
}

/** encodeLongName, written into `out` at byte `at` (ceil(length / 13) slots of 32 bytes). */
export function encodeLongNameInto(name: string, checksum: number, out: Uint8Array, at: number): void {
  const n = Math.ceil(name.length / LFN_UNITS_PER_SLOT);
  for (let k = 0; k < n; k++) {
    const order = k + 1;
    const off = at + (n - 1 - k) * 32;
    out[off] = order | (order === n ? LFN_LAST : 0);
    out[off + 11] = 0x0f;
    out[off + 12] = 0;
    out[off + 13] = checksum;
    out[off + 26] = 0;
    out[off + 27] = 0;
    for (let j = 0; j < LFN_UNITS_PER_SLOT; j++) {
      const idx = k * LFN_UNITS_PER_SLOT + j;
      const u = idx < name.length ? name.charCodeAt(idx) : idx === name.length ? 0 : 0xffff;
      out[off + LFN_OFFSETS[j]] = u & 0xff;
      out[off + LFN_OFFSETS[j] + 1] = u >>> 8;
    }
  }
}
