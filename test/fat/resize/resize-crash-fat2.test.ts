/**
 * Crash safety of resizing in place a FAT32 volume whose old FATs end past sector 65535 (the
 * reserved-sector count cannot name a place after them) and do not fit before them either: the new
 * FATs start over the old FAT #2 (plan.ts overSecondFat). As resize-crash.test.ts: for every write
 * index k, with the k-th write torn or not, `check` finds nothing worse than the allowed problems
 * (FATS_DIFFER now also while the new FATs overwrite the old FAT #2), and after `check --repair`
 * every file is there, byte for byte, and the volume is clean (on a sample, after fsck.fat -a
 * too); after a full run fsck.fat -n is silent and mtools reads every file.
 *
 * The volume: 512-byte clusters, 32,000 reserved sectors and two FATs of 16,800 sectors (they end
 * at sector 65,600, FAT #2 starts at 48,800): over a GiB, so the runs share one base image and
 * keep their writes in overlays (test/crash/overlay-device.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryDevice, Volume, check, mkfs, resize, type BlockDevice } from '../../../src/index.js';
import { OverlayCrashDevice, OverlayDevice } from '../../crash/overlay-device.js';
import { verifyFiles, writeCrashTree } from './crash-tree.js';
import { fsckProblems, haveOracles, oracleEnv } from '../oracle-helpers.js';

const NOW = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));
const MIB = 1024 * 1024;
const SIZE = 1082 * MIB;
const ALLOWED = new Set(['LOST_CLUSTERS', 'FATS_DIFFER', 'DIRTY', 'FSINFO_FREE', 'FSINFO_NEXT', 'FSINFO_SIGNATURE', 'BOOT_BACKUP']);
const WINDOW = new Set(['BAD_DOT']);


let base: MemoryDevice;
const files = new Map<string, Uint8Array>();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-fat2-'));

beforeAll(() => {
  base = new MemoryDevice(1300 * MIB);
  mkfs(base, { fatType: 32, size: SIZE, sectorsPerCluster: 1, reservedSectors: 32000, volumeId: 0x1234abcd, time: NOW() });
  const vol = Volume.open(base, { now: NOW });
  for (const [p, data] of writeCrashTree(vol)) files.set(p, data);
  vol.close();
}, 120_000);

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The overlay's volume (its first `sectors` sectors) as a sparse file. */
function toFile(dev: OverlayDevice, sectors: number, file: string): void {
  fs.rmSync(file, { force: true });
  const fd = fs.openSync(file, 'w');
  try {
    fs.ftruncateSync(fd, sectors * 512);
    const b = base.bytes;
    const block = 64 * 1024;
    const zero = new Uint8Array(block);
    for (let off = 0; off < sectors * 512; off += block) {
      const chunk = b.subarray(off, Math.min(sectors * 512, off + block));
      if (Buffer.compare(chunk, zero.subarray(0, chunk.length)) !== 0) fs.writeSync(fd, chunk, 0, chunk.length, off);
    }
    for (const [s, data] of dev.sectors) if (s < sectors) fs.writeSync(fd, data, 0, 512, s * 512);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsck.fat -a mends the crashed image too: then fsck.fat -n is silent and mtype reads every file. */
function fsckRepairs(dev: OverlayDevice): string[] {
  const file = path.join(scratch, 'crash.img');
  toFile(dev, dev.sectorCount, file);
  try {
    spawnSync('fsck.fat', ['-a', '-w', file], { env: oracleEnv });
    // fsck.fat -a leaves a backup boot sector behind (the window after the switch): "mostly harmless", check --repair mends it.
    const harmless = /differences between boot sector and its backup|mostly harmless|^(, )?(\d+:[0-9a-f]+\/[0-9a-f]+(, )?)+$|^Not automatically fixing this/;
    const out = fsckProblems(file).problems.filter((p) => !harmless.test(p)).map((p) => `after fsck.fat -a: ${p}`);
    for (const [p, data] of files) {
      const m = spawnSync('mtype', ['-i', file, `::${p}`], { env: oracleEnv, maxBuffer: 1 << 24 });
      if (m.status !== 0 || Buffer.compare(m.stdout, data) !== 0) out.push(`after fsck.fat -a: ${p}: ${m.status === 0 ? 'content differs' : m.stderr}`);
    }
    return out;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function crashRun(target: number, persist: number, tear: boolean, oracle: boolean): { problems: string[]; windows: number; codes: Set<string> } {
  const dev = new OverlayCrashDevice(base, { persist, tear });
  resize(dev, target);
  const problems: string[] = [];
  let windows = 0;
  const codes = new Set<string>();
  for (const p of check(new OverlayDevice(dev.disk, true)).problems) {
    codes.add(p.code);
    if (WINDOW.has(p.code)) windows++;
    else if (!ALLOWED.has(p.code)) problems.push(`check: ${p.code} ${p.path ?? ''} ${p.message}`);
  }
  const repaired = new OverlayDevice(dev.disk);
  check(repaired, { repair: true });
  for (const p of check(new OverlayDevice(repaired, true)).problems) problems.push(`after repair: ${p.code} ${p.message}`);
  problems.push(...verifyFiles(new OverlayDevice(repaired, true), files).map((s) => `after repair: ${s}`));
  if (oracle && haveOracles) problems.push(...fsckRepairs(dev.disk));
  return { problems, windows, codes };
}

describe('resize in place over the old FAT #2: a crash at any write loses no file', () => {
  it.each([
    { name: 'grows by 20%', target: 1300 * MIB },
    { name: 'shrinks', target: 1040 * MIB },
  ])('$name', ({ target }) => {
    const full = new OverlayCrashDevice(base, { persist: Infinity });
    const sizes: number[] = [];
    const lbas: number[] = [];
    const write = full.write.bind(full);
    full.write = (lba: number, data: Uint8Array): void => {
      sizes.push(data.length);
      lbas.push(lba);
      write(lba, data);
    };
    const r = resize(full, target);
    // The old volume's FATs end past 65535; the new ones start where its FAT #2 did.
    expect(r.from).toMatchObject({ reservedSectors: 32000, fatSize: 16800, dataStart: 65600 });
    expect(r.to.reservedSectors).toBe(48800);
    expect(r.to.totalSectors).toBe(target / 512);
    expect(r.clustersToMove).toBeGreaterThan(0);
    const volume = new OverlayDevice(full.disk, true, r.to.totalSectors);
    expect(verifyFiles(volume, files)).toEqual([]);
    expect(check(volume).problems).toEqual([]);
    if (haveOracles) {
      const file = path.join(scratch, 'full.img');
      toFile(full.disk, r.to.totalSectors, file);
      expect(fsckProblems(file).problems).toEqual([]);
      for (const [p, data] of files) {
        const m = spawnSync('mtype', ['-i', file, `::${p}`], { env: oracleEnv, maxBuffer: 1 << 24 });
        expect(m.status, `${p}: ${m.stderr}`).toBe(0);
        expect(Buffer.compare(m.stdout, data), p).toBe(0);
      }
      fs.rmSync(file, { force: true });
    }
    const writes = full.writes;
    const failures: string[] = [];
    let windowed = 0;
    let torn = 0;
    const step = Math.max(1, Math.floor(writes / 6));
    // The first write of the new FATs (in 4 MiB chunks), over the old FAT #2 (which starts at
    // sector 48,800; step 1 wrote its own sectors there, mirrored, before).
    const over = lbas.findIndex((lba, i) => lba === 48800 && sizes[i] >= MIB) + 1;
    expect(over).toBeGreaterThan(0);
    for (let k = 0; k <= writes; k++) {
      for (const tear of [false, true]) {
        if (tear && (k === 0 || sizes[k - 1] <= 512)) continue;
        if (tear) torn++;
        const o = crashRun(target, k, tear, !tear && (k % step === 0 || k === writes - 1 || k === over));
        // The old volume, live, with the new FAT's first bytes over its FAT #2: the copies differ.
        if (k === over) expect([...o.codes]).toContain('FATS_DIFFER');
        if (o.windows > 0) windowed++;
        for (const p of o.problems) failures.push(`write ${k}${tear ? ' (torn)' : ''}: ${p}`);
      }
    }
    expect(torn).toBeGreaterThan(0);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(windowed).toBeLessThanOrEqual(16);
  }, 900_000);
});
