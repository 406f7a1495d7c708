import type { FatType, Geometry } from '../format/geometry.js';
import type { SectorIO } from '../table/sector-io.js';
import { decodeDirEntry, isLongNameSlot, ATTR, ENTRY_DELETED } from '../format/dir-entry.js';
import { BAD, EOC_MIN, EOC_WRITE, readFatEntry } from '../table/fat-entry.js';
import { corrupt, FatError } from '../errors.js';

/**
 * Everything resize must carry over from the old volume, read once and held in memory: every
 * cluster chain (files, directories, the FAT32 root) and every directory's bytes with the slots
 * that name a cluster. A volume whose chains cross, loop or are lost is refused (FAT_CORRUPT):
 * resizing it would spread the damage; `check --repair` first.
 *
 * Per-cluster state is typed arrays indexed by cluster number (a 1 GiB FAT32 volume has 261,627
 * clusters): `next` (the FAT as read), `owner`, `first` and `pos`; every chain is a view of one
 * array, `order`, so that renumbering a cluster (`order[pos[k]] = t`) renumbers it in its chain.
 * A short process runs its loops cold (mostly unoptimised, tens of ns a turn), so chains are
 * walked by runs of consecutive links (one tight loop follows them), claimed and recorded with
 * typed-array builtins (fill, set, indexOf); the clusters in no chain are looked at one by one.
 * On a 1 GiB FAT32 volume holding 900 MiB (bench/resize) this scan takes about half the time
 * of a walk cluster by cluster, mostly the one loop that fills `iota`.
 */
export interface ScannedDir {
  /** Volume path ('/' for the root), for messages. */
  path: string;
  /** Old clusters of the directory (empty for a FAT12/16 root): a view of `Scan.order`. */
  clusters: Uint32Array;
  /** The directory's bytes (the whole fixed root, or every cluster). */
  bytes: Uint8Array;
  /** Byte offsets of slots holding a cluster number to renumber, and what they are. */
  refs: { off: number; kind: 'entry' | 'dot' | 'dotdot' }[];
  /** Index of the parent in `dirs` (-1 for the root). */
  parent: number;
  /** Offset in the parent's bytes of the entry that names this directory (-1 for the root). */
  entryOff: number;
  /** Slots in use up to the end marker (the root's, for a FAT32 → FAT12/16 conversion). */
  usedSlots: number;
}

export interface ScannedFile {
  /** Old clusters, in order: a view of `Scan.order`. */
  chain: Uint32Array;
  size: number;
  /** Its runs of consecutive clusters: `Scan.runs` pairs from..to (exclusive), as read. */
  runsFrom: number;
  runsTo: number;
  /** Index in `dirs` of the directory holding its entry, and the entry's offset in its bytes. */
  dir: number;
  entryOff: number;
}

/** `owner` values: which kind of chain holds a cluster. */
export const OWN_FILE = 1;
export const OWN_DIR = 2;

export interface Scan {
  /** The active FAT's bytes as read; in-place.ts patches them (fat-patch.ts) as clusters move. */
  raw: Uint8Array;
  /**
   * Every FAT entry (indexes 0..maxCluster) as read: a view of `raw` (FAT16/32 on a little-endian
   * machine), else decoded. FAT32's reserved top four bits included: mask with EOC_WRITE.
   */
  next: Uint32Array | Uint16Array;
  /** Per cluster: 0 (in no chain), OWN_FILE or OWN_DIR. */
  owner: Uint8Array;
  /** Per cluster: 1 where a chain starts. */
  first: Uint8Array;
  /** Every chain's clusters, chain after chain (`order.subarray(0, used)`); chains are views of it. */
  order: Uint32Array;
  /** Per cluster in a chain: its index in `order`. */
  pos: Uint32Array;
  /** The chains' runs of consecutive clusters, as first, last pairs (walk order). */
  runs: number[];
  /** iota[i] = i, for i ≤ maxCluster + 1. */
  iota: Uint32Array;
  /** The free clusters as runs, ascending: freeStart[i] ≤ k < freeEnd[i], for i < freeRuns. */
  freeStart: Uint32Array;
  freeEnd: Uint32Array;
  freeRuns: number;
  dirs: ScannedDir[];
  /** File chains (old clusters, in order) and sizes. */
  files: ScannedFile[];
  /** Clusters marked bad (kept bad where they stay). */
  bad: number[];
  /** Clusters in use: file, directory and root chains (bad ones not counted). */
  used: number;
}

