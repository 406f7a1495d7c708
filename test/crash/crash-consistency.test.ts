/**
 * Crash consistency (issue #7): for every write index k of writeFile, appendFile, rm, rename, mkdir
 * and addTree (what `fat add` runs), the image as it is when only the first k writes reached the
 * disk (and, for multi-sector writes, when the k-th was torn) must hold every file that existed
 * before, intact, and `check` must find nothing worse than lost clusters, the dirty bit and a
 * stale FSInfo. Files the operation itself changes may be in their old or their new state.
 */
import { describe, expect, it } from 'vitest';
import { MemoryDevice, Volume, addTree, check, mkfs, type BuildEntry, type FatType } from '../../src/index.js';
import { CrashDevice } from './crash-device.js';

const NOW = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));
/**
 * FATS_DIFFER is allowed too: every FAT update is written to FAT 1, then to FAT 2, in two writes, so
 * a crash between them leaves the copies different whatever the order of the other writes. FAT 1
 * is written first and is always the consistent one; check (like fsck.fat) uses it, so any damage
 * it would hide is still reported as its own problem.
 */
const ALLOWED = new Set(['LOST_CLUSTERS', 'DIRTY', 'FSINFO_FREE', 'FSINFO_NEXT', 'FATS_DIFFER']);

const bytes = (n: number, k: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + k * 13) & 0xff);

/** Files of the base image (path -> content). */
const BASE_FILES: Record<string, Uint8Array> = {
  '/KEEP.TXT': bytes(100, 1),
  '/BIG.BIN': bytes(1800, 2),
  '/TARGET.TXT': bytes(700, 3),
  '/GONE.TXT': bytes(900, 4),
  '/MOVE.TXT': bytes(1300, 5),
  '/Long Name File.txt': bytes(40, 6),
  '/dir/INNER.TXT': bytes(600, 7),
  '/dir/sub/DEEP.BIN': bytes(2100, 8),
  '/olddir/A.TXT': bytes(500, 9),
  '/olddir/inner/B.TXT': bytes(520, 10),
  '/movedir/C.TXT': bytes(530, 11),
  '/EMPTY.TXT': new Uint8Array(0),
};

interface Base {
  image: Uint8Array;
  fatType: FatType;
}

function makeBase(fatType: FatType): Base {
  const size = fatType === 32 ? 34 * 1024 * 1024 : fatType === 16 ? 5 * 1024 * 1024 : 1024 * 1024;
  const dev = new MemoryDevice(size);
  mkfs(dev, { fatType, sectorsPerCluster: 1, volumeId: 0x1234abcd, now: NOW() } as Parameters<typeof mkfs>[1]);
  const vol = Volume.open(dev, { now: NOW });
  for (const [p, data] of Object.entries(BASE_FILES)) {
    const dir = p.slice(0, p.lastIndexOf('/'));
    if (dir) vol.mkdir(dir, { recursive: true });
    vol.writeFile(p, data);
  }
  // A directory whose cluster is full: the next entry makes it grow.
  vol.mkdir('/full');
  const perCluster = vol.geo.clusterSize / 32;
  for (let i = 0; i < perCluster - 2; i++) vol.writeFile(`/full/F${i}.TXT`, bytes(10, i));
  vol.close();
  return { image: dev.bytes.slice(), fatType };
}

interface Scenario {
  name: string;
  run: (vol: Volume) => void;
  /** Paths the operation changes: each may be in its old or new state (content given) or absent (undefined). */
  touched: Record<string, (Uint8Array | undefined)[]>;
  /** The operation leaves these paths (new state): checked after a complete run. */
  after?: Record<string, Uint8Array>;
  /**
   * Problems a crash in the middle of this operation cannot avoid, whatever the write order,
   * because the operation must change two sectors that no single write covers; the data of every
   * file stays intact and fsck.fat (or check --repair) resolves them without loss.
   */
  inherent?: string[];
}

