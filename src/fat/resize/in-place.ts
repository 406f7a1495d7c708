import type { FatType, Geometry } from '../format/geometry.js';
import type { SectorIO } from '../table/sector-io.js';
import { OWN_DIR, OWN_FILE, SHORT_RUN, fatEntries, type Scan } from './scan.js';
import { FatPatch } from './fat-patch.js';
import type { Shape } from './shape.js';
import type { Mapping, NewChain } from './mapping.js';
import { put16, put32 } from '../format/bytes.js';
import { EOC_MIN, EOC_WRITE, writeFatEntry } from '../table/fat-entry.js';
import { FatError } from '../errors.js';

/**
 * Resizing in place so that an interruption at any write loses no file (issue #17). The new
 * volume's FATs and root never overlap the old ones (plan.ts places them after the old metadata,
 * or before the old FATs), but for a mirrored FAT32's FAT #2 when the old FATs end past sector
 * 65535: a copy no reader uses, and that repairs mend from FAT #1. So:
 *
 * 1. While the old volume is the live one, the clusters it uses where the new metadata will lie,
 *    or past a shrunk end, move inside it as a defragmenter moves them: copy the data to free
 *    clusters, chain the copies, point each chain at its copy (one FAT entry or directory entry
 *    per write; a moved directory's `.` comes with it, its children's `..` follow), then free the
 *    originals. A crash leaves the old volume with lost clusters (or, inside one directory move,
 *    a stale `..`): fsck.fat -a or check --repair mends it, no file lost.
 * 2. Still under the old volume, and only in clusters it does not use: every directory is written
 *    anew, renumbered for the new volume, then the new FATs and root (from here on the old FAT is
 *    never written: over its FAT #2 the old volume then has FATs that differ, FAT #1 intact).
 * 3. The boot sector (one sector) switches to the new volume; FSInfo and the backup boot sector
 *    follow (until they do, check reports BOOT_BACKUP and FSInfo problems: no file is at risk).
 */
export interface InPlacePlan {
  shift: number;
  /** Old clusters k that keep their place (as new cluster k − shift): lo ≤ k ≤ hi. */
  lo: number;
  hi: number;
  /** Old clusters that move inside the old volume first (in chain order: files', then directories'), and where to (old numbers). */
  from: Uint32Array;
  to: Uint32Array;
  /** Per old cluster: where it moves (0: it stays). */
  moveTo: Uint32Array;
  /** Where the targets end: the free kept clusters after them take the directories written anew (mapInPlace). */
  free: FreeCursor;
}

/**
 * The free clusters of the old volume from lo on, ascending (from the scan's free runs), then,
 * past the old end, every cluster; each call says up to which cluster.
 */
export class FreeCursor {
  private run = 0;
  private k: number;
  constructor(private readonly scan: Scan, lo: number, private readonly oldMax: number) {
    this.k = Math.max(2, lo);
  }

  /** The next one up to `limit` without taking it (0 when there is none). */
  peek(limit: number): number {
    const { freeStart, freeEnd, freeRuns } = this.scan;
    while (this.k <= this.oldMax && this.run < freeRuns) {
      if (freeEnd[this.run] <= this.k) this.run++;
      else {
        if (freeStart[this.run] > this.k) this.k = freeStart[this.run];
        break;
      }
    }
    if (this.k <= this.oldMax && this.run >= freeRuns) this.k = this.oldMax + 1;
    return this.k <= limit ? this.k : 0;
  }

  /** Take the next one up to `limit` (0 when there is none). */
  take(limit: number): number {
    const k = this.peek(limit);
    if (k !== 0) this.k = k + 1;
    return k;
  }
}

