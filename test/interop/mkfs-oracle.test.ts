/**
 * `fat make` against mkfs.fat 4.2 (FAT-NOTES.md section 7): for every size and option set of the
 * matrix, `fat make IMG --volume-id 1234abcd` under SOURCE_DATE_EPOCH=1426325213 must be
 * byte-identical to `mkfs.fat -C --invariant` of the same size and options, except the OEM name
 * (bytes 3-10) and the boot code (0x3E/0x5A..0x1FD, also in the FAT32 backup boot sector), which are
 * fatkit's own. Small images are compared whole; large ones over their metadata (reserved sectors,
 * FATs, root directory or root cluster), plus a check that ours is sparse beyond it. Every image
 * must pass `fsck.fat -n -V` with nothing beyond its summary, be listed by mdir, and `fat info`
 * must report the same geometry on both. Runs whenever the tools are installed; under CI=true a
 * missing tool fails the run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../../src/index.js';
import { oracleGate, toolEnv, which, describeGate } from '../fixtures/oracle.js';
import { describeRun, runFat } from '../fixtures/run-fat.js';

const gate = oracleGate(['mkfs.fat', 'fsck.fat', 'mdir']);

/** Run an oracle tool without blocking (the matrix runs a few cases at once); never throws on exit status. */
function runTool(tool: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const file = which(tool);
  if (!file) throw new Error(`oracle tool not installed: ${tool}`);
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: toolEnv({ SOURCE_DATE_EPOCH: INVARIANT_TIME }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      if (err && typeof code !== 'number') reject(err);
      else resolve({ status: err ? (code as number) : 0, stdout, stderr });
    });
  });
}
const INVARIANT_TIME = '1426325213';

describeGate(gate, 'mkfs oracle tools');

interface Case {
  kib: number;
  fat?: 12 | 16 | 32;
  clusterSize?: number;
  sectorSize?: number;
  label?: string;
  reserved?: number;
  fats?: number;
  rootEntries?: number;
  media?: number;
  noAlign?: boolean;
}

const K = 1;
const M = 1024;
const G = 1024 * 1024;

/** At least 25 sizes and option sets, from 160 KiB floppies to 8 GiB FAT32. */
const MATRIX: Case[] = [
  { kib: 160 * K },
  { kib: 180 * K },
  { kib: 320 * K },
  { kib: 360 * K },
  { kib: 720 * K },
  { kib: 1200 * K },
  { kib: 1440 * K },
  { kib: 2880 * K },
  { kib: 4 * M },
  { kib: 16 * M },
  { kib: 32 * M },
  { kib: 100 * M },
  { kib: 256 * M },
  { kib: 300 * M },
  { kib: 511 * M },
  { kib: 512 * M },
  { kib: 1 * G },
  { kib: 2 * G },
  { kib: 8 * G },
  { kib: 1440 * K, label: 'MYDISK' },
  { kib: 64 * M, label: 'hello world' },
  { kib: 2 * G, label: 'FAT32 DISK' },
  { kib: 64 * M, fat: 12 },
  { kib: 16 * M, fat: 12 },
  { kib: 100 * M, fat: 32 },
  { kib: 1 * G, fat: 16 },
  { kib: 3 * G, fat: 16 },
  { kib: 256 * M, sectorSize: 4096 },
  { kib: 8 * G, sectorSize: 4096, label: 'BIG4K' },
  { kib: 64 * M, sectorSize: 2048, label: 'A' },
  { kib: 4 * M, sectorSize: 1024 },
  { kib: 64 * M, clusterSize: 8192 },
  { kib: 2 * G, fat: 32, clusterSize: 16384 },
  { kib: 2880 * K, clusterSize: 512 },
  { kib: 100 * M, reserved: 8 },
  { kib: 1 * G, reserved: 12 },
  { kib: 100 * M, fats: 1 },
  { kib: 1440 * K, fats: 1, label: 'ONEFAT' },
  { kib: 32 * M, rootEntries: 1024 },
  { kib: 1440 * K, rootEntries: 16 },
  { kib: 8 * M, noAlign: true },
  { kib: 600 * M, noAlign: true },
  { kib: 200 * M, media: 0xf0 },
];

