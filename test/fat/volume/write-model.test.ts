/**
 * Model-based property tests of the write path (issue #4): random sequences of writeFile (w, wx, a),
 * appendFile, truncate, positioned handle writes, mkdir (-p), rm (-r, -f), rename, utimes and
 * reopen run against an in-memory model of the tree (names as stored, bytes, mtimes to 2 s), on
 * FAT12, FAT16 and FAT32 with 512- and 4096-byte sectors.
 *
 * Every operation's outcome must match the model's: the same error code (ENOENT, EEXIST, ENOTDIR,
 * EISDIR, ENOTEMPTY, EINVAL, ENAMETOOLONG), or success. ENOSPC is accepted only when the volume
 * really lacks the clusters (or, in a FAT12/16 root, the consecutive free slots) the operation
 * needs, and then the operation must have changed nothing. At every reopen and after each sequence
 * the volume is compared with the model through the library, through an independent audit of the
 * image bytes (oracle-helpers.ts: chains, FAT copies, lost clusters, long names, dot entries,
 * FSInfo), and, when the tools are installed (required under CI=true), through `fsck.fat -n -V`
 * (no problem lines), `mcopy -s -n -m ::/` and `7zz x` (the extracted tree equals the model).
 *
 * Runs: a fixed seed per configuration and CI_RUNS runs each (half on the 270 MB FAT32/4096 image),
 * under CI and by default; FATKIT_PROPERTY_RUNS (runs per configuration) and FATKIT_PROPERTY_SEED
 * run more, or other, sequences locally, e.g.
 *   FATKIT_PROPERTY_RUNS=500 FATKIT_PROPERTY_SEED=$RANDOM npx vitest run test/fat/write-model.test.ts
 * FATKIT_MODEL_STATS=1 prints how often each operation succeeded or failed with each code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FatError, MemoryDevice, Volume, mkfs } from '../../../src/core.js';
import { auditImage, fsckProblems, oracleEnv, writeSparse, type Audit } from '../oracle-helpers.js';
import { oracleGate, readHostTree, tool, type HostNode } from '../../fixtures/oracle.js';

// ---- configuration -----------------------------------------------------------------------------

const gate = oracleGate(['mkfs.fat', 'fsck.fat', 'mcopy', '7zz']);
const CI_RUNS = 40;
const RUNS = Number(process.env.FATKIT_PROPERTY_RUNS ?? '') || CI_RUNS;
const SEED = process.env.FATKIT_PROPERTY_SEED !== undefined ? Number(process.env.FATKIT_PROPERTY_SEED) : undefined;
const MAX_OPS = 40;

interface Config {
  name: string;
  /** Fraction of the runs (the 270 MB FAT32/4096 image costs most). */
  share?: number;
  fat: 12 | 16 | 32;
  sectorSize: 512 | 4096;
  spc: number;
  kib: number;
  rootEntries?: number;
  seed: number;
}

/**
 * Small clusters so that directories cross cluster edges, and a small FAT12 volume with a 32-entry
 * root so that full disks and full roots happen.
 */
const CONFIGS: Config[] = [
  { name: 'FAT12, 512-byte sectors, 400 KiB, 16 root entries', fat: 12, sectorSize: 512, spc: 1, kib: 400, rootEntries: 16, seed: 1201 },
  { name: 'FAT12, 4096-byte sectors', fat: 12, sectorSize: 4096, spc: 1, kib: 2048, seed: 1204 },
  { name: 'FAT16, 512-byte sectors', fat: 16, sectorSize: 512, spc: 1, kib: 2200, seed: 1601 },
  { name: 'FAT16, 4096-byte sectors', fat: 16, sectorSize: 4096, spc: 1, kib: 17_000, seed: 1604 },
  { name: 'FAT32, 512-byte sectors', fat: 32, sectorSize: 512, spc: 1, kib: 34_000, seed: 3201 },
  { name: 'FAT32, 4096-byte sectors', fat: 32, sectorSize: 4096, spc: 1, kib: 270_000, seed: 3204, share: 0.5 },
];

let work = '';
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-write-model-'));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('oracle tools', () => {
  it('are installed (required when CI=true)', (ctx) => {
    gate.assertUnderCi();
    if (gate.missing.length > 0) ctx.skip();
  });
});

