/**
 * Images for the attrib, du and map tests (issue 18): FAT12, FAT16 and FAT32, written by mtools
 * (mformat + mmd + mcopy + mdel) or by fatkit (mkfs + the library), each holding a small tree
 * (nested directories, a directory of several clusters, an empty file, long names) and a
 * fragmented file: the volume is filled with files, every other one is deleted, then a file larger
 * than any hole is written. Also the tools' outputs parsed (mshowfat, mdu, mattrib).
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { beforeAll, describe } from 'vitest';
import { MemoryDevice, Volume, mkfs } from '../../src/index.js';
import { openImage } from '../../src/host/open-image.js';
import { tool } from '../fixtures/oracle.js';

export const MTOOLS = ['mformat', 'mcopy', 'mmd', 'mdel', 'mattrib', 'mdu', 'mshowfat'] as const;

export type FatBits = 12 | 16 | 32;
export type Maker = 'mtools' | 'fatkit';

export interface TestImage {
  name: string;
  path: string;
  fat: FatBits;
  maker: Maker;
  clusterSize: number;
  /** The large file written into the holes (fragmented). */
  big: string;
}

/** mformat arguments and fatkit volume sizes per FAT type (512-byte clusters for FAT16/32). */
const FORMAT: Record<FatBits, { mformat: string[]; bytes: number }> = {
  12: { mformat: ['-f', '1440'], bytes: 1440 * 1024 },
  16: { mformat: ['-T', '32768', '-h', '16', '-s', '32'], bytes: 16 << 20 },
  32: { mformat: ['-F', '-T', '68000', '-h', '16', '-s', '32'], bytes: 68000 * 512 },
};

/** The tree every image holds before it is filled: directories end with `/`. */
export const TREE: Record<string, number | null> = {
  '/A/': null,
  '/A/B/': null,
  '/A/B/C/': null,
  '/A/B/C/deep.txt': 700,
  '/A/B/two.bin': 3000,
  '/A/one.txt': 10,
  '/Long Directory Name/': null,
  '/Long Directory Name/A file with a long name.dat': 5000,
  '/empty.txt': 0,
  '/top.bin': 1500,
  '/Many/': null,
  // Enough long names to spread the directory over several clusters.
  ...Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`/Many/entry number ${i} with a long name.txt`, 100 * i])),
};

