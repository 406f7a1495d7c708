import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { planBuild, planImageBytes, type BuildEntry } from '../../../src/fat/build/plan.js';
import { writeBuild } from '../../../src/fat/build/write.js';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { Volume } from '../../../src/fat/volume/volume.js';
import { FatError } from '../../../src/fat/errors.js';
import { buildImageFromDir, collectBuildEntries } from '../../../src/host/build-image.js';
import { fsckProblems, haveOracles, oracleEnv } from '../oracle-helpers.js';

const have7z = spawnSync('sh', ['-c', 'command -v 7zz']).status === 0;
if (!have7z && process.env.CI === 'true') throw new Error('7zz must be installed under CI=true');

let dir: string;
const T = new Date('2024-03-04T05:06:08Z');

function hostTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (rel.endsWith('/')) continue;
    fs.writeFileSync(p, content);
  }
  const all = execFileSync('find', [root], { encoding: 'utf8' }).trim().split('\n');
  for (const p of all) fs.utimesSync(p, T, T);
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * seed + (i >> 8)) & 0xff);

const SITE: Record<string, string | Uint8Array> = {
  'index.html': '<h1>home</h1>',
  'readme.txt': 'lower-case 8.3',
  'UPPER.TXT': 'upper 8.3',
  'A Long Name With Spaces.html': 'long',
  'name.with.many.dots.tar.gz': bytes(3000, 3),
  'café naïve.txt': 'latin',
  '日本語のページ.html': 'cjk',
  'emoji 😀 and 𝄞.txt': 'astral',
  '.well-known/security.txt': 'dotdir',
  'empty.bin': '',
  'posts/2024/one.html': 'one',
  'posts/2024/two.html': bytes(70_000, 7),
  'posts/2025/': '',
  'big/large.bin': bytes(1_500_000, 11),
};

type Seen = { size: number; mtime: number; data?: string };
const digest = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function walkHost(root: string): Map<string, Seen> {
  const out = new Map<string, Seen>();
  const visit = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.statSync(path.join(root, r));
      if (st.isDirectory()) {
        out.set(`${r}/`, { size: 0, mtime: Math.floor(st.mtimeMs / 2000) });
        visit(r);
      } else out.set(r, { size: st.size, mtime: Math.floor(st.mtimeMs / 2000), data: digest(fs.readFileSync(path.join(root, r))) });
    }
  };
  visit('');
  return out;
}

describe('planBuild', () => {
  const file = (p: string, size = 1): BuildEntry => ({ path: p, type: 'file', size, mtimeMs: T.getTime(), read: (_pos, into) => into.length });
  const dirE = (p: string): BuildEntry => ({ path: p, type: 'directory', size: 0, mtimeMs: T.getTime() });

  it('refuses names FAT cannot hold, listing every one, before writing', () => {
    const err = (() => {
      try {
        planBuild([file('a:b.txt'), file('ok.txt'), file('x|y'), dirE('d'), file('d/q?.txt')], {});
      } catch (e) {
        return e as FatError;
      }
      throw new Error('no error');
    })();
    expect(err.code).toBe('EINVAL');
    expect(err.message).toContain('a:b.txt');
    expect(err.message).toContain('x|y');
    expect(err.message).toContain('d/q?.txt');
    expect(err.message).not.toContain('ok.txt');
    expect(err.message).not.toContain('\n');
  });

  it('refuses names that collide once case and trailing dots are ignored', () => {
    expect(() => planBuild([file('README.md'), file('readme.md')], {})).toThrowError(/README\.md|readme\.md/);
    expect(() => planBuild([file('notes'), file('notes.')], {})).toThrowError(/same FAT name/);
  });

  it('refuses files over 4 GiB - 1', () => {
    expect(() => planBuild([file('huge.bin', 2 ** 32)], {})).toThrowError(/4 GiB - 1/);
  });

  it('refuses a tree that does not fit the requested size, naming what it needs', () => {
    expect(() => planBuild([file('a.bin', 2_000_000)], { size: 1_474_560 })).toThrowError(expect.objectContaining({ code: 'ENOSPC' }));
  });

  it('refuses a FAT12/16 root with more entries than it can hold', () => {
    const many = Array.from({ length: 300 }, (_, i) => file(`a long file name number ${i}.txt`));
    expect(() => planBuild(many, { size: 1_474_560 })).toThrowError(/root directory needs/);
  });

  it('auto size: the smallest layout that holds the tree, with the free space asked for', () => {
    const entries = [file('a.bin', 1_000_000), file('b.bin', 500_000)];
    const plan = planBuild(entries, {});
    const cs = plan.layout.clusterSize;
    expect(plan.layout.clusterCount).toBeGreaterThanOrEqual(plan.clustersUsed);
    // A noticeably smaller size would not hold it.
    expect(() => planBuild(entries, { size: Math.floor(planImageBytes(plan, {}) * 0.9) })).toThrowError(/does not fit/);
    const roomy = planBuild(entries, { freeBytes: 10_000_000 });
    expect((roomy.layout.clusterCount - roomy.clustersUsed) * roomy.layout.clusterSize).toBeGreaterThanOrEqual(10_000_000);
    const pct = planBuild(entries, { freePercent: 50 });
    expect(pct.layout.clusterCount - pct.clustersUsed).toBeGreaterThanOrEqual(pct.layout.clusterCount * 0.5 - 1);
    expect(cs).toBeGreaterThan(0);
  });
});