/** Cases whose images also go through `fat info --json` (a process each): one of every kind. */
const INFO_CLI_CASES = new Set([0, 6, 12, 16, 18, 21, 23, 26, 28, 32, 35, 38, 40]);

function name(c: Case): string {
  const size = c.kib >= G ? `${c.kib / G}G` : c.kib >= M ? `${c.kib / M}M` : `${c.kib}K`;
  const parts = [size];
  if (c.fat) parts.push(`--fat ${c.fat}`);
  if (c.clusterSize) parts.push(`--cluster-size ${c.clusterSize}`);
  if (c.sectorSize) parts.push(`--sector-size ${c.sectorSize}`);
  if (c.label) parts.push(`--label '${c.label}'`);
  if (c.reserved) parts.push(`--reserved-sectors ${c.reserved}`);
  if (c.fats) parts.push(`--fats ${c.fats}`);
  if (c.rootEntries) parts.push(`--root-entries ${c.rootEntries}`);
  if (c.media) parts.push(`--media ${c.media.toString(16)}`);
  if (c.noAlign) parts.push('--no-align');
  return parts.join(' ');
}

function fatArgs(c: Case): string[] {
  const a = ['--size', `${c.kib}K`, '--volume-id', '1234abcd', '--quiet'];
  if (c.fat) a.push('--fat', String(c.fat));
  if (c.clusterSize) a.push('--cluster-size', String(c.clusterSize));
  if (c.sectorSize) a.push('--sector-size', String(c.sectorSize));
  if (c.label) a.push('--label', c.label);
  if (c.reserved) a.push('--reserved-sectors', String(c.reserved));
  if (c.fats) a.push('--fats', String(c.fats));
  if (c.rootEntries) a.push('--root-entries', String(c.rootEntries));
  if (c.media) a.push('--media', c.media.toString(16));
  if (c.noAlign) a.push('--no-align');
  return a;
}

function mkfsArgs(c: Case): string[] {
  const a = ['-C', '--invariant'];
  if (c.fat) a.push('-F', String(c.fat));
  if (c.clusterSize) a.push('-s', String(c.clusterSize / (c.sectorSize ?? 512)));
  if (c.sectorSize) a.push('-S', String(c.sectorSize));
  if (c.label) a.push('-n', c.label);
  if (c.reserved) a.push('-R', String(c.reserved));
  if (c.fats) a.push('-f', String(c.fats));
  if (c.rootEntries) a.push('-r', String(c.rootEntries));
  if (c.media) a.push('-M', `0x${c.media.toString(16)}`);
  if (c.noAlign) a.push('-a');
  return a;
}

interface Meta {
  sectorSize: number;
  fat32: boolean;
  /** Sectors from 0 to the end of the root directory (FAT12/16) or of the root cluster (FAT32). */
  metaSectors: number;
  backupBoot: number;
}

function readMeta(file: string): Meta {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(512);
    fs.readSync(fd, b, 0, 512, 0);
    const sectorSize = b.readUInt16LE(11);
    const fat32 = b.readUInt16LE(22) === 0;
    const fatSize = fat32 ? b.readUInt32LE(36) : b.readUInt16LE(22);
    const dataStart = b.readUInt16LE(14) + b[16] * fatSize + Math.ceil((b.readUInt16LE(17) * 32) / sectorSize);
    return { sectorSize, fat32, metaSectors: dataStart + (fat32 ? b[13] : 0), backupBoot: fat32 ? b.readUInt16LE(50) : 0 };
  } finally {
    fs.closeSync(fd);
  }
}

