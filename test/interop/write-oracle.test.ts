/**
 * The write path against the oracles (issue #4, FAT-NOTES.md section 8): a tree of long, Unicode
 * (BMP and non-BMP: 😀, 𝄞, 🎉), lower-case, upper-case and mixed-case names, written through the
 * library (writeFile/mkdir) and through `fat add` (the CLI), on FAT12, FAT16 and FAT32 images made
 * by mkfs.fat, reads back identically through the other implementations:
 * - `fsck.fat -n -V` prints nothing but its summary;
 * - `mcopy -s -n -m ::/ OUT` extracts every path (mtools cannot show characters outside the BMP: the
 *   paths holding one are only counted), with the same bytes and mtimes;
 * - `7zz x` extracts the whole tree, non-BMP names included, with file and directory mtimes;
 * - `7zz l -slt` shows the short names the library stored;
 * - names mtools itself writes (case bits, long names, generated short names) are the ones the
 *   library writes for the same names.
 * The tests run whenever the tools are installed and fail (not skip) under CI=true without them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryDevice, Volume } from '../../src/core.js';
import { mcopyOut, mdirPaths, oracleGate, readHostTree, sevenZipExtract, sevenZipList, tool, type HostNode, describeGate } from '../fixtures/oracle.js';
import { auditImage, fsckProblems, type Audit, type AuditEntry } from '../fat/oracle-helpers.js';
import { runFat } from '../fixtures/run-fat.js';

const gate = oracleGate(['mkfs.fat', 'fsck.fat', 'mcopy', 'mdir', '7zz']);

describeGate(gate);

let work = '';
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-write-oracle-'));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

// ---- the tree ----------------------------------------------------------------------------------

interface Item {
  path: string;
  type: 'file' | 'dir';
  data?: Uint8Array;
  mtime: number;
}

function bytes(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Parents before children; every mtime an even second (FAT keeps 2 s). */
function tree(): Item[] {
  const t0 = Date.UTC(2021, 5, 15, 12, 34, 56);
  const items: Item[] = [];
  let i = 0;
  const dir = (p: string): void => {
    items.push({ path: p, type: 'dir', mtime: t0 + 2000 * i++ });
  };
  const file = (p: string, size = 100 + ((i * 397) % 3000)): void => {
    items.push({ path: p, type: 'file', data: bytes(i + 1, size), mtime: t0 + 86_400_000 + 2000 * i++ });
  };
  dir('/Documents');
  file('/Documents/Quarterly Report 2024 — Final (v2).docx');
  file('/Documents/notes.txt');
  file('/Documents/README.md');
  file('/Documents/readme.TXT2');
  file('/Documents/Makefile');
  file('/Documents/name.with.many.dots.tar.gz');
  file('/Documents/a.b.c');
  file('/Documents/ab.c');
  file('/Documents/.hidden config');
  dir('/Photos');
  dir('/Photos/Été 2023');
  file('/Photos/Été 2023/plage ☀ soleil.jpg', 20_000);
  file('/Photos/Été 2023/😀 smile.png', 5000);
  file('/Photos/Été 2023/🎉🎉 party 🎉.gif');
  dir('/Music');
  file('/Music/𝄞 Symphonie n°5 en ut mineur.flac', 12_345);
  dir('/日本語のフォルダ');
  file('/日本語のフォルダ/ファイル名.txt');
  dir('/Ελληνικά');
  file('/Ελληνικά/Σίσυφος.txt');
  dir('/lower');
  file('/lower/abc.txt');
  file('/lower/x');
  file('/lower/file.c');
  dir('/UPPER');
  file('/UPPER/FILE.TXT');
  file('/UPPER/AUTOEXEC.BAT');
  dir('/MiXeD CaSe');
  file('/MiXeD CaSe/FiLe.TxT');
  file('/MiXeD CaSe/Readme.txt');
  dir('/deep');
  let p = '/deep';
  for (const c of 'abcdefgh') {
    p += `/${c} level`;
    dir(p);
  }
  file(`${p}/deep file with a long name.txt`);
  dir('/collisions');
  for (let k = 1; k <= 14; k++) file(`/collisions/long file name ${k}.txt`, 10 + k);
  file(`/${'L'.repeat(251)}.txt`); // 255 UTF-16 units
  file(`/${'😀'.repeat(60)}x`); // 121 units of surrogate pairs (241 UTF-8 bytes: the host's limit is 255)
  file('/abcdefghijklm'); // exactly one long-name slot, no terminator
  file('/empty.txt', 0);
  file('/big.bin', 150_000);
  return items;
}

