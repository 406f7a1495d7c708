import { expect } from 'vitest';

/** Fast byte-array equality for large buffers; on a mismatch, names the first differing offset. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  let i = 0;
  while (a[i] === b[i]) i++;
  expect.fail(`${what} differ first at offset ${i}: got 0x${a[i].toString(16)}, expected 0x${b[i].toString(16)}`);
}

/** True when every byte is zero. */
export const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0);