const MAX_DEPTH = 256;
/** Runs shorter than this are claimed cluster by cluster (in-place.ts writes their new FAT entries so too). */
export const SHORT_RUN = 16;

/** Whether this machine stores numbers little-endian (as FAT does), so that FAT entries can be typed-array elements. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A FAT's bytes as typed-array entries (FAT16/32 on a little-endian machine), else undefined. */
export function fatEntries(b: Uint8Array, type: FatType): Uint16Array | Uint32Array | undefined {
  if (!LITTLE_ENDIAN || type === 12 || b.byteOffset % 4 !== 0) return undefined;
  return type === 16 ? new Uint16Array(b.buffer, b.byteOffset, b.length >> 1) : new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
}

/** The active FAT's bytes, and its entries 0..maxCluster: a view of them where the machine allows (FAT16/32), else decoded. */
function readFat(io: SectorIO, geo: Geometry): { raw: Uint8Array; next: Uint32Array | Uint16Array } {
  const copy = geo.activeFat >= 0 ? geo.activeFat : 0;
  const raw = io.readSectors(geo.fatStart + copy * geo.fatSize, geo.fatSize);
  const entries = geo.clusterCount + 2;
  if (LITTLE_ENDIAN && geo.fatType === 32) return { raw, next: new Uint32Array(raw.buffer, raw.byteOffset, entries) };
  if (LITTLE_ENDIAN && geo.fatType === 16) return { raw, next: new Uint16Array(raw.buffer, raw.byteOffset, entries) };
  const next = new Uint32Array(entries);
  for (let n = 0; n < entries; n++) next[n] = readFatEntry(raw, geo.fatType, n);
  return { raw, next };
}

