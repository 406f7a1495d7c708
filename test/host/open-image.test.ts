import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openImageDevice } from '../../src/host/open-image-device.js';
import { FileDevice } from '../../src/fat/device/file.js';
import { MmapDevice } from '../../src/fat/device/mmap.js';
import { SliceDevice } from '../../src/fat/device/slice.js';
import { FatError } from '../../src/fat/errors.js';
import { expectBytes } from '../fat/device/bytes.js';
import { runMmap } from '../fat/device/mmap-env.js';
import { fatBootSector, mbr } from '../fat/disk/tables.js';
import { openFds, scratchDir, thrown } from '../fat/device/tmp.js';

const dir = scratchDir('open-image');
let n = 0;

function image(parts: [number, Uint8Array][], bytes = 4 * 2 ** 20): string {
  const p = path.join(dir, `i${n++}.img`);
  const d = new Uint8Array(bytes);
  for (const [at, b] of parts) d.set(b, at);
  fs.writeFileSync(p, d);
  return p;
}

const floppy = (): string => image([[0, fatBootSector(8192)]]);
const partitioned = (): string => image([[0, mbr([{ type: 0x06, start: 2048, count: 4096 }])], [2048 * 512, fatBootSector(4096, 512, 2048)]]);

function fails(fn: () => unknown, code: string, message?: RegExp): void {
  const before = openFds();
  const e = thrown(fn);
  expect(e, `expected ${code}`).toBeInstanceOf(FatError);
  expect(e?.code).toBe(code);
  expect(e?.message).not.toMatch(/\n/);
  if (message) expect(e?.message).toMatch(message);
  expect(openFds(), 'the image file was closed').toBe(before);
}

describe('openImageDevice', () => {
  it('opens a bare FAT image as itself', () => {
    const img = openImageDevice(floppy(), { readOnly: true });
    expect(img.whole).toBeInstanceOf(FileDevice);
    expect(img.device).toBe(img.whole);
    expect(img.partition).toBeUndefined();
    expect([img.device.sectorSize, img.device.sectorCount, img.device.readOnly]).toEqual([512, 8192, true]);
    img.whole.close();
  });

  it('opens the FAT partition of a whole-disk image as a slice of the file', () => {
    const p = partitioned();
    const img = openImageDevice(p);
    expect(img.device).toBeInstanceOf(SliceDevice);
    expect(img.partition).toMatchObject({ index: 1, type: 0x06, startLba: 2048, sectorCount: 4096, isFat: true });
    expect(img.whole.sectorCount).toBe(8192);
    img.device.write(1, new Uint8Array(512).fill(0x42));
    img.device.close();
    img.whole.flush();
    img.whole.close();
    expect(fs.readFileSync(p)[2049 * 512]).toBe(0x42);
  });

  it('honours --offset and --partition', () => {
    const p = partitioned();
    const byOffset = openImageDevice(p, { offset: 2048 * 512, readOnly: true });
    expect((byOffset.device as SliceDevice).startLba).toBe(2048);
    expect(byOffset.device.sectorCount).toBe(8192 - 2048);
    byOffset.whole.close();
    const byIndex = openImageDevice(p, { partition: 1, readOnly: true });
    expect(byIndex.device.sectorCount).toBe(4096);
    byIndex.whole.close();
  });

  it.runIf(runMmap)('can use the mmap backend', () => {
    const p = partitioned();
    const img = openImageDevice(p, { backend: 'mmap', readOnly: true });
    expect(img.whole).toBeInstanceOf(MmapDevice);
    const head = new Uint8Array(512);
    img.device.read(0, head);
    expectBytes(head, fatBootSector(4096, 512, 2048));
    img.whole.close();
  });

  it('fails with one clear line, and closes the file, when the image is unusable', () => {
    fails(() => openImageDevice(path.join(dir, 'missing.img')), 'ENOENT', /^cannot open .*missing\.img: no such file or directory$/);
    fails(() => openImageDevice(dir), 'EISDIR', /is a directory$/);
    fails(() => openImageDevice(image([], 100)), 'FAT_NOT_FAT', /smaller than one 512-byte sector/);
    fails(() => openImageDevice(image([], 64 * 1024)), 'FAT_NOT_FAT', /^not a FAT image: /);
    fails(() => openImageDevice(partitioned(), { partition: 3 }), 'ENOENT', /^no partition 3: the image has only partition 1$/);
    fails(() => openImageDevice(floppy(), { offset: 100 }), 'EINVAL', /not a multiple of the 512-byte sector size/);
    const two = image([
      [0, mbr([{ type: 0x06, start: 2048, count: 2048 }, { type: 0x06, start: 4096, count: 2048 }])],
      [2048 * 512, fatBootSector(2048)],
      [4096 * 512, fatBootSector(2048)],
    ]);
    fails(() => openImageDevice(two), 'EINVAL', /^the image has 2 FAT partitions \(1, 2\): choose one with --partition N$/);
    fails(() => openImageDevice(floppy(), { backend: 'tape' as 'file' }), 'EINVAL', /unknown device backend 'tape'/);
  });

  it.skipIf(process.getuid?.() === 0)('passes on the host error for an unreadable file', () => {
    const p = floppy();
    fs.chmodSync(p, 0);
    const e = thrown(() => openImageDevice(p));
    expect(e?.code).toBe('EACCES');
    expect(e?.message).not.toMatch(/\n/);
  });
});