/** The fresh image of a configuration: mkfs.fat when installed, else the library's mkfs (same layout). */
const templates = new Map<string, Uint8Array>();
function template(c: Config): Uint8Array {
  let t = templates.get(c.name);
  if (!t) {
    if (gate.run) {
      const f = path.join(work, `template-${c.fat}-${c.sectorSize}.img`);
      const args = ['-C', '--invariant', '-F', String(c.fat), '-S', String(c.sectorSize), '-s', String(c.spc)];
      if (c.rootEntries) args.push('-r', String(c.rootEntries));
      fs.rmSync(f, { force: true });
      execFileSync('mkfs.fat', [...args, f, String(c.kib)], { stdio: 'ignore', env: oracleEnv });
      t = new Uint8Array(fs.readFileSync(f));
      fs.rmSync(f);
    } else {
      const dev = new MemoryDevice(c.kib * 1024, { sectorSize: c.sectorSize });
      mkfs(dev, { fatType: c.fat, sectorsPerCluster: c.spc, volumeId: 0x1234abcd, time: 1426325213000, ...(c.rootEntries ? { rootEntries: c.rootEntries } : {}) });
      t = dev.bytes;
    }
    templates.set(c.name, t);
  }
  return t;
}

// ---- names -------------------------------------------------------------------------------------

/** Directory names (with case aliases of each other). */
const DIR_NAMES = ['dir', 'DIR', 'Sub Folder', 'sub folder', 'Σίσυφος', 'σίσυφος', '日本語', 'docs'];
/** Leaf names: 8.3 upper/lower/mixed, long, Unicode, non-BMP, dots, ~N collisions, case aliases. */
const LEAF_NAMES = [
  ...DIR_NAMES,
  'a', 'A', 'readme.txt', 'README.TXT', 'Readme.txt', 'ReadMe.md', 'notes.TXT', 'NOTES.txt', 'AUTOEXEC.BAT',
  'Long File Name.txt', 'long file name.TXT', 'Long File Name 2.txt', 'Long File Name 3.txt', 'Long File Name 4.txt',
  'Long File Name 5.txt', 'Long File Name 6.txt', 'name.with.many.dots.tar.gz', 'e.x.t', 'ex.t', '.hidden', 'a b c',
  'ünïcödé.txt', 'ÜNÏCÖDÉ.TXT', 'élan', 'ÉLAN', '😀 emoji.txt', '𝄞 clef', `${'x'.repeat(60)}.dat`, `${'M'.repeat(255)}`,
  'abcdefghijklm', 'data.bin', 'Data.bin',
];
/** Names cleanName rejects (as the last component of a create). */
const INVALID_NAMES = ['bad*name', 'what?', 'a:b', 'tab\tx', 'L'.repeat(256), '😀'.repeat(128), '...', 'pipe|d'];
/** What Windows strips, appended to a created name. */
const DECORATIONS = ['.', ' ', '..', ' . '];

/** The library's (and Windows') case-insensitive comparison: simple upper-casing per code point. */
function fold(name: string): string {
  let out = '';
  for (const ch of name) {
    const up = ch.toUpperCase();
    out += [...up].length === 1 ? up : ch;
  }
  return out;
}