/** Which used clusters must move first, and to which free old clusters; ENOSPC when there is no room. */
export function planMoves(geo: Geometry, scan: Scan, shape: Shape): InPlacePlan {
  const diff = shape.dataStart - geo.dataStart;
  if (shape.sectorsPerCluster !== geo.sectorsPerCluster || diff % shape.sectorsPerCluster !== 0) {
    throw new FatError('EINVAL', 'this resize moves every cluster (another cluster size): it cannot be done in place; write the result into a new image');
  }
  const shift = diff / shape.sectorsPerCluster;
  const lo = shift + 2;
  const hi = shape.clusterCount + 1 + shift;
  const oldMax = geo.clusterCount + 1;
  const { order, owner, pos } = scan;
  // The clusters in use outside the kept range, sorted into chain order (files' before
  // directories', each in scan order): a key of the kind and the place in `order`.
  const ranges = [[2, Math.min(lo - 1, oldMax)], [Math.max(2, hi + 1), oldMax]];
  let count = 0;
  for (const [a, b] of ranges) for (let k = a; k <= b; k++) if (owner[k] !== 0) count++;
  const keys = new Uint32Array(count);
  let m = 0;
  for (const [a, b] of ranges) for (let k = a; k <= b; k++) if (owner[k] !== 0) keys[m++] = (owner[k] === OWN_DIR ? DIR_KEY : 0) + pos[k];
  keys.sort();
  const from = new Uint32Array(count);
  const to = new Uint32Array(count);
  const moveTo = new Uint32Array(oldMax + 1);
  // Each to the lowest free kept cluster of the old volume.
  const free = new FreeCursor(scan, lo, oldMax);
  for (let i = 0; i < count; i++) {
    const k = order[keys[i] & POS_MASK];
    const t = free.take(Math.min(oldMax, hi));
    if (t === 0) {
      throw new FatError('ENOSPC', `resizing in place must first move ${count} clusters inside the volume, which has room for fewer: free some space, or resize into a new image (without --in-place)`);
    }
    from[i] = k;
    to[i] = t;
    moveTo[k] = t;
  }
  return { shift, lo, hi, from, to, moveTo, free };
}

/** Sort keys: positions in `order` (below 2^28, as cluster numbers are), directories' after files'. */
const POS_MASK = 0x0fffffff;
const DIR_KEY = 0x10000000;

