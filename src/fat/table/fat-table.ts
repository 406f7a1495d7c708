import type { Geometry, FatType } from '../format/geometry.js';
import type { SectorIO } from './sector-io.js';
import { FatError, corrupt } from '../errors.js';
import { BAD, EOC_MIN, EOC_WRITE, readFatEntry, writeFatEntry } from './fat-entry.js';

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * One FAT held in memory (the active copy), with per-sector dirty tracking; `flush` writes the
 * dirty sectors to every mirrored copy. FAT-NOTES.md section 4.
 */
export class FatTable {
  readonly type: FatType;
  /** Highest valid cluster number (clusterCount + 1). */
  readonly maxCluster: number;
  readonly eoc: number;
  private readonly bytes: Uint8Array;
  private readonly dirty: Uint8Array;
  /** The sectors marked in `dirty`, in the order they were marked. */
  private dirtyList: number[] = [];
  private readonly sectorSize: number;
  private freeCount = -1;
  private hint = 2;
  /** The FAT copies a flush writes (the active one only when mirroring is off). */
  private copies: number[] | undefined;

  constructor(private readonly io: SectorIO, private readonly geo: Geometry) {
    this.type = geo.fatType;
    this.maxCluster = geo.clusterCount + 1;
    this.eoc = EOC_WRITE[this.type];
    this.sectorSize = geo.sectorSize;
    const copy = geo.activeFat >= 0 ? geo.activeFat : 0;
    this.bytes = io.readSectors(geo.fatStart + copy * geo.fatSize, geo.fatSize);
    this.dirty = new Uint8Array(geo.fatSize);
  }

  /** Raw value of entry `n` (28 bits on FAT32). */
  get(n: number): number {
    return readFatEntry(this.bytes, this.type, n);
  }

  /** Set entry `n`; FAT32 keeps the entry's top four bits; FAT12 entries may straddle sectors. */
  set(n: number, value: number): void {
    this.markDirty(writeFatEntry(this.bytes, this.type, n, value), this.type === 32 ? 4 : 2);
  }

  isEnd(v: number): boolean {
    return v >= EOC_MIN[this.type];
  }

  isBad(v: number): boolean {
    return v === BAD[this.type];
  }

  /** A cluster number that may appear in a chain. */
  inRange(n: number): boolean {
    return n >= 2 && n <= this.maxCluster;
  }

  /**
   * The clusters of the chain starting at `start`, validated and bounded: at most `limit` clusters
   * are returned (the walk stops there); a loop, a free, bad or out-of-range link is FAT_CORRUPT.
   */
  chain(start: number, what: string, limit = Infinity): number[] {
    const out: number[] = [];
    if (!this.inRange(start)) {
      throw corrupt('cluster chain', `${what} starts at cluster ${start}, outside 2..${this.maxCluster}`, { cluster: start });
    }
    let n = start;
    // A loop is a cluster met twice: looked for in the (short) chain so far, or in a set once the
    // chain is long; a small file's chain makes no set.
    let seen: Set<number> | undefined;
    while (out.length < limit) {
      if (seen ? seen.has(n) : out.length <= 32 ? out.includes(n) : (seen = new Set(out)).has(n)) {
        throw corrupt('cluster chain', `${what} has a chain that loops back to cluster ${n}`, { cluster: n });
      }
      seen?.add(n);
      out.push(n);
      const next = this.get(n);
      if (this.isEnd(next)) break;
      if (next === 0) throw corrupt('cluster chain', `${what} has a chain that runs into free cluster (after cluster ${n})`, { cluster: n });
      if (this.isBad(next)) throw corrupt('cluster chain', `${what} has a chain that runs into a bad cluster (after cluster ${n})`, { cluster: n });
      if (!this.inRange(next)) {
        throw corrupt('cluster chain', `${what} has a chain that links cluster ${n} to ${next}, outside 2..${this.maxCluster}`, { cluster: n });
      }
      if (next === n) throw corrupt('cluster chain', `${what} has a chain that loops (cluster ${n} links to itself)`, { cluster: n });
      n = next;
    }
    return out;
  }

  /** Number of free (0) entries among clusters 2..maxCluster (counted once, then kept up to date). */
  countFree(): number {
    if (this.freeCount < 0) this.freeCount = this.countZero();
    return this.freeCount;
  }

  /** The free entries among clusters 2..maxCluster: FAT16/32 through a 16/32-bit view where the host is little-endian. */
  private countZero(): number {
    const b = this.bytes;
    const max = this.maxCluster;
    let free = 0;
    if (LITTLE_ENDIAN && this.type === 32 && b.byteOffset % 4 === 0) {
      const u = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
      for (let n = 2; n <= max; n++) if ((u[n] & 0x0fffffff) === 0) free++;
    } else if (LITTLE_ENDIAN && this.type === 16 && b.byteOffset % 2 === 0) {
      const u = new Uint16Array(b.buffer, b.byteOffset, b.length >>> 1);
      for (let n = 2; n <= max; n++) if (u[n] === 0) free++;
    } else {
      for (let n = 2; n <= max; n++) if (this.get(n) === 0) free++;
    }
    return free;
  }

  /** Number of clusters marked bad (0xFF7 / 0xFFF7 / 0x0FFFFFF7) among clusters 2..maxCluster; counted on each call. */
  countBad(): number {
    let bad = 0;
    for (let n = 2; n <= this.maxCluster; n++) if (this.isBad(this.get(n))) bad++;
    return bad;
  }

