/**
 * `check` against fsck.fat (dosfstools 4.2): images made by mkfs.fat + mcopy, corrupted the ways
 * dosfstools' own tests do (and a few more). For each, the problem kinds `fsck.fat -n` prints
 * must be the kinds `check` reports; after `check --repair`, fsck.fat must find the image clean
 * (and so must check); after `fsck.fat -a`, check must find it clean too.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDevice, check, type CheckCode } from '../../src/index.js';
// @ts-expect-error: a plain ES module without type declarations.
import * as hostile from '../fixtures/hostile/make-hostile.mjs';
import { mcopyIn, mkfsFat, mmd, oracleGate, runTool } from '../fixtures/oracle.js';

const gate = oracleGate(['mkfs.fat', 'fsck.fat', 'mcopy', 'mmd']);

type Patch = (b: Buffer) => void;
const { bpb, fatGet, fatSet, findEntry, clusterOffset, dirSlots } = hostile as {
  bpb: (b: Buffer) => { bps: number; rsvd: number; fatSize: number; nfats: number; fat32: boolean; rootCluster: number };
  fatGet: (b: Buffer, n: number) => number;
  fatSet: (b: Buffer, n: number, v: number) => void;
  findEntry: (b: Buffer, dirCluster: number, name11: string) => number;
  clusterOffset: (b: Buffer, n: number) => number;
  dirSlots: (b: Buffer, dirCluster: number) => number[];
};

/** Store a label: 11 bytes in the boot sector(s), and (unless undefined) a volume entry in a free root slot. */
function putLabel(b: Buffer, boot: number[] | string, root?: number[] | string): void {
  const bytes = (x: number[] | string): Buffer => Buffer.from(typeof x === 'string' ? x.padEnd(11, ' ') : [...x, ...Array(11 - x.length).fill(0x20)]);
  const g = bpb(b);
  bytes(boot).copy(b, g.fat32 ? 71 : 43);
  if (g.fat32) bytes(boot).copy(b, 6 * g.bps + 71); // the backup boot sector too
  if (root === undefined) return;
  const slot = dirSlots(b, 0).find((o) => b[o] === 0)!;
  b.fill(0, slot, slot + 32);
  bytes(root).copy(b, slot);
  b[slot + 11] = 0x08;
}

const entryCluster = (b: Buffer, o: number): number => (b.readUInt16LE(o + 20) << 16) + b.readUInt16LE(o + 26);
function setCluster(b: Buffer, o: number, c: number): void {
  b.writeUInt16LE((c >>> 16) & 0xffff, o + 20);
  b.writeUInt16LE(c & 0xffff, o + 26);
}
const rootOf = (b: Buffer): number => (bpb(b).fat32 ? bpb(b).rootCluster : 0);
const entry = (b: Buffer, name11: string): number => findEntry(b, rootOf(b), name11);
const chainOf = (b: Buffer, name11: string): number[] => {
  const out: number[] = [];
  for (let c = entryCluster(b, entry(b, name11)); c >= 2 && c < 0xff8 && out.length < 100; c = fatGet(b, c)) out.push(c);
  return out;
};
const subDot = (b: Buffer): number => clusterOffset(b, entryCluster(b, entry(b, 'SUB        ')));

interface Case {
  name: string;
  /** The FAT types the case applies to. */
  on?: (12 | 32)[];
  patch: Patch;
  /** The kinds fsck.fat -n reports (check must report the same). */
  kinds: CheckCode[];
  /** More kinds on FAT32 (FSINFO_FREE is added wherever clusters are freed: the FSInfo count then differs). */
  fat32Kinds?: CheckCode[];
  /** The case frees clusters (chain cut or lost clusters reclaimed). */
  frees?: boolean;
}

