/**
 * check (src/fat/check/) without oracles: images made by the library, corrupted byte by byte;
 * every kind is found, repair fixes it and a second check is clean; hostile images never make it
 * throw; whatever the write path does leaves images check calls clean (a property test).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FatError, MemoryDevice, Volume, check, mkfs, type CheckCode, type FatType } from '../../../src/index.js';
// @ts-expect-error: a plain ES module without type declarations.
import * as hostile from '../../fixtures/hostile/make-hostile.mjs';
import { describeRun, runFat } from '../../fixtures/run-fat.js';

const NOW = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));
const { fatGet, fatSet, findEntry, clusterOffset, bpb } = hostile as {
  bpb: (b: Buffer) => { fat32: boolean; rootCluster: number; rsvd: number; fatSize: number; bps: number };
  fatGet: (b: Buffer, n: number) => number;
  fatSet: (b: Buffer, n: number, v: number) => void;
  findEntry: (b: Buffer, dirCluster: number, name11: string) => number;
  clusterOffset: (b: Buffer, n: number) => number;
};

const SIZES: Record<FatType, number> = { 12: 1024 * 1024, 16: 5 * 1024 * 1024, 32: 34 * 1024 * 1024 };

/** A volume with /HELLO.TXT (1 cluster), /MULTI.BIN (5 clusters), a long name, /SUB/INNER.TXT. */
function baseImage(fatType: FatType, label?: string): Buffer {
  const dev = new MemoryDevice(SIZES[fatType]);
  mkfs(dev, { fatType, sectorsPerCluster: 1, volumeId: 0x1234abcd, ...(label ? { label } : {}) } as Parameters<typeof mkfs>[1]);
  const v = Volume.open(dev, { now: NOW });
  v.writeFile('/HELLO.TXT', 'hello world\n');
  v.writeFile('/MULTI.BIN', Uint8Array.from({ length: 2560 }, (_, i) => i & 0xff));
  v.writeFile('/Long File Name.txt', 'long\n');
  v.mkdir('/SUB');
  v.writeFile('/SUB/INNER.TXT', 'inner\n');
  v.close();
  return Buffer.from(dev.bytes);
}

const codes = (b: Uint8Array): CheckCode[] => [...new Set(check(new MemoryDevice(new Uint8Array(b), { readOnly: true })).problems.map((p) => p.code))].sort();
const root = (b: Buffer): number => (bpb(b).fat32 ? bpb(b).rootCluster : 0);
const entry = (b: Buffer, n11: string): number => findEntry(b, root(b), n11);
const startOf = (b: Buffer, o: number): number => (b.readUInt16LE(o + 20) << 16) + b.readUInt16LE(o + 26);
const chain = (b: Buffer, n11: string): number[] => {
  const out: number[] = [];
  for (let c = startOf(b, entry(b, n11)); c >= 2 && c < 0xff8 && out.length < 50; c = fatGet(b, c)) out.push(c);
  return out;
};
const subDot = (b: Buffer): number => clusterOffset(b, startOf(b, entry(b, 'SUB        ')));

interface Kind {
  name: string;
  patch: (b: Buffer) => void;
  expect: CheckCode[];
  only?: FatType[];
  label?: string;
  /** More kinds on FAT32: FSINFO_FREE where clusters are freed, BOOT_BACKUP where only the boot sector is patched. */
  fat32?: CheckCode[];
}
const F: CheckCode[] = ['FSINFO_FREE'];

