import type { CodePage } from '../format/code-page.js';
import { le16 } from '../format/bytes.js';
import type { FatTable } from '../table/fat-table.js';
import type { Geometry } from '../format/geometry.js';
import type { SectorIO } from '../table/sector-io.js';
import { clusterToSector } from '../format/geometry.js';
import {
  ATTR, CASE_LOWER_BASE, CASE_LOWER_EXT, ENTRY_DELETED, ENTRY_FREE, ENTRY_KANJI_E5, ENTRY_SIZE, decodeDirEntry, isLongNameSlot, type RawDirEntry,
} from '../format/dir-entry.js';
import { LFN_LAST, LFN_MAX_UNITS, LFN_OFFSETS, LFN_UNITS_PER_SLOT } from '../format/long-name.js';
import { shortNameChecksum } from '../format/short-name.js';

/** What a directory module needs from its volume. */
export interface VolumeCore {
  readonly io: SectorIO;
  readonly geo: Geometry;
  readonly fat: FatTable;
  readonly page: CodePage;
}

/** Where a directory's entries live: the FAT12/16 fixed root region, or a cluster chain. */
export type DirLocation = { kind: 'fixed' } | { kind: 'chain'; cluster: number };

/** A problem found while reading, reported instead of failing (the entry is skipped or degraded). */
export interface Problem {
  path: string;
  message: string;
  /** True when an entry (and what is below it) was left out; false when it was only degraded. */
  skipped: boolean;
}

/** One live entry of a directory (not `.`/`..`, not the label, not deleted). */
export interface DirRecord {
  /** The long name when a valid one precedes the entry, else the short name with case bits. */
  name: string;
  /** The stored 8.3 name, `NAME.EXT`, upper case as on disk. */
  shortName: string;
  raw: RawDirEntry;
  /** Entry index of the short entry, and of the first long-name slot (== index when none). */
  index: number;
  firstSlot: number;
  hasLongName: boolean;
}

/** What parsing a directory yields. */
export interface ParsedDirectory {
  records: DirRecord[];
  /** The root directory's volume label entry, if any (trailing spaces trimmed), and its index. */
  label?: string;
  labelIndex?: number;
  /** The raw `..` cluster of a subdirectory (undefined when there is no `..` entry), and its index. */
  dotDotCluster?: number;
  dotDotIndex?: number;
  /** Index of the first 0x00 entry (where the directory ends), or the entry count. */
  end: number;
  entryCount: number;
  problems: Problem[];
}

/** FAT allows at most 65536 entries in a directory. */
export const MAX_DIR_ENTRIES = 65536;

/** The sectors of a directory, in entry order (bounded for hostile chains). */
export function directorySectors(core: VolumeCore, loc: DirLocation, path: string): number[] {
  const g = core.geo;
  if (loc.kind === 'fixed') return Array.from({ length: g.rootDirSectors }, (_, i) => g.rootDirStart + i);
  const maxClusters = Math.ceil((MAX_DIR_ENTRIES * ENTRY_SIZE) / g.clusterSize);
  const chain = core.fat.chain(loc.cluster, `directory ${path}`, maxClusters);
  const out: number[] = [];
  for (const c of chain) {
    const s = clusterToSector(g, c);
    for (let i = 0; i < g.sectorsPerCluster; i++) out.push(s + i);
  }
  return out;
}

/** Read sectors (coalescing consecutive ones into single transfers) into one buffer. */
export function readSectorList(io: SectorIO, sectors: number[]): Uint8Array {
  const ss = io.sectorSize;
  const buf = new Uint8Array(sectors.length * ss);
  let i = 0;
  while (i < sectors.length) {
    let j = i + 1;
    while (j < sectors.length && sectors[j] === sectors[j - 1] + 1) j++;
    io.read(sectors[i], buf.subarray(i * ss, j * ss));
    i = j;
  }
  return buf;
}

