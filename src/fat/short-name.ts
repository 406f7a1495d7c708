import type { CodePage } from './code-page.js';
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
