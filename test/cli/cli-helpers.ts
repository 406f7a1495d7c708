/**
 * Helpers for the write-command tests (test/cli): run the built CLI, make images, compare what
 * the library, mtools and the host see.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MemoryDevice } from '../../src/fat/device/memory.js';
import { mkfs } from '../../src/fat/mkfs/mkfs.js';
import { openImage } from '../../src/host/open-image.js';
import type { Volume } from '../../src/fat/volume/volume.js';
import { fsckProblems, haveOracles, mkfsImage, oracleEnv } from '../fat/oracle-helpers.js';

export { haveOracles, oracleEnv };

const REPO_ROOT = nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FAT_MAIN = nodePath.join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the built CLI (`node dist/cli/main.js ARGS`) synchronously with TZ=UTC, SOURCE_DATE_EPOCH
 * unset unless given in `env`, and a hard timeout.
 */
export function fatCli(args: string[], o: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): CliResult {
  const env: Record<string, string | undefined> = { ...process.env, TZ: 'UTC', LC_ALL: 'C.UTF-8', FATKIT_DEBUG: '', SOURCE_DATE_EPOCH: '', ...o.env };
  const r = spawnSync(process.execPath, [FAT_MAIN, ...args], { encoding: 'utf8', env, cwd: o.cwd ?? REPO_ROOT, timeout: o.timeoutMs ?? 60_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh FAT image of `kib` KiB: mkfs.fat -C --invariant when installed, else fatkit's mkfs. */
export function freshImage(path: string, kib: number, fat?: 12 | 16 | 32, args: string[] = []): void {
  if (haveOracles) {
    mkfsImage(path, kib, [...(fat ? ['-F', String(fat)] : []), ...args]);
    return;
  }
  const dev = new MemoryDevice(kib * 1024);
  mkfs(dev, { ...(fat ? { fatType: fat } : {}), time: 1426325213000, volumeId: 0x1234abcd });
  fs.writeFileSync(path, dev.bytes);
}

/** A fresh temporary directory. */
export function scratchDir(prefix = 'fatkit-cli-'): string {
  return fs.mkdtempSync(nodePath.join(os.tmpdir(), prefix));
}

/** Write a host tree: `{ 'a/b.txt': 'text', 'empty/': null }` (a trailing slash makes a directory). */
export function writeHostTree(root: string, tree: Record<string, string | Uint8Array | null>): void {
  for (const [rel, data] of Object.entries(tree)) {
    const p = nodePath.join(root, rel);
    if (rel.endsWith('/')) {
      fs.mkdirSync(p, { recursive: true });
      continue;
    }
    fs.mkdirSync(nodePath.dirname(p), { recursive: true });
    fs.writeFileSync(p, data ?? '');
  }
}

export const sha256 = (path: string): string => createHash('sha256').update(fs.readFileSync(path)).digest('hex');

/** Open an image read-only with the library, run `f`, close. */
export function withImage<T>(img: string, f: (vol: Volume) => T, options: { offset?: number } = {}): T {
  const vol = openImage(img, { readOnly: true, ...options });
  try {
    return f(vol);
  } finally {
    vol.close();
  }
}

/** Every path in the image as the library lists it, sorted, with a `/` after directories. */
export function libraryListing(img: string, options: { offset?: number } = {}): string[] {
  return withImage(img, (vol) => [...vol.walk('/')].map((e) => (e.stats.isDirectory() ? `${e.path}/` : e.path)).sort(), options);
}

/** Every path in the image as mtools lists it (`mdir -/ -b`), sorted, with a `/` after directories. */
export function mtoolsListing(img: string): string[] {
  const r = spawnSync('mdir', ['-i', img, '-/', '-b', '::/'], { encoding: 'utf8', env: oracleEnv });
  // mdir reports an empty volume as `File "::/" not found`.
  if (r.status !== 0 && r.stdout === '' && /File "::\/" not found/.test(r.stderr)) return [];
  if (r.status !== 0) throw new Error(`mdir failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.replace(/^::/, '')).sort();
}

/** Extract the whole image with mtools (`mcopy -s -n -m ::/ OUT/`) and return OUT. */
export function mtoolsExtract(img: string): string {
  const out = scratchDir('fatkit-mcopy-');
  const r = spawnSync('mcopy', ['-i', img, '-s', '-n', '-m', '::/', `${out}/`], { encoding: 'utf8', env: oracleEnv });
  if (r.status !== 0) throw new Error(`mcopy failed: ${r.stderr}`);
  return out;
}

/** Files below a host directory as `relative/path -> content sha256` (directories as `dir/`), sorted. */
export function hostDigest(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(`${r}/`);
        walk(nodePath.join(dir, e.name), r);
      } else out.push(`${r} ${sha256(nodePath.join(dir, e.name))}`);
    }
  };
  walk(root, '');
  return out.sort();
}

/** Assert-style: fsck.fat -n -V finds nothing (returns its problem lines for the assertion message). */
export function fsckClean(img: string): string[] {
  const r = fsckProblems(img);
  return r.status === 0 ? r.problems : [`fsck.fat exited ${r.status}`, ...r.problems];
}


/** Put a tree into an image with the library: `{ '/a/b.txt': 'text', '/empty/': null }`. */
export function populate(img: string, tree: Record<string, string | null>, now = new Date('2020-01-01T00:00:00Z')): void {
  const vol = openImage(img, { readOnly: false, now: () => now });
  try {
    for (const [p, data] of Object.entries(tree)) {
      if (p.endsWith('/')) vol.mkdir(p, { recursive: true });
      else {
        vol.mkdir(p.slice(0, p.lastIndexOf('/')) || '/', { recursive: true });
        vol.writeFile(p, data ?? '');
      }
    }
  } finally {
    vol.close();
  }
}

/** What `info()` says about free clusters and the dirty flag. */
export function freeClusters(img: string): number {
  return withImage(img, (vol) => vol.info().freeClusters);
}