const NEW = bytes(5000, 20);
const APPENDED = new Uint8Array([...BASE_FILES['/BIG.BIN'], ...bytes(3000, 21)]);
const addEntries = (): BuildEntry[] => {
  const files: Record<string, Uint8Array> = { 'a.txt': bytes(1000, 30), 'sub/b.bin': bytes(3000, 31), 'sub/deeper/c.txt': bytes(10, 32) };
  const out: BuildEntry[] = [
    { path: 'sub', type: 'directory', size: 0, mtimeMs: NOW().getTime() },
    { path: 'sub/deeper', type: 'directory', size: 0, mtimeMs: NOW().getTime() },
  ];
  for (const [p, data] of Object.entries(files)) {
    out.push({ path: p, type: 'file', size: data.length, mtimeMs: NOW().getTime(), read: (pos, into) => {
      const n = Math.min(into.length, data.length - pos);
      into.set(data.subarray(pos, pos + n));
      return n;
    } });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
};

const SCENARIOS: Scenario[] = [
  { name: 'writeFile (new file)', run: (v) => v.writeFile('/NEW.BIN', NEW), touched: { '/NEW.BIN': [undefined, NEW] }, after: { '/NEW.BIN': NEW } },
  { name: 'writeFile (new entry grows its directory)', run: (v) => v.writeFile('/full/NEXT.TXT', NEW), touched: { '/full/NEXT.TXT': [undefined, NEW] }, after: { '/full/NEXT.TXT': NEW } },
  { name: 'writeFile (replace)', run: (v) => v.writeFile('/TARGET.TXT', NEW), touched: { '/TARGET.TXT': [BASE_FILES['/TARGET.TXT'], NEW] }, after: { '/TARGET.TXT': NEW } },
  {
    name: 'appendFile',
    run: (v) => v.appendFile('/BIG.BIN', bytes(3000, 21)),
    touched: { '/BIG.BIN': [BASE_FILES['/BIG.BIN'], APPENDED] },
    after: { '/BIG.BIN': APPENDED },
    // The chain is linked (FAT) before the entry's size grows: in between, the old size over a
    // longer chain, the old bytes intact (the reverse order would claim bytes no cluster holds).
    inherent: ['SIZE_MISMATCH'],
  },
  { name: 'rm (file)', run: (v) => v.rm('/GONE.TXT'), touched: { '/GONE.TXT': [BASE_FILES['/GONE.TXT'], undefined] } },
  {
    name: 'rm -r (directory tree)',
    run: (v) => v.rm('/olddir', { recursive: true }),
    touched: { '/olddir/A.TXT': [BASE_FILES['/olddir/A.TXT'], undefined], '/olddir/inner/B.TXT': [BASE_FILES['/olddir/inner/B.TXT'], undefined] },
  },
  {
    name: 'rename (file, across directories)',
    run: (v) => v.rename('/MOVE.TXT', '/dir/MOVED.TXT'),
    touched: { '/MOVE.TXT': [BASE_FILES['/MOVE.TXT'], undefined], '/dir/MOVED.TXT': [undefined, BASE_FILES['/MOVE.TXT']] },
    after: { '/dir/MOVED.TXT': BASE_FILES['/MOVE.TXT'] },
    // The new entry is written before the old one is removed (two directories, two sectors): in
    // between, both names share the clusters (check reports the cross-link, and the size of the name
    // it would truncate). The other order would lose the file instead.
    inherent: ['CROSS_LINK', 'SIZE_MISMATCH'],
  },
  {
    name: 'rename (file, same directory, new long name)',
    run: (v) => v.rename('/KEEP.TXT', '/Kept under a long name.txt'),
    touched: { '/KEEP.TXT': [BASE_FILES['/KEEP.TXT'], undefined], '/Kept under a long name.txt': [undefined, BASE_FILES['/KEEP.TXT']] },
    after: { '/Kept under a long name.txt': BASE_FILES['/KEEP.TXT'] },
    // The new name's slots may lie in another sector than the old entry: as across directories.
    inherent: ['CROSS_LINK', 'SIZE_MISMATCH'],
  },
  {
    name: 'rename (directory, across parents)',
    run: (v) => v.rename('/movedir', '/dir/movedir2'),
    touched: { '/movedir/C.TXT': [BASE_FILES['/movedir/C.TXT'], undefined], '/dir/movedir2/C.TXT': [undefined, BASE_FILES['/movedir/C.TXT']] },
    after: { '/dir/movedir2/C.TXT': BASE_FILES['/movedir/C.TXT'] },
    // As for a file (CROSS_LINK), and the moved directory's ".." is a third sector, written last.
    inherent: ['CROSS_LINK', 'SIZE_MISMATCH', 'BAD_DOT'],
  },
  { name: 'mkdir -p', run: (v) => void v.mkdir('/newdir/a/b', { recursive: true }), touched: {} },
  {
    name: 'addTree (fat add)',
    run: (v) => void addTree(v, addEntries(), { to: '/added' }),
    touched: { '/added/a.txt': [undefined, bytes(1000, 30)], '/added/sub/b.bin': [undefined, bytes(3000, 31)], '/added/sub/deeper/c.txt': [undefined, bytes(10, 32)] },
    after: { '/added/a.txt': bytes(1000, 30), '/added/sub/b.bin': bytes(3000, 31), '/added/sub/deeper/c.txt': bytes(10, 32) },
  },
];

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Run the scenario with `persist` writes reaching the disk; what is wrong with the result. */
function crashAt(base: Base, s: Scenario, persist: number, tear: boolean): { writes: number; sizes: number[]; problems: string[] } {
  const dev = new CrashDevice(base.image, { persist, tear });
  const sizes: number[] = [];
  const origWrite = dev.write.bind(dev);
  dev.write = (lba, data) => {
    sizes.push(data.length / 512);
    origWrite(lba, data);
  };
  const vol = Volume.open(dev, { now: NOW });
  s.run(vol);
  vol.close();
  const problems: string[] = [];
  const report = check(new MemoryDevice(dev.disk, { readOnly: true }));
  for (const p of report.problems) {
    if (!ALLOWED.has(p.code) && !(s.inherent ?? []).includes(p.code)) problems.push(`check: ${p.code} ${p.path ?? ''} ${p.message}`);
  }
  let after: Volume | undefined;
  try {
    after = Volume.open(new MemoryDevice(dev.disk, { readOnly: true }), { readOnly: true });
    const read = (p: string): Uint8Array | undefined => (after!.exists(p) ? after!.readFile(p) : undefined);
    for (const [p, data] of Object.entries(BASE_FILES)) {
      if (p in s.touched) continue;
      const got = read(p);
      if (!got || !equal(got, data)) problems.push(`${p}: ${got ? `${got.length} bytes, content differs` : 'missing'}`);
    }
    for (const [p, states] of Object.entries(s.touched)) {
      const got = read(p);
      const ok = states.some((st) => (st === undefined ? got === undefined : got !== undefined && equal(got, st)));
      if (!ok) problems.push(`${p}: neither its old nor its new state (${got ? `${got.length} bytes` : 'missing'})`);
    }
    // The file moved or renamed must exist under one of its names.
    if (s.name.startsWith('rename')) {
      const names = Object.keys(s.touched);
      const present = names.filter((p) => read(p) !== undefined);
      if (present.length === 0) problems.push(`renamed file lost: none of ${names.join(', ')} exists`);
    }
    if (persist === Infinity) for (const [p, data] of Object.entries(s.after ?? {})) {
      const got = read(p);
      if (!got || !equal(got, data)) problems.push(`after the complete operation ${p} is ${got ? 'wrong' : 'missing'}`);
    }
  } catch (e) {
    problems.push(`reading the crashed image threw: ${(e as Error).message}`);
  } finally {
    after?.close();
  }
  return { writes: dev.writes, sizes, problems };
}

describe.each([12, 16, 32] as FatType[])('crash consistency on FAT%i', (fatType) => {
  const base = makeBase(fatType);

  it('the base image is clean', () => {
    expect(check(new MemoryDevice(base.image.slice())).problems).toEqual([]);
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s: every write index k (and torn k-th writes)', (_name, s) => {
    const full = crashAt(base, s, Infinity, false);
    expect(full.problems, 'the complete operation').toEqual([]);
    expect(full.writes).toBeGreaterThan(0);
    const failures: string[] = [];
    for (let k = 0; k <= full.writes; k++) {
      const r = crashAt(base, s, k, false);
      for (const p of r.problems) failures.push(`k=${k}/${full.writes}: ${p}`);
      if (k >= 1 && full.sizes[k - 1] > 1) {
        const t = crashAt(base, s, k, true);
        for (const p of t.problems) failures.push(`k=${k}/${full.writes} torn (1 of ${full.sizes[k - 1]} sectors): ${p}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
