import type { Geometry } from '../format/geometry.js';
import type { SectorIO } from '../table/sector-io.js';
import type { Scan } from './scan.js';
import type { Shape } from './shape.js';
import type { Mapping, NewChain } from './mapping.js';
import { put16, put32 } from '../format/bytes.js';
import { FatError } from '../errors.js';

/**
 * Resizing in place so that an interruption at any write loses no file (issue #17). The new
 * volume's FATs and root never overlap the old ones (plan.ts places them after the old metadata,
 * or before the old FATs), so:
 *
 * 1. While the old volume is the live one, the clusters it uses where the new metadata will lie,
 *    or past a shrunk end, move inside it as a defragmenter moves them: copy the data to free
 *    clusters, chain the copies, point each chain at its copy (one FAT entry or directory entry
 *    per write; a moved directory's `.` comes with it, its children's `..` follow), then free the
 *    originals. A crash leaves the old volume with lost clusters (or, inside one directory move,
 *    a stale `..`): fsck.fat -a or check --repair mends it, no file lost.
 * 2. Still under the old volume, and only in clusters it does not use: every directory is written
 *    anew, renumbered for the new volume, then the new FATs and root.
 * 3. The boot sector (one sector) switches to the new volume; FSInfo and the backup boot sector
 *    follow (until they do, check reports BOOT_BACKUP and FSInfo problems: no file is at risk).
 */
export interface InPlacePlan {
  shift: number;
  /** Old clusters that move inside the old volume first, and where to (old numbers). */
  moves: Map<number, number>;
}

/** Which used clusters must move first, and to which free old clusters; ENOSPC when there is no room. */
export function planMoves(geo: Geometry, scan: Scan, shape: Shape): InPlacePlan {
  const diff = shape.dataStart - geo.dataStart;
  if (shape.sectorsPerCluster !== geo.sectorsPerCluster || diff % shape.sectorsPerCluster !== 0) {
    throw new FatError('EINVAL', 'this resize moves every cluster (another cluster size): it cannot be done in place; write the result into a new image');
  }
  const shift = diff / shape.sectorsPerCluster;
  const newMax = shape.clusterCount + 1;
  const oldMax = geo.clusterCount + 1;
  const inRange = (k: number): boolean => k - shift >= 2 && k - shift <= newMax;
  const moves = new Map<number, number>();
  const movers: number[] = [];
  const all = [...scan.files.map((f) => f.chain), ...scan.dirs.map((d) => d.clusters)];
  for (const chain of all) for (const k of chain) if (!inRange(k)) movers.push(k);
  let t = 2;
  for (const k of movers) {
    while (t <= oldMax && (scan.fat.get(t) !== 0 || !inRange(t))) t++;
    if (t > oldMax) {
      throw new FatError('ENOSPC', `resizing in place must first move ${movers.length} clusters inside the volume, which has room for fewer: free some space, or resize into a new image (without --in-place)`);
    }
    moves.set(k, t++);
  }
  return { shift, moves };
}