/** FAT-NOTES.md section 6: leading spaces and trailing dots/spaces stripped; illegal -> EINVAL; > 255 units -> ENAMETOOLONG. */
function clean(name: string): { name: string } | { code: string } {
  const c = name.replace(/^ +/, '').replace(/[. ]+$/, '');
  if (c === '') return { code: 'EINVAL' };
  if (/["*/:<>?\\|\u0000-\u001f\u007f]/u.test(c)) return { code: 'EINVAL' };
  if (c.length > 255) return { code: 'ENAMETOOLONG' };
  return { name: c };
}

/** Directory slots a new entry takes at least: 1, plus long-name slots unless the name is a plain 8.3 name. */
function minSlots(name: string): number {
  const dot = name.lastIndexOf('.');
  const base = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot + 1) : '';
  const legal = (s: string): boolean => /^[A-Za-z0-9!#$%&'()\-@^_`{}~]*$/.test(s);
  const oneCase = (s: string): boolean => !(/[a-z]/.test(s) && /[A-Z]/.test(s));
  const is83 = dot !== 0 && base.length >= 1 && base.length <= 8 && ext.length <= 3 && (dot < 0 || ext.length > 0) && legal(base) && legal(ext) && oneCase(base) && oneCase(ext);
  return is83 ? 1 : 1 + Math.ceil(name.length / 13);
}

// ---- the model ---------------------------------------------------------------------------------

interface MFile {
  kind: 'file';
  name: string;
  data: Uint8Array;
  mtime: number;
}
interface MDir {
  kind: 'dir';
  name: string;
  mtime: number;
  children: Map<string, MNode>;
}
type MNode = MFile | MDir;

const DOS_MIN = Date.UTC(1980, 0, 1);
const DOS_MAX = Date.UTC(2107, 11, 31, 23, 59, 59, 990);
/** A time as FAT stores it: clamped to 1980..2107, 2-second resolution. */
const dosTime = (ms: number): number => Math.floor(Math.min(Math.max(ms, DOS_MIN), DOS_MAX) / 2000) * 2000;

class ModelError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}
const fail = (code: string): never => {
  throw new ModelError(code);
};

class Model {
  readonly root: MDir = { kind: 'dir', name: '', mtime: 0, children: new Map() };

  /** resolve(): every component looked up as given (no cleaning); ENOENT / ENOTDIR. */
  resolve(parts: string[]): { node: MNode; parent: MDir | undefined; path: string } {
    let cur: MNode = this.root;
    let parent: MDir | undefined;
    let p = '';
    for (let i = 0; i < parts.length; i++) {
      const dir = cur as MDir;
      const found = dir.children.get(fold(parts[i]));
      if (!found) fail('ENOENT');
      parent = dir;
      cur = found!;
      p += `/${cur.name}`;
      if (i < parts.length - 1 && cur.kind !== 'dir') fail('ENOTDIR');
    }
    return { node: cur, parent, path: p || '/' };
  }

  /** resolveForCreate(): the parent must be a directory; the last name is cleaned. */
  forCreate(parts: string[]): { dir: MDir; dirPath: string; name: string; existing: MNode | undefined; path: string } {
    const parent = this.resolve(parts.slice(0, -1));
    if (parent.node.kind !== 'dir') fail('ENOTDIR');
    const c = clean(parts[parts.length - 1]);
    if ('code' in c) fail(c.code);
    const name = (c as { name: string }).name;
    const dir = parent.node as MDir;
    const existing = dir.children.get(fold(name));
    const dirPath = parent.path === '/' ? '' : parent.path;
    return { dir, dirPath, name, existing, path: `${dirPath}/${existing ? existing.name : name}` };
  }

  /** Canonical paths of every node, with the node. */
  entries(): Map<string, MNode> {
    const out = new Map<string, MNode>();
    const walk = (d: MDir, p: string): void => {
      for (const n of d.children.values()) {
        const q = `${p}/${n.name}`;
        out.set(q, n);
        if (n.kind === 'dir') walk(n, q);
      }
    };
    walk(this.root, '');
    return out;
  }
}

// ---- operations --------------------------------------------------------------------------------

interface DataSpec {
  size: number;
  seed: number;
}
/** A path, or (a number k) the path the k-th previous operation used: sequences revisit what they made. */
type P = string[] | number;
type GenOp<T> =
  | { op: 'write'; path: T; data: DataSpec; flag: 'w' | 'wx' | 'a'; mtime?: number }
  | { op: 'append'; path: T; data: DataSpec; mtime?: number }
  | { op: 'truncate'; path: T; length: number }
  | { op: 'pwrite'; path: T; position: number; data: DataSpec }
  | { op: 'mkdir'; path: T; recursive: boolean; mtime?: number }
  | { op: 'rm'; path: T; recursive: boolean; force: boolean }
  | { op: 'rename'; from: T; to: T }
  | { op: 'utimes'; path: T; mtime: number }
  | { op: 'reopen' };
/** Generated only: rename a path to itself with its last name's case changed. */
type RecaseOp = { op: 'recase'; path: P; mode: 'upper' | 'lower' | 'title' };
type Op = GenOp<string[]>;

function recase(name: string, mode: RecaseOp['mode']): string {
  if (mode === 'upper') return name.toUpperCase();
  if (mode === 'lower') return name.toLowerCase();
  return name.toLowerCase().replace(/(^|[ .])(\p{L})/gu, (_, a: string, b: string) => a + b.toUpperCase());
}

/** Replace back references by the paths they name (the root when there is no such operation). */
function concrete(o: GenOp<P> | RecaseOp, history: string[][]): Op {
  const r = (p: P): string[] => (typeof p === 'number' ? history[history.length - p] ?? history[0] ?? ['a'] : p);
  switch (o.op) {
    case 'recase': {
      const from = r(o.path);
      return { op: 'rename', from, to: [...from.slice(0, -1), recase(from[from.length - 1], o.mode)] };
    }
    case 'rename':
      return { ...o, from: r(o.from), to: r(o.to) };
    case 'reopen':
      return o;
    default:
      return { ...o, path: r(o.path) } as Op;
  }
}

function bytesOf(d: DataSpec): Uint8Array {
  const out = new Uint8Array(d.size);
  let x = (d.seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < d.size; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const showPath = (p: string[]): string => `/${p.join('/')}`;
function showOp(o: Op): string {
  switch (o.op) {
    case 'write': return `writeFile(${JSON.stringify(showPath(o.path))}, ${o.data.size} bytes, ${o.flag}${o.mtime !== undefined ? `, mtime ${new Date(o.mtime).toISOString()}` : ''})`;
    case 'append': return `appendFile(${JSON.stringify(showPath(o.path))}, ${o.data.size} bytes)`;
    case 'truncate': return `truncate(${JSON.stringify(showPath(o.path))}, ${o.length})`;
    case 'pwrite': return `openFile(${JSON.stringify(showPath(o.path))}, 'r+').write(${o.data.size} bytes, ${o.position})`;
    case 'mkdir': return `mkdir(${JSON.stringify(showPath(o.path))}${o.recursive ? ', recursive' : ''})`;
    case 'rm': return `rm(${JSON.stringify(showPath(o.path))}${o.recursive ? ', recursive' : ''}${o.force ? ', force' : ''})`;
    case 'rename': return `rename(${JSON.stringify(showPath(o.from))}, ${JSON.stringify(showPath(o.to))})`;
    case 'utimes': return `utimes(${JSON.stringify(showPath(o.path))}, ${new Date(o.mtime).toISOString()})`;
    case 'reopen': return 'close() and reopen';
  }
}

const dirArb = fc.constantFrom(...DIR_NAMES);
const leafArb = fc.constantFrom(...LEAF_NAMES);
const freshPathArb = fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constant([]) }, { weight: 4, arbitrary: fc.array(dirArb, { minLength: 1, maxLength: 1 }) }, { weight: 2, arbitrary: fc.array(dirArb, { minLength: 2, maxLength: 2 }) }), leafArb).map(([d, l]) => [...d, l]);
const backArb = fc.integer({ min: 1, max: 6 });
const pathArb: fc.Arbitrary<P> = fc.oneof({ weight: 3, arbitrary: freshPathArb }, { weight: 2, arbitrary: backArb });
/** For operations on something that should exist: mostly what earlier operations named. */
const existingArb: fc.Arbitrary<P> = fc.oneof({ weight: 1, arbitrary: freshPathArb }, { weight: 3, arbitrary: backArb });
/** A path for a create: usually plain, sometimes decorated with what Windows strips, rarely invalid. */
const createPathArb: fc.Arbitrary<P> = fc.oneof(
  { weight: 16, arbitrary: pathArb },
  { weight: 2, arbitrary: fc.tuple(freshPathArb, fc.constantFrom(...DECORATIONS)).map(([p, d]) => [...p.slice(0, -1), p[p.length - 1] + d]) },
  { weight: 1, arbitrary: fc.tuple(fc.array(dirArb, { maxLength: 1 }), fc.constantFrom(...INVALID_NAMES)).map(([d, l]) => [...d, l]) },
);
const dataArb: fc.Arbitrary<DataSpec> = fc.record({
  size: fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 0, max: 3000 }) },
    { weight: 3, arbitrary: fc.constantFrom(0, 1, 511, 512, 513, 4095, 4096, 4097, 8192, 12_288) },
    { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 150_000 }) },
  ),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});
const mtimeArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: Date.UTC(1980, 0, 1), max: Date.UTC(2099, 11, 31) }) },
  { weight: 1, arbitrary: fc.constantFrom(Date.UTC(1970, 0, 1), Date.UTC(1979, 11, 31, 23, 59, 59), Date.UTC(1980, 0, 1, 0, 0, 1), Date.UTC(2107, 11, 31, 23, 59, 59, 999), Date.UTC(2200, 0, 1)) },
);
const optMtime = fc.option(mtimeArb, { freq: 3, nil: undefined });

const opArb: fc.Arbitrary<GenOp<P> | RecaseOp> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ op: fc.constant('write' as const), path: createPathArb, data: dataArb, flag: fc.constantFrom('w' as const, 'w' as const, 'wx' as const, 'a' as const), mtime: optMtime }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('append' as const), path: createPathArb, data: dataArb, mtime: optMtime }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('truncate' as const), path: existingArb, length: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constantFrom(0, 512, 4096)) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('pwrite' as const), path: existingArb, position: fc.integer({ min: 0, max: 6000 }), data: dataArb }) },
  { weight: 7, arbitrary: fc.record({ op: fc.constant('mkdir' as const), path: createPathArb, recursive: fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), mtime: optMtime }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('rm' as const), path: existingArb, recursive: fc.boolean(), force: fc.boolean() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('rename' as const), from: existingArb, to: createPathArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('recase' as const), path: existingArb, mode: fc.constantFrom('upper' as const, 'lower' as const, 'title' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('utimes' as const), path: existingArb, mtime: mtimeArb }) },
  { weight: 2, arbitrary: fc.constant({ op: 'reopen' as const }) },
);

// ---- running a sequence ------------------------------------------------------------------------

/** Clusters a file of `size` bytes holds. */
const clustersFor = (size: number, cs: number): number => Math.ceil(size / cs);

class Run {
  readonly bytes: Uint8Array;
  readonly model = new Model();
  vol: Volume;
  now = Date.UTC(2024, 2, 1, 12, 0, 1);
  readonly log: string[] = [];
  readonly cs: number;

  constructor(readonly config: Config) {
    this.bytes = template(config).slice();
    this.vol = this.open();
    this.cs = config.sectorSize * config.spc;
  }

