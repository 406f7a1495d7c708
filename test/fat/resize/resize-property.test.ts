/**
 * Property tests of resize (issue #17): random trees on random volumes (FAT12/16/32, 512- and
 * 4096-byte sectors), fragmented by random deletes and appends, resized to random sizes up and
 * down and to 'min', in place and into another device. Every entry stays byte for byte (but its
 * cluster), every file's data stays, the audit, check, fsck.fat, mtools and 7-Zip agree. A resize
 * that cannot be done changes no byte.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FatError, MemoryDevice, Volume, mkfs, resize, type FatType } from '../../../src/index.js';
import { snapshot, verifyResized } from './resize-helpers.js';

const NOW = (): Date => new Date(Date.UTC(2024, 4, 6, 7, 8, 10));
const MIB = 1024 * 1024;
const NAMES = ['a.txt', 'README', 'Long File Name.data', 'x', 'photo.JPG', 'zz top.md', 'Ünïcode.txt', 'lower.c', 'MiXeD.Case'];

interface Op { kind: 'write' | 'rm' | 'append' | 'mkdir'; dir: number; name: number; size: number; attr: number; mtime: number }

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('write', 'write', 'write', 'rm', 'append', 'mkdir'),
  dir: fc.integer({ min: 0, max: 5 }),
  name: fc.integer({ min: 0, max: NAMES.length - 1 }),
  size: fc.oneof(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 30_000, max: 400_000 })),
  attr: fc.constantFrom(0x20, 0x21, 0x22, 0x24, 0x00),
  mtime: fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2030, 0, 1) }),
});

interface Volume0 { type: FatType; sectorSize: number; bytes: number }
const volumes: Volume0[] = [
  { type: 12, sectorSize: 512, bytes: 2 * MIB },
  { type: 12, sectorSize: 4096, bytes: 8 * MIB },
  { type: 16, sectorSize: 512, bytes: 24 * MIB },
  { type: 16, sectorSize: 4096, bytes: 40 * MIB },
  { type: 32, sectorSize: 512, bytes: 40 * MIB },
];
const DIRS = ['/', '/docs', '/docs/deep', '/src', '/Photos 2024', '/src/a/b'];

const fill = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + (i >> 9)) & 0xff);

function makeVolume(v: Volume0, ops: Op[], deviceBytes: number): MemoryDevice {
  const dev = new MemoryDevice(deviceBytes, { sectorSize: v.sectorSize });
  mkfs(dev, { fatType: v.type, size: v.bytes, volumeId: 0x1234abcd, time: NOW(), sectorsPerCluster: v.type === 32 || v.sectorSize === 4096 ? 1 : undefined, label: 'RESIZE' });
  const vol = Volume.open(dev, { now: NOW });
  let seed = 0;
  for (const op of ops) {
    const dir = DIRS[op.dir];
    const p = `${dir === '/' ? '' : dir}/${NAMES[op.name]}`;
    try {
      if (op.kind === 'mkdir') vol.mkdir(`${p}.d`, { recursive: true });
      else if (op.kind === 'rm') { if (vol.exists(p)) vol.rm(p); }
      else if (op.kind === 'append') { if (vol.exists(p)) vol.appendFile(p, fill(op.size >> 2, seed++)); }
      else {
        vol.mkdir(dir, { recursive: true });
        vol.writeFile(p, fill(op.size, seed++), { mtime: new Date(op.mtime), attributes: op.attr });
      }
    } catch (e) {
      if (!(e instanceof FatError) || !['ENOSPC', 'EISDIR', 'ENOTDIR', 'EEXIST'].includes(e.code)) throw e;
    }
  }
  vol.close();
  return dev;
}

describe('resize: random trees, random sizes', () => {
  it('keeps every entry and byte, and the oracles agree', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: volumes.length - 1 }),
        fc.array(opArb, { minLength: 5, maxLength: 80 }),
        fc.oneof(fc.double({ min: 0.2, max: 4, noNaN: true }), fc.constant(0), fc.double({ min: -1, max: -0.01, noNaN: true })),
        fc.boolean(),
        (vi, ops, factor, copy) => {
          const v = volumes[vi];
          // factor < 0: between the minimum and the old size, where the clusters past the end must move.
          let target: number | 'min' = factor === 0 ? 'min' : Math.floor((v.bytes * factor) / v.sectorSize) * v.sectorSize;
          const dev = makeVolume(v, ops, Math.max(v.bytes, typeof target === 'number' && target > 0 ? target : 0));
          if (factor < 0) {
            const min = resize(dev, 'min', { dryRun: true, keepType: true }).bytes;
            target = Math.floor((min + (v.bytes - min) * -factor) / v.sectorSize) * v.sectorSize;
          }
          const before = snapshot(dev.bytes.slice(0, v.bytes));
          const original = dev.bytes.slice();
          const what = `FAT${v.type}/${v.sectorSize} ${v.bytes} -> ${target}${copy ? ' (copy)' : ''}`;
          let out: MemoryDevice | undefined;
          let r;
          try {
            if (copy) {
              const plan = resize(dev, target, { dryRun: true, copy: true });
              out = new MemoryDevice(plan.bytes, { sectorSize: v.sectorSize });
              r = resize(dev, target, { target: out });
            } else r = resize(dev, target);
          } catch (e) {
            // Too small for the data, or a size no FAT volume of this cluster size has: nothing written.
            expect(e instanceof FatError && ['ENOSPC', 'EINVAL'].includes(e.code), `${what}: ${String(e)}`).toBe(true);
            expect(Buffer.compare(dev.bytes, original), what).toBe(0);
            return;
          }
          const img = (out ?? dev).bytes.slice(0, r.bytes);
          if (copy) expect(Buffer.compare(dev.bytes, original), `${what}: the source is left as it was`).toBe(0);
          verifyResized(img, before, `${what} (${r.typeChange ?? 'same type'}, ${r.clustersToMove} moved)`);
        },
      ),
      { seed: 17, numRuns: 24, endOnFailure: true },
    );
  });
});
