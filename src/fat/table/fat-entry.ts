import type { FatType } from '../format/geometry.js';

/** End-of-chain value written for each FAT type, and the threshold at which a value means end. */
export const EOC_WRITE: Record<FatType, number> = { 12: 0xfff, 16: 0xffff, 32: 0x0fffffff };
export const EOC_MIN: Record<FatType, number> = { 12: 0xff8, 16: 0xfff8, 32: 0x0ffffff8 };
/** The bad-cluster mark. */
export const BAD: Record<FatType, number> = { 12: 0xff7, 16: 0xfff7, 32: 0x0ffffff7 };

/** Raw value of entry `n` of the FAT bytes `b` (28 bits on FAT32). FAT-NOTES.md section 4. */
export function readFatEntry(b: Uint8Array, type: FatType, n: number): number {
  switch (type) {
    case 12: {
      const off = n + (n >>> 1);
      const v = b[off] | (b[off + 1] << 8);
      return n & 1 ? v >>> 4 : v & 0xfff;
    }
    case 16:
      return b[2 * n] | (b[2 * n + 1] << 8);
    default: {
      const off = 4 * n;
      return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | ((b[off + 3] & 0x0f) << 24)) >>> 0;
    }
  }
}

/**
 * Set entry `n` of the FAT bytes `b`; FAT32 keeps the entry's top four bits, a FAT12 entry shares
 * a byte with its neighbour (and may straddle sectors). Returns the offset of the first byte
 * written; the entry spans 2 bytes on FAT12/16, 4 on FAT32.
 */
export function writeFatEntry(b: Uint8Array, type: FatType, n: number, value: number): number {
  switch (type) {
    case 12: {
      const off = n + (n >>> 1);
      if (n & 1) {
        b[off] = (b[off] & 0x0f) | ((value << 4) & 0xf0);
        b[off + 1] = (value >>> 4) & 0xff;
      } else {
        b[off] = value & 0xff;
        b[off + 1] = (b[off + 1] & 0xf0) | ((value >>> 8) & 0x0f);
      }
      return off;
    }
    case 16:
      b[2 * n] = value & 0xff;
      b[2 * n + 1] = (value >>> 8) & 0xff;
      return 2 * n;
    default: {
      const off = 4 * n;
      b[off] = value & 0xff;
      b[off + 1] = (value >>> 8) & 0xff;
      b[off + 2] = (value >>> 16) & 0xff;
      b[off + 3] = (b[off + 3] & 0xf0) | ((value >>> 24) & 0x0f);
      return off;
    }
  }
}