  open(): Volume {
    return Volume.open(new MemoryDevice(this.bytes, { sectorSize: this.config.sectorSize }), { now: () => new Date(this.now) });
  }

  /** Free clusters before an operation, and whether a FAT12/16 root has `k` consecutive free slots. */
  private rootHasRun(k: number, freed?: MNode): boolean {
    if (this.config.fat === 32) return true;
    const a = auditImage(this.bytes);
    const offs = a.dirSlotOffsets('/');
    const freedSlots = new Set<number>();
    if (freed) {
      const e = a.entries.get(`/${freed.name}`);
      if (e) for (let i = e.firstSlot; i <= e.index; i++) freedSlots.add(i);
    }
    let run = 0;
    let ended = false;
    for (let i = 0; i < offs.length; i++) {
      const b = this.bytes[offs[i]];
      if (b === 0) ended = true;
      const free = ended || b === 0xe5 || freedSlots.has(i);
      run = free ? run + 1 : 0;
      if (run >= k) return true;
    }
    return false;
  }

  /** May ENOSPC be right for this operation (the model itself never predicts it)? */
  private enospcPlausible(o: Op, free: number): boolean {
    const m = this.model;
    const growth = (name: string): number => Math.ceil((minSlots(name) * 32) / this.cs) + 1;
    const inRoot = (dir: MDir): boolean => dir === m.root;
    try {
      switch (o.op) {
        case 'write':
        case 'append': {
          const t = m.forCreate(o.path);
          const old = t.existing?.kind === 'file' ? t.existing.data.length : 0;
          const appending = o.op === 'append' || o.flag === 'a';
          const size = appending ? old + o.data.size : o.data.size;
          const need = appending ? clustersFor(size, this.cs) - clustersFor(old, this.cs) : clustersFor(size, this.cs);
          if (t.existing) return free < need;
          return free < need + growth(t.name) || (inRoot(t.dir) && !this.rootHasRun(minSlots(t.name)));
        }
        case 'truncate':
        case 'pwrite': {
          const t = m.forCreate(o.path);
          const old = t.existing?.kind === 'file' ? t.existing.data.length : 0;
          // A write of 0 bytes changes nothing (as pwrite()).
          const size = o.op === 'truncate' ? o.length : o.data.size === 0 ? old : Math.max(old, o.position + o.data.size);
          return free < clustersFor(size, this.cs) - clustersFor(old, this.cs);
        }
        case 'mkdir': {
          const last = clean(o.path[o.path.length - 1]);
          const lastName = 'name' in last ? last.name : o.path[o.path.length - 1];
          // The first level to be made, and where it goes.
          let first = o.path.length;
          if (o.recursive) {
            for (let i = 1; i <= o.path.length; i++) {
              if (!m.forCreate(o.path.slice(0, i)).existing) {
                first = i;
                break;
              }
            }
          }
          const levels = o.path.length - first + 1;
          const f = m.forCreate(o.path.slice(0, first));
          return free < levels * (1 + growth(lastName)) || (inRoot(f.dir) && !this.rootHasRun(minSlots(f.name)));
        }
        case 'rename': {
          const t = m.forCreate(o.to);
          return free < growth(t.name) || (inRoot(t.dir) && !this.rootHasRun(minSlots(t.name), t.existing));
        }
        default:
          return false;
      }
    } catch {
      return false;
    }
  }