  /** Start the next search for free clusters at `n` (ignored when out of range). */
  setHint(n: number): void {
    if (this.inRange(n)) this.hint = n;
  }

  /** Where the next search for a free cluster starts (FSInfo's next-free hint). */
  get nextFreeHint(): number {
    return this.hint;
  }

  /**
   * Allocate `count` clusters and chain them (the last marked end-of-chain). Prefers one contiguous
   * run, starting right after `after` when given (to extend a file in place), else from the
   * next-free hint; falls back to the first free clusters found. Throws ENOSPC, changing nothing,
   * when fewer than `count` are free.
   */
  allocate(count: number, after?: number): number[] {
    if (count <= 0) return [];
    if (count > this.countFree()) {
      throw new FatError('ENOSPC', `no space left on the volume: ${count} clusters needed, ${this.countFree()} free`);
    }
    // Right after `after` (extending in place), else from the hint, else anywhere; else fragments.
    let run = after !== undefined && after + 1 <= this.maxCluster ? this.findRun(after + 1, count, true) : undefined;
    run ??= this.findRun(this.hint, count, false);
    if (!run && this.hint > 2) run = this.findRun(2, count, false);
    const clusters = run ?? this.collectFree(this.hint, count);
    for (let i = 0; i < clusters.length; i++) this.set(clusters[i], i + 1 < clusters.length ? clusters[i + 1] : this.eoc);
    this.freeCount -= clusters.length;
    this.hint = clusters[clusters.length - 1] + 1 > this.maxCluster ? 2 : clusters[clusters.length - 1] + 1;
    return clusters;
  }

  /** The first run of `count` free clusters at or after `from` (only at `from` when `exact`). */
  private findRun(from: number, count: number, exact: boolean): number[] | undefined {
    let start = -1;
    for (let n = from; n <= this.maxCluster; n++) {
      if (this.get(n) !== 0) {
        if (exact) return undefined;
        start = -1;
        continue;
      }
      if (start < 0) start = n;
      if (n - start + 1 === count) {
        const run = new Array<number>(count);
        for (let i = 0; i < count; i++) run[i] = start + i;
        return run;
      }
    }
    return undefined;
  }

  private collectFree(from: number, count: number): number[] {
    const out: number[] = [];
    for (let i = 0, n = from; i <= this.maxCluster && out.length < count; i++, n = n >= this.maxCluster ? 2 : n + 1) {
      if (this.get(n) === 0) out.push(n);
    }
    return out;
  }

  /** Mark every cluster of a chain free (bounded walk; stops at the first invalid link). */
  freeChain(start: number): void {
    let n = start;
    for (let steps = 0; this.inRange(n) && steps <= this.maxCluster; steps++) {
      const next = this.get(n);
      if (next === 0) break;
      this.set(n, 0);
      if (this.freeCount >= 0) this.freeCount++;
      if (n < this.hint) this.hint = n;
      if (this.isEnd(next) || this.isBad(next)) break;
      n = next;
    }
  }

  get isDirty(): boolean {
    return this.dirtyList.length > 0;
  }

  /** Read the FAT again from the device (after something else wrote it: a repair); pending changes are dropped. */
  reload(): void {
    const copy = this.geo.activeFat >= 0 ? this.geo.activeFat : 0;
    this.bytes.set(this.io.readSectors(this.geo.fatStart + copy * this.geo.fatSize, this.geo.fatSize));
    for (const s of this.dirtyList) this.dirty[s] = 0;
    this.dirtyList = [];
    this.freeCount = -1;
  }

  private markDirty(byteOff: number, len: number): void {
    const first = Math.floor(byteOff / this.sectorSize);
    const last = Math.floor((byteOff + len - 1) / this.sectorSize);
    for (let s = first; s <= last && s < this.dirty.length; s++) {
      if (!this.dirty[s]) {
        this.dirty[s] = 1;
        this.dirtyList.push(s);
      }
    }
  }

  /** Write every dirty sector to each FAT copy (only the active one when mirroring is off). */
  flush(): void {
    if (this.dirtyList.length === 0) return;
    const g = this.geo;
    const copies = (this.copies ??= g.activeFat >= 0 ? [g.activeFat] : Array.from({ length: g.numFats }, (_, i) => i));
    const list = this.dirtyList.length > 1 ? this.dirtyList.sort((a, b) => a - b) : this.dirtyList;
    let i = 0;
    while (i < list.length) {
      let j = i + 1;
      while (j < list.length && list[j] === list[j - 1] + 1) j++;
      const run = this.bytes.subarray(list[i] * this.sectorSize, (list[j - 1] + 1) * this.sectorSize);
      for (const c of copies) this.io.write(g.fatStart + c * g.fatSize + list[i], run);
      i = j;
    }
    for (const s of list) this.dirty[s] = 0;
    this.dirtyList = [];
  }

}

/** One FatTable kept alive, over no FAT: see SHAPE_KEEPER in dir/dir-handle.ts (V8 keeps the optimized code for its layout). */
export const FAT_TABLE_SHAPE_KEEPER = new FatTable(
  { readSectors: () => new Uint8Array(0) } as unknown as SectorIO,
  { fatType: 16, clusterCount: 0, sectorSize: 512, activeFat: -1, fatStart: 0, fatSize: 0, numFats: 1 } as unknown as Geometry,
);