/** Why a name cannot be used as a path component on a host, or undefined when it is safe. */
export function unsafeNameReason(name: string): string | undefined {
  if (name === '.' || name === '..') return `name is "${name}"`;
  if (name.includes('/')) return 'name contains "/"';
  if (name.includes('\\')) return 'name contains "\\"';
  if (name.includes('\0')) return 'name contains a NUL character';
  if (name.length === 0) return 'name is empty';
  return undefined;
}

const join = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** Long-name units of the run being joined (20 slots of 13), reused: no array per name. */
const UNITS = new Uint16Array(20 * LFN_UNITS_PER_SLOT);

/**
 * The long name held by the complete run of slots `first..last` (on-disk order: the slot with the
 * highest order first, order 1 at `last`): units up to the first 0x0000; undefined when the name is
 * empty or longer than 255 units (as joinLongName).
 */
function longNameAt(buf: Uint8Array, first: number, last: number): string | undefined {
  let n = 0;
  outer: for (let i = last; i >= first; i--) {
    const off = i * ENTRY_SIZE;
    for (let k = 0; k < LFN_UNITS_PER_SLOT; k++) {
      const o = off + LFN_OFFSETS[k];
      const u = buf[o] | (buf[o + 1] << 8);
      if (u === 0) break outer;
      UNITS[n++] = u;
    }
  }
  if (n === 0 || n > LFN_MAX_UNITS) return undefined;
  return String.fromCharCode.apply(null, UNITS.subarray(0, n) as unknown as number[]);
}

/** 1 for `.`, 2 for `..`, 0 for any other 11-byte name at `off`. */
function dotKind(buf: Uint8Array, off: number): number {
  if (buf[off] !== 0x2e) return 0;
  const two = buf[off + 1] === 0x2e;
  for (let k = two ? 2 : 1; k < 11; k++) if (buf[off + k] !== 0x20) return 0;
  return two ? 2 : 1;
}

/**
 * Part of a stored short name, `from` to before its trailing spaces, through the code page; in
 * the base (`first`), a leading 0x05 stands for 0xE5.
 */
function shortPart(buf: Uint8Array, from: number, to: number, page: CodePage, first: boolean): string {
  while (to > from && buf[to - 1] === 0x20) to--;
  let s = '';
  for (let k = from; k < to; k++) {
    let c = buf[k];
    if (first && k === from && c === ENTRY_KANJI_E5) c = 0xe5;
    s += c < 0x80 ? String.fromCharCode(c) : page.high[c - 0x80];
  }
  return s;
}

/** The stored 8.3 name at `off` without case bits, `NAME.EXT` (as rawShortName), decoded in place. */
export function storedShortName(buf: Uint8Array, off: number, page: CodePage): string {
  const base = shortPart(buf, off, off + 8, page, true);
  const ext = shortPart(buf, off + 8, off + 11, page, false);
  return ext ? `${base}.${ext}` : base;
}

/**
 * Decode a directory: long names validated (order and checksum), falling back to short names.
 * Straight from the sector bytes into the records: long names are joined from the slots where
 * they lie, short names decoded once for both their display and stored forms.
 */