/** dosfstools' kinds (issue #7's list first), then more. */
const CASES: Case[] = [
  { name: 'circular chain', frees: true, patch: (b) => { const c = chainOf(b, 'MULTI   BIN'); fatSet(b, c[2], c[0]); }, kinds: ['CHAIN_LOOP', 'SIZE_MISMATCH', 'LOST_CLUSTERS'] },
  { name: 'chain to a free cluster', frees: true, patch: (b) => { const c = chainOf(b, 'MULTI   BIN'); fatSet(b, c[2], 0); }, kinds: ['FREE_IN_CHAIN', 'SIZE_MISMATCH', 'LOST_CLUSTERS'] },
  {
    name: 'chain to another file (cross-link)',
    // HELLO.TXT (now 2048 bytes) continues into MULTI.BIN's third cluster: MULTI.BIN is cut there.
    patch: (b) => {
      const c = chainOf(b, 'MULTI   BIN');
      fatSet(b, chainOf(b, 'HELLO   TXT')[0], c[2]);
      b.writeUInt32LE(2048, entry(b, 'HELLO   TXT') + 28);
    },
    kinds: ['CROSS_LINK', 'SIZE_MISMATCH'],
  },
  { name: 'chain too long for the size', frees: true, patch: (b) => b.writeUInt32LE(1000, entry(b, 'MULTI   BIN') + 28), kinds: ['SIZE_MISMATCH'] },
  { name: 'chain too short for the size', patch: (b) => b.writeUInt32LE(9000, entry(b, 'MULTI   BIN') + 28), kinds: ['SIZE_MISMATCH'] },
  { name: 'bad name (illegal character)', patch: (b) => b.write('HE?LO', entry(b, 'HELLO   TXT'), 'latin1'), kinds: ['BAD_NAME'] },
  { name: 'bad name (control byte)', patch: (b) => { b[entry(b, 'HELLO   TXT') + 2] = 0x01; }, kinds: ['BAD_NAME'] },
  { name: 'bad name (dot inside)', patch: (b) => b.write('HE.LO', entry(b, 'HELLO   TXT'), 'latin1'), kinds: ['BAD_NAME'] },
  { name: 'duplicate names', patch: (b) => b.write('HELLO   TXT', entry(b, 'MULTI   BIN'), 'latin1'), kinds: ['DUPLICATE_NAME'] },
  { name: 'duplicate names (one with a long name)', patch: (b) => b.write('LONGFI~1TXT', entry(b, 'MULTI   BIN'), 'latin1'), kinds: ['DUPLICATE_NAME'] },
  { name: 'bad dot entry (wrong cluster)', patch: (b) => setCluster(b, subDot(b), 7), kinds: ['BAD_DOT'] },
  { name: 'bad dotdot entry (wrong cluster)', patch: (b) => setCluster(b, subDot(b) + 32, 5), kinds: ['BAD_DOT'] },
  { name: 'dot entry not a directory', patch: (b) => { b[subDot(b) + 11] = 0x20; }, kinds: ['BAD_DOT'] },
  { name: 'dot entry missing', patch: (b) => { b[subDot(b)] = 0xe5; }, kinds: ['BAD_DOT'] },
  {
    name: 'another entry in the dot slot',
    patch: (b) => { const o = subDot(b); b.copy(b, o, o + 64, o + 96); },
    kinds: ['BAD_DOT', 'DUPLICATE_NAME', 'CROSS_LINK', 'SIZE_MISMATCH'],
  },
  // On FAT32 the backup boot sector (not patched) then differs too.
  { name: 'dirty bit (boot sector)', patch: (b) => { b[bpb(b).fat32 ? 65 : 37] |= 1; }, kinds: ['DIRTY'], fat32Kinds: ['BOOT_BACKUP'] },
  { name: 'dirty bit (FAT[1] clean bit)', on: [32], patch: (b) => fatSet(b, 1, fatGet(b, 1) & ~0x08000000), kinds: ['DIRTY'] },
  { name: 'FSInfo free count wrong', on: [32], patch: (b) => b.writeUInt32LE(12345, 512 * b.readUInt16LE(48) + 488), kinds: ['FSINFO_FREE'] },
  { name: 'FSInfo free count unset', on: [32], patch: (b) => b.writeUInt32LE(0xffffffff, 512 * b.readUInt16LE(48) + 488), kinds: ['FSINFO_FREE'] },
  { name: 'lost clusters', patch: (b) => { fatSet(b, 900, 901); fatSet(b, 901, 0x0fffffff); fatSet(b, 950, 0x0fffffff); }, kinds: ['LOST_CLUSTERS'] },
  { name: 'directory with a size', patch: (b) => b.writeUInt32LE(512, entry(b, 'SUB        ') + 28), kinds: ['DIR_SIZE'] },
  { name: 'directory starting at cluster 0', on: [12], patch: (b) => setCluster(b, entry(b, 'SUB        '), 0), kinds: ['DIR_START_ROOT', 'LOST_CLUSTERS'] },
  { name: 'start cluster beyond the last', frees: true, patch: (b) => setCluster(b, entry(b, 'HELLO   TXT'), 0x0ffff0), kinds: ['BAD_START', 'SIZE_MISMATCH', 'LOST_CLUSTERS'] },
  { name: 'chain to an out-of-range cluster', frees: true, patch: (b) => { const c = chainOf(b, 'MULTI   BIN'); fatSet(b, c[1], 0x0ffff0); }, kinds: ['CHAIN_OUT_OF_RANGE', 'SIZE_MISMATCH', 'LOST_CLUSTERS'] },
  {
    name: 'FATs differ',
    patch: (b) => { const g = bpb(b); b[(g.rsvd + g.fatSize) * g.bps + 1000] ^= 0x5a; },
    kinds: ['FATS_DIFFER'],
  },
  { name: 'long name checksum wrong', patch: (b) => { const o = entry(b, 'LONGFI~1TXT'); b[o - 32 + 13] ^= 1; b[o - 64 + 13] ^= 1; }, kinds: ['LFN_CHECKSUM'] },
  { name: 'long name order wrong', patch: (b) => { b[entry(b, 'LONGFI~1TXT') - 32] = 3; }, kinds: ['LFN_ORDER'] },
  { name: 'long name without its last-slot flag', patch: (b) => { b[entry(b, 'LONGFI~1TXT') - 64] &= ~0x40; }, kinds: ['LFN_ORPHAN'] },
  { name: 'long name orphaned (entry deleted)', frees: true, patch: (b) => { b[entry(b, 'LONGFI~1TXT')] = 0xe5; }, kinds: ['LFN_ORPHAN', 'LOST_CLUSTERS'] },
  { name: 'boot label without a root label', on: [12], patch: (b) => b.write('BOOTLABEL  ', 43, 'latin1'), kinds: ['LABEL_MISMATCH'] },
  // Labels (issue item 13): what fsck.fat 4.2 rejects in a label, check rejects; what it accepts, check accepts.
  { name: 'label: a valid one in both places', patch: (b) => putLabel(b, 'GOOD LABEL', 'GOOD LABEL'), kinds: [] },
  { name: 'label: lower case (accepted without -U)', patch: (b) => putLabel(b, 'lower', 'lower'), kinds: [] },
  { name: 'label: non-ASCII bytes in the root entry', patch: (b) => putLabel(b, [0x8e, 0x99], [0x8e, 0x99]), kinds: ['BAD_LABEL'] },
  { name: 'label: a leading 0xE5 (stored 0x05)', patch: (b) => putLabel(b, [0xe5, 0x41], [0x05, 0x41]), kinds: ['BAD_LABEL'] },
  { name: 'label: a forbidden character', patch: (b) => putLabel(b, 'A*B', 'A*B'), kinds: ['BAD_LABEL'] },
  { name: 'label: a dot', patch: (b) => putLabel(b, 'DISK.1', 'DISK.1'), kinds: ['BAD_LABEL'] },
  { name: 'label: a control byte', patch: (b) => putLabel(b, [0x41, 0x01], [0x41, 0x01]), kinds: ['BAD_LABEL'] },
  { name: 'label: a leading space', patch: (b) => putLabel(b, ' AB', ' AB'), kinds: ['BAD_LABEL'] },
  { name: 'label: blank root entry', patch: (b) => putLabel(b, 'NO NAME', '') , kinds: ['BAD_LABEL'] },
  { name: 'label: an invalid one in the boot sector only', patch: (b) => putLabel(b, 'a*b'), kinds: ['BAD_LABEL'] },
  { name: 'label: non-ASCII in the boot sector only', patch: (b) => putLabel(b, [0x41, 0x8e]), kinds: ['BAD_LABEL'] },
  { name: 'label: root and boot sector differ', patch: (b) => putLabel(b, 'OTHER', 'ROOTLABEL'), kinds: ['LABEL_MISMATCH'] },
  { name: 'label: in the root only (boot sector NO NAME)', patch: (b) => putLabel(b, 'NO NAME', 'ROOTLABEL'), kinds: ['LABEL_MISMATCH'] },
];

