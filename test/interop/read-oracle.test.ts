/**
 * The read path against the oracles (FAT-NOTES.md section 8), on every fixture image:
 * - `fat extract` writes the same tree as `mcopy -s -n -m ::/ OUT/` (names, bytes, mtimes ±2 s);
 * - `fat list --json` lists the same paths as `mdir -/ -b -a` and `7zz l -slt`, with the sizes,
 *   mtimes, attributes and short names those report;
 * - `fat info --json` reports the geometry fsck.fat -v and minfo report;
 * - `fat cat` gives the bytes mcopy gives; the library API agrees with the CLI.
 * Small images are checked in (test/fixtures/images); the large ones (FAT16, FAT32, 4096-byte
 * sectors, 64 sectors per cluster, > 4 GiB, MBR) are built here by the same recipes.
 * The tests run whenever the tools are installed and fail (not skip) under CI=true without them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDevice, openImage, Volume } from '../../src/index.js';
import {
  fsckFat, mcopyOut, mdirPaths, minfo, mshowfat, mtoolsImage, oracleGate, readHostTree, sevenZipExtract,
  sevenZipList, type HostNode, describeGate } from '../fixtures/oracle.js';
import { buildFixture, FIXTURES, HOSTILE_BASE, HOSTILE_DIR, IMAGES_DIR, MBR_OFFSET, type FixtureSpec } from '../fixtures/recipes.js';
import { describeRun, runFat, stderrLines, type FatRun, type ListedEntry } from '../fixtures/run-fat.js';
import { entryBytes, fragTree, realNonBmpName, type Tree } from '../fixtures/trees.js';

const gate = oracleGate();

describeGate(gate);

/** Differences between two host trees: missing/extra paths, types, bytes, mtimes beyond `slackMs`. */
function diffTrees(actual: Map<string, HostNode>, expected: Map<string, HostNode>, slackMs = 2000): string[] {
  const out: string[] = [];
  for (const [p, e] of expected) {
    const a = actual.get(p);
    if (!a) {
      out.push(`missing ${e.type} ${p}`);
      continue;
    }
    if (a.type !== e.type) out.push(`${p}: ${a.type}, expected ${e.type}`);
    else if (e.type === 'file') {
      if (a.size !== e.size) out.push(`${p}: ${a.size} bytes, expected ${e.size}`);
      else if (e.bytes && a.bytes && !a.bytes.equals(e.bytes)) out.push(`${p}: different bytes`);
    }
    if (Math.abs(a.mtimeMs - e.mtimeMs) > slackMs) {
      out.push(`${p}: mtime ${new Date(a.mtimeMs).toISOString()}, expected ${new Date(e.mtimeMs).toISOString()}`);
    }
  }
  for (const [p, a] of actual) if (!expected.has(p)) out.push(`extra ${a.type} ${p}`);
  return out.sort();
}

const sevenZipAttrBits = (letters: string): number =>
  [...letters].reduce((bits, l) => bits | ({ R: 0x01, H: 0x02, S: 0x04, D: 0x10, A: 0x20 }[l] ?? 0), 0);

interface Img {
  spec: FixtureSpec;
  file: string;
  offset: number;
  /** mtools -i argument. */
  mt: string;
}

let work = '';
const images = new Map<string, Img>();

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-read-oracle-'));
  if (!gate.run) return;
  for (const spec of FIXTURES) {
    const file = spec.checkedIn ? path.join(IMAGES_DIR, spec.name) : path.join(work, spec.name);
    if (!spec.checkedIn) buildFixture(spec, file);
    const offset = spec.mbrPartitionType !== undefined ? MBR_OFFSET : 0;
    images.set(spec.name, { spec, file, offset, mt: mtoolsImage(file, offset) });
  }
}, 300_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function fatOk(args: string[], r: FatRun): void {
  expect(r.status, describeRun(args, r)).toBe(0);
  expect(stderrLines(r), describeRun(args, r)).toEqual([]);
}

/**
 * mtools decodes short names in CP850 (fatkit's default is CP437, as Windows and Linux use): when a
 * run is compared with mtools, fatkit is asked for the same code page.
 */