/** Step 1: move the clusters in the way inside the old volume (see above). Updates `scan`'s chains to the moved clusters. */
export function moveInOldVolume(io: SectorIO, geo: Geometry, scan: Scan, plan: InPlacePlan, barrier: () => void, onProgress?: (done: number, total: number) => void): void {
  const { from, to, moveTo } = plan;
  const total = from.length;
  if (total === 0) return;
  const { next, owner, first, order, pos } = scan;
  const fat = new FatPatch(io, geo, scan.raw);
  const cs = geo.clusterSize;
  const fat32 = geo.fatType === 32;
  const eocMin = EOC_MIN[geo.fatType];
  const mask = EOC_WRITE[geo.fatType];
  const oldMax = geo.clusterCount + 1;
  const sectorOf = (k: number): number => geo.dataStart + (k - 2) * geo.sectorsPerCluster;
  const ss = geo.sectorSize;
  const setCluster = (b: Uint8Array, off: number, n: number): void => {
    if (fat32) put16(b, off + 20, Math.floor(n / 0x10000));
    put16(b, off + 26, n & 0xffff);
  };

  // a. Copy: file data from the device, in runs of clusters that move together (by source: the
  // clusters outside the kept range), directory clusters from memory (a first cluster's `.` names its copy).
  let done = 0;
  const RUN = Math.max(1, Math.floor((4 * 1024 * 1024) / cs));
  const buf = new Uint8Array(Math.min(RUN, total) * cs);
  const copyFiles = (first: number, last: number): void => {
    for (let k = first; k <= last; ) {
      if (moveTo[k] === 0 || owner[k] !== OWN_FILE) {
        k++;
        continue;
      }
      let n = 1;
      while (k + n <= last && n < RUN && moveTo[k + n] === moveTo[k] + n && owner[k + n] === OWN_FILE) n++;
      const b = buf.subarray(0, n * cs);
      io.read(sectorOf(k), b);
      io.write(sectorOf(moveTo[k]), b);
      done += n;
      onProgress?.(done, total);
      k += n;
    }
  };
  copyFiles(2, Math.min(plan.lo - 1, oldMax));
  copyFiles(Math.max(2, plan.hi + 1), oldMax);
  for (const dir of scan.dirs) {
    const cl = dir.clusters;
    for (let index = 0; index < cl.length; index++) {
      const t = moveTo[cl[index]];
      if (t === 0) continue;
      if (index === 0) for (const r of dir.refs) if (r.kind === 'dot') setCluster(dir.bytes, r.off, t);
      io.write(sectorOf(t), dir.bytes.subarray(index * cs, (index + 1) * cs));
      onProgress?.(++done, total);
    }
  }
  // b. Chain the copies (each copy's successor: the copy of the successor, or the successor).
  for (let i = 0; i < total; i++) {
    const v = next[from[i]] & mask;
    fat.set(to[i], v >= eocMin ? v : moveTo[v] || v);
  }
  fat.flush();
  barrier();
  // c. Point every chain at the copies: FAT links from clusters that stay, then entries and `..`.
  for (let i = 0; i < total; i++) {
    const k = from[i];
    if (first[k] !== 0) continue;
    const before = order[pos[k] - 1];
    if (moveTo[before] === 0) fat.set(before, to[i]);
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
      sector = sectorOf(moveTo[k] || k) + (at % cs) / ss;
    }
    io.write(sector, dir.bytes.subarray(at, at + ss));
  };
  const pointAt = (dir: number, off: number, t: number): void => {
    setCluster(scan.dirs[dir].bytes, off, t);
    writeDirSector(dir, off);
  };
  if (fat32 && moveTo[scan.dirs[0].clusters[0]] !== 0) {
    // The FAT32 root's first cluster lives in the boot sector (and its backup).
    const boot = io.readSectors(0, 1);
    put32(boot, 44, moveTo[scan.dirs[0].clusters[0]]);
    io.write(0, boot);
    const backup = boot[50] | (boot[51] << 8);
    if (backup > 0 && backup < geo.reservedSectors) io.write(backup, boot);
  }
  for (const f of scan.files) {
    const t = moveTo[f.chain[0]];
    if (t !== 0) pointAt(f.dir, f.entryOff, t);
  }
  let children: number[][] | undefined;
  for (let i = 1; i < scan.dirs.length; i++) {
    const d = scan.dirs[i];
    const t = moveTo[d.clusters[0]];
    if (t === 0) continue;
    pointAt(d.parent, d.entryOff, t);
    // Its subdirectories' `..` entries.
    if (children === undefined) {
      children = scan.dirs.map(() => []);
      scan.dirs.forEach((c, ci) => {
        if (c.parent > 0) children![c.parent].push(ci);
      });
    }
    for (const ci of children[i]) for (const r of scan.dirs[ci].refs) if (r.kind === 'dotdot') pointAt(ci, r.off, t);
  }
  barrier();
  // d. Free the originals. Step 1 is over (on the disk too) before step 2's first write, which may
  // go over the old FAT #2 (plan.ts overSecondFat): after it, nothing writes the old FAT any more.
  for (let i = 0; i < total; i++) fat.set(from[i], 0);
  fat.flush();
  barrier();
  // The scan now describes the moved volume.
  for (let i = 0; i < total; i++) order[pos[from[i]]] = to[i];
}

/**
 * Step 2's mapping, planned before step 1 writes anything (so a dry run sees what the resize does,
 * and a volume without room fails before the first write): every file cluster keeps its place
 * after step 1 (new = old − shift: the chains `keep` the shift); every directory is written anew
 * in clusters free in the old volume, and not landed on in step 1 (or past the old end), so that
 * the old directories stay whole until the switch.
 */