function readRange(file: string, offset: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, b, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

/** Zero the bytes that are fatkit's own: OEM name and boot code, in the boot sector at `at`. */
function maskBoot(b: Buffer, at: number, fat32: boolean): void {
  b.fill(0, at + 3, at + 11);
  b.fill(0, at + (fat32 ? 0x5a : 0x3e), at + 0x1fe);
}

/** First differences between two buffers, as "offset: ours xx, mkfs.fat yy". */
function differences(ours: Buffer, ref: Buffer, base = 0, max = 8): string[] {
  const out: string[] = [];
  const n = Math.max(ours.length, ref.length);
  for (let i = 0; i < n && out.length < max; i++) {
    if (ours[i] !== ref[i]) out.push(`0x${(base + i).toString(16)}: ours ${ours[i]?.toString(16)}, mkfs.fat ${ref[i]?.toString(16)}`);
  }
  return out;
}

/** Compare a volume made by us with mkfs.fat's; `ourOffset` is where our volume starts in our file. */
function compareVolumes(ours: string, ref: string, ourOffset = 0): { identical: boolean; diffs: string[] } {
  const meta = readMeta(ref);
  const ss = meta.sectorSize;
  const refSize = fs.statSync(ref).size;
  // Whole volumes up to 64 MiB; otherwise the metadata region (the rest is sparse in both).
  const length = refSize <= 64 * 1024 * 1024 ? refSize : meta.metaSectors * ss;
  const a = readRange(ours, ourOffset, length);
  const b = readRange(ref, 0, length);
  for (const buf of [a, b]) {
    maskBoot(buf, 0, meta.fat32);
    if (meta.backupBoot) maskBoot(buf, meta.backupBoot * ss, meta.fat32);
  }
  // The jump bytes are not masked: they must match (EB 3C 90 / EB 58 90).
  const diffs = differences(a, b, ourOffset);
  return { identical: diffs.length === 0, diffs };
}

/** fsck.fat -n -V: the banner, the two pass lines and the summary, nothing else. */
async function fsckClean(img: string): Promise<string[]> {
  const r = await runTool('fsck.fat', ['-n', '-V', img]);
  const lines = (r.stdout + r.stderr).split('\n').filter((l) => l.length > 0);
  const expected = [/^fsck\.fat \d/, /^Starting check\/repair pass\.$/, /^Starting verification pass\.$/, /: \d+ files, \d+\/\d+ clusters$/];
  const problems = lines.length === expected.length && lines.every((l, i) => expected[i].test(l)) ? [] : lines;
  if (r.status !== 0) problems.push(`exit ${r.status}`);
  return problems;
}

async function mdir(img: string): Promise<{ status: number | null; out: string }> {
  const r = await runTool('mdir', ['-i', img, '::/']);
  return { status: r.status, out: r.stdout + r.stderr };
}

const GEOMETRY = ['fatType', 'sectorSize', 'sectorsPerCluster', 'clusterSize', 'totalSectors', 'reservedSectors', 'numFats',
  'fatSize', 'rootEntries', 'rootCluster', 'dataStart', 'hiddenSectors', 'sectorsPerTrack', 'heads', 'clusterCount',
  'freeClusters', 'media', 'volumeId', 'label', 'bootSectorLabel'] as const;

/** The same fields from the library (no process to start). */
function libraryInfo(img: string): Record<string, unknown> {
  const v = openImage(img);
  try {
    const all = v.info() as unknown as Record<string, unknown>;
    return Object.fromEntries(GEOMETRY.map((k) => [k, all[k]]));
  } finally {
    v.close();
  }
}

async function infoJson(img: string): Promise<Record<string, unknown>> {
  const r = await runFat(['info', img, '--json']);
  if (r.status !== 0) throw new Error(describeRun(['info', img, '--json'], r));
  const all = JSON.parse(r.stdout.toString('utf8')) as Record<string, unknown>;
  return Object.fromEntries(GEOMETRY.map((k) => [k, all[k]]));
}

describe.runIf(gate.run).concurrent('fat make is byte-identical to mkfs.fat -C --invariant', () => {
  let dir: string;
  const results: { name: string; identical: boolean }[] = [];
  const savedEpoch = process.env.SOURCE_DATE_EPOCH;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-mkfs-oracle-'));
    process.env.SOURCE_DATE_EPOCH = INVARIANT_TIME; // the child inherits it: the label entry's time
  });
  afterAll(() => {
    if (savedEpoch === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = savedEpoch;
    fs.rmSync(dir, { recursive: true, force: true });
    const same = results.filter((r) => r.identical).length;
    process.stdout.write(`mkfs oracle: ${same}/${results.length} cases byte-identical (OEM name and boot code masked)\n`);
  });

  it('has at least 25 cases', () => {
    expect(MATRIX.length).toBeGreaterThanOrEqual(25);
  });

  for (const [i, c] of MATRIX.entries()) {
    it(name(c), async () => {
      const ref = path.join(dir, `ref-${i}.img`);
      const ours = path.join(dir, `ours-${i}.img`);
      const mk = await runTool('mkfs.fat', [...mkfsArgs(c), ref, String(c.kib)]);
      expect(mk.status, mk.stderr).toBe(0);
      const args = ['make', ours, ...fatArgs(c)];
      const r = await runFat(args);
      expect(r.status, describeRun(args, r)).toBe(0);
      expect(r.stdout.toString()).toBe('');

      expect(fs.statSync(ours).size).toBe(fs.statSync(ref).size);
      const cmp = compareVolumes(ours, ref);
      results.push({ name: name(c), identical: cmp.identical });
      expect(cmp.diffs).toEqual([]);
      // Sparse: only metadata sectors are allocated (a few blocks, whatever the size).
      expect(fs.statSync(ours).blocks * 512).toBeLessThanOrEqual(256 * 1024);

      expect(await fsckClean(ours)).toEqual([]);
      const listed = await mdir(ours);
      expect(listed.status, listed.out).toBe(0);
      expect(listed.out).toContain(c.label ? `Volume in drive : is ${c.label}` : 'Volume in drive : has no label');
      expect(listed.out).toContain('Volume Serial Number is 1234-ABCD');

      // The same geometry on both images: from the library on every case, from `fat info --json` on some.
      expect(libraryInfo(ours)).toEqual(libraryInfo(ref));
      if (INFO_CLI_CASES.has(i)) expect(await infoJson(ours)).toEqual(await infoJson(ref));
      fs.rmSync(ref);
      fs.rmSync(ours);
    });
  }
});

