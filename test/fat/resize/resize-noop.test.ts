/**
 * resize to the size the volume already has is a no-op: no write, no flush, in place and planned;
 * into another device the copy is still written. A device that holds no FAT volume is refused in
 * the words the rest of fatkit uses.
 */
import { describe, expect, it } from 'vitest';
import { FatError, MemoryDevice, Volume, encodeMbr, mkfs, resize, type FatType } from '../../../src/index.js';

const NOW = (): Date => new Date(Date.UTC(2024, 4, 6, 7, 8, 10));
const MIB = 1024 * 1024;

/** A populated volume whose writes and flushes are counted. */
function counted(fatType: FatType, bytes: number): { dev: MemoryDevice; writes: () => number } {
  const dev = new MemoryDevice(bytes);
  mkfs(dev, { fatType, size: bytes, volumeId: 0x12345678, time: NOW() });
  const vol = Volume.open(dev, { now: NOW });
  vol.mkdir('/a/b', { recursive: true });
  for (let i = 0; i < 20; i++) vol.writeFile(`/a/${i % 2 ? 'b/' : ''}f${i}.bin`, new Uint8Array(3000 + i * 700).fill(i));
  vol.close();
  let n = 0;
  const write = dev.write.bind(dev);
  const flush = dev.flush.bind(dev);
  dev.write = (lba: number, data: Uint8Array): void => {
    n++;
    write(lba, data);
  };
  dev.flush = (): void => {
    n++;
    flush();
  };
  return { dev, writes: () => n };
}

describe('resize to the size it has', () => {
  it.each([[12, 2 * MIB], [16, 16 * MIB], [32, 40 * MIB]] as [FatType, number][])('FAT%i: nothing is written, from is to', (fatType, bytes) => {
    const { dev, writes } = counted(fatType, bytes);
    const before = dev.bytes.slice();
    for (const size of [bytes, bytes + 100]) {
      const r = resize(dev, size);
      expect(r).toMatchObject({ unchanged: true, clustersToMove: 0, bytesToMove: 0, typeChange: null, dryRun: false, inPlace: true, bytes });
      expect(r.to).toEqual(r.from);
      expect(r.clustersUsed).toBeGreaterThan(20);
      expect(resize(dev, size, { dryRun: true })).toEqual({ ...r, dryRun: true });
      expect(resize(dev, size, { dryRun: true, copy: true }).unchanged).toBe(true);
    }
    expect(writes()).toBe(0);
    expect(Buffer.compare(dev.bytes, before)).toBe(0);
    // Another size, or another cluster size, is not a no-op.
    expect(resize(dev, bytes - 512 * 64, { dryRun: true }).unchanged).toBe(false);
    expect(resize(dev, bytes, { dryRun: true, copy: true, clusterSize: 8192 }).unchanged).toBe(false);
  });

  it('min when the volume is its smallest already; a copy into another device is still written', () => {
    const { dev } = counted(16, 16 * MIB);
    const plan = resize(dev, 'min', { dryRun: true, copy: true });
    const out = new MemoryDevice(plan.bytes);
    expect(resize(dev, 'min', { target: out }).unchanged).toBe(false);
    const again = resize(out, 'min', { dryRun: true, copy: true });
    expect(again.unchanged).toBe(true);
    const copy = new MemoryDevice(again.bytes);
    const r = resize(out, 'min', { target: copy });
    expect(r.unchanged).toBe(false);
    expect(copy.bytes.some((b) => b !== 0)).toBe(true);
  });
});

describe('resize of what holds no FAT volume', () => {
  it('says "not a FAT image", as the rest of fatkit does, naming a partition table', () => {
    const junk = new MemoryDevice(new Uint8Array(8192).fill(0x41));
    const err = (dev: MemoryDevice): FatError => {
      try {
        resize(dev, 4 * MIB);
      } catch (e) {
        return e as FatError;
      }
      throw new Error('no error');
    };
    const e = err(junk);
    expect(e).toBeInstanceOf(FatError);
    expect(e.code).toBe('FAT_NOT_FAT');
    expect(e.message).toBe('not a FAT image: no FAT boot sector (no boot jump and no 55 AA signature) and no partition table');
    const disk = new MemoryDevice(4 * MIB);
    disk.write(0, encodeMbr({ start: 2048, count: 4096, type: 0x0e, sectorSize: 512, diskSignature: 1, heads: 64, sectorsPerTrack: 32 }));
    expect(err(disk).message).toMatch(/^not a FAT image: no FAT boot sector \(.+\) but an MBR partition table: resize a partition of it \(--partition N\)$/);
  });
});

describe('min in place', () => {
  it('a second min in place is a no-op, not ENOSPC (the smallest size it can reach is the one it has)', () => {
    const dev = new MemoryDevice(16 * MIB);
    mkfs(dev, { fatType: 16, size: 16 * MIB, volumeId: 0x12345678, time: NOW() });
    const vol = Volume.open(dev, { now: NOW });
    vol.writeFile('/index.html', '<h1>hi</h1>'.repeat(500));
    vol.mkdir('/docs');
    vol.writeFile('/docs/a.txt', 'a'.repeat(70_000));
    vol.close();
    const first = resize(dev, 'min');
    expect(first.unchanged).toBe(false);
    const shrunk = new MemoryDevice(dev.bytes.slice(0, first.bytes));
    const before = shrunk.bytes.slice();
    // The plain minimum is smaller, but in place there is no room to move what is in its way.
    expect(resize(shrunk, 'min', { dryRun: true, copy: true }).bytes).toBeLessThan(first.bytes);
    const again = resize(shrunk, 'min');
    expect(again).toMatchObject({ unchanged: true, bytes: first.bytes, clustersToMove: 0 });
    expect(resize(shrunk, 'min', { dryRun: true })).toEqual({ ...again, dryRun: true });
    expect(Buffer.compare(shrunk.bytes, before)).toBe(0);
    const vol2 = Volume.open(shrunk, { readOnly: true });
    expect(vol2.readFile('/docs/a.txt', 'utf8')).toBe('a'.repeat(70_000));
    vol2.close();
  });
});
