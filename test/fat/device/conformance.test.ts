/**
 * One conformance suite for every BlockDevice backend: memory, file, mmap, and a slice over each.
 * Under CI a missing mmap-io fails the mmap runs instead of skipping them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../../src/fat/device/block-device.js';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { FileDevice } from '../../../src/fat/device/file.js';
import { MmapDevice, mmapAvailable, mmapUnavailableReason } from '../../../src/fat/device/mmap.js';
import { SliceDevice } from '../../../src/fat/device/slice.js';
import { FatError } from '../../../src/fat/errors.js';
import { expectBytes } from './bytes.js';
import { runMmap } from './mmap-env.js';

/** A device under test plus ways to look at its storage from outside the device. */
interface Made {
  dev: BlockDevice;
  /** The bytes of the device's region as stored right now (read from the file for file backends). */
  stored(): Uint8Array;
  /** The bytes around the region too (a slice's neighbours), to prove nothing else was written. */
  storedAll(): Uint8Array;
  /** A fresh device over the same storage (the file reopened). */
  reopen(): BlockDevice;
}

type Factory = (sectorSize: number, sectors: number, options: { readOnly?: boolean; init?: Uint8Array }) => Made;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-conformance-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
let fileNo = 0;

function imageFile(bytes: Uint8Array): string {
  const p = path.join(work, `dev-${fileNo++}.img`);
  fs.writeFileSync(p, bytes);
  return p;
}

const memory: Factory = (ss, n, { readOnly, init }) => {
  const bytes = init ? init.slice() : new Uint8Array(ss * n);
  return {
    dev: new MemoryDevice(bytes, { sectorSize: ss, readOnly }),
    stored: () => bytes,
    storedAll: () => bytes,
    reopen: () => new MemoryDevice(bytes, { sectorSize: ss }),
  };
};

const fileBacked = (open: (p: string, ss: number, readOnly: boolean) => BlockDevice): Factory => (ss, n, { readOnly, init }) => {
  const p = imageFile(init ?? new Uint8Array(ss * n));
  const read = (): Uint8Array => new Uint8Array(fs.readFileSync(p));
  return { dev: open(p, ss, readOnly ?? false), stored: read, storedAll: read, reopen: () => open(p, ss, true) };
};

const file = fileBacked((p, ss, readOnly) => FileDevice.open(p, { sectorSize: ss, readOnly }));
/** One page per window: every multi-sector test spans windows, and a whole-device pass evicts. */
const mmap = fileBacked((p, ss, readOnly) => MmapDevice.open(p, { sectorSize: ss, readOnly, windowBytes: 1 }));

/** A slice at sector 3 of a base two sectors longer on each side... plus some. */
const sliced = (base: Factory): Factory => (ss, n, { readOnly, init }) => {
  const before = 3;
  const after = 5;
  let baseInit: Uint8Array | undefined;
  if (init) {
    baseInit = new Uint8Array((before + n + after) * ss).fill(0xee);
    baseInit.set(init, before * ss);
  }
  const b = base(ss, before + n + after, { readOnly, init: baseInit });
  const region = (all: Uint8Array): Uint8Array => all.slice(before * ss, (before + n) * ss);
  return {
    dev: new SliceDevice(b.dev, before, n),
    stored: () => region(b.stored()),
    storedAll: () => b.storedAll(),
    reopen: () => new SliceDevice(b.reopen(), before, n, { ownsBase: true }),
  };
};