export function mapInPlace(geo: Geometry, scan: Scan, shape: Shape, plan: InPlacePlan, rootClusterCount: number): Mapping {
  const { shift, moveTo, from, to, lo, hi, free } = plan;
  const { owner } = scan;
  const newMax = shape.clusterCount + 1;
  const oldMax = geo.clusterCount + 1;
  const chains: NewChain[] = [];
  const none = new Uint32Array(0);
  let used = 0;
  for (const f of scan.files) {
    chains.push({ old: f.chain, clusters: none, keep: shift, bytes: f.size, dir: -1 });
    used += f.chain.length;
  }
  const bad: number[] = [];
  for (const k of scan.bad) {
    const j = k - shift;
    if (j >= 2 && j <= newMax) bad.push(j);
  }
  let root: NewChain | undefined;
  let moved = from.length;
  scan.dirs.forEach((d, i) => {
    if (i === 0 && shape.fatType !== 32) return;
    const n = i === 0 && geo.fatType !== 32 ? rootClusterCount : d.clusters.length;
    const clusters = new Uint32Array(n);
    for (let x = 0; x < n; x++) {
      const t = free.take(hi);
      if (t === 0) throw new FatError('ENOSPC', 'resizing in place needs free clusters to write the directories anew: free some space, or resize into a new image (without --in-place)');
      clusters[x] = t - shift;
    }
    const c: NewChain = { old: i === 0 && geo.fatType !== 32 ? none : d.clusters, clusters, bytes: n * geo.clusterSize, dir: i };
    if (i === 0) root = c;
    chains.push(c);
    used += n;
    moved += n;
  });
  // The lowest cluster of the new volume left free (FSInfo's hint): one over the old metadata,
  // the next free one after the directories', or one an old directory (or its copy) leaves.
  let first = lo < 2 ? lo : free.peek(hi) || Infinity;
  for (const d of scan.dirs) for (const k of d.clusters) if (k >= lo && k <= hi && moveTo[k] === 0 && k < first) first = k;
  for (let i = 0; i < from.length; i++) if (owner[from[i]] === OWN_DIR && to[i] < first) first = to[i];
  const firstFree = first === Infinity ? 2 : first - shift;
  void oldMax;
  return { chains, ...(root ? { root } : {}), bad, shift, moved, used, firstFree, keptFat: (fat) => keptFat(fat, shape.fatType, scan, plan) };
}

/**
 * The new FAT's entries of the files, which keep their place: by the runs the scan found, each
 * split where it leaves the kept range (those clusters moved, one by one); a kept run n..e is one
 * typed-array copy (new cluster j links to j + 1).
 */
function keptFat(fat: Uint8Array, type: FatType, scan: Scan, plan: InPlacePlan): void {
  const { runs, iota } = scan;
  const { lo, hi, shift, moveTo } = plan;
  const entries = fatEntries(fat, type);
  const put = (j: number, v: number): void => {
    if (entries !== undefined) entries[j] = v;
    else writeFatEntry(fat, type, j, v);
  };
  const eoc = EOC_WRITE[type];
  for (const f of scan.files) {
    let last = -1;
    for (let r = f.runsFrom; r < f.runsTo; r++) {
      const a = runs[2 * r];
      const b = runs[2 * r + 1];
      // Below the kept range (moved), in it (kept: one copy), above it (moved).
      for (let k = a, end = Math.min(b, lo - 1); k <= end; k++) {
        const j = moveTo[k] - shift;
        if (last >= 0) put(last, j);
        last = j;
      }
      const ka = Math.max(a, lo);
      const kb = Math.min(b, hi);
      if (ka <= kb) {
        const j = ka - shift;
        const n = kb - ka + 1;
        if (last >= 0) put(last, j);
        if (entries !== undefined && n >= SHORT_RUN && j + n <= iota.length) entries.set(iota.subarray(j + 1, j + n), j);
        else for (let i = 0; i < n - 1; i++) put(j + i, j + i + 1);
        last = j + n - 1;
      }
      for (let k = Math.max(a, hi + 1); k <= b; k++) {
        const j = moveTo[k] - shift;
        if (last >= 0) put(last, j);
        last = j;
      }
    }
    if (last >= 0) put(last, eoc);
  }
}
