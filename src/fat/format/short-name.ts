import type { CodePage } from './code-page.js';
import { FatError } from '../errors.js';
import { CASE_LOWER_BASE, CASE_LOWER_EXT, ENTRY_KANJI_E5 } from './dir-entry.js';

/** The 8.3 checksum that ties long-name slots to their short entry (FAT-NOTES.md section 6), of the 11 bytes at `off`. */
export function shortNameChecksum(name: Uint8Array, off = 0): number {
  let sum = 0;
  for (let i = off; i < off + 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + name[i]) & 0xff;
  return sum;
}

/** The raw 11 bytes of `.` and `..`. */
export const DOT_NAME = Uint8Array.from('.          ', (c) => c.charCodeAt(0));
export const DOTDOT_NAME = Uint8Array.from('..         ', (c) => c.charCodeAt(0));

export function isDotName(name: Uint8Array): boolean {
  return equalBytes(name, DOT_NAME) || equalBytes(name, DOTDOT_NAME);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Display form of a stored short name: `BASE.EXT` (or `BASE`), a leading 0x05 read as 0xE5, bytes
 * decoded through the code page, and the case bits applied (`readme.txt` stored as `README  TXT`).
 */
export function decodeShortName(raw: Uint8Array, caseFlags: number, page: CodePage): string {
  const bytes = raw.slice(0, 11);
  if (bytes[0] === ENTRY_KANJI_E5) bytes[0] = 0xe5;
  let end = 8;
  while (end > 0 && bytes[end - 1] === 0x20) end--;
  let base = page.decode(bytes.subarray(0, end));
  let extEnd = 11;
  while (extEnd > 8 && bytes[extEnd - 1] === 0x20) extEnd--;
  let ext = page.decode(bytes.subarray(8, extEnd));
  if (caseFlags & CASE_LOWER_BASE) base = base.toLowerCase();
  if (caseFlags & CASE_LOWER_EXT) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}

/** The stored 8.3 form without case bits (what `7zz l -slt` and fsck.fat show): `README.TXT`. */
export function rawShortName(raw: Uint8Array, page: CodePage): string {
  return decodeShortName(raw, 0, page);
}

/** What a new entry stores as its 8.3 name. */
export interface ShortNamePlan {
  /** The 11 name bytes (a leading 0xE5 already stored as 0x05). */
  raw: Uint8Array;
  /** CASE_LOWER_BASE / CASE_LOWER_EXT when the name is stored through the case bits. */
  caseFlags: number;
  /** Whether long-name slots must precede the entry. */
  needsLongName: boolean;
}

/** Characters a short name may hold besides letters and digits (FAT-NOTES.md section 5). */
const SHORT_SPECIALS = "!#$%&'()-@^_`{}~";
/** By ASCII code: 1 when a short name may hold the character as it is. */
const SHORT_OK = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/^[A-Za-z0-9]$/.test(ch) || SHORT_SPECIALS.includes(ch)) SHORT_OK[c] = 1;
}

/** The key under which a raw 11-byte name is compared for collisions. */
export function shortKey(raw: Uint8Array): string {
  return String.fromCharCode(raw[0]!, raw[1]!, raw[2]!, raw[3]!, raw[4]!, raw[5]!, raw[6]!, raw[7]!, raw[8]!, raw[9]!, raw[10]!);
}

const LOWER = 1;
const UPPER = 2;

/**
 * The cases in `name[from, to)` (LOWER | UPPER), or -1 when a character may not stand in a short
 * name.
 */
function partCases(name: string, from: number, to: number): number {
  let cases = 0;
  for (let i = from; i < to; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || SHORT_OK[c] === 0) return -1;
    if (c >= 0x61 && c <= 0x7a) cases |= LOWER;
    else if (c >= 0x41 && c <= 0x5a) cases |= UPPER;
  }
  return cases;
}

/**
 * The name as it stands when it is a valid 8.3 name (ASCII, one dot at most, each part of one
 * case): the raw bytes and the case bits; undefined when it needs a long name.
 */
