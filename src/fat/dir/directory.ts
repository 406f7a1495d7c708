import type { CodePage } from '../format/code-page.js';
import type { FatTable } from '../table/fat-table.js';
import type { Geometry } from '../format/geometry.js';
import type { SectorIO } from '../table/sector-io.js';
import { clusterToSector } from '../format/geometry.js';
import {
  ATTR, ENTRY_DELETED, ENTRY_FREE, ENTRY_SIZE, decodeDirEntry, isLongNameSlot, type RawDirEntry,
} from '../format/dir-entry.js';
import { decodeLongNameSlot, joinLongName, type LongNameSlot } from '../format/long-name.js';
import { decodeShortName, isDotName, rawShortName, shortNameChecksum } from '../format/short-name.js';

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

/** Decode a directory: long names validated (order and checksum), falling back to short names. */
export function parseDirectory(core: VolumeCore, buf: Uint8Array, loc: DirLocation, path: string): ParsedDirectory {
  const fat32 = core.geo.fatType === 32;
  const isRoot = loc.kind === 'fixed' || (fat32 && loc.cluster === core.geo.rootCluster && path === '/');
  const entryCount = Math.min(buf.length / ENTRY_SIZE, MAX_DIR_ENTRIES);
  const listing: ParsedDirectory = { records: [], end: entryCount, entryCount, problems: [] };
  let run: { slots: LongNameSlot[]; next: number; checksum: number; start: number } | undefined;
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
      run = undefined;
      continue;
    }
    const attr = buf[off + 11];
    if (isLongNameSlot(attr)) {
      const slot = decodeLongNameSlot(buf, off);
      if (slot.last) {
        if (run) orphan(i, 'were not followed by their entry');
        run = slot.order >= 1 && slot.order <= 20 ? { slots: [slot], next: slot.order, checksum: slot.checksum, start: i } : undefined;
        if (!run) listing.problems.push({ path, message: `long-name slot ${i} has invalid order ${slot.order}`, skipped: false });
      } else if (run && slot.order === run.next - 1 && slot.checksum === run.checksum) {
        run.slots.push(slot);
        run.next = slot.order;
      } else {
        listing.problems.push({ path, message: `long-name slot ${i} is out of order or from another name; ignored`, skipped: false });
        run = undefined;
      }
      continue;
    }
    const raw = decodeDirEntry(buf, off, fat32);
    if (attr & ATTR.VOLUME_ID && !(attr & ATTR.DIRECTORY)) {
      if (run) orphan(i, 'precede the volume label');
      run = undefined;
      if (isRoot && listing.label === undefined) {
        listing.label = core.page.decode(raw.name).replace(/ +$/, '');
        listing.labelIndex = i;
      }
      continue;
    }
    if (isDotName(raw.name)) {
      run = undefined;
      if (raw.name[1] === 0x2e && listing.dotDotCluster === undefined) {
        listing.dotDotCluster = raw.cluster;
        listing.dotDotIndex = i;
      }
      continue;
    }
    const shortDisplay = decodeShortName(raw.name, raw.caseFlags, core.page);
    let name = shortDisplay;
    let firstSlot = i;
    let hasLongName = false;
    if (run) {
      if (run.next !== 1) orphan(i, 'are incomplete');
      else if (run.checksum !== shortNameChecksum(raw.name)) orphan(i, 'have a checksum that does not match');
      else {
        const long = joinLongName([...run.slots].reverse());
        if (long === undefined) orphan(i, 'hold an empty or over-long name');
        else {
          name = long;
          firstSlot = run.start;
          hasLongName = true;
        }
      }
      run = undefined;
    }
    const unsafe = unsafeNameReason(name);
    if (unsafe) {
      listing.problems.push({ path: join(path, name), message: `skipped entry: ${unsafe}`, skipped: true });
      continue;
    }
    listing.records.push({ name, shortName: rawShortName(raw.name, core.page), raw, index: i, firstSlot, hasLongName });
  }
  return listing;
}

/**
 * Unicode-aware case folding for lookups: simple (one-to-one) upper-casing, as FAT does (`ß` stays
 * `ß`, not `SS`). ASCII names take the fast path.
 */
export function foldName(name: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(name)) return name.toUpperCase();
  let out = '';
  for (const ch of name) {
    const up = ch.toUpperCase();
    out += up.length === ch.length || [...up].length === 1 ? up : ch;
  }
  return out;
}
