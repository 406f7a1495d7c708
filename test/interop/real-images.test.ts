/**
 * Images other implementations wrote (issue 13): the Linux kernel's vfat (rust-fatfs's and lde's
 * test images), ChaN FatFs R0.16 (soypat/fat's torture goldens) and a FAT12 disk written by hand
 * (TinyUSB's 8 KiB MSC demo). They live in `../shared/real-images/` beside the repository root and
 * are never copied in; `NAME.expected.txt` says what each holds according to its source
 * (test/fixtures/real-images.ts reads it). For every image:
 * - the library and `fat extract` give every stated file with its stated bytes, and the files and
 *   directories are exactly the stated ones; `fat list --json` names them (short names where
 *   stated), `fat info --json` states label, id, type and cluster counts, short-name paths open;
 * - `fat check` agrees with fsck.fat -n (both find nothing on all six), 7-Zip extracts the same;
 * - on a copy, a round of `fat add/mkdir/mv/rm/label` leaves an image fsck.fat -n finds clean and
 *   mtools and 7-Zip read as fatkit does, with every untouched file still holding its stated bytes.
 * Without the folder the tests skip, and fail under CI=true; so do the oracle parts without the tools.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/index.js';
import { fatCli, fsckClean, withImage } from '../cli/cli-helpers.js';
import { oracleGate, runTool, sevenZipList, tool } from '../fixtures/oracle.js';
import { fatfsNumberedName, readRealImage, realImageNames, realImagesGate, type RealImage } from '../fixtures/real-images.js';
import { describeRun, runFat, type ListedEntry } from '../fixtures/run-fat.js';

const gate = realImagesGate();
const oracles = oracleGate(['fsck.fat', 'mdir', 'mcopy', '7zz']);
const NAMES = gate.present ? realImageNames() : [];

describe('real images', () => {
  it('are in ../shared/real-images (required when CI=true)', (ctx) => {
    gate.assertUnderCi();
    if (!gate.present) ctx.skip();
    expect(NAMES.length).toBeGreaterThan(0);
  });
  it('a missing folder skips them, and fails them under CI=true', () => {
    const ci = process.env.CI;
    try {
      process.env.CI = '';
      expect(realImagesGate('/nonexistent/real-images')).toMatchObject({ present: false, run: false });
      process.env.CI = 'true';
      const g = realImagesGate('/nonexistent/real-images');
      expect(g.run).toBe(true);
      expect(() => g.assertUnderCi()).toThrow(/real images missing under CI=true/);
    } finally {
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    }
  });
  it('oracle tools are installed (required when CI=true)', (ctx) => {
    oracles.assertUnderCi();
    if (oracles.missing.length > 0) ctx.skip();
  });
});

/**
 * What each expected file is known to state (counts of files and directories, and which facts):
 * when a pattern in the parser stops matching its wording, this fails instead of the suite
 * silently asserting less.
 */
const STATES: Record<string, { files: number; dirs: number; facts: string[] }> = {
  'fatfs-torture-fat12': { files: 44, dirs: 2, facts: ['bytes', 'clusterSize', 'fatType', 'fatfsNumberedNames', 'zeroTimestamps'] },
  'fatfs-torture-fat16': { files: 44, dirs: 2, facts: ['bytes', 'clusterSize', 'fatType', 'fatfsNumberedNames', 'zeroTimestamps'] },
  'lde-vfat-fat12': { files: 105, dirs: 16, facts: ['bytes', 'clusterSize', 'fatType', 'label'] },
  'rustfatfs-fat12': {
    files: 4, dirs: 4,
    facts: ['bytes', 'clean', 'clusterCount', 'clusterSize', 'fatType', 'freeClusters', 'label', 'listings', 'ranges', 'rootLongNames', 'rootShortNames', 'shortNameLookups', 'volumeId'],
  },
  'rustfatfs-fat16': {
    files: 4, dirs: 4,
    facts: ['bytes', 'clean', 'clusterCount', 'clusterSize', 'fatType', 'freeClusters', 'label', 'listings', 'ranges', 'rootLongNames', 'rootShortNames', 'shortNameLookups', 'volumeId'],
  },
  'tinyusb-msc-8k-fat12': { files: 1, dirs: 0, facts: ['bytes', 'clusterSize', 'fatType', 'firstClusters', 'label', 'numFats', 'rootEntries', 'volumeId'] },
};