describe('building an image from a host tree', () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-build-'));
    hostTree(path.join(dir, 'site'), SITE);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const fat of [12, 16, 32] as const) {
    it(`FAT${fat}: reads back identically through fatkit, fsck.fat, mtools and 7-Zip`, async () => {
      const img = path.join(dir, `site${fat}.img`);
      const r = await buildImageFromDir(img, { from: path.join(dir, 'site'), fatType: fat, label: 'SITE', force: true, volumeId: 0x1234abcd });
      expect(r.layout.fatType).toBe(fat);
      const vol = Volume.open(new MemoryDevice(new Uint8Array(fs.readFileSync(img))));
      const host = walkHost(path.join(dir, 'site'));
      const ours = new Map<string, Seen>();
      for (const e of vol.walk('/')) {
        const rel = e.path.slice(1);
        if (e.stats.isDirectory()) ours.set(`${rel}/`, { size: 0, mtime: Math.floor(e.stats.mtimeMs / 2000) });
        else ours.set(rel, { size: e.stats.size, mtime: Math.floor(e.stats.mtimeMs / 2000), data: digest(vol.readFile(e.path)) });
      }
      expect(new Map([...ours].sort())).toEqual(new Map([...host].sort()));
      expect(vol.info().label).toBe('SITE');
      expect(vol.info().dirty).toBe(false);
      expect(vol.stat('/readme.txt').shortName).toBe('README.TXT');
      expect(vol.stat('/name.with.many.dots.tar.gz').shortName).toBe('NAMEWI~1.GZ');
      vol.close();
      if (haveOracles) {
        expect(fsckProblems(img).problems).toEqual([]);
        const out = path.join(dir, `mc${fat}`);
        fs.rmSync(out, { recursive: true, force: true });
        fs.mkdirSync(out);
        execFileSync('mcopy', ['-i', img, '-s', '-n', '-m', '::/', `${out}/`], { env: oracleEnv });
        const mt = walkHost(out);
        // mtools drops characters outside the BMP; everything else must match exactly.
        const bmp = new Map([...host].filter(([k]) => !/[\u{10000}-\u{10FFFF}]/u.test(k)));
        const mtBmp = new Map([...mt].filter(([k]) => !k.startsWith('emoji')));
        for (const m of [bmp, mtBmp]) for (const v of m.values()) if (!v.data) v.mtime = 0;
        expect(new Map([...mtBmp].sort())).toEqual(new Map([...bmp].sort()));
      }
      if (have7z) {
        const out = path.join(dir, `7z${fat}`);
        fs.rmSync(out, { recursive: true, force: true });
        execFileSync('7zz', ['x', `-o${out}`, img], { stdio: 'ignore' });
        const sz = walkHost(out);
        const strip = (m: Map<string, Seen>): Map<string, string> => new Map([...m].map(([k, v]) => [k, v.data ?? 'dir'] as [string, string]).sort());
        expect(strip(sz)).toEqual(strip(host));
      }
    });
  }

  it('is byte-identical across two runs with the same inputs and SOURCE_DATE_EPOCH', async () => {
    const a = path.join(dir, 'a.img');
    const b = path.join(dir, 'b.img');
    const old = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      await buildImageFromDir(a, { from: path.join(dir, 'site'), label: 'REPRO', force: true });
      await new Promise((r) => setTimeout(r, 1100));
      await buildImageFromDir(b, { from: path.join(dir, 'site'), label: 'REPRO', force: true });
    } finally {
      if (old === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = old;
    }
    expect(Buffer.compare(fs.readFileSync(a), fs.readFileSync(b))).toBe(0);
  });

  it('clamps modification times to SOURCE_DATE_EPOCH', async () => {
    const old = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = String(Math.floor(Date.UTC(2020, 0, 1) / 1000));
    try {
      const entries = await collectBuildEntries(path.join(dir, 'site'));
      const plan = planBuild(entries, {});
      const dev = new MemoryDevice(planImageBytes(plan, {}));
      writeBuild(dev, plan, {});
      const vol = Volume.open(dev);
      expect(vol.stat('/index.html').mtime.toISOString()).toBe('2020-01-01T00:00:00.000Z');
    } finally {
      if (old === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = old;
    }
  });

  it('refuses to replace an existing image without force, and leaves no temporary file behind', async () => {
    const img = path.join(dir, 'exists.img');
    fs.writeFileSync(img, 'keep me');
    await expect(buildImageFromDir(img, { from: path.join(dir, 'site') })).rejects.toThrowError(/already exists/);
    expect(fs.readFileSync(img, 'utf8')).toBe('keep me');
    await expect(buildImageFromDir(img, { from: path.join(dir, 'site'), size: 100_000, force: true })).rejects.toThrowError(/does not fit/);
    expect(fs.readFileSync(img, 'utf8')).toBe('keep me');
    expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('builds into a partitioned image (MBR, one FAT partition at 1 MiB)', async () => {
    const img = path.join(dir, 'part.img');
    await buildImageFromDir(img, { from: path.join(dir, 'site'), partition: 'mbr', force: true });
    const b = fs.readFileSync(img);
    expect(b[510]).toBe(0x55);
    expect(b.readUInt32LE(446 + 8)).toBe(2048);
    const vol = Volume.open(new MemoryDevice(new Uint8Array(b.subarray(1 << 20))));
    expect(vol.readFile('/index.html', 'utf8')).toBe('<h1>home</h1>');
    if (haveOracles) {
      expect(execFileSync('mtype', ['-i', `${img}@@1M`, '::/index.html'], { env: oracleEnv, encoding: 'utf8' })).toBe('<h1>home</h1>');
    }
  });
});
