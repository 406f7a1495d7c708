/**
 * Crash safety of resizing in place (issue #17), as the trust tests prove it for writes
 * (test/crash): for every write index k of a resize, the image as it is when only the first k
 * writes reached the disk (and, for multi-sector writes, when the k-th was torn) holds a volume
 * from which no file is lost: `check` finds nothing worse than the problems below, and after
 * `check --repair` (and, on a sample, fsck.fat -a) every file is there, byte for byte, and the
 * volume is clean.
 *
 * Allowed while clusters move inside the old volume: LOST_CLUSTERS (a copy chained but not yet
 * pointed at, or an original not yet freed), FATS_DIFFER (FAT 1 written, FAT 2 not yet), and the
 * one window no write order avoids: BAD_DOT, when a moved directory's entry points at its copy
 * and its subdirectories' `..` do not yet (two sectors; counted, at most a few writes). After the one-sector switch to the new
 * volume: BOOT_BACKUP and the FSInfo problems until FSInfo and the backup boot sector are written.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryDevice, Volume, check, mkfs, resize, type FatType } from '../../../src/index.js';
import { CrashDevice } from '../../crash/crash-device.js';
import { verifyFiles, writeCrashTree } from './crash-tree.js';
import { fsckProblems, haveOracles, oracleEnv, writeSparse } from '../oracle-helpers.js';

const NOW = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));
const MIB = 1024 * 1024;
const ALLOWED = new Set(['LOST_CLUSTERS', 'FATS_DIFFER', 'DIRTY', 'FSINFO_FREE', 'FSINFO_NEXT', 'FSINFO_SIGNATURE', 'BOOT_BACKUP']);
/** The named window: a moved directory and its subdirectories' `..` are two sectors. */
const WINDOW = new Set(['BAD_DOT']);

interface Base { image: Uint8Array; files: Map<string, Uint8Array>; sectorSize: number }

/** A volume whose first clusters hold a deep directory tree and files, with holes from deletes, and data at its end. */
function makeBase(fatType: FatType, size: number, deviceBytes: number, fillEnd: boolean): Base {
  const dev = new MemoryDevice(deviceBytes);
  mkfs(dev, { fatType, size, sectorsPerCluster: 1, volumeId: 0x1234abcd, time: NOW() });
  const vol = Volume.open(dev, { now: NOW });
  // Data near the end too (fillEnd), so that a shrink must move it.
  const files = writeCrashTree(vol, fillEnd ? 512 : undefined);
  vol.close();
  return { image: dev.bytes.slice(), files, sectorSize: 512 };
}

interface Outcome { problems: string[]; windows: number }

function crashRun(base: Base, target: number, persist: number, tear: boolean, oracle: boolean): Outcome {
  const dev = new CrashDevice(base.image, { persist, tear });
  resize(dev, target);
  const problems: string[] = [];
  const report = check(new MemoryDevice(dev.disk, { readOnly: true }));
  let windows = 0;
  for (const p of report.problems) {
    if (WINDOW.has(p.code)) windows++;
    else if (!ALLOWED.has(p.code)) problems.push(`check: ${p.code} ${p.path ?? ''} ${p.message}`);
  }
  // Repair, then every file is there and the volume is clean.
  const repaired = new MemoryDevice(dev.disk.slice());
  check(repaired, { repair: true });
  const again = check(new MemoryDevice(repaired.bytes, { readOnly: true }));
  for (const p of again.problems) problems.push(`after repair: ${p.code} ${p.message}`);
  problems.push(...verifyFiles(repaired.bytes, base.files).map((s) => `after repair: ${s}`));
  if (oracle && haveOracles) {
    const file = path.join(os.tmpdir(), `fatkit-resize-crash-${process.pid}.img`);
    writeSparse(file, dev.disk);
    try {
      spawnSync('fsck.fat', ['-a', '-w', file], { env: oracleEnv });
      const left = fsckProblems(file).problems;
      if (left.length > 0) problems.push(`after fsck.fat -a: ${left.join('; ')}`);
      problems.push(...verifyFiles(new Uint8Array(fs.readFileSync(file)), base.files).map((s) => `after fsck.fat -a: ${s}`));
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
  return { problems, windows };
}

const SCENARIOS: { name: string; fatType: FatType; size: number; target: number; fillEnd: boolean }[] = [
  { name: 'FAT16 grows (its FATs grow over the first clusters)', fatType: 16, size: 6 * MIB, target: 24 * MIB, fillEnd: false },
  { name: 'FAT16 shrinks (clusters past the end move)', fatType: 16, size: 8 * MIB, target: 4 * MIB, fillEnd: true },
  { name: 'FAT32 grows', fatType: 32, size: 33 * MIB, target: 40 * MIB, fillEnd: false },
  { name: 'FAT12 grows into FAT16', fatType: 12, size: 1 * MIB, target: 3 * MIB, fillEnd: false },
  { name: 'FAT16 shrinks into FAT12', fatType: 16, size: 8 * MIB, target: 1536 * 1024, fillEnd: true },
];

describe('resize in place: a crash at any write loses no file', () => {
  it.each(SCENARIOS)('$name', ({ fatType, size, target, fillEnd }) => {
    const base = makeBase(fatType, size, Math.max(size, target), fillEnd);
    const full = new CrashDevice(base.image, { persist: Infinity });
    const sizes: number[] = [];
    const write = full.write.bind(full);
    full.write = (lba: number, data: Uint8Array): void => {
      sizes.push(data.length);
      write(lba, data);
    };
    const r = resize(full, target);
    expect(r.clustersToMove).toBeGreaterThan(0);
    const writes = full.writes;
    expect(verifyFiles(full.disk, base.files)).toEqual([]);
    expect(check(new MemoryDevice(full.disk.slice(0, r.bytes))).problems).toEqual([]);
    const failures: string[] = [];
    let windowed = 0;
    const step = Math.max(1, Math.floor(writes / 6));
    for (let k = 0; k <= writes; k++) {
      for (const tear of [false, true]) {
        // Tearing a one-sector write is not tearing it.
        if (tear && (k === 0 || sizes[k - 1] <= base.sectorSize)) continue;
        const o = crashRun(base, target, k, tear, !tear && (k % step === 0 || k === writes - 1));
        if (o.windows > 0) windowed++;
        for (const p of o.problems) failures.push(`write ${k}${tear ? ' (torn)' : ''}: ${p}`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // The BAD_DOT window is a few writes at most (one per moved directory's subdirectory).
    expect(windowed).toBeLessThanOrEqual(16);
  });
});