describe.runIf(gate.run)('fat make --partition mbr', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-mkfs-mbr-'));
    process.env.SOURCE_DATE_EPOCH = INVARIANT_TIME;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const c of [{ kib: 64 * M, label: 'PART16' }, { kib: 1 * G, label: 'PART32' }, { kib: 4 * M }] as Case[]) {
    it(`${name(c)}: the partition holds mkfs.fat's volume (hidden sectors 2048)`, async () => {
      const ours = path.join(dir, 'ours.img');
      const ref = path.join(dir, 'ref.img');
      const args = ['make', ours, '--partition', 'mbr', ...fatArgs(c)];
      const r = await runFat(args);
      expect(r.status, describeRun(args, r)).toBe(0);
      const mk = await runTool('mkfs.fat', [...mkfsArgs(c), '-h', '2048', ref, String(c.kib - 1024)]);
      expect(mk.status, mk.stderr).toBe(0);
      expect(compareVolumes(ours, ref, 1024 * 1024).diffs).toEqual([]);

      const mbr = readRange(ours, 0, 512);
      expect(mbr.readUInt32LE(0x1be + 8)).toBe(2048);
      expect(mbr.readUInt32LE(0x1be + 12)).toBe(c.kib * 2 - 2048);
      expect([mbr[510], mbr[511]]).toEqual([0x55, 0xaa]);

      const listed = await runTool('mdir', ['-i', `${ours}@@1M`, '::/']);
      expect(listed.status, listed.stderr).toBe(0);
      if (c.label) expect(listed.stdout).toContain(`Volume in drive : is ${c.label}`);

      // fsck.fat takes no offset: check the volume copied out of the partition.
      const vol = path.join(dir, 'vol.img');
      const meta = readMeta(ref);
      const fd = fs.openSync(vol, 'w');
      fs.ftruncateSync(fd, fs.statSync(ref).size);
      fs.writeSync(fd, readRange(ours, 1024 * 1024, meta.metaSectors * meta.sectorSize), 0, meta.metaSectors * meta.sectorSize, 0);
      fs.closeSync(fd);
      expect(await fsckClean(vol)).toEqual([]);

      // fat info finds the partition by itself and reports mkfs.fat's geometry.
      expect(await infoJson(ours)).toEqual(await infoJson(ref));
      for (const f of [ours, ref, vol]) fs.rmSync(f);
    });
  }
});
