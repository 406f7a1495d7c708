import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planBuild, planImageBytes, type BuildEntry, type BuildOptions } from '../../src/fat/build/plan.js';
import { writeBuild } from '../../src/fat/build/write.js';
import { MemoryDevice } from '../../src/fat/device/memory.js';
import { mkfs } from '../../src/fat/mkfs/mkfs.js';
import { Volume } from '../../src/fat/volume/volume.js';
import { addTree } from '../../src/fat/build/add-tree.js';
import { fsckProblems, haveOracles, writeSparse } from '../fat/oracle-helpers.js';

const T = Date.UTC(2024, 2, 4, 5, 6, 8);
const pattern = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * seed + (i >>> 9) + seed) & 0xff);

function fileEntry(p: string, data: Uint8Array): BuildEntry {
  return { path: p, type: 'file', size: data.length, mtimeMs: T, read: (pos, into) => { const n = Math.min(into.length, data.length - pos); into.set(data.subarray(pos, pos + n)); return n; } };
}
const dirEntry = (p: string): BuildEntry => ({ path: p, type: 'directory', size: 0, mtimeMs: T });

function build(entries: BuildEntry[], options: BuildOptions, sectorSize = 512): MemoryDevice {
  const plan = planBuild(entries, options, sectorSize);
  const dev = new MemoryDevice(planImageBytes(plan, options), { sectorSize });
  writeBuild(dev, plan, options);
  return dev;
}

function fsckClean(dev: MemoryDevice): void {
  if (!haveOracles) return;
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'review-')), 'img');
  writeSparse(f, dev.bytes);
  try {
    expect(fsckProblems(f)).toEqual({ status: 0, problems: [] });
  } finally {
    fs.rmSync(path.dirname(f), { recursive: true, force: true });
  }
}

describe('builder staging buffer (512 KiB) edges', () => {
  it('a directory larger than the 512 KiB stage (16400 entries) is built', () => {
    const entries: BuildEntry[] = [dirEntry('d')];
    for (let i = 0; i < 16400; i++) entries.push(fileEntry(`d/F${String(i).padStart(5, '0')}.TXT`, new Uint8Array(0)));
    entries.push(fileEntry('d/LAST.BIN', pattern(3000, 7)));
    const dev = build(entries, { fatType: 16, time: T });
    const vol = Volume.open(dev, { closeDevice: false });
    expect(vol.readdir('/d').length).toBe(16401);
    expect(vol.readFile('/d/LAST.BIN')).toEqual(pattern(3000, 7));
    vol.close();
    fsckClean(dev);
  }, 60_000);

  it('files exactly the stage size and spanning the stage boundary (FAT16 64 KiB clusters, FAT32)', () => {
    const files: [string, Uint8Array][] = [
      ['exact.bin', pattern(512 << 10, 3)],
      ['span1.bin', pattern(300 << 10, 5)],
      ['span2.bin', pattern((400 << 10) + 17, 11)],
      ['sub/inner.bin', pattern((512 << 10) + 1, 13)],
      ['sub/deeper/x.bin', pattern(65536, 17)],
    ];
    const entries: BuildEntry[] = [dirEntry('sub'), dirEntry('sub/deeper')];
    for (const [p, d] of files) entries.push(fileEntry(p, d));
    entries.sort((a, b) => a.path.localeCompare(b.path));
    for (const options of [{ fatType: 16, clusterSize: 65536 }, { fatType: 32, clusterSize: 4096 }] as const) {
      const dev = build(entries, { ...options, time: T });
      const vol = Volume.open(dev, { closeDevice: false });
      for (const [p, d] of files) expect(vol.readFile(`/${p}`)).toEqual(d);
      vol.close();
      fsckClean(dev);
    }
  }, 60_000);

  it('4096-byte sectors: stage-sized and odd-sized files read back', () => {
    const files: [string, Uint8Array][] = [
      ['a.bin', pattern(512 << 10, 3)],
      ['b.bin', pattern(4097, 5)],
      ['c/d.bin', pattern((1 << 20) + 4095, 7)],
    ];
    const entries: BuildEntry[] = [dirEntry('c')];
    for (const [p, d] of files) entries.push(fileEntry(p, d));
    const dev = build(entries, { time: T }, 4096);
    const vol = Volume.open(dev, { closeDevice: false });
    expect(vol.geo.sectorSize).toBe(4096);
    for (const [p, d] of files) expect(vol.readFile(`/${p}`)).toEqual(d);
    vol.close();
  });
});

