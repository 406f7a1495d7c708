/**
 * check on one directory of 20,000 entries (issue item 8: the pairwise name comparison made it
 * quadratic). A clean one is clean; bad and duplicate names planted anywhere in it are reported
 * with the same codes, messages, order and FSCKnnnn.nnn numbering as the pairwise scan gave; a
 * repair leaves it clean for check and fsck.fat. No timing here: bench/check/run.js measures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryDevice, check, planBuild, planImageBytes, writeBuild, type BuildEntry } from '../../../src/index.js';
// @ts-expect-error: a plain ES module without type declarations.
import * as hostile from '../../fixtures/hostile/make-hostile.mjs';
import { fsckProblems, haveOracles } from '../oracle-helpers.js';

const { bpb, findEntry } = hostile as {
  bpb: (b: Buffer) => { rootCluster: number };
  findEntry: (b: Buffer, dirCluster: number, name11: string) => number;
};

const N = 20_000;
const short = (i: number): string => `F${String(i).padStart(7, '0')}TXT`;
const show = (i: number): string => `${short(i).slice(0, 8)}.TXT`;

/** A FAT32 image whose /BIG holds N empty files F0000000.TXT ... built with planBuild/writeBuild. */
function bigDirImage(): Buffer {
  const entries: BuildEntry[] = [{ path: 'BIG', type: 'directory', size: 0, mtimeMs: 0 }];
  for (let i = 0; i < N; i++) entries.push({ path: `BIG/${show(i)}`, type: 'file', size: 0, mtimeMs: 0, read: () => 0 });
  const options = { fatType: 32 as const, volumeId: 0x1234abcd, time: 0 };
  const plan = planBuild(entries, options);
  const dev = new MemoryDevice(planImageBytes(plan, options));
  writeBuild(dev, plan, options);
  return Buffer.from(dev.bytes);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-big-dir-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe(`check on a directory of ${N.toLocaleString('en')} entries`, () => {
  const base = bigDirImage();
  const bigCluster = (b: Buffer): number => {
    const o = findEntry(b, bpb(b).rootCluster, 'BIG        ');
    return (b.readUInt16LE(o + 20) << 16) + b.readUInt16LE(o + 26);
  };

  it('is clean, and every entry is counted', () => {
    const r = check(new MemoryDevice(new Uint8Array(base), { readOnly: true }));
    expect(r.problems).toEqual([]);
    expect(r.stats.files).toBe(N + 1);
  });

  it('finds bad and duplicate names anywhere in it, as the pairwise scan did, and repairs them', () => {
    const b = Buffer.from(base);
    const dir = bigCluster(b);
    const rename = (i: number, to: string): void => {
      b.write(to, findEntry(b, dir, short(i)), 'latin1');
    };
    rename(50, 'F00*0050TXT'); // a bad name: renamed first, it takes FSCK0000.000
    rename(2, short(N - 2)); // its group starts at entry 2: the real one, at N - 2, is the one renamed
    for (const i of [100, N / 2, N - 1]) rename(i, short(3));
    for (const i of [7, 8]) rename(i, short(6));
    const r = check(new MemoryDevice(new Uint8Array(b), { readOnly: true }));
    expect(r.problems.map((p) => `${p.code} ${p.message}`)).toEqual([
      'BAD_NAME bad short name "F00*0050.TXT"; renamed to FSCK0000.000',
      `DUPLICATE_NAME duplicate short name "${show(N - 2)}"; second renamed to FSCK0000.001`,
      'DUPLICATE_NAME duplicate short name "F0000003.TXT"; second renamed to FSCK0000.002',
      'DUPLICATE_NAME duplicate short name "F0000003.TXT"; second renamed to FSCK0000.003',
      'DUPLICATE_NAME duplicate short name "F0000003.TXT"; second renamed to FSCK0000.004',
      'DUPLICATE_NAME duplicate short name "F0000006.TXT"; second renamed to FSCK0000.005',
      'DUPLICATE_NAME duplicate short name "F0000006.TXT"; second renamed to FSCK0000.006',
    ]);
    expect(r.problems.map((p) => p.path)).toEqual(['/BIG/F00*0050.TXT', ...[N - 2, 3, 3, 3, 6, 6].map((i) => `/BIG/${show(i)}`)]);

    const img = new Uint8Array(b);
    const fixed = check(new MemoryDevice(img), { repair: true });
    expect(fixed.repaired).toBe(true);
    expect(check(new MemoryDevice(img.slice(), { readOnly: true })).problems).toEqual([]);
    if (haveOracles) {
      const p = path.join(work, 'repaired.img');
      fs.writeFileSync(p, img);
      expect(fsckProblems(p)).toEqual({ status: 0, problems: [] });
    }
  });
});