function dataOf(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** The holes' file count and size (clusters) for a volume with `free` free clusters. */
function fillPlan(free: number): { count: number; clusters: number } {
  const count = 6;
  return { count, clusters: Math.floor((free - 8) / count) };
}

const freeClusters = (img: string): { free: number; cs: number } => {
  const v = openImage(img);
  try {
    return { free: v.info().freeClusters, cs: v.geo.clusterSize };
  } finally {
    v.close();
  }
};

/** An mtools-written image: mformat, the tree with mmd/mcopy, the fill, mdel of every other fill file, the big file. */
export function mtoolsImage(dir: string, fat: FatBits): TestImage {
  const img = nodePath.join(dir, `mtools-fat${fat}.img`);
  const host = fs.mkdtempSync(nodePath.join(dir, 'host-'));
  fs.rmSync(img, { force: true });
  tool('mformat', ['-C', '-i', img, ...FORMAT[fat].mformat, '::']);
  // One mmd for the directories (in order), one mcopy per directory for its files.
  tool('mmd', ['-i', img, ...Object.keys(TREE).filter((p) => TREE[p] === null).map((p) => `::${p.slice(0, -1)}`)]);
  const byDir = new Map<string, string[]>();
  let seed = 0;
  for (const [p, size] of Object.entries(TREE)) {
    if (size === null) continue;
    const parent = p.slice(0, p.lastIndexOf('/')) || '/';
    const f = nodePath.join(host, `${seed}`, nodePath.basename(p));
    fs.mkdirSync(nodePath.dirname(f));
    fs.writeFileSync(f, dataOf(size, seed++));
    byDir.set(parent, [...(byDir.get(parent) ?? []), f]);
  }
  for (const [parent, files] of byDir) tool('mcopy', ['-i', img, ...files, `::${parent === '/' ? '/' : `${parent}/`}`]);
  const { free, cs } = freeClusters(img);
  const plan = fillPlan(free);
  const fills: string[] = [];
  for (let i = 0; i < plan.count; i++) {
    const f = nodePath.join(host, `fill${i}.bin`);
    fs.writeFileSync(f, new Uint8Array(plan.clusters * cs));
    fills.push(f);
  }
  tool('mcopy', ['-i', img, ...fills, '::/']);
  tool('mdel', ['-i', img, ...fills.filter((_, i) => i % 2 === 1).map((f) => `::/${nodePath.basename(f)}`)]);
  const big = nodePath.join(host, 'big.bin');
  fs.writeFileSync(big, dataOf((plan.clusters * 2 + 1) * cs, 99));
  tool('mcopy', ['-i', img, big, '::/big.bin']);
  fs.rmSync(host, { recursive: true, force: true });
  return { name: `mtools FAT${fat}`, path: img, fat, maker: 'mtools', clusterSize: cs, big: '/big.bin' };
}

/** A fatkit-written image: the library's mkfs, the tree, the fill, rm of every other fill file, the big file. */
export function fatkitImage(dir: string, fat: FatBits): TestImage {
  const img = nodePath.join(dir, `fatkit-fat${fat}.img`);
  const dev = new MemoryDevice(FORMAT[fat].bytes);
  mkfs(dev, { fatType: fat, ...(fat === 12 ? {} : { clusterSize: 512 }), volumeId: 0x12345678, time: Date.UTC(2024, 0, 1) });
  const vol = Volume.open(dev, { now: () => new Date(Date.UTC(2024, 0, 2)) });
  let seed = 0;
  for (const [p, size] of Object.entries(TREE)) {
    if (size === null) vol.mkdir(p, { recursive: true });
    else {
      vol.mkdir(p.slice(0, p.lastIndexOf('/')) || '/', { recursive: true });
      vol.writeFile(p, dataOf(size, seed++));
    }
  }
  const cs = vol.geo.clusterSize;
  const plan = fillPlan(vol.info().freeClusters);
  for (let i = 0; i < plan.count; i++) vol.writeFile(`/fill${i}.bin`, new Uint8Array(plan.clusters * cs));
  for (let i = 1; i < plan.count; i += 2) vol.rm(`/fill${i}.bin`);
  vol.writeFile('/big.bin', dataOf((plan.clusters * 2 + 1) * cs, 99));
  vol.close();
  fs.writeFileSync(img, dev.bytes);
  return { name: `fatkit FAT${fat}`, path: img, fat, maker: 'fatkit', clusterSize: cs, big: '/big.bin' };
}

/** The six images, in `dir`. */
export function allImages(dir: string): TestImage[] {
  return ([12, 16, 32] as FatBits[]).flatMap((fat) => [mtoolsImage(dir, fat), fatkitImage(dir, fat)]);
}

/**
 * `title`'s tests over the six images (made once in `dir` before them, when `run`): `body` adds
 * the tests of one FAT type and maker; `image()` is its image once they run.
 */
export function describeEachImage(title: string, run: boolean, dir: string, body: (image: () => TestImage, fat: FatBits, maker: Maker) => void): void {
  describe.runIf(run)(title, () => {
    let images: TestImage[] = [];
    beforeAll(() => {
      images = allImages(dir);
    }, 120_000);
    for (const fat of [12, 16, 32] as FatBits[]) {
      for (const maker of ['mtools', 'fatkit'] as Maker[]) body(() => images.find((i) => i.fat === fat && i.maker === maker)!, fat, maker);
    }
  });
}

// ---- the tools' outputs ----

/** `mshowfat` for several paths: path -> its extents (`[]` for "Root directory or empty file"). */
export function mshowfat(img: string, paths: string[]): Map<string, { first: number; last: number }[]> {
  const out = tool('mshowfat', ['-i', img, ...paths.map((p) => `::${p}`)]);
  const map = new Map<string, { first: number; last: number }[]>();
  for (const line of out.split('\n')) {
    const m = /^::(\/.*?) (Root directory or empty file|(?:<\d+(?:-\d+)?> ?)+)$/.exec(line);
    if (!m) continue;
    const extents = [...m[2].matchAll(/<(\d+)(?:-(\d+))?>/g)].map((x) => ({ first: Number(x[1]), last: Number(x[2] ?? x[1]) }));
    map.set(m[1], extents);
  }
  return map;
}

/** `mdu ::/`: directory path -> clusters. */
export function mdu(img: string, path = '/'): Map<string, number> {
  const out = tool('mdu', ['-i', img, `::${path}`]);
  return new Map(out.split('\n').filter(Boolean).map((l) => {
    const m = /^::(\/.*) (\d+)$/.exec(l);
    if (!m) throw new Error(`mdu line: ${l}`);
    return [m[1], Number(m[2])] as [string, number];
  }));
}

/** `mattrib -/ ::/`'s lines with `::` taken off the paths (fat attrib's text form). */
export function mattribLines(img: string, path = '/'): string[] {
  return tool('mattrib', ['-i', img, '-/', `::${path}`]).split('\n').filter(Boolean).map((l) => l.replace('::/', '/'));
}