export function directShortName(name: string): ShortNamePlan | undefined {
  const n = name.length;
  if (n === 0 || n > 12) return undefined;
  const dot = name.lastIndexOf('.');
  const baseLen = dot < 0 ? n : dot;
  const extLen = dot < 0 ? 0 : n - dot - 1;
  if (baseLen < 1 || baseLen > 8 || extLen > 3 || (dot >= 0 && extLen === 0)) return undefined;
  const bc = partCases(name, 0, baseLen);
  if (bc < 0 || bc === (LOWER | UPPER)) return undefined;
  const ec = dot < 0 ? 0 : partCases(name, dot + 1, n);
  if (ec < 0 || ec === (LOWER | UPPER)) return undefined;
  const raw = new Uint8Array(11);
  for (let i = 0; i < 11; i++) {
    const c = i < baseLen ? name.charCodeAt(i) : i >= 8 && i - 8 < extLen ? name.charCodeAt(dot + 1 + i - 8) : 0x20;
    raw[i] = c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
  }
  return { raw, caseFlags: (bc === LOWER ? CASE_LOWER_BASE : 0) | (ec === LOWER ? CASE_LOWER_EXT : 0), needsLongName: false };
}

/** A small deterministic hash of the long name, for Windows-style `AB12CD~1` bases. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return (h ^ (h >>> 16)) & 0xffff;
}

const HEX = '0123456789ABCDEF';

// Scratch for the generated basis (a cleaned name maps to at most 255 bytes), its extension, and
// the candidate being tried: planShortName allocates only the name it returns.
let GEN_BASE = new Uint8Array(256);
let GEN_EXT = new Uint8Array(256);
const CAND = new Uint8Array(11);
let genLossy = false;

/**
 * Map `s[from, to)` into `out` from 0: spaces dropped (and dots, with `dropDots`); ASCII upper-cased
 * when a short name may hold it, else `_`; other characters through the code page when it has
 * them (upper-cased, as one whole code point), else `_`. Sets genLossy for every `_` it puts in.
 * Returns the length.
 */
function mapInto(s: string, from: number, to: number, out: Uint8Array, dropDots: boolean, page: CodePage): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || (dropDots && c === 0x2e)) continue;
    if (c < 0x80) {
      if (SHORT_OK[c] === 1) out[n++] = c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
      else {
        out[n++] = 0x5f;
        genLossy = true;
      }
      continue;
    }
    // A whole code point (a surrogate pair is one character, never held by a code page).
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (cp > 0xffff) i++;
    const up = ch.toUpperCase();
    const b = up.length === 1 || (up.length === 2 && up.codePointAt(0)! > 0xffff) ? page.encode(up) : undefined;
    if (b === undefined || b < 0x80) {
      out[n++] = 0x5f;
      genLossy = true;
    } else out[n++] = b;
  }
  return n;
}

/** The 11-character key of CAND. */
const candKey = (): string => String.fromCharCode(CAND[0], CAND[1], CAND[2], CAND[3], CAND[4], CAND[5], CAND[6], CAND[7], CAND[8], CAND[9], CAND[10]);

/**
 * Put into CAND the first `keep` bytes of `base`, then `~n` (at most 8 bytes in all), padded with
 * spaces; a leading 0xE5 stored as 0x05. The extension (bytes 8..10) is left as it is.
 */
function tailInto(base: Uint8Array, baseLen: number, n: number): void {
  const digits = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : 6;
  const keep = Math.min(baseLen, 8 - 1 - digits);
  let k = 0;
  for (; k < keep; k++) CAND[k] = base[k];
  CAND[k++] = 0x7e;
  for (let d = digits - 1, v = n; d >= 0; d--, v = Math.floor(v / 10)) CAND[k + d] = 0x30 + (v % 10);
  k += digits;
  for (; k < 8; k++) CAND[k] = 0x20;
  if (CAND[0] === 0xe5) CAND[0] = 0x05;
}

/** Try `base~from` .. `base~to` in CAND; the first free one as a plan. */
function attempt(base: Uint8Array, baseLen: number, from: number, to: number, taken: (key: string) => boolean): ShortNamePlan | undefined {
  for (let n = from; n <= to; n++) {
    tailInto(base, baseLen, n);
    if (!taken(candKey())) return { raw: CAND.slice(), caseFlags: 0, needsLongName: true };
  }
  return undefined;
}

