/**
 * The short-name generator as it was before issue #16 made it allocation-free (number arrays,
 * closures, a string per candidate): the reference the new one must agree with, name for name
 * (test/fat/format/short-name-plan.test.ts). Not used by the library.
 */
import type { CodePage } from '../../../src/fat/format/code-page.js';
import { FatError } from '../../../src/fat/errors.js';
import { CASE_LOWER_BASE, CASE_LOWER_EXT } from '../../../src/fat/format/dir-entry.js';
import type { ShortNamePlan } from '../../../src/fat/format/short-name.js';

/** Characters a short name may hold besides letters and digits (FAT-NOTES.md section 5). */
const SHORT_SPECIALS = "!#$%&'()-@^_`{}~";
/** By ASCII code: 1 when a short name may hold the character as it is. */
const SHORT_OK = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/^[A-Za-z0-9]$/.test(ch) || SHORT_SPECIALS.includes(ch)) SHORT_OK[c] = 1;
}

/** The key under which a raw 11-byte name is compared for collisions. */
function shortKey(raw: Uint8Array): string {
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
function directShortName(name: string): ShortNamePlan | undefined {
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

function toRaw(base: number[], ext: number[]): Uint8Array {
  const raw = new Uint8Array(11).fill(0x20);
  raw.set(base.length > 8 ? base.slice(0, 8) : base, 0);
  raw.set(ext.length > 3 ? ext.slice(0, 3) : ext, 8);
  if (raw[0] === 0xe5) raw[0] = 0x05;
  return raw;
}

/** A small deterministic hash of the long name, for Windows-style `AB12CD~1` bases. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return (h ^ (h >>> 16)) & 0xffff;
}

const HEX = '0123456789ABCDEF';

/** The basis after four collisions: two characters of the name, then four hex digits of its hash. */
function hashedBasis(name: string, base: number[]): number[] {
  const h = nameHash(name);
  return [...base.slice(0, 2), HEX.charCodeAt((h >> 12) & 15), HEX.charCodeAt((h >> 8) & 15), HEX.charCodeAt((h >> 4) & 15), HEX.charCodeAt(h & 15)];
}

/**
 * Choose the short name for `name` (already cleaned by name-rules): an upper-case 8.3 name is
 * stored as is; an all-lower-case base and/or extension through the case bits; anything else gets
 * long-name slots and a generated name (`NAMEWI~1.GZ`, then a hashed basis after four
 * collisions). `taken` says whether a raw name is already used in the directory.
 */
export function planShortNameReference(name: string, page: CodePage, taken: (key: string) => boolean): ShortNamePlan {
  // 1. The name is itself a valid 8.3 name.
  const direct = directShortName(name);
  if (direct && !taken(shortKey(direct.raw))) return direct;
  // 2. Generate: drop spaces and leading dots, base = before the last dot (dots removed), map to
  //    the code page upper-cased, '_' for what it cannot hold.
  let lossy = false;
  const map = (s: string, out: number[]): void => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (SHORT_OK[c] === 1) out.push(c >= 0x61 && c <= 0x7a ? c - 0x20 : c);
        else {
          out.push(0x5f);
          lossy = true;
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
        out.push(0x5f);
        lossy = true;
      } else out.push(b);
    }
  };
  let stripped = name.indexOf(' ') >= 0 ? name.replace(/ /g, '') : name;
  let lead = 0;
  while (lead < stripped.length && stripped.charCodeAt(lead) === 0x2e) lead++;
  if (lead) stripped = stripped.slice(lead);
  const last = stripped.lastIndexOf('.');
  const gBase: number[] = [];
  const gExt: number[] = [];
  const basePart = last >= 0 ? stripped.slice(0, last) : stripped;
  map(basePart.indexOf('.') >= 0 ? basePart.replace(/\./g, '') : basePart, gBase);
  if (last >= 0) map(stripped.slice(last + 1), gExt);
  if (gBase.length === 0) gBase.push(0x5f);
  const truncated = gBase.length > 8 || gExt.length > 3;
  // Without a numeric tail only when nothing but case changed (`ReadMe.txt` -> README.TXT); a
  // name that lost dots, spaces or characters (`a.b.c` -> AB~1.C) always gets one, as Windows does.
  if (!lossy && !truncated && sameButCase(name, gBase, gExt)) {
    const raw = toRaw(gBase, gExt);
    if (!taken(shortKey(raw))) return { raw, caseFlags: 0, needsLongName: true };
  }
  // Candidates are compared as 11-character keys; only the chosen one becomes bytes.
  let extKey = '';
  for (let i = 0; i < 3; i++) extKey += i < gExt.length ? String.fromCharCode(gExt[i]!) : ' ';
  const baseKey = (b: number[], tail: string): string => {
    let k = '';
    const keep = Math.min(b.length, 8 - tail.length);
    for (let i = 0; i < keep; i++) k += String.fromCharCode(b[i]!);
    k += tail;
    if (k.charCodeAt(0) === 0xe5) k = `\u0005${k.slice(1)}`;
    return k.padEnd(8, ' ') + extKey;
  };
  const attempt = (b: number[], from: number, to: number): ShortNamePlan | undefined => {
    for (let n = from; n <= to; n++) {
      const key = baseKey(b, `~${n}`);
      if (!taken(key)) return { raw: Uint8Array.from(key, (c) => c.charCodeAt(0)), caseFlags: 0, needsLongName: true };
    }
    return undefined;
  };
  const found = attempt(gBase, 1, 4) ?? attempt(hashedBasis(name, gBase), 1, 9) ?? attempt(gBase, 5, 999_999);
  if (found) return found;
  throw new FatError('ENOSPC', `no free short name for ${JSON.stringify(name)}`);
}

/**
 * Whether the generated basis is the name itself but for case: the upper-cased name (changing no
 * length) equals BASE.EXT, or BASE when there is no extension.
 */
function sameButCase(name: string, base: number[], ext: number[]): boolean {
  const up = name.toUpperCase();
  if (up.length !== name.length) return false;
  const want = base.length + (ext.length ? 1 + ext.length : 0);
  if (up.length !== want) return false;
  for (let i = 0; i < base.length; i++) if (up.charCodeAt(i) !== base[i]) return false;
  if (ext.length) {
    if (up.charCodeAt(base.length) !== 0x2e) return false;
    for (let i = 0; i < ext.length; i++) if (up.charCodeAt(base.length + 1 + i) !== ext[i]) return false;
  }
  return true;
}