const nonBmp = (s: string): boolean => /[\u{10000}-\u{10FFFF}]/u.test(s);

// ---- images ------------------------------------------------------------------------------------

interface ImageSpec {
  name: string;
  args: string[];
  kib: number;
}
const IMAGES: ImageSpec[] = [
  { name: 'FAT12', args: ['-F', '12', '-s', '1'], kib: 1440 },
  { name: 'FAT16', args: ['-F', '16', '-s', '4'], kib: 16_384 },
  { name: 'FAT32', args: ['-F', '32', '-s', '1'], kib: 40_000 },
  { name: 'FAT16, 4096-byte sectors', args: ['-F', '16', '-S', '4096', '-s', '1'], kib: 20_000 },
];

function mkfs(spec: ImageSpec, file: string): void {
  fs.rmSync(file, { force: true });
  tool('mkfs.fat', ['-C', '--invariant', ...spec.args, file, String(spec.kib)]);
}

/** Write the tree through the library. */
function writeWithLibrary(file: string, items: Item[]): void {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const vol = Volume.open(new MemoryDevice(bytes), { now: () => new Date(Date.UTC(2024, 0, 1)) });
  for (const it of items) {
    if (it.type === 'dir') vol.mkdir(it.path, { mtime: it.mtime });
    else vol.writeFile(it.path, it.data!, { mtime: it.mtime });
  }
  // Directory mtimes last (nothing below changes them on FAT, but be explicit).
  for (const it of items) if (it.type === 'dir') vol.utimes(it.path, it.mtime, it.mtime);
  vol.close();
  fs.writeFileSync(file, bytes);
}

/** Materialize the tree on the host (for `fat add`). */
function materialize(items: Item[], root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  for (const it of items) {
    const p = path.join(root, it.path);
    if (it.type === 'dir') fs.mkdirSync(p, { recursive: true });
    else fs.writeFileSync(p, it.data!);
  }
  for (const it of [...items].reverse()) fs.utimesSync(path.join(root, it.path), it.mtime / 1000, it.mtime / 1000);
}

// ---- checks ------------------------------------------------------------------------------------

function diffHost(host: Map<string, HostNode>, items: Item[], o: { skipNonBmp: boolean; dirMtimes: boolean }): string[] {
  const out: string[] = [];
  for (const it of items) {
    if (o.skipNonBmp && nonBmp(it.path)) continue;
    const h = host.get(it.path);
    if (!h) {
      out.push(`missing ${it.path}`);
      continue;
    }
    if ((h.type === 'directory') !== (it.type === 'dir')) out.push(`${it.path}: ${h.type}`);
    else if (it.type === 'file' && (!h.bytes || Buffer.compare(h.bytes, Buffer.from(it.data!)) !== 0)) out.push(`${it.path}: different bytes`);
    if ((it.type === 'file' || o.dirMtimes) && h.mtimeMs !== it.mtime) {
      out.push(`${it.path}: mtime ${new Date(h.mtimeMs).toISOString()}, expected ${new Date(it.mtime).toISOString()}`);
    }
  }
  if (!o.skipNonBmp) for (const p of host.keys()) if (!items.some((it) => it.path === p)) out.push(`extra ${p}`);
  if (host.size !== items.length) out.push(`${host.size} entries extracted, ${items.length} expected`);
  return out.sort();
}