/** Step 1: move the clusters in the way inside the old volume (see above). Updates `scan` to the moved clusters. */
export function moveInOldVolume(io: SectorIO, geo: Geometry, scan: Scan, plan: InPlacePlan, barrier: () => void, onProgress?: (done: number, total: number) => void): void {
  const { moves } = plan;
  if (moves.size === 0) return;
  const fat = scan.fat;
  const cs = geo.clusterSize;
  const fat32 = geo.fatType === 32;
  const sectorOf = (k: number): number => geo.dataStart + (k - 2) * geo.sectorsPerCluster;
  const ss = geo.sectorSize;
  const setCluster = (b: Uint8Array, off: number, n: number): void => {
    if (fat32) put16(b, off + 20, Math.floor(n / 0x10000));
    put16(b, off + 26, n & 0xffff);
  };
  // Which directory (and cluster index) each directory cluster is.
  const dirOf = new Map<number, { dir: number; index: number }>();
  scan.dirs.forEach((d, i) => d.clusters.forEach((k, index) => dirOf.set(k, { dir: i, index })));

  // a. Copy: file data from the device (runs of clusters that move together), directory clusters
  // from memory (a first cluster's `.` names its copy).
  let done = 0;
  const pairs = [...moves].filter(([k]) => !dirOf.has(k)).sort((a, b) => a[0] - b[0]);
  const RUN = Math.max(1, Math.floor((4 * 1024 * 1024) / cs));
  const buf = new Uint8Array(RUN * cs);
  for (let i = 0; i < pairs.length; ) {
    let j = i + 1;
    while (j < pairs.length && j - i < RUN && pairs[j][0] === pairs[j - 1][0] + 1 && pairs[j][1] === pairs[j - 1][1] + 1) j++;
    const b = buf.subarray(0, (j - i) * cs);
    io.read(sectorOf(pairs[i][0]), b);
    io.write(sectorOf(pairs[i][1]), b);
    done += j - i;
    onProgress?.(done, moves.size);
    i = j;
  }
  for (const [k, t] of moves) {
    const d = dirOf.get(k);
    if (d === undefined) continue;
    const dir = scan.dirs[d.dir];
    if (d.index === 0) for (const r of dir.refs) if (r.kind === 'dot') setCluster(dir.bytes, r.off, t);
    io.write(sectorOf(t), dir.bytes.subarray(d.index * cs, (d.index + 1) * cs));
    onProgress?.(++done, moves.size);
  }
  // b. Chain the copies (each copy's successor: the copy of the successor, or the successor).
  for (const [k, t] of moves) {
    const v = fat.get(k);
    fat.set(t, fat.isEnd(v) ? v : moves.get(v) ?? v);
  }
  fat.flush();
  barrier();
  // c. Point every chain at the copies: FAT links from clusters that stay, then entries and `..`.
  const chains: { chain: number[]; dir: number }[] = [...scan.files.map((f) => ({ chain: f.chain, dir: -1 })), ...scan.dirs.map((d, i) => ({ chain: d.clusters, dir: i }))];
  for (const { chain } of chains) {
    for (let i = 1; i < chain.length; i++) if (moves.has(chain[i]) && !moves.has(chain[i - 1])) fat.set(chain[i - 1], moves.get(chain[i])!);
  }
  fat.flush();
  // The live place of a directory's byte `off`: its cluster, moved or not (FAT links are switched now).
  const writeDirSector = (dirIndex: number, off: number): void => {
    const dir = scan.dirs[dirIndex];
    const at = Math.floor(off / ss) * ss;
    let sector: number;
    if (dir.clusters.length === 0) sector = geo.rootDirStart + at / ss;
    else {
      const k = dir.clusters[Math.floor(at / cs)];
      sector = sectorOf(moves.get(k) ?? k) + (at % cs) / ss;
    }
    io.write(sector, dir.bytes.subarray(at, at + ss));
  };
  const firstMoved = (chain: number[]): boolean => chain.length > 0 && moves.has(chain[0]);
  // Parents before children (scan order), so each entry is written where its directory now lives.
  const entryOf = new Map<number, { dir: number; off: number }>();
  scan.dirs.forEach((d, i) => {
    for (const r of d.refs) {
      if (r.kind !== 'entry') continue;
      const c = (fat32 ? (d.bytes[r.off + 20] | (d.bytes[r.off + 21] << 8)) * 0x10000 : 0) + (d.bytes[r.off + 26] | (d.bytes[r.off + 27] << 8));
      if (c !== 0) entryOf.set(c, { dir: i, off: r.off });
    }
  });
  const rootFirstMoved = fat32 && firstMoved(scan.dirs[0].clusters);
  if (rootFirstMoved) {
    // The FAT32 root's first cluster lives in the boot sector (and its backup).
    const boot = io.readSectors(0, 1);
    put32(boot, 44, moves.get(scan.dirs[0].clusters[0])!);
    io.write(0, boot);
    const backup = boot[50] | (boot[51] << 8);
    if (backup > 0 && backup < geo.reservedSectors) io.write(backup, boot);
  }
  for (let i = 0; i < chains.length; i++) {
    const { chain, dir } = chains[i];
    if (dir === 0 || !firstMoved(chain)) continue;
    const e = entryOf.get(chain[0]);
    if (e === undefined) continue;
    const t = moves.get(chain[0])!;
    setCluster(scan.dirs[e.dir].bytes, e.off, t);
    writeDirSector(e.dir, e.off);
    if (dir > 0) {
      // Its subdirectories' `..` entries.
      scan.dirs.forEach((child, ci) => {
        if (child.parent !== dir) return;
        for (const r of child.refs) {
          if (r.kind !== 'dotdot') continue;
          setCluster(child.bytes, r.off, t);
          writeDirSector(ci, r.off);
        }
      });
    }
  }
  barrier();
  // d. Free the originals.
  for (const k of moves.keys()) fat.set(k, 0);
  fat.flush();
  // The scan now describes the moved volume.
  for (const { chain } of chains) for (let i = 0; i < chain.length; i++) chain[i] = moves.get(chain[i]) ?? chain[i];
}

