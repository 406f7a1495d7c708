/**
 * A dry run plans exactly what the resize then does (in place, the moves and the directories'
 * new clusters are planned before the first write): the same result but `dryRun`, and no write.
 */
import { describe, expect, it } from 'vitest';
import { MemoryDevice, Volume, mkfs, resize, type FatType } from '../../../src/index.js';

const NOW = (): Date => new Date(Date.UTC(2024, 4, 6, 7, 8, 10));
const MIB = 1024 * 1024;

function volume(fatType: FatType, bytes: number, deviceBytes: number): MemoryDevice {
  const dev = new MemoryDevice(deviceBytes);
  mkfs(dev, { fatType, size: bytes, volumeId: 0x1234abcd, time: NOW(), sectorsPerCluster: fatType === 32 ? 1 : undefined });
  const vol = Volume.open(dev, { now: NOW });
  vol.mkdir('/a/b/c', { recursive: true });
  for (let i = 0; i < 30; i++) vol.writeFile(`/${['a', 'a/b', 'a/b/c'][i % 3]}/f${i}.bin`, new Uint8Array(2000 + i * 900).fill(i + 1));
  for (let i = 0; i < 30; i += 4) vol.rm(`/${['a', 'a/b', 'a/b/c'][i % 3]}/f${i}.bin`);
  vol.close();
  return dev;
}

describe('resize --dry-run', () => {
  it.each([
    [16, 16 * MIB, 40 * MIB, false],
    [16, 16 * MIB, 40 * MIB, true],
    [32, 40 * MIB, 60 * MIB, false],
    [12, 1 * MIB, 3 * MIB, false],
    [16, 16 * MIB, 10 * MIB, false],
  ] as [FatType, number, number, boolean][])('FAT%i %i -> %i (copy: %s): the plan is the result', (fatType, from, to, copy) => {
    const dev = volume(fatType, from, Math.max(from, to));
    const before = dev.bytes.slice();
    const plan = resize(dev, to, { dryRun: true, copy });
    expect(Buffer.compare(dev.bytes, before)).toBe(0);
    const out = copy ? new MemoryDevice(plan.bytes) : undefined;
    const r = resize(dev, to, out ? { target: out } : {});
    expect(plan).toEqual({ ...r, dryRun: true });
    expect(r.clustersToMove).toBeGreaterThan(0);
  });
});

describe('resize in place without room for the directories', () => {
  it('fails before the first write (bad clusters leave room for the moves, not for the directories)', () => {
    // Data at the end, which a shrink must move.
    const dev = new MemoryDevice(16 * MIB);
    mkfs(dev, { fatType: 16, size: 16 * MIB, volumeId: 0x1234abcd, time: NOW() });
    const vol = Volume.open(dev, { now: NOW });
    vol.mkdir('/a/b', { recursive: true });
    for (let i = 0; i < 6; i++) vol.writeFile(`/a/f${i}.bin`, new Uint8Array(5000).fill(i + 1));
    const free = vol.info().freeClusters;
    const cs = vol.info().clusterSize;
    vol.writeFile('/pad.bin', new Uint8Array((free - 8) * cs));
    vol.writeFile('/a/b/late.bin', new Uint8Array(3 * cs).fill(9));
    vol.rm('/pad.bin');
    vol.close();
    const target = 12 * MIB;
    const plan = resize(dev, target, { dryRun: true });
    const spc = plan.to.clusterSize / 512;
    const shift = (plan.to.dataStart - plan.from.dataStart) / spc;
    const lo = shift + 2;
    const hi = plan.to.clusterCount + 1 + shift;
    // The FAT: count the clusters in use outside lo..hi, and mark bad all free ones inside but as many.
    const b = dev.bytes;
    const fat = (b[14] | (b[15] << 8)) * 512;
    const entry = (n: number): number => b[fat + 2 * n] | (b[fat + 2 * n + 1] << 8);
    let movers = 0;
    const freeInside: number[] = [];
    for (let n = 2; n <= plan.from.clusterCount + 1; n++) {
      if (n < lo || n > hi) movers += entry(n) !== 0 ? 1 : 0;
      else if (entry(n) === 0) freeInside.push(n);
    }
    expect(movers).toBeGreaterThan(0);
    for (const n of freeInside.slice(movers)) {
      for (let c = 0; c < plan.from.numFats; c++) {
        b[fat + c * plan.from.fatSize * 512 + 2 * n] = 0xf7;
        b[fat + c * plan.from.fatSize * 512 + 2 * n + 1] = 0xff;
      }
    }
    const before = dev.bytes.slice();
    expect(() => resize(dev, target, { dryRun: true })).toThrow(/needs free clusters to write the directories anew/);
    expect(() => resize(dev, target)).toThrow(/needs free clusters to write the directories anew/);
    expect(Buffer.compare(dev.bytes, before)).toBe(0);
  });
});