  /** Apply one operation to the model; throws ModelError with the expected code. */
  private applyModel(o: Op): void {
    const m = this.model;
    switch (o.op) {
      case 'write':
      case 'append': {
        const t = m.forCreate(o.path);
        if (t.existing?.kind === 'dir') fail('EISDIR');
        if (o.op === 'write' && o.flag === 'wx' && t.existing) fail('EEXIST');
        const data = bytesOf(o.data);
        const mtime = dosTime(o.mtime ?? this.now);
        const appending = o.op === 'append' || o.flag === 'a';
        if (t.existing) {
          const f = t.existing as MFile;
          f.data = appending ? concat(f.data, data) : data;
          f.mtime = mtime;
        } else t.dir.children.set(fold(t.name), { kind: 'file', name: t.name, data, mtime });
        return;
      }
      case 'truncate':
      case 'pwrite': {
        const t = m.forCreate(o.path);
        if (!t.existing) fail('ENOENT');
        if (t.existing!.kind === 'dir') fail('EISDIR');
        const f = t.existing as MFile;
        if (o.op === 'truncate') {
          const next = new Uint8Array(o.length);
          next.set(f.data.subarray(0, Math.min(o.length, f.data.length)));
          f.data = next;
        } else {
          const data = bytesOf(o.data);
          if (data.length === 0) return; // a write of 0 bytes changes nothing, not even the time (as pwrite())
          const next = new Uint8Array(Math.max(f.data.length, o.position + data.length));
          next.set(f.data);
          next.set(data, o.position);
          f.data = next;
        }
        f.mtime = dosTime(this.now);
        return;
      }
      case 'mkdir': {
        const mtime = dosTime(o.mtime ?? this.now);
        const from = o.recursive ? 1 : o.path.length;
        for (let i = from; i <= o.path.length; i++) {
          const t = m.forCreate(o.path.slice(0, i));
          if (t.existing) {
            const isDir = t.existing.kind === 'dir';
            if (i < o.path.length || (o.recursive && isDir)) {
              if (!isDir) fail('ENOTDIR');
              continue;
            }
            fail('EEXIST');
          }
          t.dir.children.set(fold(t.name), { kind: 'dir', name: t.name, mtime, children: new Map() });
        }
        return;
      }
      case 'rm': {
        let r;
        try {
          r = m.resolve(o.path);
        } catch (e) {
          if (o.force && e instanceof ModelError && e.code === 'ENOENT') return;
          throw e;
        }
        if (r.node.kind === 'dir' && r.node.children.size > 0 && !o.recursive) fail('ENOTEMPTY');
        r.parent!.children.delete(fold(r.node.name));
        return;
      }
      case 'rename': {
        const src = m.resolve(o.from);
        const t = m.forCreate(o.to);
        const isDir = src.node.kind === 'dir';
        if (isDir && (t.path === src.path || t.path.toUpperCase().startsWith(`${src.path.toUpperCase()}/`)) && t.existing !== src.node) fail('EINVAL');
        if (t.existing && t.existing !== src.node) {
          if (isDir && t.existing.kind !== 'dir') fail('ENOTDIR');
          if (!isDir && t.existing.kind === 'dir') fail('EISDIR');
          if (t.existing.kind === 'dir' && t.existing.children.size > 0) fail('ENOTEMPTY');
          t.dir.children.delete(fold(t.existing.name));
        } else if (t.existing === src.node && t.name === src.node.name) return;
        src.parent!.children.delete(fold(src.node.name));
        src.node.name = t.name;
        t.dir.children.set(fold(t.name), src.node);
        return;
      }
      case 'utimes': {
        const r = m.resolve(o.path);
        r.node.mtime = dosTime(o.mtime);
        return;
      }
      case 'reopen':
        return;
    }
  }

  private applyReal(o: Op): void {
    const v = this.vol;
    switch (o.op) {
      case 'write':
        v.writeFile(showPath(o.path), bytesOf(o.data), { flag: o.flag, ...(o.mtime !== undefined ? { mtime: o.mtime } : {}) });
        return;
      case 'append':
        v.appendFile(showPath(o.path), bytesOf(o.data), o.mtime !== undefined ? { mtime: o.mtime } : {});
        return;
      case 'truncate':
        v.truncate(showPath(o.path), o.length);
        return;
      case 'pwrite': {
        const h = v.openFile(showPath(o.path), 'r+');
        try {
          h.write(bytesOf(o.data), o.position);
        } finally {
          h.close();
        }
        return;
      }
      case 'mkdir':
        v.mkdir(showPath(o.path), { recursive: o.recursive, ...(o.mtime !== undefined ? { mtime: o.mtime } : {}) });
        return;
      case 'rm':
        v.rm(showPath(o.path), { recursive: o.recursive, force: o.force });
        return;
      case 'rename':
        v.rename(showPath(o.from), showPath(o.to));
        return;
      case 'utimes':
        v.utimes(showPath(o.path), o.mtime, o.mtime);
        return;
      case 'reopen':
        v.close();
        this.vol = this.open();
        this.compare('after reopen');
        return;
    }
  }

  private readonly history: string[][] = [];

