/**
 * Helpers for the resize tests: snapshot every entry of an image (its 32-byte short entry without
 * the cluster fields, its long name, its data) with the independent audit of oracle-helpers, and
 * verify a resized image against a snapshot with the library, fsck.fat, mtools and 7-Zip.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { MemoryDevice, Volume, check } from '../../../src/index.js';
import { auditImage, fsckProblems, haveOracles, oracleEnv, writeSparse } from '../oracle-helpers.js';

export { haveOracles, oracleEnv };

/** 7-Zip (7zz) on this machine; under CI=true its absence is an error. */
export const have7z = (() => {
  const ok = spawnSync('sh', ['-c', 'command -v 7zz']).status === 0;
  if (!ok && process.env.CI === 'true') throw new Error('7zz must be installed under CI=true');
  return ok;
})();

export interface EntrySnap {
  type: 'file' | 'dir';
  /** The short entry's 32 bytes with the cluster fields (20-21, 26-27) zeroed, in hex. */
  entry: string;
  name: string;
  hash?: string;
}

/** Every entry of the image (the audit must find no problem). */
export function snapshot(img: Uint8Array, tolerate?: RegExp): Map<string, EntrySnap> {
  const a = auditImage(img);
  expect(a.problems.filter((p) => !tolerate?.test(p))).toEqual([]);
  const out = new Map<string, EntrySnap>();
  const vol = Volume.open(new MemoryDevice(img.slice()), { readOnly: true });
  try {
    for (const [p, e] of a.entries) {
      const parent = p.slice(0, p.lastIndexOf('/')) || '/';
      const off = a.dirSlotOffsets(parent)[e.index];
      const raw = img.slice(off, off + 32);
      raw.fill(0, 20, 22);
      raw.fill(0, 26, 28);
      const snap: EntrySnap = { type: e.type, entry: Buffer.from(raw).toString('hex'), name: e.name };
      if (e.type === 'file') snap.hash = createHash('sha256').update(vol.readFile(p) as Uint8Array).digest('hex');
      out.set(p, snap);
    }
  } finally {
    vol.close();
  }
  return out;
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-resize-'));
let serial = 0;

/**
 * The resized image holds exactly the entries of `before`; the audit, `check`, and (when installed)
 * fsck.fat -n find nothing; mtools lists the same paths and 7-Zip lists the same files.
 */
export function verifyResized(img: Uint8Array, before: Map<string, EntrySnap>, what: string, oracles = true): void {
  const after = snapshot(img);
  expect(after, what).toEqual(before);
  const report = check(new MemoryDevice(img.slice()));
  expect(report.problems, what).toEqual([]);
  if (!oracles || !haveOracles) return;
  const file = path.join(scratch, `r${serial++}.img`);
  writeSparse(file, img);
  try {
    expect(fsckProblems(file).problems, what).toEqual([]);
    const m = spawnSync('mdir', ['-i', file, '-/', '-a', '-b', '::/'], { encoding: 'utf8', env: oracleEnv });
    expect(m.status, `${what}: ${m.stderr}`).toBe(0);
    const listed = new Set(m.stdout.split('\n').filter(Boolean).map((l) => l.replace(/^::/, '').replace(/\/$/, '')));
    // mtools drops what it cannot print (non-BMP); the trees here are BMP.
    expect(listed, what).toEqual(new Set(before.keys()));
    if (have7z) {
      const z = spawnSync('7zz', ['l', '-slt', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(z.status, `${what}: ${z.stderr}`).toBe(0);
      const paths = [...z.stdout.matchAll(/^Path = (.*)$/gm)].map((x) => `/${x[1]}`).slice(1);
      expect(new Set(paths), what).toEqual(new Set(before.keys()));
    }
  } finally {
    fs.rmSync(file, { force: true });
  }
}