export function parseDirectory(core: VolumeCore, buf: Uint8Array, loc: DirLocation, path: string): ParsedDirectory {
  const fat32 = core.geo.fatType === 32;
  const page = core.page;
  const isRoot = loc.kind === 'fixed' || (fat32 && loc.cluster === core.geo.rootCluster && path === '/');
  const entryCount = Math.min(buf.length / ENTRY_SIZE, MAX_DIR_ENTRIES);
  const listing: ParsedDirectory = { records: [], end: entryCount, entryCount, problems: [] };
  // The pending run of long-name slots: where it starts (-1: none), the order expected next, its checksum.
  let runStart = -1;
  let runNext = 0;
  let runSum = 0;
  const orphan = (i: number, why: string): void => {
    listing.problems.push({ path, message: `long-name slots before entry ${i} ${why}; using the short name`, skipped: false });
  };

  for (let i = 0; i < entryCount; i++) {
    const off = i * ENTRY_SIZE;
    const first = buf[off];
    if (first === ENTRY_FREE) {
      listing.end = i;
      break;
    }
    if (first === ENTRY_DELETED) {
      runStart = -1;
      continue;
    }
    const attr = buf[off + 11];
    if (isLongNameSlot(attr)) {
      const order = first & 0x1f;
      const sum = buf[off + 13];
      if (first & LFN_LAST) {
        if (runStart >= 0) orphan(i, 'were not followed by their entry');
        if (order >= 1 && order <= 20) {
          runStart = i;
          runNext = order;
          runSum = sum;
        } else {
          runStart = -1;
          listing.problems.push({ path, message: `long-name slot ${i} has invalid order ${order}`, skipped: false });
        }
      } else if (runStart >= 0 && order === runNext - 1 && sum === runSum) {
        runNext = order;
      } else {
        listing.problems.push({ path, message: `long-name slot ${i} is out of order or from another name; ignored`, skipped: false });
        runStart = -1;
      }
      continue;
    }
    if (attr & ATTR.VOLUME_ID && !(attr & ATTR.DIRECTORY)) {
      if (runStart >= 0) orphan(i, 'precede the volume label');
      runStart = -1;
      if (isRoot && listing.label === undefined) {
        listing.label = page.decode(buf.subarray(off, off + 11)).replace(/ +$/, '');
        listing.labelIndex = i;
      }
      continue;
    }
    const dots = dotKind(buf, off);
    if (dots) {
      runStart = -1;
      if (dots === 2 && listing.dotDotCluster === undefined) {
        listing.dotDotCluster = (fat32 ? le16(buf, off + 20) * 0x10000 : 0) + le16(buf, off + 26);
        listing.dotDotIndex = i;
      }
      continue;
    }
    const base = shortPart(buf, off, off + 8, page, true);
    const ext = shortPart(buf, off + 8, off + 11, page, false);
    const shortName = ext ? `${base}.${ext}` : base;
    const caseFlags = buf[off + 12];
    let name = shortName;
    if (caseFlags & (CASE_LOWER_BASE | CASE_LOWER_EXT)) {
      // The case bits: `readme.txt` stored as `README  TXT` (as decodeShortName).
      const b = caseFlags & CASE_LOWER_BASE ? base.toLowerCase() : base;
      const e = caseFlags & CASE_LOWER_EXT ? ext.toLowerCase() : ext;
      name = e ? `${b}.${e}` : b;
    }
    let firstSlot = i;
    let hasLongName = false;
    if (runStart >= 0) {
      if (runNext !== 1) orphan(i, 'are incomplete');
      else if (runSum !== shortNameChecksum(buf, off)) orphan(i, 'have a checksum that does not match');
      else {
        const long = longNameAt(buf, runStart, i - 1);
        if (long === undefined) orphan(i, 'hold an empty or over-long name');
        else {
          name = long;
          firstSlot = runStart;
          hasLongName = true;
        }
      }
      runStart = -1;
    }
    const unsafe = unsafeNameReason(name);
    if (unsafe) {
      listing.problems.push({ path: join(path, name), message: `skipped entry: ${unsafe}`, skipped: true });
      continue;
    }
    listing.records.push({ name, shortName, raw: decodeDirEntry(buf, off, fat32), index: i, firstSlot, hasLongName });
  }
  return listing;
}

/**
 * Unicode-aware case folding for lookups: simple (one-to-one) upper-casing, as FAT does (`ß` stays
 * `ß`, not `SS`). ASCII names take the fast path.
 */
export function foldName(name: string): string {
  // ASCII: upper-cased, or the name itself when it has no lower-case letter (no new string).
  let lower = false;
  let ascii = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80) {
      ascii = false;
      break;
    }
    if (c >= 0x61 && c <= 0x7a) lower = true;
  }
  if (ascii) return lower ? name.toUpperCase() : name;
  let out = '';
  for (const ch of name) {
    const up = ch.toUpperCase();
    out += up.length === ch.length || [...up].length === 1 ? up : ch;
  }
  return out;
}
