/**
 * Images beyond 4 GiB: sparse 5 GiB files, I/O at 4.5 GiB and across the 2 GiB and 4 GiB lines.
 * Every write is checked with plain positional reads of the file, and 0.5 GiB is checked to stay
 * empty: that is where a 32-bit wrap of 4.5 GiB would land (mmap-io 1.1.7 wraps map offsets).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileDevice } from '../../../src/fat/device/file.js';
import { MmapDevice } from '../../../src/fat/device/mmap.js';
import { allZero, expectBytes } from './bytes.js';
import { runMmap } from './mmap-env.js';
import { scratchDir } from './tmp.js';

const GiB = 2 ** 30;
const dir = scratchDir('large');

function pattern(bytes: number, seed: number): Uint8Array {
  return new Uint8Array(bytes).map((_, i) => (i * 7 + seed * 31 + (i >>> 9)) & 0xff);
}

function readAt(p: string, position: number, length: number): Uint8Array {
  const fd = fs.openSync(p, 'r');
  try {
    const b = new Uint8Array(length);
    expect(fs.readSync(fd, b, 0, length, position)).toBe(length);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

function writeAt(p: string, position: number, data: Uint8Array): void {
  const fd = fs.openSync(p, 'r+');
  fs.writeSync(fd, data, 0, data.length, position);
  fs.closeSync(fd);
}

describe('images larger than 4 GiB', () => {
  it('FileDevice reads and writes at 4.5 GiB and across 4 GiB in a sparse 5 GiB file', () => {
    const p = path.join(dir, 'file5g.img');
    const dev = FileDevice.create(p, 5 * GiB);
    try {
      expect(dev.sectorCount).toBe((5 * GiB) / 512);
      expect(fs.statSync(p).blocks * 512).toBeLessThan(GiB / 16);
      const at = (4.5 * GiB) / 512;
      const data = pattern(3 * 512, 1);
      dev.write(at, data);
      const back = new Uint8Array(3 * 512);
      dev.read(at, back);
      expectBytes(back, data);
      expectBytes(readAt(p, 4.5 * GiB, 3 * 512), data, 'file at 4.5 GiB');

      const across = pattern(4 * 512, 2);
      dev.write((4 * GiB) / 512 - 2, across);
      expectBytes(readAt(p, 4 * GiB - 1024, 4 * 512), across, 'file across 4 GiB');

      const last = pattern(512, 3);
      dev.write(dev.sectorCount - 1, last);
      expectBytes(readAt(p, 5 * GiB - 512, 512), last, 'last sector');

      writeAt(p, 4.75 * GiB, pattern(512, 4));
      const outside = new Uint8Array(512);
      dev.read((4.75 * GiB) / 512, outside);
      expectBytes(outside, pattern(512, 4), 'read of an outside write at 4.75 GiB');

      expect(allZero(readAt(p, 0.5 * GiB, 4 * 512))).toBe(true);
      expect(allZero(readAt(p, 0, 4 * 512))).toBe(true);
      dev.flush();
    } finally {
      dev.close();
    }
  });

  it.runIf(runMmap)('MmapDevice reads and writes at 4.5 GiB and across 2 GiB in a sparse 5 GiB file', () => {
    const p = path.join(dir, 'mmap5g.img');
    FileDevice.create(p, 5 * GiB).close();
    writeAt(p, 4.5 * GiB, pattern(512, 5));
    writeAt(p, 0.25 * GiB, pattern(512, 6));
    const dev = MmapDevice.open(p);
    try {
      expect(dev.sectorCount).toBe((5 * GiB) / 512);
      expect(dev.mappedBytes).toBe(2 * GiB);

      const first = new Uint8Array(512);
      dev.read((4.5 * GiB) / 512, first);
      expectBytes(first, pattern(512, 5), 'outside write read at 4.5 GiB');
      dev.read((0.25 * GiB) / 512, first);
      expectBytes(first, pattern(512, 6), 'outside write read at 0.25 GiB (mapped)');

      const high = pattern(2 * 512, 7);
      dev.write((4.5 * GiB) / 512 + 8, high);
      const across2 = pattern(8 * 512, 8); // half mapped, half positional
      dev.write((2 * GiB) / 512 - 4, across2);
      const across4 = pattern(4 * 512, 9);
      dev.write((4 * GiB) / 512 - 2, across4);
      const low = pattern(512, 10);
      dev.write(GiB / 512, low);

      const back = new Uint8Array(8 * 512);
      dev.read((2 * GiB) / 512 - 4, back);
      expectBytes(back, across2, 'device across 2 GiB');
      dev.flush();
      dev.close();

      expectBytes(readAt(p, 4.5 * GiB + 4096, 1024), high, 'file at 4.5 GiB + 4 KiB');
      expectBytes(readAt(p, 2 * GiB - 2048, 4096), across2, 'file across 2 GiB');
      expectBytes(readAt(p, 4 * GiB - 1024, 2048), across4, 'file across 4 GiB');
      expectBytes(readAt(p, GiB, 512), low, 'file at 1 GiB');
      expect(allZero(readAt(p, 0.5 * GiB, 8192)), 'nothing landed at 0.5 GiB').toBe(true);
    } finally {
      dev.close();
    }
  });
});