const KINDS: Kind[] = [
  { name: 'circular chain', fat32: F, patch: (b) => { const c = chain(b, 'MULTI   BIN'); fatSet(b, c[2], c[0]); }, expect: ['CHAIN_LOOP', 'SIZE_MISMATCH', 'LOST_CLUSTERS'] },
  { name: 'chain into a free cluster', fat32: F, patch: (b) => { const c = chain(b, 'MULTI   BIN'); fatSet(b, c[2], 0); }, expect: ['FREE_IN_CHAIN', 'SIZE_MISMATCH', 'LOST_CLUSTERS'] },
  { name: 'chain into a bad cluster', fat32: F, patch: (b) => { const c = chain(b, 'MULTI   BIN'); fatSet(b, c[2], bpb(b).fat32 ? 0x0ffffff7 : b.length > 2e6 ? 0xfff7 : 0xff7); }, expect: ['BAD_IN_CHAIN', 'SIZE_MISMATCH', 'LOST_CLUSTERS'] },
  {
    name: 'cross-linked chains',
    patch: (b) => { const c = chain(b, 'MULTI   BIN'); fatSet(b, chain(b, 'HELLO   TXT')[0], c[2]); b.writeUInt32LE(2048, entry(b, 'HELLO   TXT') + 28); },
    expect: ['CROSS_LINK', 'SIZE_MISMATCH'],
  },
  { name: 'chain longer than the size', fat32: F, patch: (b) => b.writeUInt32LE(1000, entry(b, 'MULTI   BIN') + 28), expect: ['SIZE_MISMATCH'] },
  { name: 'chain shorter than the size', patch: (b) => b.writeUInt32LE(9000, entry(b, 'MULTI   BIN') + 28), expect: ['SIZE_MISMATCH'] },
  { name: 'start cluster out of range', fat32: F, patch: (b) => { const o = entry(b, 'HELLO   TXT'); b.writeUInt16LE(0xfff0, o + 26); b.writeUInt16LE(0x0fff, o + 20); }, expect: ['BAD_START', 'SIZE_MISMATCH', 'LOST_CLUSTERS'] },
  { name: 'link out of range', fat32: F, patch: (b) => { const c = chain(b, 'MULTI   BIN'); fatSet(b, c[1], 1); }, expect: ['CHAIN_OUT_OF_RANGE', 'SIZE_MISMATCH', 'LOST_CLUSTERS'] },
  { name: 'bad short name', patch: (b) => b.write('HE*LO', entry(b, 'HELLO   TXT'), 'latin1'), expect: ['BAD_NAME'] },
  { name: 'duplicate short names', patch: (b) => b.write('HELLO   TXT', entry(b, 'MULTI   BIN'), 'latin1'), expect: ['DUPLICATE_NAME'] },
  { name: '"." pointing elsewhere', patch: (b) => b.writeUInt16LE(3, subDot(b) + 26), expect: ['BAD_DOT'] },
  { name: '".." missing', patch: (b) => { b[subDot(b) + 32] = 0xe5; }, expect: ['BAD_DOT'] },
  { name: 'directory with a size', patch: (b) => b.writeUInt32LE(4096, entry(b, 'SUB        ') + 28), expect: ['DIR_SIZE'] },
  { name: 'directory inside itself', fat32: F, patch: (b) => { const s = startOf(b, entry(b, 'SUB        ')); const o = findEntry(b, s, 'INNER   TXT'); b[o + 11] = 0x10; b.writeUInt32LE(0, o + 28); b.writeUInt16LE(s & 0xffff, o + 26); }, expect: ['DIR_LOOP', 'LOST_CLUSTERS'] },
  { name: 'dirty flag in the boot sector', patch: (b) => { b[bpb(b).fat32 ? 65 : 37] |= 1; }, expect: ['DIRTY'], only: [12, 16] },
  { name: 'clean bit clear in FAT[1]', patch: (b) => fatSet(b, 1, fatGet(b, 1) & (bpb(b).fat32 ? ~0x08000000 : ~0x8000)), expect: ['DIRTY'], only: [16, 32] },
  { name: 'FATs differ', patch: (b) => { const g = bpb(b); b[(g.rsvd + g.fatSize) * g.bps + 700] ^= 0x33; }, expect: ['FATS_DIFFER'] },
  { name: 'FSInfo free count wrong', patch: (b) => b.writeUInt32LE(7, 512 + 488), expect: ['FSINFO_FREE'], only: [32] },
  { name: 'FSInfo next-free hint invalid', patch: (b) => b.writeUInt32LE(0x7ffffff, 512 + 492), expect: ['FSINFO_NEXT'], only: [32] },
  { name: 'lost clusters', patch: (b) => { fatSet(b, 600, 601); fatSet(b, 601, 0x0fffffff); }, expect: ['LOST_CLUSTERS'] },
  { name: 'long-name checksum', patch: (b) => { const o = entry(b, 'LONGFI~1TXT'); b[o - 32 + 13] ^= 1; b[o - 64 + 13] ^= 1; }, expect: ['LFN_CHECKSUM'] },
  { name: 'long-name order', patch: (b) => { b[entry(b, 'LONGFI~1TXT') - 32] = 5; }, expect: ['LFN_ORDER'] },
  { name: 'orphaned long name', fat32: F, patch: (b) => { b[entry(b, 'LONGFI~1TXT')] = 0xe5; }, expect: ['LFN_ORPHAN', 'LOST_CLUSTERS'] },
  {
    name: 'entries after the end marker',
    patch: (b) => { const o = entry(b, 'SUB        '); b.copy(b, o + 32 * 4, entry(b, 'HELLO   TXT'), entry(b, 'HELLO   TXT') + 32); b.write('GHOST', o + 32 * 4, 'latin1'); },
    expect: ['CROSS_LINK', 'ENTRIES_AFTER_END', 'SIZE_MISMATCH'],
  },
  { name: 'label in the boot sector only', fat32: ['BOOT_BACKUP'], patch: (b) => b.write('ONLYBOOT   ', bpb(b).fat32 ? 71 : 43, 'latin1'), expect: ['LABEL_MISMATCH'] },
  { name: 'root label with bytes fsck.fat rejects', label: 'ROOTLABEL', patch: (b) => b.set([0x8e, 0x99], entry(b, 'ROOTLABEL  ')), expect: ['BAD_LABEL'] },
  { name: 'boot sector label fsck.fat rejects (no root label)', fat32: ['BOOT_BACKUP'], patch: (b) => b.write('A*B        ', bpb(b).fat32 ? 71 : 43, 'latin1'), expect: ['BAD_LABEL'] },
  { name: 'root label differs from the boot sector', label: 'ROOTLABEL', patch: (b) => b.write('OTHER      ', bpb(b).fat32 ? 71 : 43, 'latin1'), expect: ['LABEL_MISMATCH'], only: [12, 16] },
];

