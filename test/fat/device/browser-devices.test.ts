/**
 * BlobDevice and OpfsDevice beyond the conformance cases, in Node with stand-ins for the browser
 * pieces (FileReaderSync, a sync access handle): what they refuse, how host errors become FatErrors,
 * and a volume on each. Chromium runs them for real in test/browser/devices.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { BytesBlob, bytesOf } from './bytes-blob.js';
import { BlobDevice } from '../../../src/fat/device/blob.js';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { OpfsDevice, type SyncAccessHandle } from '../../../src/fat/device/opfs.js';
import { FatError } from '../../../src/fat/errors.js';
import { mkfs } from '../../../src/fat/mkfs/mkfs.js';
import { Volume } from '../../../src/fat/volume/volume.js';

function fatError(fn: () => unknown): FatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FatError);
    expect((e as FatError).message).not.toMatch(/\n/);
    return e as FatError;
  }
  throw new Error('nothing was thrown');
}


describe('BlobDevice', () => {
  it('says it needs a worker where FileReaderSync is missing', () => {
    const e = fatError(() => new BlobDevice(new Blob([new Uint8Array(1024)])));
    expect(e.code).toBe('FAT_UNSUPPORTED');
    expect(e.message).toMatch(/FileReaderSync.*worker/);
  });

  it('refuses a blob smaller than a sector, and things that are not blobs', () => {
    const readSync = (): ArrayBuffer => new ArrayBuffer(0);
    expect(fatError(() => new BlobDevice(new Blob([new Uint8Array(100)]), { readSync })).code).toBe('FAT_NOT_FAT');
    expect(fatError(() => new BlobDevice(new Uint8Array(1024) as unknown as Blob, { readSync })).code).toBe('EINVAL');
    expect(fatError(() => new BlobDevice(new Blob([new Uint8Array(1024)]), { readSync, sectorSize: 100 })).code).toBe('EINVAL');
  });

  it('turns a failed read (a file changed since it was picked) into a one-line EIO', () => {
    const readSync = (): ArrayBuffer => {
      throw new DOMException('The requested file could not be read,\ntypically due to permission problems', 'NotReadableError');
    };
    const dev = new BlobDevice(new BytesBlob(new Uint8Array(4096)), { readSync });
    const e = fatError(() => dev.read(2, new Uint8Array(512)));
    expect(e.code).toBe('EIO');
    expect(e.message).toMatch(/^cannot read disk\.img at byte 1024: The requested file could not be read/);
    const short = new BlobDevice(new BytesBlob(new Uint8Array(4096)), { readSync: () => new ArrayBuffer(10) });
    expect(fatError(() => short.read(0, new Uint8Array(512))).code).toBe('EIO');
  });

  it('mounts a volume reading only the sectors it needs, never the whole image', () => {
    const mem = new MemoryDevice(64 << 20);
    mkfs(mem, { label: 'BLOB' });
    const w = Volume.open(mem);
    w.mkdir('/a');
    w.writeFile('/a/b.txt', 'hello from a blob');
    w.close();
    let largest = 0;
    let total = 0;
    const readSync = (b: Blob): ArrayBuffer => {
      largest = Math.max(largest, b.size);
      total += b.size;
      return bytesOf(b);
    };
    const vol = Volume.open(new BlobDevice(new BytesBlob(mem.bytes), { readSync }));
    expect(vol.readFile('/a/b.txt', 'utf8')).toBe('hello from a blob');
    expect(vol.info().label).toBe('BLOB');
    expect(() => vol.writeFile('/c.txt', 'x')).toThrow(/read-only/);
    expect(largest).toBeLessThan(1 << 20);
    expect(total).toBeLessThan(4 << 20);
  });
});

/** A stand-in handle over an array; `failWith` makes the next call throw that DOMException name. */
function handleOver(bytes: Uint8Array): SyncAccessHandle & { data: Uint8Array; failWith?: string; closed: boolean; flushes: number } {
  const h = {
    data: bytes,
    failWith: undefined as string | undefined,
    closed: false,
    flushes: 0,
    fail(): void {
      if (h.failWith) throw new DOMException(`${h.failWith} happened`, h.failWith);
    },
    read(buf: Uint8Array, { at = 0 } = {}): number {
      h.fail();
      // Short reads: at most 1000 bytes per call, to prove the device loops.
      const n = Math.max(0, Math.min(buf.length, h.data.length - at, 1000));
      buf.set(h.data.subarray(at, at + n));
      return n;
    },
    write(buf: Uint8Array, { at = 0 } = {}): number {
      h.fail();
      const n = Math.min(buf.length, 1000);
      if (at + n > h.data.length) {
        const next = new Uint8Array(at + n);
        next.set(h.data);
        h.data = next;
      }
      h.data.set(buf.subarray(0, n), at);
      return n;
    },
    truncate(size: number): void {
      h.fail();
      const next = new Uint8Array(size);
      next.set(h.data.subarray(0, size));
      h.data = next;
    },
    getSize: (): number => (h.fail(), h.data.length),
    flush: (): void => {
      h.fail();
      h.flushes++;
    },
    close: (): void => {
      h.closed = true;
    },
  };
  return h;
}

