import { FatError } from '../errors.js';
import { crc32 } from './crc32.js';

/**
 * GUIDs as GPT stores them (16 bytes, the first three fields little-endian) and in their usual text
 * form (upper case here, as the type-GUID constants are written).
 */

/** A GUID in its usual text form: the first three fields are stored little-endian. */
export function formatGuid(b: Uint8Array, off: number): string {
  const hex = (i: number): string => b[off + i].toString(16).padStart(2, '0');
  const run = (idx: number[]): string => idx.map(hex).join('');
  return [run([3, 2, 1, 0]), run([5, 4]), run([7, 6]), run([8, 9]), run([10, 11, 12, 13, 14, 15])].join('-').toUpperCase();
}

const GUID_TEXT = /^\s*\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?\s*$/i;

/** The 16 stored bytes of a GUID written as `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`; EINVAL otherwise. */
export function parseGuid(text: string): Uint8Array {
  const m = GUID_TEXT.exec(text);
  if (!m) throw new FatError('EINVAL', `"${text}" is not a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)`);
  const bytes = (h: string): number[] => h.match(/../g)!.map((x) => parseInt(x, 16));
  return Uint8Array.from([...bytes(m[1]).reverse(), ...bytes(m[2]).reverse(), ...bytes(m[3]).reverse(), ...bytes(m[4]), ...bytes(m[5])]);
}

/** Mark 16 bytes (stored order) as an RFC 4122 version-4 GUID. */
function asVersion4(b: Uint8Array): string {
  b[7] = (b[7] & 0x0f) | 0x40; // version: high nibble of the third field (stored little-endian)
  b[8] = (b[8] & 0x3f) | 0x80; // variant 10xx
  return formatGuid(b, 0);
}

/** A random version-4 GUID (Web Crypto's getRandomValues, in Node and browsers alike). */
export function randomGuid(): string {
  return asVersion4(globalThis.crypto.getRandomValues(new Uint8Array(16)));
}

/**
 * A version-4-shaped GUID that is a function of `seed` alone (for reproducible images): its 16
 * bytes are the CRC-32s of `fatkit-guid/<seed>/<i>` for i = 0..3, little-endian. Not secret and not
 * meant to be: two different seeds give different GUIDs with overwhelming likelihood.
 */
export function derivedGuid(seed: string): string {
  const b = new Uint8Array(16);
  const enc = new TextEncoder();
  for (let i = 0; i < 4; i++) {
    const c = crc32(enc.encode(`fatkit-guid/${seed}/${i}`));
    for (let k = 0; k < 4; k++) b[i * 4 + k] = (c >>> (8 * k)) & 0xff;
  }
  return asVersion4(b);
}
