import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../src/fat/disk/crc32.js';

describe('crc32', () => {
  it('gives the standard check value and agrees with zlib', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const data = new Uint8Array(5000).map((_, i) => (i * 131 + (i >> 3)) & 0xff);
    expect(crc32(data)).toBe(zlibCrc32(data));
    expect(crc32(data.subarray(17, 4000))).toBe(zlibCrc32(data.subarray(17, 4000)));
  });
});
