/**
 * The scan resize makes of the old volume (scan.ts walks chains by runs of consecutive links and
 * looks only at the clusters in no chain one by one): FAT32's reserved top bits are ignored as
 * everywhere else, a lost cluster is refused wherever it lies, bad clusters stay bad, a loop
 * inside a run of consecutive links is caught.
 */
import { describe, expect, it } from 'vitest';
import { MemoryDevice, Volume, mkfs, resize } from '../../../src/index.js';
import { auditImage } from '../oracle-helpers.js';
import { snapshot, verifyResized } from './resize-helpers.js';

const NOW = (): Date => new Date(Date.UTC(2024, 4, 6, 7, 8, 10));
const MIB = 1024 * 1024;
const fill = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 11 + seed * 3 + (i >> 10)) & 0xff);

/** A FAT32 volume of 512-byte clusters with a few files (one fragmented) and its FAT's byte offset. */
function volume(): { dev: MemoryDevice; fat: number; first: (path: string) => number } {
  const dev = new MemoryDevice(80 * MIB);
  mkfs(dev, { fatType: 32, size: 40 * MIB, sectorsPerCluster: 1, volumeId: 0x1234abcd, time: NOW() });
  const vol = Volume.open(dev, { now: NOW });
  vol.mkdir('/d');
  vol.writeFile('/d/a.bin', fill(40_000, 1));
  vol.writeFile('/gap.bin', fill(3000, 2));
  vol.writeFile('/d/b.bin', fill(9000, 3));
  vol.rm('/gap.bin');
  vol.appendFile('/d/a.bin', fill(20_000, 4));
  vol.close();
  const b = dev.bytes;
  const fat = (b[14] | (b[15] << 8)) * 512;
  const first = (path: string): number => auditImage(dev.bytes.slice(0, 40 * MIB)).entries.get(path)!.firstCluster;
  return { dev, fat, first };
}

const entry = (dev: MemoryDevice, fat: number, n: number): number => Buffer.from(dev.bytes.buffer, dev.bytes.byteOffset + fat + 4 * n, 4).readUInt32LE(0);
const setEntry = (dev: MemoryDevice, fat: number, n: number, v: number): void => {
  Buffer.from(dev.bytes.buffer, dev.bytes.byteOffset + fat + 4 * n, 4).writeUInt32LE(v >>> 0, 0);
};

describe('resize: the scan of the old volume', () => {
  it("ignores FAT32's reserved top bits (links, ends of chains, free entries), in place and into another device", () => {
    for (const copy of [false, true]) {
      const { dev, fat, first } = volume();
      const before = snapshot(dev.bytes.slice(0, 40 * MIB));
      // Every entry of /d/a.bin's chain and some free entries get top bits.
      const chain: number[] = [];
      for (let n = first('/d/a.bin'); chain.length < 1000; ) {
        chain.push(n);
        const v = entry(dev, fat, n);
        if (v >= 0x0ffffff8) break;
        n = v;
      }
      expect(chain.length).toBeGreaterThan(100);
      for (const n of chain) setEntry(dev, fat, n, entry(dev, fat, n) | 0xa0000000);
      for (let n = 70_000; n < 70_010; n++) setEntry(dev, fat, n, 0x50000000);
      let img: Uint8Array;
      if (copy) {
        const out = new MemoryDevice(resize(dev, 60 * MIB, { dryRun: true, copy: true }).bytes);
        img = out.bytes.slice(0, resize(dev, 60 * MIB, { target: out }).bytes);
      } else {
        const r = resize(dev, 60 * MIB);
        expect(r.clustersToMove).toBeGreaterThan(0);
        img = dev.bytes.slice(0, r.bytes);
      }
      verifyResized(img, before, `top bits${copy ? ' (copy)' : ''}`);
    }
  });

  it('refuses a lost cluster before the first used one, between, and after the last (unchanged)', () => {
    for (const where of ['low', 'between', 'high']) {
      const { dev, fat, first } = volume();
      const a = first('/d/a.bin');
      // A free cluster, marked end-of-chain.
      let n = where === 'low' ? 2 : where === 'between' ? a : 70_000;
      while (entry(dev, fat, n) !== 0) n++;
      setEntry(dev, fat, n, 0x0fffffff);
      const copy = dev.bytes.slice();
      expect(() => resize(dev, 60 * MIB), where).toThrow(/^corrupt volume: 1 cluster is in use but belong to no file/);
      expect(Buffer.compare(dev.bytes, copy), where).toBe(0);
    }
  });

  it('keeps bad clusters bad where they stay, and drops those under the grown FATs', () => {
    const { dev, fat } = volume();
    const before = snapshot(dev.bytes.slice(0, 40 * MIB));
    const bad = [3000, 3001, 60_000];
    for (const n of bad) {
      expect(entry(dev, fat, n)).toBe(0);
      setEntry(dev, fat, n, 0x0ffffff7);
    }
    const r = resize(dev, 60 * MIB);
    const shift = (r.to.dataStart - r.from.dataStart) / 1;
    const newFat = r.to.reservedSectors * 512;
    for (const n of bad) {
      const j = n - shift;
      if (j >= 2) expect(entry(dev, newFat, j), `bad ${n} -> ${j}`).toBe(0x0ffffff7);
    }
    verifyResized(dev.bytes.slice(0, r.bytes), before, 'bad clusters');
  });

  it('catches a loop inside a run of consecutive links, unchanged', () => {
    const { dev, fat, first } = volume();
    const a = first('/d/a.bin');
    // a -> a+1 -> ... -> a+5 -> a+2 (the chain's first clusters are consecutive).
    for (let n = a; n < a + 5; n++) expect(entry(dev, fat, n)).toBe(n + 1);
    setEntry(dev, fat, a + 5, a + 2);
    const copy = dev.bytes.slice();
    expect(() => resize(dev, 60 * MIB)).toThrow(new RegExp(`shares cluster ${a + 2} with another file \\(or loops\\)`));
    expect(Buffer.compare(dev.bytes, copy)).toBe(0);
  });
});
