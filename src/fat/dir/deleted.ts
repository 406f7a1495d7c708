/**
 * Deleted entries, read from a directory's raw bytes (FAT-NOTES.md sections 5 and 6): a short
 * entry whose first byte is 0xE5, and the deleted long-name slots just before it when they
 * survive. Deleting overwrote the first byte of every slot (their order numbers) and of the short
 * entry (the name's first character); the rest is as it was. This is a scanner of its own, apart
 * from the live-directory parser (`directory.ts`), so that neither constrains the other.
 */
import type { DirLocation, VolumeCore } from './directory.js';
import type { CodePage } from '../format/code-page.js';
import { ATTR, ENTRY_DELETED, ENTRY_FREE, ENTRY_KANJI_E5, ENTRY_SIZE, decodeDirEntry, isLongNameSlot, type RawDirEntry } from '../format/dir-entry.js';
import { LFN_MAX_UNITS, LFN_OFFSETS, LFN_UNITS_PER_SLOT } from '../format/long-name.js';
import { shortNameChecksum } from '../format/short-name.js';
import { clusterToSector } from '../format/geometry.js';
import { le16 } from '../format/bytes.js';

/** A directory's bytes as stored, with the volume sector of each of its sectors (entry i is in sectors[⌊32i / sectorSize⌋]). */
export interface RawDirectory {
  buf: Uint8Array;
  sectors: number[];
}

/** At most 65,536 entries per directory (FAT's limit), so a hostile chain cannot make us read more. */
const MAX_DIR_BYTES = 65536 * ENTRY_SIZE;

/** Read a directory's bytes: the FAT12/16 root region or a chain (validated and bounded). */
export function readRawDirectory(core: VolumeCore, loc: DirLocation, path: string): RawDirectory {
  const g = core.geo;
  const sectors: number[] = [];
  if (loc.kind === 'fixed') {
    for (let i = 0; i < g.rootDirSectors; i++) sectors.push(g.rootDirStart + i);
  } else {
    for (const c of core.fat.chain(loc.cluster, `directory ${path}`, Math.ceil(MAX_DIR_BYTES / g.clusterSize))) {
      const s = clusterToSector(g, c);
      for (let i = 0; i < g.sectorsPerCluster; i++) sectors.push(s + i);
    }
  }
  const ss = core.io.sectorSize;
  const buf = new Uint8Array(sectors.length * ss);
  for (let i = 0; i < sectors.length;) {
    let j = i + 1;
    while (j < sectors.length && sectors[j] === sectors[j - 1] + 1) j++;
    core.io.read(sectors[i], buf.subarray(i * ss, j * ss));
    i = j;
  }
  return { buf, sectors };
}

/** One deleted short entry and what survives of its name. */
export interface DeletedEntry {
  /** Entry index of the short entry. */
  index: number;
  /** Indexes of the surviving long-name slots, nearest first (slot order 1, 2, ...); empty when none. */
  slots: number[];
  /** The 11 stored name bytes (byte 0 is 0xE5: the first character is lost). */
  rawName: Uint8Array;
  /** The short name with `?` for the lost first character: `?ELLO.TXT`. */
  shortPattern: string;
  /** The long name when its slots survive and read as one name. */
  longName?: string;
  /** The checksum those slots carry. */
  lfnChecksum?: number;
  /**
   * The lost first byte, as stored (0x05 for a real 0xE5), given by the long name's checksum
   * (exactly one byte makes it match). A long name is kept only when that byte is one a short
   * name can start with.
   */
  firstByte?: number;
  raw: RawDirEntry;
}

const ILLEGAL_SHORT = new Set([...'"*+,./:;<=>?[\\]|'].map((c) => c.charCodeAt(0)));

/** A byte a stored short name may start with (0x05 stands for 0xE5). */
export function legalFirstByte(b: number): boolean {
  if (b === ENTRY_KANJI_E5) return true;
  if (b <= 0x20 || b === ENTRY_DELETED || b === 0x7f) return false;
  if (b >= 0x61 && b <= 0x7a) return false;
  return !ILLEGAL_SHORT.has(b);
}

