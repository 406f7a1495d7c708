import type { Geometry } from '../format/geometry.js';
import type { SectorIO } from '../table/sector-io.js';
import { FatTable } from '../table/fat-table.js';
import { decodeDirEntry, isLongNameSlot, ATTR, ENTRY_DELETED } from '../format/dir-entry.js';
import { corrupt, FatError } from '../errors.js';

/**
 * Everything resize must carry over from the old volume, read once and held in memory: every
 * cluster chain (files, directories, the FAT32 root) and every directory's bytes with the slots
 * that name a cluster. A volume whose chains cross, loop or are lost is refused (FAT_CORRUPT):
 * resizing it would spread the damage; `check --repair` first.
 */
export interface ScannedDir {
  /** Volume path ('/' for the root), for messages. */
  path: string;
  /** Old clusters of the directory (empty for a FAT12/16 root). */
  clusters: number[];
  /** The directory's bytes (the whole fixed root, or every cluster). */
  bytes: Uint8Array;
  /** Byte offsets of slots holding a cluster number to renumber, and what they are. */
  refs: { off: number; kind: 'entry' | 'dot' | 'dotdot' }[];
  /** Index of the parent in `dirs` (-1 for the root). */
  parent: number;
  /** Slots in use up to the end marker (the root's, for a FAT32 → FAT12/16 conversion). */
  usedSlots: number;
}

export interface Scan {
  fat: FatTable;
  dirs: ScannedDir[];
  /** File chains (old clusters, in order) and sizes. */
  files: { chain: number[]; size: number }[];
  /** Clusters marked bad (kept bad where they stay). */
  bad: number[];
  /** Clusters in use: file, directory and root chains (bad ones not counted). */
  used: number;
}

const MAX_DEPTH = 256;

export function scanVolume(io: SectorIO, geo: Geometry): Scan {
  const fat = new FatTable(io, geo);
  const owner = new Uint8Array(geo.clusterCount + 2);
  const dirs: ScannedDir[] = [];
  const files: Scan['files'] = [];
  let used = 0;
  /** Walk and claim a chain: bounded, every link valid, no cluster owned twice (which also catches loops). */
  const walk = (start: number, what: string): number[] => {
    const out: number[] = [];
    const bad = (why: string, c: number): never => {
      throw new FatError('FAT_CORRUPT', `corrupt volume: ${what} ${why} (run fat check --repair first)`, { cluster: c });
    };
    let n = start;
    for (;;) {
      if (!fat.inRange(n)) bad(`has a chain that reaches cluster ${n}, outside 2..${fat.maxCluster}`, n);
      if (owner[n]) bad(`shares cluster ${n} with another file (or loops)`, n);
      owner[n] = 1;
      out.push(n);
      const next = fat.get(n);
      if (fat.isEnd(next)) break;
      if (next === 0 || fat.isBad(next)) bad(`has a chain that runs into a ${next === 0 ? 'free' : 'bad'} cluster after ${n}`, n);
      n = next;
    }
    used += out.length;
    return out;
  };
  const cs = geo.clusterSize;
  const readChain = (chain: number[]): Uint8Array => {
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
  let rootClusters: number[] = [];
  if (geo.fatType === 32) {
    rootClusters = walk(geo.rootCluster, 'the root directory');
    rootBytes = readChain(rootClusters);
  } else {
    rootBytes = io.readSectors(geo.rootDirStart, geo.rootDirSectors);
  }
  const queue: { index: number; depth: number }[] = [];
  const addDir = (d: ScannedDir, depth: number): void => {
    dirs.push(d);
    queue.push({ index: dirs.length - 1, depth });
  };
  addDir({ path: '/', clusters: rootClusters, bytes: rootBytes, refs: [], parent: -1, usedSlots: 0 }, 0);
  const fat32 = geo.fatType === 32;
  while (queue.length > 0) {
    const { index, depth } = queue.shift()!;
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
      if (e.cluster === 0) {
        d.refs.push({ off, kind: 'entry' });
        continue;
      }
      const label = `${d.path === '/' ? '' : d.path}/${name.slice(0, 8).trimEnd()}${name.slice(8).trim() ? `.${name.slice(8).trim()}` : ''}`;
      const chain = walk(e.cluster, label);
      d.refs.push({ off, kind: 'entry' });
      if ((attr & ATTR.DIRECTORY) !== 0) {
        if (depth + 1 > MAX_DEPTH) throw corrupt('directory tree', `${label} is deeper than ${MAX_DEPTH} levels`);
        addDir({ path: label, clusters: chain, bytes: readChain(chain), refs: [], parent: index, usedSlots: 0 }, depth + 1);
      } else files.push({ chain, size: e.size });
    }
    d.usedSlots = slot;
  }
  const bad: number[] = [];
  let lost = 0;
  for (let n = 2; n <= fat.maxCluster; n++) {
    const v = fat.get(n);
    if (v === 0 || owner[n]) continue;
    if (fat.isBad(v)) bad.push(n);
    else lost++;
  }
  if (lost > 0) {
    throw new FatError('FAT_CORRUPT', `corrupt volume: ${lost} cluster${lost === 1 ? ' is' : 's are'} in use but belong to no file (run fat check --repair first)`);
  }
  return { fat, dirs, files, bad, used };
}
