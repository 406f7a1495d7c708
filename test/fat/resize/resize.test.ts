/**
 * resize (issue #17): the cases the property test may not draw. Growing moves only the clusters
 * under the grown FATs; the boot sector keeps what it said; conversions both ways; refusals that
 * change no byte; images written by mtools; another cluster size.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FatError, MemoryDevice, Volume, mkfs, resize, type FatType } from '../../../src/index.js';
import { auditImage, haveOracles, mkfsImage, oracleEnv } from '../oracle-helpers.js';
import { snapshot, verifyResized } from './resize-helpers.js';

const NOW = (): Date => new Date(Date.UTC(2024, 4, 6, 7, 8, 10));
const MIB = 1024 * 1024;
const fill = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed * 5 + (i >> 10)) & 0xff);

function volumeWith(fatType: FatType, bytes: number, deviceBytes: number, files: number, fileBytes: number, opts: Parameters<typeof mkfs>[1] = {}): MemoryDevice {
  const dev = new MemoryDevice(deviceBytes);
  mkfs(dev, { fatType, size: bytes, volumeId: 0xcafe1234, label: 'KEEPME', time: NOW(), ...opts });
  const vol = Volume.open(dev, { now: NOW });
  vol.mkdir('/dir/sub', { recursive: true });
  for (let i = 0; i < files; i++) vol.writeFile(`/${i % 3 === 0 ? 'dir/sub' : i % 3 === 1 ? 'dir' : ''}/file number ${i}.bin`, fill(fileBytes + i, i));
  for (let i = 0; i < files; i += 4) vol.rm(`/${i % 3 === 0 ? 'dir/sub' : i % 3 === 1 ? 'dir' : ''}/file number ${i}.bin`);
  vol.close();
  return dev;
}

describe('resize: growing', () => {
  it('moves only the clusters under the grown FATs and keeps the others in place', () => {
    const dev = volumeWith(32, 40 * MIB, 90 * MIB, 60, 100_000, { sectorsPerCluster: 1 });
    const before = snapshot(dev.bytes.slice(0, 40 * MIB));
    const old = auditImage(dev.bytes.slice(0, 40 * MIB));
    const r = resize(dev, 90 * MIB);
    const now = auditImage(dev.bytes.slice(0, r.bytes));
    expect(r.typeChange).toBeNull();
    const grownFatSectors = r.to.numFats * (r.to.fatSize - r.from.fatSize) + (r.to.reservedSectors - r.from.reservedSectors);
    expect(r.clustersToMove).toBeGreaterThan(0);
    expect(r.clustersToMove).toBeLessThanOrEqual(grownFatSectors / (r.to.clusterSize / 512));
    // Files past the grown FATs keep their place on the device (only their cluster numbers change).
    const last = [...old.entries.values()].filter((e) => e.type === 'file' && e.size > 0).sort((a, b) => b.firstCluster - a.firstCluster).slice(0, 10);
    expect(last.length).toBe(10);
    for (const e of last) expect(now.clusterOffset(now.entries.get(e.path)!.firstCluster), e.path).toBe(old.clusterOffset(e.firstCluster));
    verifyResized(dev.bytes.slice(0, r.bytes), before, 'FAT32 40 MiB -> 90 MiB');
  });

  it('keeps the boot code, OEM name, volume id, label, media, hidden sectors, and the backup boot sector in step', () => {
    const dev = volumeWith(32, 36 * MIB, 80 * MIB, 10, 5000, { sectorsPerCluster: 1, hiddenSectors: 2048, oemName: 'MSWIN4.1' });
    const old = dev.bytes.slice(0, 512);
    old.fill(0x90, 0x5a + 30, 0x5a + 40); // boot code of someone else's
    dev.bytes.set(old.subarray(0x5a, 510), 0x5a);
    dev.bytes.set(dev.bytes.subarray(0, 512), 6 * 512);
    const r = resize(dev, 80 * MIB);
    const b = dev.bytes;
    expect(Buffer.compare(b.subarray(0x5a, 512), old.subarray(0x5a, 512))).toBe(0);
    expect(Buffer.from(b.subarray(3, 11)).toString('latin1')).toBe('MSWIN4.1');
    expect(Buffer.from(b.subarray(67, 71)).readUInt32LE(0)).toBe(0xcafe1234);
    expect(Buffer.from(b.subarray(71, 82)).toString('latin1')).toBe('KEEPME     ');
    expect(b[21]).toBe(old[21]);
    expect(Buffer.from(b.subarray(28, 32)).readUInt32LE(0)).toBe(2048);
    expect(Buffer.from(b.subarray(32, 36)).readUInt32LE(0)).toBe(r.to.totalSectors);
    expect(Buffer.compare(b.subarray(6 * 512, 7 * 512), b.subarray(0, 512))).toBe(0);
    // FSInfo and its backup: the free count of the new volume.
    const free = Buffer.from(b.subarray(512 + 488, 512 + 492)).readUInt32LE(0);
    expect(free).toBe(r.to.clusterCount - r.clustersUsed);
    expect(Buffer.compare(b.subarray(7 * 512, 8 * 512), b.subarray(512, 1024))).toBe(0);
  });
});

describe('resize: where the new FATs go in place', () => {
  it('after the old metadata, or back before the old FATs when they fit there', () => {
    const dev = volumeWith(16, 40 * MIB, 80 * MIB, 20, 30_000, { reservedSectors: 8000 });
    const before = snapshot(dev.bytes.slice(0, 40 * MIB));
    const r = resize(dev, 80 * MIB);
    // The old reserved area is large enough: the new FATs go back to the usual place before the old ones.
    expect(r.to.reservedSectors).toBeLessThan(8000);
    verifyResized(dev.bytes.slice(0, r.bytes), before, 'back before the old FATs');
    const r2 = resize(dev, 60 * MIB);
    // Now they must follow the old metadata.
    expect(r2.to.reservedSectors).toBeGreaterThanOrEqual(r.to.dataStart);
    verifyResized(dev.bytes.slice(0, r2.bytes), before, 'after the old metadata');
  });
});

describe('resize: type conversion', () => {
  it('FAT12 -> FAT16 -> FAT32 -> FAT16 -> FAT12, every step checked', () => {
    const dev = volumeWith(12, 4 * MIB, 200 * MIB, 30, 20_000, { sectorsPerCluster: 2 });
    const before = snapshot(dev.bytes.slice(0, 4 * MIB));
    const steps: [number | 'min', string | null][] = [[24 * MIB, 'FAT12 -> FAT16'], [70 * MIB, 'FAT16 -> FAT32'], [80 * MIB, null], [30 * MIB, 'FAT32 -> FAT16'], ['min', 'FAT16 -> FAT12']];
    for (const [size, change] of steps) {
      const r = resize(dev, size);
      expect(r.typeChange, String(size)).toBe(change);
      verifyResized(dev.bytes.slice(0, r.bytes), before, `-> ${size} (${r.typeChange})`);
    }
  });

  it('with keepType refuses, naming the largest (or smallest) size the type allows, and writes nothing', () => {
    const dev = volumeWith(16, 24 * MIB, 600 * MIB, 10, 5000);
    const original = dev.bytes.slice();
    expect(() => resize(dev, 600 * MIB, { keepType: true })).toThrow(/too large for FAT16 .*the largest is [\d.]+ MiB/);
    const small = volumeWith(32, 40 * MIB, 40 * MIB, 10, 5000, { sectorsPerCluster: 1 });
    const smallOriginal = small.bytes.slice();
    expect(() => resize(small, 30 * MIB, { keepType: true })).toThrow(/too small: the smallest FAT32 volume .* is [\d.]+ MiB/);
    expect(Buffer.compare(dev.bytes, original)).toBe(0);
    expect(Buffer.compare(small.bytes, smallOriginal)).toBe(0);
  });
});

describe('resize: refusals change no byte', () => {
  it('a shrink that cannot fit names the minimum, which then works', () => {
    const dev = volumeWith(16, 24 * MIB, 24 * MIB, 40, 200_000);
    const original = dev.bytes.slice();
    let message = '';
    try {
      resize(dev, 5 * MIB);
    } catch (e) {
      expect(e).toBeInstanceOf(FatError);
      expect((e as FatError).code).toBe('ENOSPC');
      message = (e as Error).message;
    }
    expect(message).toMatch(/too small for the data: the volume needs at least .* \((\d+) bytes\)/);
    expect(Buffer.compare(dev.bytes, original)).toBe(0);
    const min = Number(/\((\d+) bytes\)/.exec(message)![1]);
    const before = snapshot(dev.bytes.slice(0, 24 * MIB));
    const r = resize(dev, min);
    expect(r.bytes).toBe(min);
    verifyResized(dev.bytes.slice(0, r.bytes), before, 'at the named minimum');
  });

  it('a volume with cross-linked chains is refused (FAT_CORRUPT), unchanged', () => {
    const dev = volumeWith(16, 16 * MIB, 32 * MIB, 12, 5000);
    // Point the second file's entry at the first one's cluster.
    const bytes = dev.bytes;
    const rootOff = (1 + 2 * (bytes[22] | (bytes[23] << 8))) * 512;
    const entries: number[] = [];
    for (let o = rootOff; o < rootOff + 512 * 32; o += 32) if (bytes[o] !== 0 && bytes[o] !== 0xe5 && bytes[o + 11] === 0x20) entries.push(o);
    expect(entries.length).toBeGreaterThanOrEqual(2);
    const clean = bytes.slice();
    bytes[entries[1] + 26] = bytes[entries[0] + 26];
    bytes[entries[1] + 27] = bytes[entries[0] + 27];
    const original = bytes.slice();
    expect(() => resize(dev, 32 * MIB)).toThrow(/shares cluster \d+ with another file/);
    expect(Buffer.compare(dev.bytes, original)).toBe(0);
    // A chain that loops, and one that leaves the volume: refused the same way, bounded.
    const fatOff = (clean[14] | (clean[15] << 8)) * 512;
    for (const [value, message] of [[2, /shares cluster|loops/], [0xfff0, /outside 2\.\./]] as const) {
      const bad = new MemoryDevice(clean.slice());
      const first = bad.bytes[entries[0] + 26] | (bad.bytes[entries[0] + 27] << 8);
      bad.bytes[fatOff + 2 * first] = value & 0xff;
      bad.bytes[fatOff + 2 * first + 1] = value >> 8;
      const copy = bad.bytes.slice();
      expect(() => resize(bad, 24 * MIB)).toThrow(message);
      expect(Buffer.compare(bad.bytes, copy)).toBe(0);
    }
  });

  it('another cluster size moves every cluster: refused in place, done into another device', () => {
    const dev = volumeWith(16, 16 * MIB, 16 * MIB, 20, 30_000);
    const before = snapshot(dev.bytes.slice());
    const original = dev.bytes.slice();
    expect(() => resize(dev, 16 * MIB, { clusterSize: 512 })).toThrow(/in place/);
    expect(Buffer.compare(dev.bytes, original)).toBe(0);
    for (const cs of [512, 16384]) {
      const plan = resize(dev, 16 * MIB, { clusterSize: cs, dryRun: true, copy: true });
      const out = new MemoryDevice(plan.bytes);
      const r = resize(dev, 16 * MIB, { clusterSize: cs, target: out });
      expect(r.to.clusterSize).toBe(cs);
      verifyResized(out.bytes.slice(0, r.bytes), before, `cluster size ${cs}`);
    }
    expect(Buffer.compare(dev.bytes, original)).toBe(0);
  });
});

describe.skipIf(!haveOracles)('resize: images written by mtools', () => {
  it('grows and shrinks an mkfs.fat + mcopy image in place', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-resize-mtools-'));
    try {
      const tree = path.join(dir, 'tree');
      for (let i = 0; i < 40; i++) {
        const p = path.join(tree, `d${i % 4}`, i % 2 ? `Long name ${i}.txt` : `f${i}.bin`);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, fill(3000 * i + 7, i));
        fs.utimesSync(p, new Date(Date.UTC(2020, 1, i % 28 + 1)), new Date(Date.UTC(2020, 1, i % 28 + 1)));
      }
      for (const [fat, kib] of [[16, 20 * 1024], [32, 40 * 1024], [12, 3 * 1024]] as const) {
        const img = path.join(dir, `m${fat}.img`);
        mkfsImage(img, kib, ['-F', String(fat), ...(fat === 32 ? ['-s', '1'] : [])]);
        execFileSync('mcopy', ['-i', img, '-s', '-m', path.join(tree, 'd0'), path.join(tree, 'd1'), path.join(tree, 'd2'), path.join(tree, 'd3'), '::/'], { env: oracleEnv });
        execFileSync('mdel', ['-i', img, '::/d0/f4.bin', '::/d0/f8.bin', '::/d1/Long name 5.txt'], { env: oracleEnv });
        execFileSync('mdeltree', ['-i', img, '::/d2'], { env: oracleEnv });
        const bytes = new Uint8Array(fs.readFileSync(img));
        const before = snapshot(bytes, /^backup FSInfo/); // mtools leaves the backup FSInfo as mkfs.fat wrote it
        for (const factor of [2.5, 0.6]) {
          const size = Math.floor((kib * 1024 * factor) / 4096) * 4096;
          const dev = new MemoryDevice(Math.max(bytes.length, size));
          dev.bytes.set(bytes);
          const r = resize(dev, size);
          verifyResized(dev.bytes.slice(0, r.bytes), before, `mtools FAT${fat} x${factor} (${r.typeChange ?? 'same type'})`);
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