/** fsck.fat messages -> check codes. */
const FSCK_KINDS: [RegExp, CheckCode][] = [
  [/Circular cluster chain/, 'CHAIN_LOOP'],
  [/Contains a free cluster/, 'FREE_IN_CHAIN'],
  [/Contains a bad cluster/, 'BAD_IN_CHAIN'],
  [/share clusters/, 'CROSS_LINK'],
  [/File size is \d+ bytes, cluster chain length is/, 'SIZE_MISMATCH'],
  [/Reclaimed \d+ unused clusters?/, 'LOST_CLUSTERS'],
  [/Bad short file name/, 'BAD_NAME'],
  [/Duplicate directory entry/, 'DUPLICATE_NAME'],
  [/'\.\.?' entry/, 'BAD_DOT'],
  [/Dirty bit is set/, 'DIRTY'],
  [/Free cluster summary (wrong|uninitialized)/, 'FSINFO_FREE'],
  [/Directory has non-zero size/, 'DIR_SIZE'],
  [/Start does point to root directory/, 'DIR_START_ROOT'],
  [/Start does point to containing directory/, 'DIR_LOOP'],
  [/Start cluster beyond limit|Bad start cluster 1/, 'BAD_START'],
  [/Cluster \d+ out of range/, 'CHAIN_OUT_OF_RANGE'],
  [/FATs differ/, 'FATS_DIFFER'],
  [/Wrong checksum for long file name/, 'LFN_CHECKSUM'],
  [/Unexpected long filename sequence number|A new long file name starts within an old one|Unfinished long file name/, 'LFN_ORDER'],
  [/Long filename fragment .* found outside|Orphaned long file name part/, 'LFN_ORPHAN'],
  [/Label in boot sector is|There is no label in boot sector|stored in root directory and label .* different/, 'LABEL_MISMATCH'],
  [/stored in (root directory|boot sector) is not valid/, 'BAD_LABEL'],
  [/differences between boot sector and its backup/, 'BOOT_BACKUP'],
  [/FSINFO sector has bad magic/, 'FSINFO_SIGNATURE'],
];
/** Lines of fsck.fat output that carry no finding of their own. */
const FSCK_NOISE = /^(fsck\.fat \d|This is mostly harmless|Starting (check\/repair|verification) pass|Leaving filesystem unchanged|Checking we can access|\s|\/|.*: \d+ files, \d+\/\d+ clusters|$)/;