describe('names that collide only through a generated short name', () => {
  it('builder: a long name whose generated short name is another file\'s 8.3 name keeps both reachable', () => {
    const a = pattern(100, 3);
    const b = pattern(200, 5);
    const dev = build([fileEntry('longfilename.txt', a), fileEntry('LONGFI~1.TXT', b)], { fatType: 12, time: T });
    const vol = Volume.open(dev, { closeDevice: false });
    expect(vol.readFile('/longfilename.txt')).toEqual(a);
    expect(vol.readFile('/LONGFI~1.TXT')).toEqual(b);
    vol.close();
  });
});

describe('addTree: host names that are one FAT name', () => {
  const fresh = (): Volume => {
    const dev = new MemoryDevice(4 << 20);
    mkfs(dev, { time: T });
    return Volume.open(dev, { now: () => new Date(T) });
  };

  it('A.txt and a.txt are refused before anything is written (not one silently replacing the other)', () => {
    const vol = fresh();
    expect(() => addTree(vol, [fileEntry('A.txt', pattern(10, 1)), fileEntry('a.txt', pattern(20, 2))])).toThrow();
    expect(vol.readdir('/')).toEqual([]);
    vol.close();
  });

  it('longfilename.txt and LONGFI~1.TXT are both kept (or refused up front)', () => {
    const vol = fresh();
    let threw = false;
    try {
      addTree(vol, [fileEntry('longfilename.txt', pattern(10, 1)), fileEntry('LONGFI~1.TXT', pattern(20, 2))]);
    } catch {
      threw = true;
    }
    if (threw) expect(vol.readdir('/')).toEqual([]);
    else {
      expect(vol.readFile('/longfilename.txt')).toEqual(pattern(10, 1));
      expect(vol.readFile('/LONGFI~1.TXT')).toEqual(pattern(20, 2));
    }
    vol.close();
  });

  it('a directory x and a file X: refused before anything is written', () => {
    const vol = fresh();
    expect(() => addTree(vol, [fileEntry('first.txt', pattern(5, 1)), dirEntry('x'), fileEntry('X', pattern(5, 2))])).toThrow();
    expect(vol.readdir('/')).toEqual([]);
    vol.close();
  });
});

describe('volume label entry at the end of a root with stale entries after the terminator', () => {
  it('setLabel at the directory end marks what follows as free', () => {
    const dev = new MemoryDevice(16 << 20);
    mkfs(dev, { fatType: 16, time: T });
    let vol = Volume.open(dev, { closeDevice: false });
    vol.writeFile('/A.TXT', 'a');
    const rootStart = vol.geo.rootDirStart * 512;
    vol.close();
    // A stale entry after the 0x00 terminator (entry 1): readers ignore it.
    const stale = new Uint8Array(32);
    stale.set(Array.from('GHOST   TXT', (c) => c.charCodeAt(0)));
    stale[11] = 0x20;
    dev.bytes.set(stale, rootStart + 2 * 32);
    vol = Volume.open(dev, { closeDevice: false });
    expect(vol.readdir('/')).toEqual(['A.TXT']);
    vol.setLabel('LBL');
    vol.close();
    vol = Volume.open(dev, { closeDevice: false });
    expect(vol.readdir('/')).toEqual(['A.TXT']);
    vol.close();
  });
});

describe('FileHandle', () => {
  it('a zero-length write past the end does not extend the file (as pwrite of 0 bytes)', () => {
    const dev = new MemoryDevice(4 << 20);
    mkfs(dev, { time: T });
    const vol = Volume.open(dev, { closeDevice: false });
    vol.writeFile('/F.BIN', 'abc');
    const h = vol.openFile('/F.BIN', 'r+');
    h.write(new Uint8Array(0), 5000);
    h.close();
    expect(vol.stat('/F.BIN').size).toBe(3);
    vol.close();
  });
});
