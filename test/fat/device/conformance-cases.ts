/**
 * The block-device conformance cases, free of vitest and of `node:` so that the same cases run
 * in Node (conformance.test.ts) and inside a browser worker (test/browser/devices.test.ts).
 * A case gets a factory for the device under test and a few assertions (`Check`).
 */
import type { BlockDevice } from '../../../src/fat/device/block-device.js';
import { FatError } from '../../../src/fat/errors.js';

/** A device under test plus ways to look at its storage from outside the device. */
export interface Made {
  dev: BlockDevice;
  /** The bytes of the device's region as stored right now (read from the file for file backends). */
  stored(): Uint8Array | Promise<Uint8Array>;
  /** The bytes around the region too (a slice's neighbours), to prove nothing else was written. */
  storedAll(): Uint8Array | Promise<Uint8Array>;
  /** A fresh device over the same storage (the file reopened). */
  reopen(): BlockDevice | Promise<BlockDevice>;
}

export type Factory = (sectorSize: number, sectors: number, options: { readOnly?: boolean; init?: Uint8Array }) => Made | Promise<Made>;

/** The assertions a case makes; each throws (or fails the test) on a mismatch. */
export interface Check {
  equal(actual: unknown, expected: unknown, what: string): void;
  bytes(actual: Uint8Array, expected: Uint8Array, what?: string): void;
  fail(message: string): never;
}

export interface Context {
  ss: number;
  /** A device of SECTORS sectors, closed after the suite. */
  mk(options?: { readOnly?: boolean; init?: Uint8Array }): Promise<Made>;
  check: Check;
}

export interface Case {
  name: string;
  /** Needs a device that can be opened writable (a read-only backend, such as a Blob, skips it). */
  writes: boolean;
  run(ctx: Context): Promise<void>;
}

export const SECTORS = 40;
export const SECTOR_SIZES = [512, 4096];

export function pattern(bytes: number, seed: number): Uint8Array {
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

function expectFatError(check: Check, fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof FatError)) check.fail(`expected FatError ${code}, got ${String(e)}`);
    check.equal(e.code, code, `error code (${e.message})`);
    check.equal(/\n/.test(e.message), false, 'message is one line');
    return;
  }
  check.fail(`expected FatError ${code}, nothing was thrown`);
}

const zeros = (n: number): Uint8Array => new Uint8Array(n);

