import type { CodePage } from './code-page.js';
import { FatError } from './errors.js';
import { CASE_LOWER_BASE, CASE_LOWER_EXT, ENTRY_KANJI_E5 } from './dir-entry.js';

/** The 8.3 checksum that ties long-name slots to their short entry (FAT-NOTES.md section 6). */
export function shortNameChecksum(name: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + name[i]) & 0xff;
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
const isShortAscii = (c: string): boolean => /^[A-Za-z0-9]$/.test(c) || SHORT_SPECIALS.includes(c);

/** The key under which a raw 11-byte name is compared for collisions. */
export function shortKey(raw: Uint8Array): string {
  let k = '';
  for (let i = 0; i < 11; i++) k += String.fromCharCode(raw[i]);
  return k;
}

function caseOf(s: string): 'upper' | 'lower' | 'none' | 'mixed' {
  const hasUpper = /[A-Z]/.test(s);
  const hasLower = /[a-z]/.test(s);
  return hasUpper && hasLower ? 'mixed' : hasUpper ? 'upper' : hasLower ? 'lower' : 'none';
}

function toRaw(base: number[], ext: number[]): Uint8Array {
  const raw = new Uint8Array(11).fill(0x20);
  raw.set(base.slice(0, 8), 0);
  raw.set(ext.slice(0, 3), 8);
  if (raw[0] === 0xe5) raw[0] = 0x05;
  return raw;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** A small deterministic hash of the long name, for Windows-style `AB12CD~1` bases. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return (h ^ (h >>> 16)) & 0xffff;
}

/**
 * Choose the short name for `name` (already cleaned by name-rules): an upper-case 8.3 name is
 * stored as is; an all-lower-case base and/or extension through the case bits; anything else gets
 * long-name slots and a generated name (`NAMEWI~1.GZ`, then a hashed basis after four
 * collisions). `taken` says whether a raw name is already used in the directory.
 */
export function planShortName(name: string, page: CodePage, taken: (key: string) => boolean): ShortNamePlan {
  // 1. The name is itself a valid 8.3 name (ASCII, one dot at most, each part of one case).
  const dot = name.lastIndexOf('.');
  const base = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot + 1) : '';
  const fits = dot !== 0 && base.length >= 1 && base.length <= 8 && ext.length <= 3 && (dot < 0 || ext.length > 0) &&
    [...base, ...ext].every(isShortAscii);
  if (fits) {
    const bc = caseOf(base);
    const ec = caseOf(ext);
    const raw = toRaw(ascii(base.toUpperCase()), ascii(ext.toUpperCase()));
    if (bc !== 'mixed' && ec !== 'mixed' && !taken(shortKey(raw))) {
      const caseFlags = (bc === 'lower' ? CASE_LOWER_BASE : 0) | (ec === 'lower' ? CASE_LOWER_EXT : 0);
      return { raw, caseFlags, needsLongName: false };
    }
  }
  // 2. Generate: drop spaces and leading dots, base = before the last dot (dots removed), map to
  //    the code page upper-cased, '_' for what it cannot hold.
  let lossy = false;
  const map = (s: string): number[] => {
    const out: number[] = [];
    for (const ch of s) {
      if (isShortAscii(ch)) out.push(ch.toUpperCase().charCodeAt(0));
      else if (ch.charCodeAt(0) < 0x80) {
        out.push(0x5f);
        lossy = true;
      } else {
        const up = ch.toUpperCase();
        const b = [...up].length === 1 ? page.encode(up) : undefined;
        if (b === undefined || b < 0x80) {
          out.push(0x5f);
          lossy = true;
        } else out.push(b);
      }
    }
    return out;
  };
  const stripped = name.replace(/ /g, '').replace(/^\.+/, '');
  const last = stripped.lastIndexOf('.');
  const gBase = map((last >= 0 ? stripped.slice(0, last) : stripped).replace(/\./g, ''));
  const gExt = map(last >= 0 ? stripped.slice(last + 1) : '');
  if (gBase.length === 0) gBase.push(0x5f);
  const truncated = gBase.length > 8 || gExt.length > 3;
  // Without a numeric tail only when nothing but case changed (`ReadMe.txt` -> README.TXT); a
  // name that lost dots, spaces or characters (`a.b.c` -> AB~1.C) always gets one, as Windows does.
  const basisIsName = [...name.toUpperCase()].length === name.length &&
    name.toUpperCase() === (gExt.length ? `${String.fromCharCode(...gBase)}.${String.fromCharCode(...gExt)}` : String.fromCharCode(...gBase));
  if (!lossy && !truncated && basisIsName) {
    const raw = toRaw(gBase, gExt);
    if (!taken(shortKey(raw))) return { raw, caseFlags: 0, needsLongName: true };
  }
  // Candidates are compared as 11-character keys; only the chosen one becomes bytes.
  const extKey = String.fromCharCode(...gExt.slice(0, 3)).padEnd(3, ' ');
  const baseKey = (b: number[], tail: string): string => {
    let k = String.fromCharCode(...b.slice(0, 8 - tail.length)) + tail;
    if (k.charCodeAt(0) === 0xe5) k = `\u0005${k.slice(1)}`;
    return k.padEnd(8, ' ') + extKey;
  };
  const hashed = [...gBase.slice(0, 2), ...ascii(nameHash(name).toString(16).toUpperCase().padStart(4, '0'))];
  const tries: [number[], number, number][] = [[gBase, 1, 4], [hashed, 1, 9], [gBase, 5, 999_999]];
  for (const [b, from, to] of tries) {
    for (let n = from; n <= to; n++) {
      const key = baseKey(b, `~${n}`);
      if (!taken(key)) return { raw: Uint8Array.from(key, (c) => c.charCodeAt(0)), caseFlags: 0, needsLongName: true };
    }
  }
  throw new FatError('ENOSPC', `no free short name for ${JSON.stringify(name)}`);
}