/**
 * The round of writes made through the CLI on a copy, in this order: `fat add` of a host
 * directory `added/` (a file of `addSize` bytes with a long name, and `sub/x.txt`) into `addTo`,
 * `fat mkdir -p`, each `fat mv`, `fat rm -r` of each path, `fat label NEWLABEL`.
 */
interface WritePlan {
  addTo: string;
  addSize: number;
  mkdir: string;
  mv: Array<[string, string]>;
  rm: string[];
}

const RUST_PLAN: WritePlan = {
  addTo: '/very/long', addSize: 30_000, mkdir: '/new dir/deeper',
  mv: [['/very-long-dir-name/very-long-file-name.txt', '/new dir/moved name.txt']],
  rm: ['/short.txt', '/very-long-dir-name'],
};
const FATFS_PLAN: WritePlan = {
  // 'collision test file 01.dat' lands beside FatFs's COLLIS~1.DAT in /subdir; nested2 moves again.
  addTo: '/subdir', addSize: 30_000, mkdir: '/new dir/ünïcode',
  mv: [['/nested2', '/subdir/nested3'], ['/collision test file 01.dat', '/subdir/collision test file 01.dat']],
  rm: ['/cc.dat', '/small01.txt', '/αβγδε.dat'],
};
const PLANS: Record<string, WritePlan> = {
  'rustfatfs-fat12': RUST_PLAN,
  'rustfatfs-fat16': RUST_PLAN,
  'fatfs-torture-fat12': FATFS_PLAN,
  'fatfs-torture-fat16': FATFS_PLAN,
  // 10 free clusters of 2 KiB: the additions fit before anything is removed. The new directory is
  // the 11th and 12th level; 'added' goes into the fragmented 100-entry directory.
  'lde-vfat-fat12': {
    addTo: '/dir3.100entries', addSize: 5000,
    mkdir: `/dir-subdirs/${Array.from({ length: 9 }, (_, i) => `dir-subdirs${i + 1}`).join('/')}/level10/level11`,
    mv: [['/dir3.100entries/50', '/dir-files/fifty'], ['/dir-subdirs/dir3.empty', '/dir1.empty/moved.empty']],
    rm: ['/dir-files/testd', '/dir2.empty', '/lost+found'],
  },
  // 12 free clusters of 512 B, 16 root entries, one FAT.
  'tinyusb-msc-8k-fat12': {
    addTo: '/', addSize: 3000, mkdir: '/newdir/deeper', mv: [['/README.TXT', '/newdir/readme-moved.txt']], rm: ['/added/sub'],
  },
};

const NEW_LABEL = 'NEWLABEL';
/** A DOS date of 0 (FatFs without a clock) read as the Linux kernel reads it (fat_time_fat2unix clamps month and day to 1). */
const DOS_ZERO_MS = Date.UTC(1980, 0, 1);

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A tree as sorted lines: `dir /a`, `file /a/b SIZE SHA256`. */
type Tree = string[];

function statedTree(img: RealImage): Tree {
  return [...[...img.dirs].map((d) => `dir ${d}`), ...[...img.files].map(([p, f]) => `file ${p} ${f.size} ${f.sha256}`)].sort();
}

/** What the library sees: every path the walk yields, every file read through readFile. */
function libraryTree(image: string): Tree {
  return withImage(image, (vol) =>
    [...vol.walk('/')].map((e) => {
      if (e.stats.isDirectory()) return `dir ${e.path}`;
      const bytes = vol.readFile(e.path) as Uint8Array;
      return `file ${e.path} ${bytes.length} ${sha(bytes)}`;
    }).sort(),
  );
}