/**
 * Step 2's mapping: every file cluster keeps its place (new = old − shift); every directory is
 * written anew in clusters free in the old volume (or past its end), so that the old directories
 * stay whole until the switch.
 */
export function mapAfterMoves(geo: Geometry, scan: Scan, shape: Shape, shift: number, rootClusterCount: number): Mapping {
  const newMax = shape.clusterCount + 1;
  const oldMax = geo.clusterCount + 1;
  const taken = new Uint8Array(newMax + 1);
  const chains: NewChain[] = [];
  let used = 0;
  for (const f of scan.files) {
    const clusters = f.chain.map((k) => k - shift);
    for (const j of clusters) taken[j] = 1;
    used += clusters.length;
    chains.push({ old: f.chain, clusters, bytes: f.size, dir: -1 });
  }
  const bad: number[] = [];
  for (const k of scan.bad) {
    const j = k - shift;
    if (j >= 2 && j <= newMax && !taken[j]) {
      taken[j] = 1;
      bad.push(j);
    }
  }
  let next = 2;
  const fresh = (n: number): number[] => {
    const out: number[] = [];
    while (out.length < n) {
      while (next <= newMax) {
        const t = next + shift;
        if (!taken[next] && t >= 2 && (t > oldMax || scan.fat.get(t) === 0)) break;
        next++;
      }
      if (next > newMax) throw new FatError('ENOSPC', 'resizing in place needs free clusters to write the directories anew: free some space, or resize into a new image (without --in-place)');
      taken[next] = 1;
      out.push(next++);
    }
    used += n;
    return out;
  };
  let root: NewChain | undefined;
  scan.dirs.forEach((d, i) => {
    if (i === 0) {
      if (shape.fatType !== 32) return;
      const n = geo.fatType === 32 ? d.clusters.length : rootClusterCount;
      root = { old: geo.fatType === 32 ? d.clusters : [], clusters: fresh(n), bytes: n * geo.clusterSize, dir: 0 };
      chains.push(root);
      return;
    }
    chains.push({ old: d.clusters, clusters: fresh(d.clusters.length), bytes: d.clusters.length * geo.clusterSize, dir: i });
  });
  let firstFree = 2;
  while (firstFree <= newMax && taken[firstFree]) firstFree++;
  if (firstFree > newMax) firstFree = 2;
  const moved = chains.reduce((n, c) => n + (c.dir >= 0 ? c.clusters.length : 0), 0);
  return { chains, ...(root ? { root } : {}), bad, shift, moved, used, firstFree };
}