describe('OpfsDevice', () => {
  it('creates an image of the size asked (truncating or extending the file), and resizes it', () => {
    const h = handleOver(new Uint8Array(100_000).fill(7));
    const dev = OpfsDevice.create(h, 8 * 4096, { sectorSize: 4096 });
    expect(h.data.length).toBe(8 * 4096);
    expect(dev.sectorCount).toBe(8);
    dev.resize(20);
    expect(h.data.length).toBe(20 * 4096);
    expect(dev.sectorCount).toBe(20);
    expect(fatError(() => OpfsDevice.create(h, 1000)).code).toBe('EINVAL');
    expect(fatError(() => OpfsDevice.open(handleOver(new Uint8Array(10)))).code).toBe('FAT_NOT_FAT');
  });

  it('loops over short reads and writes (a whole 64 KiB transfer through 1000-byte calls)', () => {
    const h = handleOver(new Uint8Array(160 * 512));
    const dev = OpfsDevice.open(h);
    const data = new Uint8Array(64 * 1024).map((_, i) => (i * 7) & 0xff);
    dev.write(3, data);
    const back = new Uint8Array(64 * 1024);
    dev.read(3, back);
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
  });

  it('maps a full quota to ENOSPC and other handle failures to EIO, in one line', () => {
    const h = handleOver(new Uint8Array(16 * 512));
    const dev = OpfsDevice.open(h, { name: 'disk.img' });
    h.failWith = 'QuotaExceededError';
    const full = fatError(() => dev.write(0, new Uint8Array(512)));
    expect(full.code).toBe('ENOSPC');
    expect(full.message).toBe('write error at byte 0 of disk.img: QuotaExceededError happened');
    h.failWith = 'InvalidStateError';
    expect(fatError(() => dev.read(0, new Uint8Array(512))).code).toBe('EIO');
    expect(fatError(() => dev.flush()).code).toBe('EIO');
  });

  it('flushes and closes the handle when closed (releasing the OPFS lock), once', () => {
    const h = handleOver(new Uint8Array(16 * 512));
    const dev = OpfsDevice.open(h);
    dev.close();
    dev.close();
    expect(h.closed).toBe(true);
    expect(h.flushes).toBe(1);
    const ro = handleOver(new Uint8Array(16 * 512));
    OpfsDevice.open(ro, { readOnly: true }).close();
    expect(ro.flushes).toBe(0);
  });

  it('openFile: EBUSY when another handle holds the file; the handle is closed when the device refuses it', async () => {
    const busy = { name: 'x.img', createSyncAccessHandle: () => Promise.reject(new DOMException('Access Handles cannot be created', 'NoModificationAllowedError')) };
    await expect(OpfsDevice.openFile(busy)).rejects.toMatchObject({ code: 'EBUSY', message: 'cannot open x.img: Access Handles cannot be created' });
    const tiny = handleOver(new Uint8Array(10));
    await expect(OpfsDevice.openFile({ name: 'tiny.img', createSyncAccessHandle: async () => tiny })).rejects.toMatchObject({ code: 'FAT_NOT_FAT' });
    expect(tiny.closed).toBe(true);
  });

  it('holds a volume: mkfs, write, close, reopen, read', () => {
    const h = handleOver(new Uint8Array(0));
    const dev = OpfsDevice.create(h, 8 << 20);
    mkfs(dev, { label: 'OPFS' });
    const vol = Volume.open(dev);
    vol.writeFile('/notes.txt', 'kept');
    vol.close();
    dev.close();
    const again = Volume.open(OpfsDevice.open(handleOver(h.data), { readOnly: true }));
    expect(again.readFile('/notes.txt', 'utf8')).toBe('kept');
    expect(again.info().label).toBe('OPFS');
  });
});