/** A host directory (an extraction) as a tree. */
function hostTree(root: string): Tree {
  const out: Tree = [];
  const walk = (dir: string, rel: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        out.push(`dir ${p}`);
        walk(path.join(dir, e.name), p);
      } else {
        const bytes = fs.readFileSync(path.join(dir, e.name));
        out.push(`file ${p} ${bytes.length} ${sha(bytes)}`);
      }
    }
  };
  walk(root, '');
  return out.sort();
}

const sevenZipAttrBits = (letters: string): number =>
  [...letters].reduce((bits, l) => bits | ({ R: 0x01, H: 0x02, S: 0x04, D: 0x10, A: 0x20 }[l] ?? 0), 0);

/** mtools writes every UTF-16 unit of a character outside the BMP as '_' (the README says so). */
const asMtoolsNames = (tree: Tree): Tree => tree.map((l) => l.replace(/[\uD800-\uDFFF]/g, '_')).sort();

/** Run the CLI, expecting success and nothing on stderr. */
function fat(args: string[]): string {
  const r = fatCli(args);
  expect(r.stderr, `fat ${args.join(' ')}`).toBe('');
  expect(r.status, `fat ${args.join(' ')}`).toBe(0);
  return r.stdout;
}

let work = '';
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-real-'));
});
afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