async function fat(args: string[], timeoutMs = 60_000): Promise<FatRun> {
  const compared = args.some((a) => ['list', 'extract', 'cat'].includes(a)) && !args.includes('--code-page');
  const r = await runFat(compared ? [...args, '--code-page', 'cp850'] : args, { timeoutMs });
  expect(r.timedOut, describeRun(args, r)).toBe(false);
  expect(r.stderr, 'no stack trace').not.toMatch(/^\s+at /m);
  return r;
}

async function listJson(img: Img, extra: string[] = []): Promise<ListedEntry[]> {
  const args = ['list', img.file, ...extra, '--json'];
  const r = await fat(args);
  fatOk(args, r);
  return JSON.parse(r.stdout.toString('utf8')) as ListedEntry[];
}

/** Several spawns per test: generous for loaded CI machines (a hang still fails). */
const SLOW = { timeout: 180_000 };

describe.runIf(gate.run)('checked-in fixtures', SLOW, () => {
  it('are byte for byte what the recipes make (run make-fixtures.sh after changing a recipe)', () => {
    const stale: string[] = [];
    for (const spec of [...FIXTURES.filter((s) => s.checkedIn), HOSTILE_BASE]) {
      const fresh = path.join(work, `fresh-${spec.name}`);
      buildFixture(spec, fresh);
      const dir = spec === HOSTILE_BASE ? HOSTILE_DIR : IMAGES_DIR;
      if (!fs.readFileSync(fresh).equals(fs.readFileSync(path.join(dir, spec.name)))) stale.push(spec.name);
    }
    expect(stale).toEqual([]);
  });
});