function fsckKinds(img: string): { kinds: CheckCode[]; unknown: string[]; output: string } {
  const r = runTool('fsck.fat', ['-n', img]);
  const output = r.stdout + r.stderr;
  const kinds = new Set<CheckCode>();
  const unknown: string[] = [];
  for (const line of output.split('\n')) {
    const k = FSCK_KINDS.find(([re]) => re.test(line));
    if (k) kinds.add(k[1]);
    else if (!FSCK_NOISE.test(line)) unknown.push(line);
  }
  return { kinds: [...kinds].sort(), unknown, output };
}

let work = '';
const bases = new Map<number, Buffer>();

beforeAll(() => {
  if (!gate.run) return;
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-check-oracle-'));
  const host = path.join(work, 'tree');
  fs.mkdirSync(path.join(host, 'SUB'), { recursive: true });
  fs.writeFileSync(path.join(host, 'HELLO.TXT'), 'hello world\n');
  fs.writeFileSync(path.join(host, 'MULTI.BIN'), Buffer.from(Array.from({ length: 2560 }, (_, i) => (i * 7) & 0xff)));
  fs.writeFileSync(path.join(host, 'Long File Name.txt'), 'long name\n');
  fs.writeFileSync(path.join(host, 'SUB', 'INNER.TXT'), 'inner\n');
  for (const [type, kib, args] of [[12, 1024, ['-s', '1']], [32, 34000, ['-F', '32', '-s', '1']]] as const) {
    const img = path.join(work, `base${type}.img`);
    mkfsFat(img, { kib, args: [...args] });
    mcopyIn(img, ['HELLO.TXT', 'MULTI.BIN', 'Long File Name.txt'].map((n) => path.join(host, n)), '');
    mmd(img, 'SUB');
    mcopyIn(img, [path.join(host, 'SUB', 'INNER.TXT')], 'SUB');
    bases.set(type, fs.readFileSync(img));
  }
});
afterAll(() => {
  if (work && !process.env.KEEP_WORK) fs.rmSync(work, { recursive: true, force: true });
});

