import type { Geometry } from '../format/geometry.js';
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
 * clusters): `next` (the FAT as read), `owner` and `pos`; every chain is a view of one array,
 * `order`, so that renumbering a cluster (`order[pos[k]] = t`) renumbers it in its chain. A short
 * process runs each loop over them cold (mostly unoptimised): there are three, the pass over the
 * FAT, the chain walk and the new FAT's (metadata.ts); everything else works on runs or on the
 * clusters that move.
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
  /** Index in `dirs` of the directory holding its entry, and the entry's offset in its bytes. */
  dir: number;
  entryOff: number;
}

/** `owner` values: which kind of chain holds a cluster, and whether it is the chain's first. */
export const OWN_FILE = 1;
export const OWN_DIR = 2;
export const OWN_FIRST = 4;

export interface Scan {
  /** Every FAT entry as read (indexes 0..maxCluster; FAT32's reserved top four bits cleared), before anything moves. */
  next: Uint32Array | Uint16Array;
  /** Per cluster: 0 (in no chain), OWN_FILE or OWN_DIR, | OWN_FIRST for a chain's first cluster. */
  owner: Uint8Array;
  /** Every chain's clusters, chain after chain (`order.subarray(0, used)`); chains are views of it. */
  order: Uint32Array;
  /** Per cluster in a chain: its index in `order`. */
  pos: Uint32Array;
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

/** Whether this machine stores numbers little-endian (as FAT does), so that FAT entries can be typed-array elements. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The active FAT's entries 0..maxCluster: a view of the bytes as read where the machine allows (FAT16/32), else decoded. */
function readFat(io: SectorIO, geo: Geometry): Uint32Array | Uint16Array {
  const copy = geo.activeFat >= 0 ? geo.activeFat : 0;
  const raw = io.readSectors(geo.fatStart + copy * geo.fatSize, geo.fatSize);
  const entries = geo.clusterCount + 2;
  if (LITTLE_ENDIAN && geo.fatType === 32) return new Uint32Array(raw.buffer, raw.byteOffset, entries);
  if (LITTLE_ENDIAN && geo.fatType === 16) return new Uint16Array(raw.buffer, raw.byteOffset, entries);
  const out = new Uint32Array(entries);
  for (let n = 0; n < entries; n++) out[n] = readFatEntry(raw, geo.fatType, n);
  return out;
}

export function scanVolume(io: SectorIO, geo: Geometry): Scan {
  const max = geo.clusterCount + 1;
  const next = readFat(io, geo);
  const eocMin = EOC_MIN[geo.fatType];
  const badMark = BAD[geo.fatType];
  // One pass over the FAT: clear FAT32's reserved bits, find the bad clusters, the free runs, and
  // count the clusters in use (which the chains must account for).
  const mask = EOC_WRITE[geo.fatType];
  const bad: number[] = [];
  const freeStart = new Uint32Array((max >> 1) + 2);
  const freeEnd = new Uint32Array((max >> 1) + 2);
  let freeRuns = 0;
  let inUse = true;
  let nonFree = 0;
  for (let n = 2; n <= max; n++) {
    let v = next[n];
    if (v > mask) next[n] = v &= mask;
    if (v === 0) {
      if (inUse) {
        freeStart[freeRuns] = n;
        inUse = false;
      }
      continue;
    }
    if (!inUse) {
      freeEnd[freeRuns++] = n;
      inUse = true;
    }
    if (v === badMark) bad.push(n);
    else nonFree++;
  }
  if (!inUse) freeEnd[freeRuns++] = max + 1;
  const owner = new Uint8Array(max + 1);
  const order = new Uint32Array(max + 1);
  const pos = new Uint32Array(max + 1);
  const dirs: ScannedDir[] = [];
  const files: ScannedFile[] = [];
  let used = 0;
  /** Walk and claim a chain: bounded, every link valid, no cluster owned twice (which also catches loops). */
  const walk = (start: number, what: string, kind: number): Uint32Array => {
    const bad = (why: string, c: number): never => {
      throw new FatError('FAT_CORRUPT', `corrupt volume: ${what} ${why} (run fat check --repair first)`, { cluster: c });
    };
    const from = used;
    let n = start;
    for (;;) {
      if (n < 2 || n > max) bad(`has a chain that reaches cluster ${n}, outside 2..${max}`, n);
      if (owner[n] !== 0) bad(`shares cluster ${n} with another file (or loops)`, n);
      owner[n] = used === from ? kind | OWN_FIRST : kind;
      pos[n] = used;
      order[used++] = n;
      const v = next[n];
      if (v >= eocMin) break;
      if (v === 0 || v === badMark) bad(`has a chain that runs into a ${v === 0 ? 'free' : 'bad'} cluster after ${n}`, n);
      n = v;
    }
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
      const chain = walk(e.cluster, label, isDir ? OWN_DIR : OWN_FILE);
      if (isDir) {
        if (depth + 1 > MAX_DEPTH) throw corrupt('directory tree', `${label} is deeper than ${MAX_DEPTH} levels`);
        addDir({ path: label, clusters: chain, bytes: readChain(chain), refs: [], parent: index, entryOff: off, usedSlots: 0 }, depth + 1);
      } else files.push({ chain, size: e.size, dir: index, entryOff: off });
    }
    d.usedSlots = slot;
  }
  // Every cluster of a chain is in use and not bad: the rest in use belong to no file.
  const lost = nonFree - used;
  if (lost > 0) {
    throw new FatError('FAT_CORRUPT', `corrupt volume: ${lost} cluster${lost === 1 ? ' is' : 's are'} in use but belong to no file (run fat check --repair first)`);
  }
  return { next, owner, order, pos, freeStart, freeEnd, freeRuns, dirs, files, bad, used };
}