export const cases: Case[] = [
  {
    name: 'reports its geometry',
    writes: false,
    async run({ ss, mk, check }) {
      const { dev } = await mk();
      check.equal(dev.sectorSize, ss, 'sectorSize');
      check.equal(dev.sectorCount, SECTORS, 'sectorCount');
      const ro = await mk({ readOnly: true });
      check.equal(ro.dev.readOnly, true, 'readOnly when opened so');
    },
  },
  {
    name: 'opens writable unless asked otherwise',
    writes: true,
    async run({ mk, check }) {
      check.equal((await mk()).dev.readOnly, false, 'readOnly');
    },
  },
  {
    name: 'reads what its storage holds: single sectors, ranges, the whole device',
    writes: false,
    async run({ ss, mk, check }) {
      const init = pattern(SECTORS * ss, 5);
      const { dev } = await mk({ readOnly: true, init });
      for (const lba of [0, 1, 17, SECTORS - 1]) {
        const got = new Uint8Array(ss);
        dev.read(lba, got);
        check.bytes(got, init.subarray(lba * ss, (lba + 1) * ss), `sector ${lba}`);
      }
      const part = new Uint8Array(7 * ss);
      dev.read(11, part);
      check.bytes(part, init.subarray(11 * ss, 18 * ss), 'sectors 11..17');
      const whole = new Uint8Array(SECTORS * ss);
      dev.read(0, whole);
      check.bytes(whole, init, 'whole device');
    },
  },
  {
    name: 'reads back what it wrote, one sector at a time, and stores it in place',
    writes: true,
    async run({ ss, mk, check }) {
      const m = await mk();
      for (const lba of [0, 1, 7, SECTORS - 1]) m.dev.write(lba, pattern(ss, lba + 1));
      for (const lba of [0, 1, 7, SECTORS - 1]) {
        const got = new Uint8Array(ss);
        m.dev.read(lba, got);
        check.bytes(got, pattern(ss, lba + 1));
        check.bytes((await m.stored()).subarray(lba * ss, (lba + 1) * ss), pattern(ss, lba + 1));
      }
      const untouched = new Uint8Array(ss);
      m.dev.read(2, untouched);
      check.bytes(untouched, zeros(ss));
    },
  },
  {
    name: 'moves many sectors in one transfer, and reads sub-ranges of them',
    writes: true,
    async run({ ss, mk, check }) {
      const m = await mk();
      const data = pattern(11 * ss, 42);
      m.dev.write(5, data);
      const part = new Uint8Array(4 * ss);
      m.dev.read(9, part);
      check.bytes(part, data.subarray(4 * ss, 8 * ss));
      const whole = new Uint8Array(SECTORS * ss);
      m.dev.read(0, whole);
      check.bytes(whole.subarray(5 * ss, 16 * ss), data);
      check.bytes(whole, await m.stored());
    },
  },
  {
    name: 'writes and reads the whole device in one transfer',
    writes: true,
    async run({ ss, mk, check }) {
      const m = await mk();
      const data = pattern(SECTORS * ss, 7);
      m.dev.write(0, data);
      const back = new Uint8Array(SECTORS * ss);
      m.dev.read(0, back);
      check.bytes(back, data);
      check.bytes(await m.stored(), data);
    },
  },
  {
    name: 'refuses access past the end with EIO and writes nothing',
    writes: true,
    async run({ ss, mk, check }) {
      const m = await mk({ init: pattern(SECTORS * ss, 3) });
      const before = (await m.storedAll()).slice();
      expectFatError(check, () => m.dev.write(SECTORS - 1, new Uint8Array(2 * ss).fill(0xaa)), 'EIO');
      expectFatError(check, () => m.dev.write(SECTORS, new Uint8Array(ss).fill(0xaa)), 'EIO');
      expectFatError(check, () => m.dev.read(SECTORS - 2, new Uint8Array(3 * ss)), 'EIO');
      expectFatError(check, () => m.dev.read(2 ** 40, new Uint8Array(ss)), 'EIO');
      check.bytes(await m.storedAll(), before);
    },
  },
  {
    name: 'refuses reads past the end with EIO',
    writes: false,
    async run({ ss, mk, check }) {
      const m = await mk({ readOnly: true, init: pattern(SECTORS * ss, 3) });
      expectFatError(check, () => m.dev.read(SECTORS - 2, new Uint8Array(3 * ss)), 'EIO');
      expectFatError(check, () => m.dev.read(SECTORS, new Uint8Array(ss)), 'EIO');
      expectFatError(check, () => m.dev.read(2 ** 40, new Uint8Array(ss)), 'EIO');
    },
  },
  {
    name: 'refuses bad sector numbers and partial sectors with EINVAL',
    writes: true,
    async run({ ss, mk, check }) {
      const m = await mk();
      const before = (await m.storedAll()).slice();
      expectFatError(check, () => m.dev.read(-1, new Uint8Array(ss)), 'EINVAL');
      expectFatError(check, () => m.dev.read(1.5, new Uint8Array(ss)), 'EINVAL');
      expectFatError(check, () => m.dev.read(0, new Uint8Array(ss + 1)), 'EINVAL');
      expectFatError(check, () => m.dev.read(0, new Uint8Array(ss / 2)), 'EINVAL');
      expectFatError(check, () => m.dev.write(0, new Uint8Array(ss - 1).fill(1)), 'EINVAL');
      expectFatError(check, () => m.dev.write(0, new Uint8Array(2 * ss + 256).fill(1)), 'EINVAL');
      check.bytes(await m.storedAll(), before);
    },
  },
  {
    name: 'refuses bad reads with EINVAL',
    writes: false,
    async run({ ss, mk, check }) {
      const m = await mk({ readOnly: true });
      expectFatError(check, () => m.dev.read(-1, new Uint8Array(ss)), 'EINVAL');
      expectFatError(check, () => m.dev.read(1.5, new Uint8Array(ss)), 'EINVAL');
      expectFatError(check, () => m.dev.read(Number.NaN, new Uint8Array(ss)), 'EINVAL');
      expectFatError(check, () => m.dev.read(0, new Uint8Array(ss + 1)), 'EINVAL');
      expectFatError(check, () => m.dev.read(0, new Uint8Array(ss / 2)), 'EINVAL');
    },
  },
  {
    name: 'is read-only when opened so: reads work, writes throw EROFS',
    writes: false,
    async run({ ss, mk, check }) {
      const init = pattern(SECTORS * ss, 9);
      const m = await mk({ readOnly: true, init });
      check.equal(m.dev.readOnly, true, 'readOnly');
      const got = new Uint8Array(2 * ss);
      m.dev.read(SECTORS - 2, got);
      check.bytes(got, init.subarray((SECTORS - 2) * ss));
      expectFatError(check, () => m.dev.write(0, new Uint8Array(ss)), 'EROFS');
      m.dev.flush();
      check.bytes(await m.stored(), init);
    },
  },
  {
    name: 'throws EBADF for every operation once closed, and closes twice quietly',
    writes: false,
    async run({ ss, mk, check }) {
      const m = await mk({ readOnly: true });
      m.dev.close();
      m.dev.close();
      expectFatError(check, () => m.dev.read(0, new Uint8Array(ss)), 'EBADF');
      expectFatError(check, () => m.dev.write(0, new Uint8Array(ss)), 'EBADF');
      expectFatError(check, () => m.dev.flush(), 'EBADF');
    },
  },
  {
    name: 'throws EBADF for writes once a writable device is closed',
    writes: true,
    async run({ ss, mk, check }) {
      const m = await mk();
      m.dev.close();
      m.dev.close();
      expectFatError(check, () => m.dev.read(0, new Uint8Array(ss)), 'EBADF');
      expectFatError(check, () => m.dev.write(0, new Uint8Array(ss)), 'EBADF');
      expectFatError(check, () => m.dev.flush(), 'EBADF');
    },
  },
  {
    name: 'persists flushed writes: a reopened device reads them',
    writes: true,
    async run({ ss, mk, check }) {
      const m = await mk();
      const data = pattern(6 * ss, 77);
      m.dev.write(SECTORS - 6, data);
      m.dev.write(0, pattern(ss, 78));
      m.dev.flush();
      m.dev.close();
      const again = await m.reopen();
      try {
        const got = new Uint8Array(6 * ss);
        again.read(SECTORS - 6, got);
        check.bytes(got, data);
        const first = new Uint8Array(ss);
        again.read(0, first);
        check.bytes(first, pattern(ss, 78));
      } finally {
        again.close();
      }
      check.bytes((await m.stored()).subarray((SECTORS - 6) * ss), data);
    },
  },
];

/** The cases a backend runs: all of them, or those without writes for a read-only backend. */
export const casesFor = (readOnlyBackend: boolean): Case[] => cases.filter((c) => !readOnlyBackend || !c.writes);