const ourKinds = (img: Buffer | Uint8Array): CheckCode[] => [...new Set(check(new MemoryDevice(new Uint8Array(img), { readOnly: true })).problems.map((p) => p.code))].sort();

describe('check against fsck.fat', () => {
  it('mkfs.fat, fsck.fat and mtools are installed (required when CI=true)', (ctx) => {
    gate.assertUnderCi();
    if (!gate.run) ctx.skip();
  });

  describe.runIf(gate.run).each([12, 32] as const)('FAT%i', (type) => {
    it('the base image is clean for both', () => {
      const img = path.join(work, `base${type}.img`);
      expect(fsckKinds(img)).toMatchObject({ kinds: [], unknown: [] });
      expect(ourKinds(bases.get(type)!)).toEqual([]);
    });

    it.each(CASES.filter((c) => !c.on || c.on.includes(type)).map((c) => [c.name, c] as const))('%s', (name, c) => {
      const buf = Buffer.from(bases.get(type)!);
      c.patch(buf);
      const slug = `${type}-${name.replace(/\W+/g, '-')}`;
      const img = path.join(work, `${slug}.img`);
      fs.writeFileSync(img, buf);
      const f = fsckKinds(img);
      expect(f.unknown, `fsck.fat lines not mapped to a kind:\n${f.output}`).toEqual([]);
      const want = [...c.kinds, ...(type === 32 ? [...(c.fat32Kinds ?? []), ...(c.frees ? ['FSINFO_FREE' as const] : [])] : [])];
      expect(f.kinds, `fsck.fat output:\n${f.output}`).toEqual(want.sort());
      expect(ourKinds(buf), `fsck.fat output:\n${f.output}`).toEqual(f.kinds);

      // check --repair, then fsck.fat (and check) find nothing.
      const repaired = new Uint8Array(buf);
      const r = check(new MemoryDevice(repaired), { repair: true });
      expect(r.problems.filter((p) => !p.repaired), 'everything repaired').toEqual([]);
      const rimg = path.join(work, `${slug}-repaired.img`);
      fs.writeFileSync(rimg, repaired);
      const after = fsckKinds(rimg);
      expect(after, `fsck.fat after check --repair:\n${after.output}`).toMatchObject({ kinds: [], unknown: [] });
      expect(ourKinds(repaired)).toEqual([]);

      // fsck.fat -a, then check finds nothing.
      const aimg = path.join(work, `${slug}-fsck-a.img`);
      fs.writeFileSync(aimg, buf);
      runTool('fsck.fat', ['-a', aimg]);
      const fixedByFsck = fs.readFileSync(aimg);
      if (fsckKinds(aimg).kinds.length === 0) expect(ourKinds(fixedByFsck), 'check after fsck.fat -a').toEqual([]);
    });
  });
});
