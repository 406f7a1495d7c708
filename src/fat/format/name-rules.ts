import { FatError } from '../errors.js';
import { LFN_MAX_UNITS } from './long-name.js';

const ILLEGAL = /["*/:<>?\\|\u0000-\u001f\u007f]/u;

/**
 * The name a new entry is stored under (FAT-NOTES.md section 6): leading spaces and trailing dots
 * and spaces stripped, as Windows does; control characters and `"*\/:<>?\|` rejected; at most 255
 * UTF-16 units (characters outside the BMP count two).
 */
export function cleanName(name: string, path = name): string {
  if (typeof name !== 'string') throw new FatError('EINVAL', 'a name must be a string');
  if (isPlain(name)) return name;
  const cleaned = name.replace(/^ +/, '').replace(/[. ]+$/, '');
  if (cleaned === '' ) throw new FatError('EINVAL', `invalid name ${JSON.stringify(name)}: empty once leading spaces and trailing dots and spaces are removed`, { path });
  if (cleaned === '.' || cleaned === '..') throw new FatError('EINVAL', `invalid name ${JSON.stringify(name)}`, { path });
  const bad = ILLEGAL.exec(cleaned);
  if (bad) {
    const ch = bad[0].charCodeAt(0) < 0x20 || bad[0] === '\u007f' ? `control character 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')}` : `"${bad[0]}"`;
    throw new FatError('EINVAL', `invalid name ${JSON.stringify(name)}: FAT names cannot contain ${ch}`, { path });
  }
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(cleaned)) {
    throw new FatError('EINVAL', `invalid name ${JSON.stringify(name)}: unpaired UTF-16 surrogate`, { path });
  }
  if (cleaned.length > LFN_MAX_UNITS) {
    throw new FatError('ENAMETOOLONG', `name too long: ${cleaned.length} UTF-16 units (FAT allows ${LFN_MAX_UNITS}): ${cleaned.slice(0, 40)}...`, { path });
  }
  return cleaned;
}

/** By ASCII code: 1 for the printable characters a FAT name may hold. */
const PLAIN = new Uint8Array(128);
for (let c = 0x20; c < 0x7f; c++) PLAIN[c] = '"*/:<>?\\|'.includes(String.fromCharCode(c)) ? 0 : 1;

/** A printable-ASCII name that needs no cleaning: the common case, decided without regexes. */
function isPlain(name: string): boolean {
  const n = name.length;
  if (n === 0 || n > LFN_MAX_UNITS || name.charCodeAt(0) === 0x20) return false;
  const lastCode = name.charCodeAt(n - 1);
  if (lastCode === 0x2e || lastCode === 0x20) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80 || PLAIN[c] === 0) return false;
  }
  return true;
}

/**
 * Claim a FAT name for `path` in `seen` (keys of FAT names, folded as lookups fold them); the
 * problem to report when another path already holds it, undefined when the claim succeeds.
 */
export function claimFatName(seen: Map<string, string>, key: string, path: string): string | undefined {
  const other = seen.get(key);
  if (other !== undefined) return `${path}: same FAT name as ${other} (FAT names ignore case and trailing dots and spaces)`;
  seen.set(key, path);
  return undefined;
}