function pattern(bytes: number, seed: number): Uint8Array {
  const b = new Uint8Array(bytes);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

function expectFatError(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected FatError ${code}`).toBeInstanceOf(FatError);
  expect((thrown as FatError).code).toBe(code);
  expect((thrown as FatError).message).not.toMatch(/\n/);
}

const SECTORS = 40;

function conformance(name: string, make: Factory): void {
  describe.each([512, 4096])(`${name} (%i-byte sectors)`, (ss) => {
    const opened: BlockDevice[] = [];
    const mk = (options: { readOnly?: boolean; init?: Uint8Array } = {}): Made => {
      const m = make(ss, SECTORS, options);
      opened.push(m.dev);
      return m;
    };
    afterAll(() => opened.forEach((d) => d.close()));

    it('reports its geometry', () => {
      const { dev } = mk();
      expect(dev.sectorSize).toBe(ss);
      expect(dev.sectorCount).toBe(SECTORS);
      expect(dev.readOnly).toBe(false);
    });

    it('reads back what it wrote, one sector at a time, and stores it in place', () => {
      const m = mk();
      for (const lba of [0, 1, 7, SECTORS - 1]) m.dev.write(lba, pattern(ss, lba + 1));
      for (const lba of [0, 1, 7, SECTORS - 1]) {
        const got = new Uint8Array(ss);
        m.dev.read(lba, got);
        expectBytes(got, pattern(ss, lba + 1));
        expectBytes(m.stored().subarray(lba * ss, (lba + 1) * ss), pattern(ss, lba + 1));
      }
      const untouched = new Uint8Array(ss);
      m.dev.read(2, untouched);
      expectBytes(untouched, new Uint8Array(ss));
    });

    it('moves many sectors in one transfer, and reads sub-ranges of them', () => {
      const m = mk();
      const data = pattern(11 * ss, 42);
      m.dev.write(5, data);
      const part = new Uint8Array(4 * ss);
      m.dev.read(9, part);
      expectBytes(part, data.subarray(4 * ss, 8 * ss));
      const whole = new Uint8Array(SECTORS * ss);
      m.dev.read(0, whole);
      expectBytes(whole.subarray(5 * ss, 16 * ss), data);
      expectBytes(whole, m.stored());
    });

    it('writes and reads the whole device in one transfer', () => {
      const m = mk();
      const data = pattern(SECTORS * ss, 7);
      m.dev.write(0, data);
      const back = new Uint8Array(SECTORS * ss);
      m.dev.read(0, back);
      expectBytes(back, data);
      expectBytes(m.stored(), data);
    });

    it('refuses access past the end with EIO and writes nothing', () => {
      const m = mk({ init: pattern(SECTORS * ss, 3) });
      const before = m.storedAll().slice();
      expectFatError(() => m.dev.write(SECTORS - 1, new Uint8Array(2 * ss).fill(0xaa)), 'EIO');
      expectFatError(() => m.dev.write(SECTORS, new Uint8Array(ss).fill(0xaa)), 'EIO');
      expectFatError(() => m.dev.read(SECTORS - 2, new Uint8Array(3 * ss)), 'EIO');
      expectFatError(() => m.dev.read(2 ** 40, new Uint8Array(ss)), 'EIO');
      expectBytes(m.storedAll(), before);
    });

    it('refuses bad sector numbers and partial sectors with EINVAL', () => {
      const m = mk();
      const before = m.storedAll().slice();
      expectFatError(() => m.dev.read(-1, new Uint8Array(ss)), 'EINVAL');
      expectFatError(() => m.dev.read(1.5, new Uint8Array(ss)), 'EINVAL');
      expectFatError(() => m.dev.read(0, new Uint8Array(ss + 1)), 'EINVAL');
      expectFatError(() => m.dev.read(0, new Uint8Array(ss / 2)), 'EINVAL');
      expectFatError(() => m.dev.write(0, new Uint8Array(ss - 1).fill(1)), 'EINVAL');
      expectFatError(() => m.dev.write(0, new Uint8Array(2 * ss + 256).fill(1)), 'EINVAL');
      expectBytes(m.storedAll(), before);
    });

    it('is read-only when opened so: reads work, writes throw EROFS', () => {
      const init = pattern(SECTORS * ss, 9);
      const m = mk({ readOnly: true, init });
      expect(m.dev.readOnly).toBe(true);
      const got = new Uint8Array(2 * ss);
      m.dev.read(SECTORS - 2, got);
      expectBytes(got, init.subarray((SECTORS - 2) * ss));
      expectFatError(() => m.dev.write(0, new Uint8Array(ss)), 'EROFS');
      m.dev.flush();
      expectBytes(m.stored(), init);
    });

    it('throws EBADF for every operation once closed, and closes twice quietly', () => {
      const m = mk();
      m.dev.close();
      m.dev.close();
      expectFatError(() => m.dev.read(0, new Uint8Array(ss)), 'EBADF');
      expectFatError(() => m.dev.write(0, new Uint8Array(ss)), 'EBADF');
      expectFatError(() => m.dev.flush(), 'EBADF');
    });

    it('persists flushed writes: a reopened device reads them', () => {
      const m = mk();
      const data = pattern(6 * ss, 77);
      m.dev.write(SECTORS - 6, data);
      m.dev.write(0, pattern(ss, 78));
      m.dev.flush();
      m.dev.close();
      const again = m.reopen();
      try {
        const got = new Uint8Array(6 * ss);
        again.read(SECTORS - 6, got);
        expectBytes(got, data);
        const first = new Uint8Array(ss);
        again.read(0, first);
        expectBytes(first, pattern(ss, 78));
      } finally {
        again.close();
      }
      expectBytes(m.stored().subarray((SECTORS - 6) * ss), data);
    });
  });
}

// Under CI the mmap backend is not optional: a missing or unbuilt mmap-io must fail, not skip.

conformance('MemoryDevice', memory);
conformance('FileDevice', file);
conformance('SliceDevice over MemoryDevice', sliced(memory));
conformance('SliceDevice over FileDevice', sliced(file));
if (runMmap) {
  describe('mmap-io', () => {
    it('loads', () => expect(mmapAvailable(), mmapUnavailableReason()).toBe(true));
  });
  conformance('MmapDevice', mmap);
  conformance('SliceDevice over MmapDevice', sliced(mmap));
} else {
  describe.skip(`MmapDevice (mmap-io unavailable: ${mmapUnavailableReason()})`, () => {
    it('conformance', () => undefined);
  });
}
