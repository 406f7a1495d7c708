import { le16, le32, put16, put32 } from './bytes.js';

/** Attribute bits of a directory entry. */
export const ATTR = {
  READ_ONLY: 0x01,
  HIDDEN: 0x02,
  SYSTEM: 0x04,
  VOLUME_ID: 0x08,
  DIRECTORY: 0x10,
  ARCHIVE: 0x20,
  LONG_NAME: 0x0f,
} as const;

/** Case bits at offset 12 (Windows NT, Linux, mtools): the base / extension is stored lower case. */
export const CASE_LOWER_BASE = 0x08;
export const CASE_LOWER_EXT = 0x10;

export const ENTRY_SIZE = 32;
export const ENTRY_FREE = 0x00;
export const ENTRY_DELETED = 0xe5;
/** A first byte of 0x05 stands for a real 0xE5. */
export const ENTRY_KANJI_E5 = 0x05;

/** One 32-byte short directory entry, as stored. `name` holds the 11 raw name bytes. */
export interface RawDirEntry {
  name: Uint8Array;
  attr: number;
  caseFlags: number;
  ctimeTenths: number;
  ctime: number;
  cdate: number;
  adate: number;
  /** First cluster (high and low halves joined; the high half only counts on FAT32). */
  cluster: number;
  mtime: number;
  mdate: number;
  size: number;
}

export function decodeDirEntry(b: Uint8Array, off: number, fat32: boolean): RawDirEntry {
  const hi = fat32 ? le16(b, off + 20) : 0;
  return {
    name: b.slice(off, off + 11),
    attr: b[off + 11],
    caseFlags: b[off + 12],
    ctimeTenths: b[off + 13],
    ctime: le16(b, off + 14),
    cdate: le16(b, off + 16),
    adate: le16(b, off + 18),
    cluster: hi * 0x10000 + le16(b, off + 26),
    mtime: le16(b, off + 22),
    mdate: le16(b, off + 24),
    size: le32(b, off + 28),
  };
}

export function encodeDirEntry(e: RawDirEntry, b: Uint8Array, off: number): void {
  const name = e.name;
  for (let i = 0, n = Math.min(11, name.length); i < n; i++) b[off + i] = name[i];
  b[off + 11] = e.attr;
  b[off + 12] = e.caseFlags;
  b[off + 13] = e.ctimeTenths;
  put16(b, off + 14, e.ctime);
  put16(b, off + 16, e.cdate);
  put16(b, off + 18, e.adate);
  put16(b, off + 20, Math.floor(e.cluster / 0x10000));
  put16(b, off + 22, e.mtime);
  put16(b, off + 24, e.mdate);
  put16(b, off + 26, e.cluster & 0xffff);
  put32(b, off + 28, e.size);
}

/** An entry of attribute 0x0F (in the low six bits) is a long-name slot. */
export const isLongNameSlot = (attr: number): boolean => (attr & 0x3f) === ATTR.LONG_NAME;