describe.each([12, 16, 32] as FatType[])('check on FAT%i', (fatType) => {
  const base = baseImage(fatType);
  const labelled = baseImage(fatType, 'ROOTLABEL');

  it('a fresh image with files is clean', () => {
    const r = check(new MemoryDevice(new Uint8Array(base), { readOnly: true }));
    expect(r.problems).toEqual([]);
    expect(r.clean).toBe(true);
    expect(r.stats.files).toBe(5);
    expect(r.stats.directories).toBe(1);
    expect(r.stats.clustersUsed).toBe(r.stats.clustersTotal - r.stats.clustersFree);
  });

  it.each(KINDS.filter((k) => !k.only || k.only.includes(fatType)).map((k) => [k.name, k] as const))('%s: found, repaired, then clean', (_n, k) => {
    const b = Buffer.from(k.label ? labelled : base);
    k.patch(b);
    expect(codes(b)).toEqual([...k.expect, ...(fatType === 32 ? k.fat32 ?? [] : [])].sort());
    const img = new Uint8Array(b);
    const r = check(new MemoryDevice(img), { repair: true });
    expect(r.repaired).toBe(true);
    expect(r.problems.filter((p) => !p.repaired)).toEqual([]);
    expect(codes(img)).toEqual([]);
    // Untouched files still read back (in 'directory inside itself', INNER.TXT is the damaged entry).
    if (k.name !== 'directory inside itself') {
      const v = Volume.open(new MemoryDevice(img), { readOnly: true });
      expect(new TextDecoder().decode(v.readFile('/SUB/INNER.TXT'))).toBe('inner\n');
      v.close();
    }
  });

  it('check without repair changes nothing', () => {
    const b = Buffer.from(base);
    KINDS[0].patch(b);
    const before = Buffer.from(b);
    check(new MemoryDevice(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    expect(b.equals(before)).toBe(true);
  });
});

describe('check and its callers', () => {
  it('an unmountable boot sector is a BOOT_SECTOR problem, not an exception', () => {
    const r = check(new MemoryDevice(new Uint8Array(8192)));
    expect(r.clean).toBe(false);
    expect(r.problems.map((p) => p.code)).toEqual(['BOOT_SECTOR']);
  });

  it('repairing a read-only volume is EROFS', () => {
    const v = Volume.open(new MemoryDevice(new Uint8Array(baseImage(12)), { readOnly: true }));
    expect(() => check(v, { repair: true })).toThrow(FatError);
    v.close();
  });

  it('lost chains are saved as /FSCKnnnn.REC files holding their clusters (fsck.fat -a)', () => {
    const b = baseImage(12);
    fatSet(b, 600, 601);
    fatSet(b, 601, 0xfff);
    fatSet(b, 700, 0xfff);
    const img = new Uint8Array(b);
    check(new MemoryDevice(img), { repair: true });
    const v = Volume.open(new MemoryDevice(img), { readOnly: true });
    expect(v.readdir('/').filter((n) => n.startsWith('FSCK'))).toEqual(['FSCK0000.REC', 'FSCK0001.REC']);
    expect(v.stat('/FSCK0000.REC').size).toBe(1024);
    expect(v.stat('/FSCK0001.REC').size).toBe(512);
    v.close();
  });

  it('FATs that differ, both intact: repair takes FAT 1 and copies it over FAT 2 (as resize in place over FAT 2 needs)', () => {
    // FAT 2 overwritten by another intact-looking FAT (what resize in place writes over it): a
    // valid entry 0, other chains, a free MULTI.BIN.
    const b = baseImage(32);
    const g = bpb(b);
    const fat1 = b.subarray(g.rsvd * g.bps, (g.rsvd + g.fatSize) * g.bps);
    const fat2 = b.subarray((g.rsvd + g.fatSize) * g.bps, (g.rsvd + 2 * g.fatSize) * g.bps);
    const other = Buffer.alloc(fat2.length);
    other.writeUInt32LE(0x0ffffff8, 0);
    other.writeUInt32LE(0x0fffffff, 4);
    for (let n = 2; n < 200; n++) other.writeUInt32LE(n + 1, 4 * n);
    other.writeUInt32LE(0x0fffffff, 4 * 200);
    other.copy(fat2);
    const img = new Uint8Array(b);
    const r = check(new MemoryDevice(img), { repair: true });
    expect(r.problems.map((p) => p.code)).toContain('FATS_DIFFER');
    expect(r.problems.find((p) => p.code === 'FATS_DIFFER')!.message).toMatch(/using FAT 1$/);
    expect(codes(img)).toEqual([]);
    expect(Buffer.compare(Buffer.from(img.subarray(fat2.byteOffset, fat2.byteOffset + fat2.length)), fat1)).toBe(0);
    const v = Volume.open(new MemoryDevice(img), { readOnly: true });
    expect(v.readFile('/MULTI.BIN')).toEqual(Uint8Array.from({ length: 2560 }, (_, i) => i & 0xff));
    expect(v.readFile('/SUB/INNER.TXT', 'utf8')).toBe('inner\n');
    v.close();
  });

  it('a full FAT32 root grows by a cluster to hold a reclaimed chain', () => {
    const dev = new MemoryDevice(SIZES[32]);
    mkfs(dev, { fatType: 32, sectorsPerCluster: 1 } as Parameters<typeof mkfs>[1]);
    const v = Volume.open(dev, { now: NOW });
    for (let i = 0; i < 16; i++) v.writeFile(`/F${i}.TXT`, 'x');
    v.close();
    const b = Buffer.from(dev.bytes);
    fatSet(b, 9000, 0x0fffffff);
    const img = new Uint8Array(b);
    const r = check(new MemoryDevice(img), { repair: true });
    expect(r.problems.map((p) => p.code)).toEqual(['LOST_CLUSTERS', 'FSINFO_FREE'].slice(0, r.problems.length));
    expect(codes(img)).toEqual([]);
    const v2 = Volume.open(new MemoryDevice(img), { readOnly: true });
    expect(v2.exists('/FSCK0000.REC')).toBe(true);
    v2.close();
  });
});

describe('fat check (the command)', () => {
  const img = (name: string, patch?: (b: Buffer) => void): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-check-cli-'));
    const b = baseImage(12);
    patch?.(b);
    fs.writeFileSync(path.join(dir, name), b);
    return path.join(dir, name);
  };

  it('exits 0 on a clean image and prints the summary line', async () => {
    const r = await runFat(['check', img('clean.img')]);
    expect(r.status, describeRun(['check'], r)).toBe(0);
    expect(r.stdout.toString()).toMatch(/clean\.img: 5 files, \d+\/\d+ clusters\n$/);
  });

  it('exits 1 with one line per problem; --json is the report; --repair fixes (exit 1) and then it is clean (exit 0)', async () => {
    const p = img('loop.img', KINDS[0].patch);
    const r = await runFat(['check', p]);
    expect(r.status).toBe(1);
    const lines = r.stdout.toString().trim().split('\n');
    expect(lines.some((l) => /^\/MULTI\.BIN: .*\(CHAIN_LOOP\)$/.test(l))).toBe(true);
    const j = await runFat(['check', p, '--json']);
    expect(j.status).toBe(1);
    const report = JSON.parse(j.stdout.toString()) as { clean: boolean; problems: { code: string }[] };
    expect(report.clean).toBe(false);
    expect(report.problems.map((x) => x.code)).toContain('CHAIN_LOOP');
    const fix = await runFat(['check', p, '--repair']);
    expect(fix.status).toBe(1);
    expect(fix.stdout.toString()).toMatch(/repaired/);
    const again = await runFat(['check', p]);
    expect(again.status, again.stdout.toString()).toBe(0);
  });

  it('an image that is not FAT is a BOOT_SECTOR problem (exit 1), not a crash', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-check-cli-'));
    fs.writeFileSync(path.join(dir, 'zeros.img'), new Uint8Array(8192));
    const r = await runFat(['check', path.join(dir, 'zeros.img'), '--json']);
    expect(r.status).toBe(1);
    expect((JSON.parse(r.stdout.toString()) as { problems: { code: string }[] }).problems[0].code).toBe('BOOT_SECTOR');
  });
});