/** The stored 8.3 name as 7-Zip shows it: case bits applied. */
function shownShortName(e: AuditEntry): string {
  const dot = e.shortName.lastIndexOf('.');
  const base = dot >= 0 ? e.shortName.slice(0, dot) : e.shortName;
  const ext = dot >= 0 ? e.shortName.slice(dot + 1) : '';
  const b = e.caseFlags & 0x08 ? base.toLowerCase() : base;
  const x = e.caseFlags & 0x10 ? ext.toLowerCase() : ext;
  return x ? `${b}.${x}` : b;
}

function checkImage(file: string, items: Item[]): Audit {
  const a = auditImage(new Uint8Array(fs.readFileSync(file)));
  expect(a.problems, 'audit').toEqual([]);
  expect(fsckProblems(file).problems, 'fsck.fat -n -V').toEqual([]);

  // The library reads back exactly the tree (names as stored, case-sensitively).
  const vol = Volume.open(new MemoryDevice(new Uint8Array(fs.readFileSync(file))), { readOnly: true });
  const walked = [...vol.walk('/')].map((e) => e.path).sort();
  expect(walked).toEqual(items.map((it) => it.path).sort());
  for (const it of items) {
    const st = vol.stat(it.path);
    expect(st.mtime.getTime(), it.path).toBe(it.mtime);
    expect(st.shortName, it.path).toBe(a.entries.get(it.path)!.shortName);
  }

  // mcopy -s -n -m: the whole tree but the paths mtools cannot show.
  const mOut = path.join(work, 'mcopy-out');
  fs.rmSync(mOut, { recursive: true, force: true });
  mcopyOut(file, mOut);
  expect(diffHost(readHostTree(mOut), items, { skipNonBmp: true, dirMtimes: false }), 'mcopy -s -n -m').toEqual([]);

  // mdir -/ -b: the same paths (BMP ones).
  const listed = mdirPaths(file).map((p) => p.path);
  for (const it of items) if (!nonBmp(it.path)) expect(listed, 'mdir -/ -b -a').toContain(it.path);
  expect(listed).toHaveLength(items.length);

  // 7zz x: everything, non-BMP names included, with directory mtimes.
  const zOut = path.join(work, '7zz-out');
  fs.rmSync(zOut, { recursive: true, force: true });
  sevenZipExtract(file, zOut);
  expect(diffHost(readHostTree(zOut), items, { skipNonBmp: false, dirMtimes: true }), '7zz x').toEqual([]);

  // 7zz l -slt: the short names the library stored (ASCII ones; 7-Zip's OEM page may differ).
  const listing = sevenZipList(file);
  expect(listing).toHaveLength(items.length);
  let compared = 0;
  for (const z of listing) {
    const e = a.entries.get(`/${z.path}`);
    expect(e, `7zz lists /${z.path}`).toBeDefined();
    if (z.shortName === undefined || !/^[\x20-\x7e]*$/.test(e!.shortName)) continue;
    expect(z.shortName, `/${z.path}`).toBe(shownShortName(e!));
    compared++;
  }
  expect(compared).toBeGreaterThan(items.length / 2);
  return a;
}

// ---- the tests ---------------------------------------------------------------------------------