for (const spec of FIXTURES) {
  describe.runIf(gate.run)(`${spec.name}: ${spec.covers}`, SLOW, () => {
    let img: Img;
    let ref = '';
    let refTree: Map<string, HostNode>;
    let listed: ListedEntry[];
    const usesMtools = !spec.nonBmp;

    beforeAll(async () => {
      img = images.get(spec.name)!;
      ref = path.join(work, `${spec.name}.ref`);
      if (usesMtools) mcopyOut(img.mt, ref);
      else sevenZipExtract(img.file, ref);
      refTree = readHostTree(ref);
      listed = await listJson(img);
    }, 120_000);

    it(`fat extract writes the tree ${spec.nonBmp ? '7zz x' : 'mcopy -s -n -m'} writes`, async () => {
      const out = path.join(work, `${spec.name}.fat`);
      const args = ['extract', img.file, '-o', out];
      fatOk(args, await fat(args));
      expect(diffTrees(readHostTree(out), refTree)).toEqual([]);
    });

    it('fat list --json lists the paths, types, sizes and mtimes of the reference extraction', () => {
      const got = new Map(listed.map((e) => [e.path, e]));
      expect(got.size, 'no duplicate paths').toBe(listed.length);
      const want = [...refTree].map(([p, n]) => ({ path: p, type: n.type, size: n.size }));
      expect(listed.map((e) => ({ path: e.path, type: e.type, size: e.size })).sort(byPath)).toEqual(want.sort(byPath));
      for (const e of listed) {
        const n = refTree.get(e.path);
        if (!n) continue;
        expect(Math.abs(Date.parse(e.mtime) - n.mtimeMs), `mtime of ${e.path}`).toBeLessThanOrEqual(2000);
        expect(e.mtime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      }
    });

    // mtools drops names outside the BMP: those images are compared with 7-Zip instead (below).
    if (usesMtools) it('fat list --json lists exactly the paths mdir -/ -b -a lists', () => {
      const want = mdirPaths(img.mt).map((e) => `${e.type} ${e.path}`).sort();
      const got = listed.map((e) => `${e.type} ${e.path}`).sort();
      expect(got).toEqual(want);
    });

    it('fat list --json agrees with 7zz l -slt on paths, sizes, attributes and short names', () => {
      const entries = sevenZipList(img.file);
      const byPath7 = new Map(entries.map((e) => [`/${e.path}`, e]));
      const mismatches: string[] = [];
      // 7-Zip does not decode OEM bytes of names that have no long name: it shows U+FFFD.
      const oemOnly = (e: ListedEntry): boolean =>
        /[^\x20-\x7e]/.test(e.path.split('/').pop()!) && e.shortName.toUpperCase() === e.path.split('/').pop()!.toUpperCase();
      for (const e of listed) {
        const s = byPath7.get(e.path);
        if (!s) {
          if (!oemOnly(e)) mismatches.push(`7zz does not list ${e.path}`);
          continue;
        }
        if (s.folder !== (e.type === 'directory')) mismatches.push(`${e.path}: type`);
        if (!s.folder && s.size !== e.size) mismatches.push(`${e.path}: size ${e.size}, 7zz ${s.size}`);
        if ((e.attributes & 0x37) !== sevenZipAttrBits(s.attributes)) {
          mismatches.push(`${e.path}: attributes 0x${e.attributes.toString(16)}, 7zz "${s.attributes}"`);
        }
        if (s.shortName && /^[\x20-\x7e]+$/.test(s.shortName) && s.shortName.toUpperCase() !== e.shortName.toUpperCase()) {
          mismatches.push(`${e.path}: short name ${e.shortName}, 7zz ${s.shortName}`);
        }
      }
      const listedPaths = new Set(listed.map((e) => e.path));
      for (const p of byPath7.keys()) if (!p.includes('\uFFFD') && !listedPaths.has(p)) mismatches.push(`fat list misses ${p}`);
      expect(mismatches).toEqual([]);
    });

    it('fat info --json reports the geometry fsck.fat -v and minfo report', async () => {
      const args = ['info', img.file, '--json'];
      const r = await fat(args);
      fatOk(args, r);
      const info = JSON.parse(r.stdout.toString('utf8')) as Record<string, unknown>;
      expect(info).toMatchObject({
        fatType: spec.expect.fatType,
        sectorSize: spec.expect.sectorSize,
        sectorsPerCluster: spec.expect.sectorsPerCluster,
        clusterSize: spec.expect.sectorSize * spec.expect.sectorsPerCluster,
        volumeId: '1234-ABCD',
        dirty: false,
      });
      if (spec.label) expect(String(info.label).trimEnd()).toBe(spec.label);
      else expect(['', 'NO NAME', null, undefined]).toContain(typeof info.label === 'string' ? info.label.trimEnd() : info.label);
      const mi = minfo(img.mt);
      expect(info.reservedSectors).toBe(mi.reservedSectors);
      expect(info.numFats).toBe(mi.numFats);
      if ('hiddenSectors' in info) expect(info.hiddenSectors).toBe(mi.hiddenSectors);
      if (spec.expect.fatType !== 32) expect(info.rootEntries).toBe(mi.rootEntries);
      else expect(info.rootCluster).toBe(2);
      if (img.offset === 0) {
        const fsck = fsckFat(img.file);
        expect(fsck.clean, fsck.output).toBe(true);
        expect(info.clusterCount).toBe(fsck.totalClusters);
        expect(info.freeClusters).toBe(fsck.totalClusters! - fsck.usedClusters!);
        expect(info.totalSectors).toBe(fsck.totalSectors);
        expect((info.fatSize as number) * spec.expect.sectorSize).toBe(fsck.bytesPerFat);
        expect(fsck.fatBits).toBe(spec.expect.fatType);
      }
    });

    it('fat cat gives the bytes of the reference extraction (largest, fragmented, empty, nested files)', async () => {
      const files = [...refTree].filter(([, n]) => n.type === 'file');
      const pick = new Set<string>();
      const bySize = [...files].sort((a, b) => b[1].size - a[1].size);
      if (bySize[0]) pick.add(bySize[0][0]);
      const empty = files.find(([, n]) => n.size === 0);
      if (empty) pick.add(empty[0]);
      const deepest = [...files].sort((a, b) => b[0].split('/').length - a[0].split('/').length)[0];
      if (deepest) pick.add(deepest[0]);
      if (refTree.has('/frag/fragmented file.bin')) pick.add('/frag/fragmented file.bin');
      for (const p of pick) {
        const args = ['cat', img.file, p];
        const r = await fat(args);
        fatOk(args, r);
        expect(r.stdout.equals(refTree.get(p)!.bytes!), `bytes of ${p}`).toBe(true);
      }
    });

    it('the library (openImage, walk, stat, readFile, info) agrees with the CLI', () => {
      const vol = openImage(img.file, { readOnly: true, codePage: 'cp850' });
      try {
        const walked = [...vol.walk('/')].map((e) => ({ path: e.path, size: e.stats.size, dir: e.stats.isDirectory() }));
        expect(walked.map((w) => w.path).sort()).toEqual(listed.map((e) => e.path).sort());
        for (const e of listed.slice(0, 40)) {
          const st = vol.stat(e.path);
          expect(st.isDirectory()).toBe(e.type === 'directory');
          expect(st.isFile()).toBe(e.type === 'file');
          expect(st.size).toBe(e.size);
          expect(st.mtime.toISOString()).toBe(e.mtime);
          expect(st.shortName).toBe(e.shortName);
          const want = refTree.get(e.path);
          if (e.type === 'file' && e.size < 1 << 20 && want) {
            expect(Buffer.from(vol.readFile(e.path)).equals(want.bytes!), e.path).toBe(true);
          }
        }
        const info = vol.info() as unknown as Record<string, unknown>;
        expect(info.fatType).toBe(spec.expect.fatType);
      } finally {
        vol.close();
      }
    });

    if (spec.checkedIn) {
      it('Volume.open over a MemoryDevice reads what the file-backed volume reads', () => {
        const bytes = new Uint8Array(fs.readFileSync(img.file));
        const vol = Volume.open(new MemoryDevice(bytes, { readOnly: true, sectorSize: spec.expect.sectorSize }), { readOnly: true, codePage: 'cp850' });
        try {
          const walked = [...vol.walk('/')].map((e) => `${e.stats.isDirectory() ? 'directory' : 'file'} ${e.path} ${e.stats.size}`);
          expect(walked.sort()).toEqual(listed.map((e) => `${e.type} ${e.path} ${e.size}`).sort());
          for (const e of listed.filter((x) => x.type === 'file' && refTree.has(x.path))) {
            expect(Buffer.from(vol.readFile(e.path)).equals(refTree.get(e.path)!.bytes!), e.path).toBe(true);
          }
        } finally {
          vol.close();
        }
      });
    }

    if (spec.fragment) {
      it('the fragmented file really is fragmented, and reads back as written', async () => {
        const runs = mshowfat(img.mt, 'frag/fragmented file.bin');
        expect(runs.length, JSON.stringify(runs)).toBeGreaterThan(1);
        const src = fragTree(spec.expect.sectorSize * spec.expect.sectorsPerCluster).find((e) => e.path === 'frag/fragmented file.bin')!;
        const args = ['cat', img.file, '/frag/fragmented file.bin'];
        const r = await fat(args);
        fatOk(args, r);
        expect(Buffer.from(entryBytes(src)).equals(r.stdout)).toBe(true);
      });

      it('deleted entries (short, long, directory, B.bin) are not listed', () => {
        const paths = new Set(listed.map((e) => e.path.toLowerCase()));
        for (const p of ['/doomed.txt', '/a doomed long name.txt', '/doomed dir', '/frag/b.bin']) expect(paths.has(p), p).toBe(false);
        if (spec.checkedIn) {
          // The image really holds E5 entries for them (mdel leaves them).
          const raw = fs.readFileSync(img.file);
          expect(raw.indexOf(Buffer.from('\xe5OOMED  TXT', 'latin1'))).toBeGreaterThan(0);
        }
      });
    }

    if (spec.label) {
      it('the volume label entry is not listed as a file', () => {
        expect(listed.some((e) => e.path.replace(/^\//, '').toUpperCase() === spec.label!.replace(/ /g, '').toUpperCase())).toBe(false);
        expect(listed.some((e) => (e.attributes & 0x08) !== 0)).toBe(false);
      });
    }

    if (spec.tree.some((e) => e.path === 'Õ.TXT')) {
      it('a short name starting with byte E5 (stored as 05) reads as Õ in CP850, as mtools reads it', () => {
        if (spec.checkedIn) expect(fs.readFileSync(img.file).indexOf(Buffer.from('\x05       TXT', 'latin1'))).toBeGreaterThan(0);
        expect(listed.map((e) => e.path)).toContain('/Õ.TXT');
      });

      it('openImage({ codePage }) decodes 8.3 names in CP850 or CP437', () => {
        for (const [codePage, name] of [['cp850', 'Õ.TXT'], ['cp437', 'σ.TXT']] as const) {
          const vol = openImage(img.file, { readOnly: true, codePage });
          try {
            expect(vol.readdir('/'), codePage).toContain(name);
            expect(Buffer.from(vol.readFile(`/${name}`)).toString('utf8')).toBe(spec.tree.find((e) => e.path === 'Õ.TXT')!.text);
          } finally {
            vol.close();
          }
        }
      });
    }

    if (spec.nonBmp) {
      it('long names outside the BMP come back as surrogate pairs (UTF-8 4-byte sequences)', () => {
        const want = spec.tree.map((e) => `/${realNonBmpName(e.path)}`).sort();
        expect(listed.map((e) => e.path).sort()).toEqual(want);
      });
    }

    if (spec.highTree) {
      it('files beyond 4 GiB read back (byte offsets above 2^32)', async () => {
        const runs = mshowfat(img.mt, 'high/far away.bin');
        expect(runs[0][0]).toBeGreaterThanOrEqual(spec.highCluster!);
        for (const e of spec.highTree!.filter((t) => t.type === 'file')) {
          const args = ['cat', img.file, `/${e.path}`];
          const r = await fat(args);
          fatOk(args, r);
          expect(Buffer.from(entryBytes(e)).equals(r.stdout), e.path).toBe(true);
        }
      });
    }

    if (spec.mbrPartitionType !== undefined) {
      it('the partition is found by itself, by --partition 1 and by --offset', async () => {
        const auto = await listJson(img);
        expect(auto.map((e) => e.path).sort()).toEqual(listed.map((e) => e.path).sort());
        const byIndex = await listJson(img, ['--partition', '1']);
        expect(byIndex).toEqual(auto);
        const args = ['--offset', String(MBR_OFFSET), 'list', img.file, '--json'];
        const r = await fat(args);
        fatOk(args, r);
        expect(JSON.parse(r.stdout.toString('utf8'))).toEqual(auto);
        const vol = openImage(img.file, { readOnly: true, partition: 1, codePage: 'cp850' });
        try {
          expect([...vol.walk('/')].length).toBe(auto.length);
        } finally {
          vol.close();
        }
      });
    }
  });
}

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

describe.runIf(gate.run)('lookups on fat12-512-1spc.img', SLOW, () => {
  const file = path.join(IMAGES_DIR, 'fat12-512-1spc.img');
  const tree: Tree = FIXTURES[0].tree;
  const text = (p: string): string => tree.find((e) => e.path === p)!.text!;

  it('is case-insensitive over long and short names', async () => {
    for (const [asked, real] of [
      ['/readme.txt', 'README.TXT'],
      ['/LOWNAME.TXT', 'lowname.txt'],
      ['/long file name 1.TXT', 'Long File Name 1.txt'],
      ['/LONGFI~2.TXT', 'Long File Name 2.txt'],
      ['/DOCS/SUBDIR~1/DATA~1.JSO', 'docs/Sub Dir/data.json'],
    ]) {
      const args = ['cat', file, asked];
      const r = await fat(args);
      fatOk(args, r);
      expect(r.stdout.toString('utf8'), asked).toBe(text(real));
    }
  });

  it('gives one-line errors for a missing path, a directory and a file used as a directory', async () => {
    for (const [args, word] of [
      [['cat', file, '/no such file'], /no such/i],
      [['cat', file, '/docs'], /directory/i],
      [['list', file, '/README.TXT/x'], /not a directory|no such/i],
      [['cat', file, '/doomed.txt'], /no such/i],
    ] as const) {
      const r = await fat([...args]);
      expect(r.status, describeRun([...args], r)).toBe(1);
      expect(stderrLines(r)).toHaveLength(1);
      expect(r.stderr).toMatch(/^fat: /);
      expect(r.stderr).toMatch(word);
    }
  });

  it('list PATH --depth 1 lists only the entries of PATH', async () => {
    const img: Img = { spec: FIXTURES[0], file, offset: 0, mt: file };
    const docs = await listJson(img, ['/docs', '--depth', '1']);
    expect(docs.map((e) => e.path).sort()).toEqual(['/docs/Sub Dir', '/docs/guide.md', '/docs/read me too.txt']);
  });
});