describe('hostile images never make check throw', () => {
  const dir = path.resolve(__dirname, '../../fixtures/hostile');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.img'));
  it.each(files.map((f) => [f]))('%s: check and check --repair end with a report', (f) => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, f)));
    const size = Math.floor(bytes.length / 512) * 512;
    if (size === 0) return;
    const img = bytes.slice(0, size);
    const r1 = check(new MemoryDevice(img.slice(), { readOnly: true }));
    expect(Array.isArray(r1.problems)).toBe(true);
    const r2 = check(new MemoryDevice(img), { repair: true });
    for (const p of [...r1.problems, ...r2.problems]) expect(p.message).not.toMatch(/\n/);
    const r3 = check(new MemoryDevice(img.slice(), { readOnly: true }));
    // Repair converges: what is left is only what cannot be repaired.
    if (r1.problems.every((p) => p.code !== 'BOOT_SECTOR')) expect(r3.problems.filter((p) => r2.problems.some((q) => q.code === p.code && q.repaired))).toEqual([]);
  });
});

describe('the write path leaves images check calls clean (property)', () => {
  const name = fc.constantFrom('a.txt', 'B.TXT', 'Long Name Here.dat', 'ünï.txt', 'x', 'Readme.md', 'dir/c.bin', 'dir/Deep Name/d.txt');
  const op = fc.oneof(
    fc.record({ kind: fc.constant('write' as const), name, size: fc.integer({ min: 0, max: 5000 }) }),
    fc.record({ kind: fc.constant('append' as const), name, size: fc.integer({ min: 1, max: 3000 }) }),
    fc.record({ kind: fc.constant('rm' as const), name }),
    fc.record({ kind: fc.constant('rename' as const), name, to: name }),
    fc.record({ kind: fc.constant('mkdir' as const), name }),
  );
  it.each([12, 32] as FatType[])('FAT%i: random operation sequences', (fatType) => {
    const base = new Uint8Array(baseImage(fatType));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const dev = new MemoryDevice(base.slice());
        const v = Volume.open(dev, { now: NOW });
        for (const o of ops) {
          try {
            if (o.kind === 'write' || o.kind === 'append' || o.kind === 'mkdir') v.mkdir(`/${o.name}`.replace(/\/[^/]*$/, '') || '/', { recursive: true });
            if (o.kind === 'write') v.writeFile(`/${o.name}`, new Uint8Array(o.size).fill(7));
            else if (o.kind === 'append') v.appendFile(`/${o.name}`, new Uint8Array(o.size).fill(9));
            else if (o.kind === 'rm') v.rm(`/${o.name}`, { recursive: true, force: true });
            else if (o.kind === 'rename') v.rename(`/${o.name}`, `/${o.to}`);
            else v.mkdir(`/${o.name}`, { recursive: true });
          } catch (e) {
            if (!(e instanceof FatError)) throw e;
          }
        }
        v.close();
        expect(check(new MemoryDevice(dev.bytes, { readOnly: true })).problems).toEqual([]);
      }),
      { numRuns: fatType === 32 ? 15 : 60, seed: 42 },
    );
  });
});