/** The first byte that makes `rawName` (bytes 1..10 kept) match `checksum`: there is exactly one. */
export function firstByteForChecksum(rawName: Uint8Array, checksum: number): number {
  const probe = rawName.slice(0, 11);
  for (let b = 0; b < 256; b++) {
    probe[0] = b;
    if (shortNameChecksum(probe) === checksum) return b;
  }
  /* c8 ignore next */
  throw new Error('unreachable: the checksum is a bijection of the first byte');
}

/** `?ELLO.TXT`: a short name whose first character is unknown. */
export function shortPatternOf(rawName: Uint8Array, page: CodePage, first = '?'): string {
  let end = 8;
  while (end > 1 && rawName[end - 1] === 0x20) end--;
  let extEnd = 11;
  while (extEnd > 8 && rawName[extEnd - 1] === 0x20) extEnd--;
  const base = first + page.decode(rawName.subarray(1, end));
  const ext = page.decode(rawName.subarray(8, extEnd));
  return ext ? `${base}.${ext}` : base;
}

/** The surviving long name before the short entry at `index`: slots nearest first, joined to the terminator. */
function longNameBefore(buf: Uint8Array, index: number): { name: string; checksum: number; slots: number[] } | undefined {
  const slots: number[] = [];
  let checksum = -1;
  for (let i = index - 1; i >= 0 && slots.length < 20; i--) {
    const off = i * ENTRY_SIZE;
    if (buf[off] !== ENTRY_DELETED || !isLongNameSlot(buf[off + 11]) || buf[off + 12] !== 0 || le16(buf, off + 26) !== 0) break;
    if (checksum >= 0 && buf[off + 13] !== checksum) break;
    checksum = buf[off + 13];
    slots.push(i);
  }
  if (slots.length === 0) return undefined;
  const units: number[] = [];
  let used = 0;
  let ended = false;
  for (const i of slots) {
    used++;
    for (const o of LFN_OFFSETS) {
      const u = le16(buf, i * ENTRY_SIZE + o);
      if (u === 0) {
        ended = true;
        break;
      }
      units.push(u);
    }
    if (ended) break;
  }
  if (units.length === 0 || units.length > LFN_MAX_UNITS) return undefined;
  // A name that does not end in its last slot is only whole when every slot was full.
  if (!ended && units.length !== used * LFN_UNITS_PER_SLOT) return undefined;
  if (units.includes(0xffff)) return undefined;
  return { name: String.fromCharCode(...units), checksum, slots: slots.slice(0, used) };
}

/**
 * The deleted short entries of a directory's bytes (up to its end marker), with what survives of
 * their names. Volume labels and entries whose name bytes hold control characters (not entries:
 * stray data) are left out.
 */
export function scanDeleted(buf: Uint8Array, fat32: boolean, page: CodePage): DeletedEntry[] {
  const out: DeletedEntry[] = [];
  const count = Math.min(buf.length / ENTRY_SIZE, 65536);
  for (let i = 0; i < count; i++) {
    const off = i * ENTRY_SIZE;
    if (buf[off] === ENTRY_FREE) break;
    if (buf[off] !== ENTRY_DELETED) continue;
    const attr = buf[off + 11];
    if (isLongNameSlot(attr)) continue;
    if (attr & ATTR.VOLUME_ID || attr & 0xc0) continue;
    const rawName = buf.slice(off, off + 11);
    if (rawName.subarray(1).some((b) => b < 0x20)) continue;
    const entry: DeletedEntry = { index: i, slots: [], rawName, shortPattern: shortPatternOf(rawName, page), raw: decodeDirEntry(buf, off, fat32) };
    const long = longNameBefore(buf, i);
    // Slots whose checksum no legal first character matches belong to another (older) name.
    const b = long && firstByteForChecksum(rawName, long.checksum);
    if (long && b !== undefined && legalFirstByte(b)) {
      entry.slots = long.slots;
      entry.longName = long.name;
      entry.lfnChecksum = long.checksum;
      entry.firstByte = b;
    }
    out.push(entry);
  }
  return out;
}