  step(g: GenOp<P> | RecaseOp, i: number): void {
    const o = concrete(g, this.history);
    // Later operations refer to what this one named, as stored: without the dots and spaces
    // Windows strips (whether lookups strip them too is pinned by write-edges, not here).
    const stored = (p: string[]): string[] => {
      const c = clean(p[p.length - 1]);
      return 'name' in c ? [...p.slice(0, -1), c.name] : p;
    };
    if (o.op === 'rename') this.history.push(o.from, stored(o.to));
    else if (o.op !== 'reopen') this.history.push(stored(o.path));
    this.now += 1000 + (i % 3) * 1000;
    this.log.push(`${i}: ${showOp(o)}`);
    const free = this.vol.info().freeClusters;
    const snapshot = new Model();
    cloneInto(this.model.root, snapshot.root);
    let expected: string | undefined;
    try {
      this.applyModel(o);
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      expected = e.code;
    }
    let actual: string | undefined;
    try {
      this.applyReal(o);
    } catch (e) {
      if (!(e instanceof FatError)) throw new Error(`${this.where()}\nthrew ${String(e)}`, { cause: e });
      actual = e.code;
    }
    STATS.set(`${o.op} ${actual ?? 'ok'}`, (STATS.get(`${o.op} ${actual ?? 'ok'}`) ?? 0) + 1);
    // (A failed operation changed nothing in the model, except mkdir -p, which keeps the levels it made, as the library does.)
    if (actual === expected) return;
    // ENOSPC where the model succeeds (or, for mkdir -p, fails only at a deeper level than one it had to make).
    if (actual === 'ENOSPC' && (expected === undefined || (o.op === 'mkdir' && o.recursive))) {
      restore(this.model, snapshot);
      if (!this.enospcPlausible(o, free)) throw new Error(`${this.where()}\nENOSPC with ${free} clusters free, which should be enough`);
      if (o.op === 'mkdir' && o.recursive) this.partialMkdir(o);
      return;
    }
    throw new Error(`${this.where()}\nexpected ${expected ?? 'success'}, got ${actual ?? 'success'}`);
  }

  /** mkdir -p stopped by ENOSPC keeps the levels it made: take them into the model. */
  private partialMkdir(o: Extract<Op, { op: 'mkdir' }>): void {
    for (let i = 1; i <= o.path.length; i++) {
      const p = showPath(o.path.slice(0, i));
      if (!this.vol.exists(p)) break;
      try {
        this.applyModel({ ...o, path: o.path.slice(0, i) });
      } catch {
        /* the level existed before */
      }
    }
  }

  where(): string {
    return `${this.config.name}, after:\n  ${this.log.join('\n  ')}`;
  }

  /** The library's view, the audit's view and the oracles' views all equal the model. */
  compare(when: string, withOracles = false): void {
    const ctx = `${this.where()}\n(${when})`;
    const want = this.model.entries();
    const wantList = [...want.entries()].map(([p, n]) => `${n.kind === 'dir' ? 'd' : 'f'} ${p} ${n.kind === 'file' ? n.data.length : ''} ${new Date(n.mtime).toISOString()}`).sort();

    const ro = Volume.open(new MemoryDevice(this.bytes, { sectorSize: this.config.sectorSize, readOnly: true }));
    const got: string[] = [];
    for (const e of ro.walk('/')) {
      got.push(`${e.stats.isDirectory() ? 'd' : 'f'} ${e.path} ${e.stats.isDirectory() ? '' : e.stats.size} ${e.stats.mtime.toISOString()}`);
      const n = want.get(e.path);
      if (n?.kind === 'file' && e.stats.isFile()) {
        const data = ro.readFile(e.path);
        if (Buffer.compare(Buffer.from(data), Buffer.from(n.data)) !== 0) throw new Error(`${ctx}\n${e.path}: the library reads different bytes`);
      }
    }
    expect(got.sort(), `${ctx}\nlibrary tree`).toEqual(wantList);
    expect(ro.problems, `${ctx}\nlibrary problems`).toEqual([]);

    const a = auditImage(this.bytes);
    expect(a.problems, `${ctx}\naudit`).toEqual([]);
    const audited = [...a.entries.values()].map((e) => `${e.type === 'dir' ? 'd' : 'f'} ${e.path} ${e.type === 'dir' ? '' : e.size} ${new Date(e.mtimeMs).toISOString()}`).sort();
    expect(audited, `${ctx}\naudit tree`).toEqual(wantList);
    let files = 0;
    for (const n of want.values()) if (n.kind === 'file') files += clustersFor(n.data.length, this.cs);
    expect(a.clusterCount - files - a.dirClusters, `${ctx}\nfree clusters = clusters - files - directories`).toBe(a.freeClusters);
    expect(ro.info().freeClusters, `${ctx}\ninfo().freeClusters`).toBe(a.freeClusters);
    checkDirSizes(a, want, this.cs, ctx);
    ro.close();

    if (withOracles && gate.run) this.oracles(ctx, want);
  }

  private oracles(ctx: string, want: Map<string, MNode>): void {
    const img = path.join(work, 'run.img');
    writeSparse(img, this.bytes);
    expect(fsckProblems(img).problems, `${ctx}\nfsck.fat -n -V`).toEqual([]);
    const hasNonBmp = [...want.keys()].some((p) => /[\u{10000}-\u{10FFFF}]/u.test(p));
    // mcopy: every path without a non-BMP character (mtools cannot show those) with its bytes and mtime.
    const mOut = path.join(work, 'mcopy-out');
    fs.rmSync(mOut, { recursive: true, force: true });
    fs.mkdirSync(mOut);
    tool('mcopy', ['-i', img, '-s', '-n', '-m', '::/', `${mOut}/`]);
    const mTree = readHostTree(mOut);
    compareHost(mTree, want, `${ctx}\nmcopy -s -n -m`, { skipNonBmp: hasNonBmp, dirMtimes: false });
    // 7-Zip: the whole tree, non-BMP names included.
    const zOut = path.join(work, '7zz-out');
    fs.rmSync(zOut, { recursive: true, force: true });
    fs.mkdirSync(zOut);
    tool('7zz', ['x', '-y', '-sccUTF-8', `-o${zOut}`, img]);
    compareHost(readHostTree(zOut), want, `${ctx}\n7zz x`, { skipNonBmp: false, dirMtimes: true });
  }
}