describe.runIf(gate.run).each(IMAGES)('$name', (spec) => {
  it('a tree written with writeFile/mkdir reads back identically through fsck.fat, mtools and 7-Zip', () => {
    const file = path.join(work, `lib-${spec.name.replace(/\W+/g, '_')}.img`);
    mkfs(spec, file);
    const items = tree();
    writeWithLibrary(file, items);
    const a = checkImage(file, items);
    // Names stored as Windows stores them.
    expect(a.entries.get('/UPPER/FILE.TXT')!.hasLongName).toBe(false);
    expect(a.entries.get('/lower/abc.txt')!.hasLongName).toBe(false);
    expect(a.entries.get('/lower/abc.txt')!.caseFlags & 0x18).toBe(0x18);
    expect(a.entries.get('/Documents/README.md')!.caseFlags & 0x18).toBe(0x10);
    expect(a.entries.get('/MiXeD CaSe/Readme.txt')!.hasLongName).toBe(true);
    expect(a.entries.get('/Documents/a.b.c')!.shortName).toBe('AB~1.C');
    expect(a.entries.get('/Documents/name.with.many.dots.tar.gz')!.shortName).toBe('NAMEWI~1.GZ');
    const shorts = [...a.entries.values()].filter((e) => e.path.startsWith('/collisions/')).map((e) => e.shortName);
    expect(new Set(shorts).size).toBe(14);
  });

  it('a tree copied in with `fat add` reads back identically through fsck.fat, mtools and 7-Zip', async () => {
    const file = path.join(work, `cli-${spec.name.replace(/\W+/g, '_')}.img`);
    mkfs(spec, file);
    const items = tree();
    const src = path.join(work, 'src');
    materialize(items, src);
    const r = await runFat(['add', file, `${src}/.`], { timeoutMs: 60_000 });
    expect(r.stderr, 'fat add stderr').toBe('');
    expect(r.status).toBe(0);
    checkImage(file, items);
  }, 120_000);
});

describe.runIf(gate.run)('the names mtools writes are the names the library writes', () => {
  // Each name in its own directory, so that case-insensitive twins do not meet.
  const NAMES = [
    'readme.txt', 'README.TXT', 'notes.TXT', 'NOTES.txt', 'Makefile', 'ReadMe.txt', 'long name.txt', 'x.html', 'a.b.c',
    'name.with.many.dots.tar.gz', 'UPPER', 'lower', 'verylongfilename.dat', 'with+plus.txt', 'MiXeD.C', 'a b', '.bashrc',
    'file.TXT2', '~tilde.txt', 'x',
  ];

  it.each(['FAT12', 'FAT32'])('%s: same 8.3 name, case bits and long-name decision for each name', (type) => {
    const spec = IMAGES.find((s) => s.name === type)!;
    const mine = path.join(work, `names-lib-${type}.img`);
    const theirs = path.join(work, `names-mtools-${type}.img`);
    mkfs(spec, mine);
    mkfs(spec, theirs);
    const src = path.join(work, 'names');
    fs.rmSync(src, { recursive: true, force: true });
    const bytesOf = new Uint8Array(fs.readFileSync(mine));
    const vol = Volume.open(new MemoryDevice(bytesOf), { now: () => new Date(Date.UTC(2024, 0, 1)) });
    NAMES.forEach((n, i) => {
      vol.mkdir(`/D${i}`);
      vol.writeFile(`/D${i}/${n}`, n);
      fs.mkdirSync(path.join(src, `D${i}`), { recursive: true });
      fs.writeFileSync(path.join(src, `D${i}`, n), n);
      tool('mmd', ['-i', theirs, `::/D${i}`]);
      tool('mcopy', ['-i', theirs, path.join(src, `D${i}`, n), `::/D${i}/`]);
    });
    // ~N tails in one directory: the first four agree (after that Windows and the library hash).
    vol.mkdir('/T');
    fs.mkdirSync(path.join(src, 'T'));
    tool('mmd', ['-i', theirs, '::/T']);
    for (let k = 1; k <= 4; k++) {
      const n = `long file name ${k}.txt`;
      vol.writeFile(`/T/${n}`, n);
      fs.writeFileSync(path.join(src, 'T', n), n);
      tool('mcopy', ['-i', theirs, path.join(src, 'T', n), '::/T/']);
    }
    vol.close();
    fs.writeFileSync(mine, bytesOf);
    const a = auditImage(new Uint8Array(fs.readFileSync(mine)));
    const b = auditImage(new Uint8Array(fs.readFileSync(theirs)));
    expect(a.problems).toEqual([]);
    // (mtools updates the FSInfo sector but not its backup: not what this test is about.)
    expect(b.problems.filter((p) => !p.startsWith('backup FSInfo'))).toEqual([]);
    const summary = (e: AuditEntry | undefined): string => (e ? `${e.shortName} case 0x${(e.caseFlags & 0x18).toString(16)} ${e.hasLongName ? 'with' : 'without'} long name` : 'missing');
    const diffs: string[] = [];
    for (const [p, e] of b.entries) {
      if (e.type !== 'file') continue;
      const mineE = a.entries.get(p);
      if (summary(mineE) !== summary(e)) diffs.push(`${p}: library ${summary(mineE)}, mtools ${summary(e)}`);
    }
    expect(b.entries.size).toBe(a.entries.size);
    expect(diffs).toEqual([]);
  });
});

