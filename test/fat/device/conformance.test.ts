/**
 * One conformance suite for every BlockDevice backend: memory, file, mmap, and a slice over each;
 * OPFS and Blob over Node stand-ins here, and for real in Chromium (test/browser/devices.test.ts).
 * The cases live in conformance-cases.ts.
 * Under CI a missing mmap-io fails the mmap runs instead of skipping them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BytesBlob, bytesOf } from './bytes-blob.js';
import type { BlockDevice } from '../../../src/fat/device/block-device.js';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { FileDevice } from '../../../src/fat/device/file.js';
import { MmapDevice, mmapAvailable, mmapUnavailableReason } from '../../../src/fat/device/mmap.js';
import { SliceDevice } from '../../../src/fat/device/slice.js';
import { BlobDevice } from '../../../src/fat/device/blob.js';
import { OpfsDevice, type SyncAccessHandle } from '../../../src/fat/device/opfs.js';
import { casesFor, SECTOR_SIZES, SECTORS, type Check, type Factory, type Made } from './conformance-cases.js';
import { expectBytes } from './bytes.js';
import { runMmap } from './mmap-env.js';

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
const sliced = (base: Factory): Factory => async (ss, n, { readOnly, init }) => {
  const before = 3;
  const after = 5;
  let baseInit: Uint8Array | undefined;
  if (init) {
    baseInit = new Uint8Array((before + n + after) * ss).fill(0xee);
    baseInit.set(init, before * ss);
  }
  const b = await base(ss, before + n + after, { readOnly, init: baseInit });
  const region = (all: Uint8Array): Uint8Array => all.slice(before * ss, (before + n) * ss);
  return {
    dev: new SliceDevice(b.dev, before, n),
    stored: async () => region(await b.stored()),
    storedAll: () => b.storedAll(),
    reopen: async () => new SliceDevice(await b.reopen(), before, n, { ownsBase: true }),
  };
};

const check: Check = {
  equal: (actual, expected, what) => expect(actual, what).toEqual(expected),
  bytes: (actual, expected, what) => expectBytes(actual, expected, what),
  fail: (message) => expect.fail(message),
};

function conformance(name: string, make: Factory, readOnlyBackend = false): void {
  describe.each(SECTOR_SIZES)(`${name} (%i-byte sectors)`, (ss) => {
    const opened: BlockDevice[] = [];
    const mk = async (options: { readOnly?: boolean; init?: Uint8Array } = {}): Promise<Made> => {
      const m = await make(ss, SECTORS, options);
      opened.push(m.dev);
      return m;
    };
    afterAll(() => opened.forEach((d) => d.close()));
    for (const c of casesFor(readOnlyBackend)) it(c.name, () => c.run({ ss, mk, check }));
  });
}

/** A stand-in for an OPFS FileSystemSyncAccessHandle over a growable array, as Chromium's behaves. */
function fakeAccessHandle(initial: Uint8Array): { handle: SyncAccessHandle; bytes: () => Uint8Array } {
  let data = initial;
  let open = true;
  const live = (): void => {
    if (!open) throw new DOMException('the access handle was closed', 'InvalidStateError');
  };
  const handle: SyncAccessHandle = {
    read(buf, { at = 0 } = {}) {
      live();
      const n = Math.max(0, Math.min(buf.length, data.length - at));
      buf.set(data.subarray(at, at + n));
      return n;
    },
    write(buf, { at = 0 } = {}) {
      live();
      if (at + buf.length > data.length) {
        const next = new Uint8Array(at + buf.length);
        next.set(data);
        data = next;
      }
      data.set(buf, at);
      return buf.length;
    },
    truncate(size) {
      live();
      const next = new Uint8Array(size);
      next.set(data.subarray(0, size));
      data = next;
    },
    getSize: () => (live(), data.length),
    flush: () => live(),
    close: () => {
      open = false;
    },
  };
  return { handle, bytes: () => data };
}

const opfsFake: Factory = (ss, n, { readOnly, init }) => {
  const fake = fakeAccessHandle(init ? init.slice() : new Uint8Array(ss * n));
  return {
    dev: OpfsDevice.open(fake.handle, { sectorSize: ss, readOnly }),
    stored: fake.bytes,
    storedAll: fake.bytes,
    reopen: () => OpfsDevice.open(fakeAccessHandle(fake.bytes()).handle, { sectorSize: ss }),
  };
};


const readSync = bytesOf;

/** A BlobDevice reading through a synchronous stand-in for FileReaderSync. */
const blobNode: Factory = (ss, n, { init }) => {
  const bytes = init ? init.slice() : new Uint8Array(ss * n);
  const blob = new BytesBlob(bytes);
  return { dev: new BlobDevice(blob, { sectorSize: ss, readSync }), stored: () => bytes, storedAll: () => bytes, reopen: () => new BlobDevice(blob, { sectorSize: ss, readSync }) };
};

// Under CI the mmap backend is not optional: a missing or unbuilt mmap-io must fail, not skip.

conformance('MemoryDevice', memory);
conformance('FileDevice', file);
conformance('SliceDevice over MemoryDevice', sliced(memory));
conformance('SliceDevice over FileDevice', sliced(file));
conformance('OpfsDevice over a stand-in access handle', opfsFake);
conformance('BlobDevice over a stand-in reader', blobNode, true);
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