/** Each directory's chain holds at least its entries (`.`/`..` and every name's slots). */
function checkDirSizes(a: Audit, want: Map<string, MNode>, cs: number, ctx: string): void {
  const count = (d: MDir, isRoot: boolean): number => (isRoot ? 0 : 2) + [...d.children.values()].reduce((n, c) => n + minSlots(c.name), 0);
  for (const [p, n] of want) {
    if (n.kind !== 'dir') continue;
    const e = a.entries.get(p)!;
    expect(e.clusters.length * cs, `${ctx}\n${p}: directory chain too short for its entries`).toBeGreaterThanOrEqual(count(n, false) * 32);
  }
}

function compareHost(host: Map<string, HostNode>, want: Map<string, MNode>, ctx: string, o: { skipNonBmp: boolean; dirMtimes: boolean }): void {
  const nonBmp = (p: string): boolean => /[\u{10000}-\u{10FFFF}]/u.test(p);
  const diffs: string[] = [];
  for (const [p, n] of want) {
    if (o.skipNonBmp && nonBmp(p)) continue;
    const h = host.get(p);
    if (!h) {
      diffs.push(`missing ${p}`);
      continue;
    }
    if ((h.type === 'directory') !== (n.kind === 'dir')) diffs.push(`${p}: ${h.type}`);
    else if (n.kind === 'file' && (h.size !== n.data.length || !h.bytes || Buffer.compare(h.bytes, Buffer.from(n.data)) !== 0)) diffs.push(`${p}: different bytes (${h.size} vs ${n.data.length})`);
    // mtools shifts dates after February 2100 by a day (it treats 2100 as a leap year): compare before.
    const checkTime = n.kind === 'file' || o.dirMtimes;
    if (checkTime && (o.dirMtimes || n.mtime < Date.UTC(2100, 1, 28)) && Math.abs(h.mtimeMs - n.mtime) > 0) {
      diffs.push(`${p}: mtime ${new Date(h.mtimeMs).toISOString()}, expected ${new Date(n.mtime).toISOString()}`);
    }
  }
  const expectedCount = [...want.keys()].length;
  if (!o.skipNonBmp) for (const p of host.keys()) if (!want.has(p)) diffs.push(`extra ${p}`);
  if (host.size !== expectedCount) diffs.push(`${host.size} entries extracted, ${expectedCount} expected`);
  expect(diffs, ctx).toEqual([]);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function cloneInto(from: MDir, to: MDir): void {
  to.mtime = from.mtime;
  to.children = new Map();
  for (const [k, n] of from.children) {
    if (n.kind === 'file') to.children.set(k, { ...n });
    else {
      const d: MDir = { kind: 'dir', name: n.name, mtime: n.mtime, children: new Map() };
      cloneInto(n, d);
      to.children.set(k, d);
    }
  }
}
function restore(m: Model, snap: Model): void {
  cloneInto(snap.root, m.root);
}

/** Outcome counts per operation (printed with FATKIT_MODEL_STATS=1, to see that sequences do things). */
const STATS = new Map<string, number>();
afterAll(() => {
  if (process.env.FATKIT_MODEL_STATS) console.log([...STATS].sort().map(([k, v]) => `${k}: ${v}`).join('\n'));
});

// ---- the properties ----------------------------------------------------------------------------

describe.each(CONFIGS)('$name', (c) => {
  const runs = Math.max(1, Math.round(RUNS * (c.share ?? 1)));
  it(`random operation sequences match the model (${runs} runs, seed ${SEED ?? c.seed})`, () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: MAX_OPS, size: 'max' }), (ops) => {
        const run = new Run(c);
        ops.forEach((o, i) => run.step(o, i));
        run.vol.close();
        const a = auditImage(run.bytes);
        expect(a.bootDirty, 'boot-sector dirty flag after close').toBe(false);
        if (c.fat !== 12) expect(a.fatClean, 'FAT[1] clean bit after close').toBe(true);
        if (c.fat === 32) expect(a.fsInfo?.freeCount, 'FSInfo free count').toBe(a.freeClusters);
        run.compare('at the end', true);
      }),
      { seed: SEED ?? c.seed, numRuns: runs },
    );
  }, 600_000);
});