describe.runIf(gate.run)('images the library changed, read by mtools after mtools wrote them', () => {
  it('library edits (rename, rm, append, truncate, mkdir) on an mtools-populated FAT16 image keep mtools and fsck happy', () => {
    const file = path.join(work, 'mixed.img');
    mkfs(IMAGES[1], file);
    const src = path.join(work, 'mixed-src');
    fs.rmSync(src, { recursive: true, force: true });
    fs.mkdirSync(path.join(src, 'Sub Dir'), { recursive: true });
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(src, 'Sub Dir', `mtools file ${i}.txt`), `m${i}`.repeat(100));
    fs.writeFileSync(path.join(src, 'top.txt'), 'top');
    tool('mcopy', ['-i', file, '-s', '-m', path.join(src, 'Sub Dir'), path.join(src, 'top.txt'), '::/'], { SOURCE_DATE_EPOCH: '1700000000' });
    const img = new Uint8Array(fs.readFileSync(file));
    const vol = Volume.open(new MemoryDevice(img), { now: () => new Date(Date.UTC(2024, 0, 1)) });
    for (let i = 0; i < 30; i += 3) vol.rm(`/Sub Dir/mtools file ${i}.txt`);
    for (let i = 1; i < 30; i += 3) vol.rename(`/Sub Dir/mtools file ${i}.txt`, `/Sub Dir/renamed by the library ${i}.txt`);
    for (let i = 2; i < 30; i += 3) vol.appendFile(`/Sub Dir/mtools file ${i}.txt`, ' and more'.repeat(200));
    vol.truncate('/top.txt', 1);
    vol.mkdir('/Sub Dir/new 😀 dir');
    vol.writeFile('/Sub Dir/new 😀 dir/inside.txt', 'inside');
    vol.close();
    fs.writeFileSync(file, img);
    expect(fsckProblems(file).problems).toEqual([]);
    expect(auditImage(img).problems).toEqual([]);
    const out = path.join(work, 'mixed-out');
    fs.rmSync(out, { recursive: true, force: true });
    mcopyOut(file, out);
    const host = readHostTree(out);
    expect(host.get('/top.txt')?.bytes?.toString()).toBe('t');
    expect(host.has('/Sub Dir/mtools file 0.txt')).toBe(false);
    expect(host.get('/Sub Dir/renamed by the library 1.txt')?.bytes?.toString()).toBe('m1'.repeat(100));
    expect(host.get('/Sub Dir/mtools file 2.txt')?.bytes?.toString()).toBe(`${'m2'.repeat(100)}${' and more'.repeat(200)}`);
    // mtools itself can keep working on the image: add, delete, list.
    tool('mcopy', ['-i', file, path.join(src, 'top.txt'), '::/Sub Dir/added by mtools.txt']);
    tool('mdel', ['-i', file, '::/Sub Dir/renamed by the library 4.txt']);
    expect(fsckProblems(file).problems).toEqual([]);
    const again = Volume.open(new MemoryDevice(new Uint8Array(fs.readFileSync(file))), { readOnly: true });
    expect(again.readFile('/Sub Dir/added by mtools.txt', 'utf8')).toBe('top');
    expect(again.exists('/Sub Dir/renamed by the library 4.txt')).toBe(false);
  });
});