for (const name of NAMES) {
  describe.runIf(gate.run)(name, { timeout: 60_000 }, () => {
    let img: RealImage;
    let listed: ListedEntry[];

    beforeAll(() => {
      img = readRealImage(name);
      listed = JSON.parse(fat(['list', img.image, '--json'])) as ListedEntry[];
    });

    it('its expected file states what this suite knows it states', () => {
      const want = STATES[name];
      expect(want, `add ${name} to STATES (and PLANS)`).toBeDefined();
      const facts = Object.entries(img)
        .filter(([k, v]) => !['name', 'image', 'files', 'dirs'].includes(k) && v !== undefined && v !== false &&
          !((v instanceof Map || v instanceof Set) && v.size === 0) && !(Array.isArray(v) && v.length === 0))
        .map(([k]) => k).sort();
      expect({ files: img.files.size, dirs: img.dirs.size, facts }).toEqual(want);
      expect(fs.statSync(img.image).size).toBe(img.bytes);
    });

    it('the library reads exactly the stated files (with their bytes) and directories', () => {
      expect(libraryTree(img.image)).toEqual(statedTree(img));
      withImage(img.image, (vol) => {
        for (const r of img.ranges) {
          const h = vol.openFile(r.path, 'r');
          const buf = new Uint8Array(r.end - r.start);
          h.seek(r.start);
          expect(h.read(buf), `${r.path} [${r.start}..${r.end}]`).toBe(buf.length);
          h.close();
          expect(Buffer.from(buf).equals(Buffer.from(r.bytes)), `${r.path} [${r.start}..${r.end}]`).toBe(true);
        }
        for (const [p, c] of img.firstClusters) expect(vol.stat(p).firstCluster, `first cluster of ${p}`).toBe(c);
        for (const [dir, names] of img.listings) expect(vol.readdir(dir), `readdir ${dir}`).toEqual(names);
        if (img.rootLongNames) expect(vol.readdir('/')).toEqual(img.rootLongNames);
        // Short-name paths the source opens; and every entry is reachable by its short names.
        for (const p of img.shortNameLookups) {
          const bytes = vol.readFile(p) as Uint8Array;
          expect(sha(bytes), p).toBe(img.files.get(vol.realpath(p))?.sha256);
        }
        const shortPath = new Map<string, string>([['/', '']]);
        for (const e of listed) {
          const sp = `${shortPath.get(path.posix.dirname(e.path))}/${e.shortName}`;
          shortPath.set(e.path, sp);
          expect(vol.realpath(sp), `${sp} is ${e.path}`).toBe(e.path);
        }
      });
    });

    it('fat list --json lists the stated paths, sizes and short names', () => {
      const got = listed.map((e) => (e.type === 'directory' ? `dir ${e.path}` : `file ${e.path} ${e.size}`)).sort();
      const want = statedTree(img).map((l) => l.replace(/ [0-9a-f]{64}$/, ''));
      expect(got).toEqual(want);
      const root = listed.filter((e) => path.posix.dirname(e.path) === '/');
      if (img.rootShortNames) expect(root.map((e) => e.shortName)).toEqual(img.rootShortNames);
      if (img.rootLongNames) expect(root.map((e) => e.path.slice(1))).toEqual(img.rootLongNames);
      for (const [dir, names] of img.listings) {
        expect(listed.filter((e) => path.posix.dirname(e.path) === dir).map((e) => path.posix.basename(e.path)), dir).toEqual(names);
      }
      if (img.fatfsNumberedNames) {
        // FatFs numbers the k-th colliding name ~k up to ~5, then (sequence 6, the first free try)
        // a CRC of the long name: gen_numname in ff.c, recomputed here.
        const family = listed.filter((e) => img.fatfsNumberedNames!.test(e.path)).sort((a, b) => a.path.localeCompare(b.path));
        expect(family.length).toBeGreaterThan(5);
        const want = family.map((e, i) => {
          const long = e.path.slice(1);
          const stem = long.slice(0, long.lastIndexOf('.')).toUpperCase().replace(/[ .]/g, '').slice(0, 8);
          return fatfsNumberedName(long, i < 5 ? i + 1 : 6, stem, long.slice(long.lastIndexOf('.') + 1).toUpperCase());
        });
        expect(family.map((e) => e.shortName)).toEqual(want);
      }
      if (img.zeroTimestamps) {
        // Every date field is 0, which is no valid DOS date: fatkit reads it as the Linux kernel
        // does, 1980-01-01 00:00 (mtools prints 1980-00-00 and sets 1979-12-31; 7-Zip shows none).
        expect(new Set(listed.map((e) => e.mtime))).toEqual(new Set([new Date(DOS_ZERO_MS).toISOString()]));
      }
    });

    it('fat extract writes exactly the stated files and directories', () => {
      const out = path.join(work, `${name}.extract`);
      fat(['extract', img.image, '-o', out]);
      expect(hostTree(out)).toEqual(statedTree(img));
      if (img.zeroTimestamps) {
        const mtimes = new Set([...img.files.keys(), ...img.dirs].map((p) => fs.statSync(path.join(out, p)).mtimeMs));
        expect(mtimes).toEqual(new Set([DOS_ZERO_MS]));
      }
    });

    it('fat info --json states the label, volume id, FAT type, cluster size and counts', () => {
      const info = JSON.parse(fat(['info', img.image, '--json'])) as Record<string, unknown>;
      const stated: Record<string, unknown> = {
        fatType: img.fatType, clusterSize: img.clusterSize, clusterCount: img.clusterCount, freeClusters: img.freeClusters,
        numFats: img.numFats, rootEntries: img.rootEntries, label: img.label, bootSectorLabel: img.label,
        // fat info --json prints the id as DOS does: ABCD-1234.
        volumeId: img.volumeId === undefined ? undefined : img.volumeId.toString(16).toUpperCase().padStart(8, '0').replace(/^(.{4})/, '$1-'),
        dirty: img.clean === undefined ? undefined : !img.clean,
      };
      for (const [k, v] of Object.entries(stated)) if (v !== undefined) expect(info[k], k).toBe(v);
    });

    // Only images whose source states short-name lookups get this test (no skipped stand-ins).
    if (readRealImage(name).shortNameLookups.length > 0) it('fat cat opens the stated short-name paths', async () => {
      for (const p of img.shortNameLookups) {
        const r = await runFat(['cat', img.image, p]);
        expect(r.status, describeRun(['cat', img.image, p], r)).toBe(0);
        const long = withImage(img.image, (vol) => vol.realpath(p));
        expect(sha(r.stdout), p).toBe(img.files.get(long)?.sha256);
      }
    });

    it('fat check --json finds nothing', () => {
      const r = fatCli(['check', img.image, '--json']);
      const report = JSON.parse(r.stdout) as { problems: unknown[]; clean: boolean; stats: Record<string, number> };
      expect(report.problems).toEqual([]);
      expect(report.clean).toBe(true);
      expect(r.status).toBe(0);
      if (img.clusterCount !== undefined) expect(report.stats.clustersTotal).toBe(img.clusterCount);
      if (img.freeClusters !== undefined) expect(report.stats.clustersFree).toBe(img.freeClusters);
    });

    it.runIf(oracles.run)('fsck.fat -n finds nothing either, and counts the files and clusters fatkit counts', () => {
      expect(fsckClean(img.image)).toEqual([]);
      // "N files, USED/TOTAL clusters" (the label entry counted as a file, as fatkit's check counts it).
      const m = / (\d+) files, (\d+)\/(\d+) clusters$/m.exec(runTool('fsck.fat', ['-n', img.image]).stdout);
      expect(m, 'fsck.fat summary').not.toBeNull();
      const { stats } = withImage(img.image, (vol) => check(vol));
      expect([stats.files, stats.clustersUsed, stats.clustersTotal]).toEqual(m!.slice(1).map(Number));
    });

    it('fat check --repair on a copy finds nothing to repair and changes no byte', () => {
      const copy = path.join(work, `${name}.repair.img`);
      fs.copyFileSync(img.image, copy);
      fs.chmodSync(copy, 0o644);
      const r = fatCli(['check', copy, '--repair', '--json']);
      expect(JSON.parse(r.stdout)).toMatchObject({ problems: [], clean: true, repaired: false });
      expect(r.status).toBe(0);
      expect(fs.readFileSync(copy).equals(fs.readFileSync(img.image))).toBe(true);
    });

    it.runIf(oracles.run)('7-Zip extracts the stated files, and lists the short names, attributes, mtimes, FAT type and cluster size fat list and the source give', () => {
      const out = path.join(work, `${name}.7z`);
      tool('7zz', ['x', '-y', '-sccUTF-8', `-o${out}`, img.image]);
      expect(hostTree(out)).toEqual(statedTree(img));
      const seven = new Map(sevenZipList(img.image).map((e) => [`/${e.path}`, e]));
      const differ: string[] = [];
      for (const e of listed) {
        const s = seven.get(e.path);
        if (!s) {
          differ.push(`${e.path}: not listed by 7zz`);
          continue;
        }
        // 7-Zip prints OEM bytes beyond ASCII undecoded (FatFs's 'ÑANDU.TXT'): ASCII names only.
        if (s.shortName && /^[\x20-\x7e]+$/.test(s.shortName) && s.shortName.toUpperCase() !== e.shortName) {
          differ.push(`${e.path}: short name ${e.shortName}, 7zz ${s.shortName}`);
        }
        if ((e.attributes & 0x37) !== sevenZipAttrBits(s.attributes)) differ.push(`${e.path}: attributes 0x${e.attributes.toString(16)}, 7zz ${s.attributes}`);
        // A DOS date of 0 has no time in 7-Zip (see above); others are the same instant (TZ=UTC).
        const t = s.modified ? Date.parse(`${s.modified.replace(' ', 'T')}Z`) : DOS_ZERO_MS;
        if (t !== Date.parse(e.mtime)) differ.push(`${e.path}: mtime ${e.mtime}, 7zz ${s.modified}`);
      }
      expect(differ).toEqual([]);
      const header = tool('7zz', ['l', img.image]);
      if (img.clusterSize) expect(header).toContain(`Cluster Size = ${img.clusterSize}\n`);
      if (img.fatType) expect(header).toContain(`File System = FAT${img.fatType}\n`);
    });

    it.runIf(oracles.run)('a round of fat add, mkdir, mv, rm and label on a copy stays fsck.fat-clean and reads the same in mtools and 7-Zip', () => {
      const plan = PLANS[name];
      expect(plan, `add a write plan for ${name}`).toBeDefined();
      const copy = path.join(work, `${name}.copy.img`);
      fs.copyFileSync(img.image, copy);
      fs.chmodSync(copy, 0o644);

      // The model: the stated tree, changed as the plan changes it.
      const model = new Map<string, string>(); // path -> 'dir' | 'SIZE SHA'
      for (const d of img.dirs) model.set(d, 'dir');
      for (const [p, f] of img.files) model.set(p, `${f.size} ${f.sha256}`);
      const addDirs = (p: string): void => {
        for (let d = p; d !== '/'; d = path.posix.dirname(d)) model.set(d, 'dir');
      };

      const host = path.join(work, `${name}.host`);
      const big = Uint8Array.from({ length: plan.addSize }, (_, i) => (i * 131 + 7) & 0xff);
      fs.mkdirSync(path.join(host, 'added', 'sub'), { recursive: true });
      fs.writeFileSync(path.join(host, 'added', 'a long added name.bin'), big);
      fs.writeFileSync(path.join(host, 'added', 'sub', 'x.txt'), 'x\n');
      fat(['add', copy, path.join(host, 'added'), '--to', plan.addTo]);
      const added = path.posix.join(plan.addTo, 'added');
      addDirs(path.posix.join(added, 'sub'));
      model.set(path.posix.join(added, 'a long added name.bin'), `${big.length} ${sha(big)}`);
      model.set(path.posix.join(added, 'sub', 'x.txt'), `2 ${sha(Buffer.from('x\n'))}`);

      fat(['mkdir', copy, plan.mkdir, '-p']);
      addDirs(plan.mkdir);

      const under = (p: string, root: string): boolean => p === root || p.startsWith(`${root}/`);
      for (const [from, to] of plan.mv) {
        expect(model.has(from), from).toBe(true);
        fat(['mv', copy, from, to]);
        for (const [p, v] of [...model]) {
          if (!under(p, from)) continue;
          model.delete(p);
          model.set(to + p.slice(from.length), v);
        }
      }
      for (const p of plan.rm) {
        expect(model.has(p), p).toBe(true);
        fat(['rm', copy, p, '-r']);
        for (const q of [...model.keys()]) if (under(q, p)) model.delete(q);
      }
      fat(['label', copy, NEW_LABEL]);
      const want = [...model].map(([p, v]) => (v === 'dir' ? `dir ${p}` : `file ${p} ${v}`)).sort();

      // fatkit (the library): the model, untouched files with their stated bytes; the new label; no problem.
      const mine = libraryTree(copy);
      expect(mine).toEqual(want);
      withImage(copy, (vol) => {
        expect([vol.info().label, vol.info().bootSectorLabel]).toEqual([NEW_LABEL, NEW_LABEL]);
        expect(check(vol).problems).toEqual([]);
      });

      // fsck.fat -n finds nothing.
      expect(fsckClean(copy)).toEqual([]);

      // mtools lists it all and extracts what fatkit reads (with its names outside the BMP).
      // mdir takes the label from the root directory's label entry, fatkit's info above from the boot sector.
      const mdir = tool('mdir', ['-/', '-a', '-i', copy, '::']);
      expect(mdir).toContain(`Volume in drive : is ${NEW_LABEL}`);
      const mout = path.join(work, `${name}.mcopy`);
      fs.mkdirSync(mout);
      tool('mcopy', ['-i', copy, '-s', '-n', '-m', '::/', `${mout}/`]);
      expect(hostTree(mout)).toEqual(asMtoolsNames(mine));

      // 7-Zip extracts what fatkit reads, names and all.
      const sout = path.join(work, `${name}.7z-after`);
      tool('7zz', ['x', '-y', '-sccUTF-8', `-o${sout}`, copy]);
      expect(hostTree(sout)).toEqual(mine);
    });
  });
}
