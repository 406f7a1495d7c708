import { describe, expect, it } from 'vitest';
import { fatPartitionType } from '../../../src/fat/resize/partition-type.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('fatPartitionType: the MBR type byte after a FAT type change', () => {
  it('keeps a byte that already names the type, and bytes that are not FAT types', () => {
    for (const [old, type] of [[0x0c, 32], [0x0b, 32], [0x0e, 16], [0x06, 16], [0x04, 16], [0x01, 12], [0x1c, 32]] as const) {
      expect(fatPartitionType(old, type, 100 * MiB)).toBe(old);
    }
    for (const old of [0xef, 0x83, 0x07, 0x00, 0xda]) expect(fatPartitionType(old, 32, 100 * MiB)).toBe(old);
  });

  it('names the new type, keeping the LBA form and the hidden bit', () => {
    expect(fatPartitionType(0x0e, 32, 100 * MiB)).toBe(0x0c);
    expect(fatPartitionType(0x06, 32, 100 * MiB)).toBe(0x0b);
    expect(fatPartitionType(0x06, 32, 9 * GiB)).toBe(0x0c); // past what CHS addresses
    expect(fatPartitionType(0x0c, 16, 100 * MiB)).toBe(0x0e);
    expect(fatPartitionType(0x0b, 16, 100 * MiB)).toBe(0x06);
    expect(fatPartitionType(0x0b, 16, 20 * MiB)).toBe(0x04);
    expect(fatPartitionType(0x01, 16, 20 * MiB)).toBe(0x04);
    expect(fatPartitionType(0x0c, 12, 4 * MiB)).toBe(0x01);
    expect(fatPartitionType(0x1e, 32, 100 * MiB)).toBe(0x1c);
    expect(fatPartitionType(0x11, 16, 100 * MiB)).toBe(0x16);
  });
});