export function scanVolume(io: SectorIO, geo: Geometry): Scan {
  const max = geo.clusterCount + 1;
  const { raw, next } = readFat(io, geo);
  const eocMin = EOC_MIN[geo.fatType];
  const badMark = BAD[geo.fatType];
  const mask = EOC_WRITE[geo.fatType];
  const owner = new Uint8Array(max + 1);
  const first = new Uint8Array(max + 1);
  const order = new Uint32Array(max + 1);
  const pos = new Uint32Array(max + 1);
  const iota = new Uint32Array(max + 2);
  for (let i = 0; i < iota.length; i++) iota[i] = i;
  const dirs: ScannedDir[] = [];
  const files: ScannedFile[] = [];
  const runs: number[] = [];
  let used = 0;
  /**
   * Walk and claim a chain: bounded, every link valid, no cluster owned twice (which also catches
   * loops). A run n..e of entries that each name the next cluster (n → n+1 → … → e) is claimed at
   * once; a link inside a run is in range, and neither free nor bad (the type's cluster limits keep
   * e + 1 below the bad mark).
   */
  const walk = (start: number, what: string, kind: number): Uint32Array => {
    const bad = (why: string, c: number): never => {
      throw new FatError('FAT_CORRUPT', `corrupt volume: ${what} ${why} (run fat check --repair first)`, { cluster: c });
    };
    const from = used;
    let n = start;
    for (;;) {
      if (n < 2 || n > max) bad(`has a chain that reaches cluster ${n}, outside 2..${max}`, n);
      let e = n;
      while (e < max && next[e] === e + 1) e++;
      const len = e + 1 - n;
      if (len < SHORT_RUN) {
        // A short run (a fragmented chain): cluster by cluster costs less than the builtins' calls.
        for (let k = n; k <= e; k++) {
          if (owner[k] !== 0) bad(`shares cluster ${k} with another file (or loops)`, k);
          owner[k] = kind;
          pos[k] = used;
          order[used++] = k;
        }
      } else {
        const run = owner.subarray(n, e + 1);
        const a = run.indexOf(OWN_FILE);
        const b = run.indexOf(OWN_DIR);
        if (a >= 0 || b >= 0) {
          const c = n + (a < 0 ? b : b < 0 ? a : Math.min(a, b));
          bad(`shares cluster ${c} with another file (or loops)`, c);
        }
        run.fill(kind);
        order.set(iota.subarray(n, e + 1), used);
        pos.set(iota.subarray(used, used + len), n);
        used += len;
      }
      runs.push(n, e);
      const v = next[e] & mask;
      if (v >= eocMin) break;
      if (v === 0 || v === badMark) bad(`has a chain that runs into a ${v === 0 ? 'free' : 'bad'} cluster after ${e}`, e);
      n = v;
    }
    first[start] = 1;
    return order.subarray(from, used);
  };
  const cs = geo.clusterSize;
  const readChain = (chain: Uint32Array): Uint8Array => {
    const b = new Uint8Array(chain.length * cs);
    // Read runs of consecutive clusters at once.
    for (let i = 0; i < chain.length; ) {
      let j = i + 1;
      while (j < chain.length && chain[j] === chain[j - 1] + 1 && j - i < 1024) j++;
      io.read(geo.dataStart + (chain[i] - 2) * geo.sectorsPerCluster, b.subarray(i * cs, j * cs));
      i = j;
    }
    return b;
  };

  let rootBytes: Uint8Array;
  let rootClusters: Uint32Array = new Uint32Array(0);
  if (geo.fatType === 32) {
    rootClusters = walk(geo.rootCluster, 'the root directory', OWN_DIR);
    rootBytes = readChain(rootClusters);
  } else {
    rootBytes = io.readSectors(geo.rootDirStart, geo.rootDirSectors);
  }
  const queue: { index: number; depth: number }[] = [];
  const addDir = (d: ScannedDir, depth: number): void => {
    dirs.push(d);
    queue.push({ index: dirs.length - 1, depth });
  };
  addDir({ path: '/', clusters: rootClusters, bytes: rootBytes, refs: [], parent: -1, entryOff: -1, usedSlots: 0 }, 0);
  const fat32 = geo.fatType === 32;
  for (let q = 0; q < queue.length; q++) {
    const { index, depth } = queue[q];
    const d = dirs[index];
    const b = d.bytes;
    const isRoot = index === 0;
    let slot = 0;
    for (; slot * 32 < b.length; slot++) {
      const off = slot * 32;
      const first = b[off];
      if (first === 0) break;
      if (first === ENTRY_DELETED) continue;
      const attr = b[off + 11];
      if (isLongNameSlot(attr)) continue;
      if ((attr & ATTR.VOLUME_ID) !== 0 && (attr & ATTR.DIRECTORY) === 0) continue;
      const e = decodeDirEntry(b, off, fat32);
      const name = String.fromCharCode(...e.name);
      if (!isRoot && (name === '.          ' || name === '..         ')) {
        d.refs.push({ off, kind: name[1] === '.' ? 'dotdot' : 'dot' });
        continue;
      }
      d.refs.push({ off, kind: 'entry' });
      if (e.cluster === 0) continue;
      const label = `${d.path === '/' ? '' : d.path}/${name.slice(0, 8).trimEnd()}${name.slice(8).trim() ? `.${name.slice(8).trim()}` : ''}`;
      const isDir = (attr & ATTR.DIRECTORY) !== 0;
      const runsFrom = runs.length >> 1;
      const chain = walk(e.cluster, label, isDir ? OWN_DIR : OWN_FILE);
      if (isDir) {
        if (depth + 1 > MAX_DEPTH) throw corrupt('directory tree', `${label} is deeper than ${MAX_DEPTH} levels`);
        addDir({ path: label, clusters: chain, bytes: readChain(chain), refs: [], parent: index, entryOff: off, usedSlots: 0 }, depth + 1);
      } else files.push({ chain, size: e.size, runsFrom, runsTo: runs.length >> 1, dir: index, entryOff: off });
    }
    d.usedSlots = slot;
  }
  // The clusters in no chain, one by one (the others are skipped by indexOf): free (in runs), bad, or lost.
  const bad: number[] = [];
  const freeStart = new Uint32Array((max >> 1) + 2);
  const freeEnd = new Uint32Array((max >> 1) + 2);
  let freeRuns = 0;
  let lost = 0;
  for (let n = owner.indexOf(0, 2); n >= 0; n = n > max ? -1 : owner.indexOf(0, n)) {
    let runStart = -1;
    for (; n <= max && owner[n] === 0; n++) {
      const v = next[n] & mask;
      if (v === 0) {
        if (runStart < 0) runStart = n;
        continue;
      }
      if (runStart >= 0) {
        freeStart[freeRuns] = runStart;
        freeEnd[freeRuns++] = n;
        runStart = -1;
      }
      if (v === badMark) bad.push(n);
      else lost++;
    }
    if (runStart >= 0) {
      freeStart[freeRuns] = runStart;
      freeEnd[freeRuns++] = n;
    }
  }
  if (lost > 0) {
    throw new FatError('FAT_CORRUPT', `corrupt volume: ${lost} cluster${lost === 1 ? ' is' : 's are'} in use but belong to no file (run fat check --repair first)`);
  }
  return { raw, next, owner, first, order, pos, runs, iota, freeStart, freeEnd, freeRuns, dirs, files, bad, used };
}