/** The basis after four collisions: two characters of the name, then four hex digits of its hash. */
const HASHED = new Uint8Array(6);
function hashedBasis(name: string, baseLen: number): number {
  const h = nameHash(name);
  const keep = Math.min(2, baseLen);
  for (let i = 0; i < keep; i++) HASHED[i] = GEN_BASE[i];
  HASHED[keep] = HEX.charCodeAt((h >> 12) & 15);
  HASHED[keep + 1] = HEX.charCodeAt((h >> 8) & 15);
  HASHED[keep + 2] = HEX.charCodeAt((h >> 4) & 15);
  HASHED[keep + 3] = HEX.charCodeAt(h & 15);
  return keep + 4;
}

/**
 * Choose the short name for `name` (already cleaned by name-rules): an upper-case 8.3 name is
 * stored as is; an all-lower-case base and/or extension through the case bits; anything else gets
 * long-name slots and a generated name (`NAMEWI~1.GZ`, then a hashed basis after four
 * collisions). `taken` says whether a raw name is already used in the directory.
 */
export function planShortName(name: string, page: CodePage, taken: (key: string) => boolean): ShortNamePlan {
  // 1. The name is itself a valid 8.3 name.
  const direct = directShortName(name);
  if (direct && !taken(shortKey(direct.raw))) return direct;
  // 2. Generate: drop spaces and leading dots, base = before the last dot (dots removed), map to
  //    the code page upper-cased, '_' for what it cannot hold.
  const end = name.length;
  if (end > GEN_BASE.length) {
    GEN_BASE = new Uint8Array(end);
    GEN_EXT = new Uint8Array(end);
  }
  let start = 0;
  while (start < end && (name.charCodeAt(start) === 0x20 || name.charCodeAt(start) === 0x2e)) start++;
  const last = name.lastIndexOf('.');
  const hasExt = last >= start;
  genLossy = false;
  let baseLen = mapInto(name, start, hasExt ? last : end, GEN_BASE, true, page);
  const extLen = hasExt ? mapInto(name, last + 1, end, GEN_EXT, false, page) : 0;
  if (baseLen === 0) GEN_BASE[baseLen++] = 0x5f;
  const truncated = baseLen > 8 || extLen > 3;
  for (let i = 0; i < 3; i++) CAND[8 + i] = i < extLen ? GEN_EXT[i] : 0x20;
  // Without a numeric tail only when nothing but case changed (`ReadMe.txt` -> README.TXT); a
  // name that lost dots, spaces or characters (`a.b.c` -> AB~1.C) always gets one, as Windows does.
  if (!genLossy && !truncated && sameButCase(name, baseLen, extLen)) {
    for (let i = 0; i < 8; i++) CAND[i] = i < baseLen ? GEN_BASE[i] : 0x20;
    if (CAND[0] === 0xe5) CAND[0] = 0x05;
    if (!taken(candKey())) return { raw: CAND.slice(), caseFlags: 0, needsLongName: true };
  }
  // Candidates are compared as 11-character keys; only the chosen one becomes bytes.
  const found = attempt(GEN_BASE, baseLen, 1, 4, taken) ?? attempt(HASHED, hashedBasis(name, baseLen), 1, 9, taken) ?? attempt(GEN_BASE, baseLen, 5, 999_999, taken);
  if (found) return found;
  throw new FatError('ENOSPC', `no free short name for ${JSON.stringify(name)}`);
}

/**
 * Whether the generated basis (GEN_BASE, GEN_EXT) is the name itself but for case: the upper-cased
 * name (changing no length) equals BASE.EXT, or BASE when there is no extension.
 */
function sameButCase(name: string, baseLen: number, extLen: number): boolean {
  const want = baseLen + (extLen ? 1 + extLen : 0);
  if (name.length !== want) return false;
  const up = name.toUpperCase();
  if (up.length !== name.length) return false;
  for (let i = 0; i < baseLen; i++) if (up.charCodeAt(i) !== GEN_BASE[i]) return false;
  if (extLen) {
    if (up.charCodeAt(baseLen) !== 0x2e) return false;
    for (let i = 0; i < extLen; i++) if (up.charCodeAt(baseLen + 1 + i) !== GEN_EXT[i]) return false;
  }
  return true;
}
