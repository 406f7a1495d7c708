import type { Geometry, FatType } from './geometry.js';
import type { SectorIO } from './sector-io.js';
import { corrupt } from './errors.js';

/** End-of-chain value written for each FAT type, and the threshold at which a value means end. */
const EOC_WRITE: Record<FatType, number> = { 12: 0xfff, 16: 0xffff, 32: 0x0fffffff };
const EOC_MIN: Record<FatType, number> = { 12: 0xff8, 16: 0xfff8, 32: 0x0ffffff8 };
const BAD: Record<FatType, number> = { 12: 0xff7, 16: 0xfff7, 32: 0x0ffffff7 };

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
  private dirtyCount = 0;
  private readonly sectorSize: number;

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
    const b = this.bytes;
    switch (this.type) {
      case 12: {
        const off = n + (n >>> 1);
        const v = b[off] | (b[off + 1] << 8);
        return n & 1 ? v >>> 4 : v & 0xfff;
      }
      case 16:
        return b[2 * n] | (b[2 * n + 1] << 8);
      default: {
        const off = 4 * n;
        return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | ((b[off + 3] & 0x0f) << 24)) >>> 0;
      }
    }
  }

  /** Set entry `n`; FAT32 keeps the entry's top four bits; FAT12 entries may straddle sectors. */
  set(n: number, value: number): void {
    const b = this.bytes;
    switch (this.type) {
      case 12: {
        const off = n + (n >>> 1);
        if (n & 1) {
          b[off] = (b[off] & 0x0f) | ((value << 4) & 0xf0);
          b[off + 1] = (value >>> 4) & 0xff;
        } else {
          b[off] = value & 0xff;
          b[off + 1] = (b[off + 1] & 0xf0) | ((value >>> 8) & 0x0f);
        }
        this.markDirty(off, 2);
        return;
      }
      case 16:
        b[2 * n] = value & 0xff;
        b[2 * n + 1] = (value >>> 8) & 0xff;
        this.markDirty(2 * n, 2);
        return;
      default: {
        const off = 4 * n;
        b[off] = value & 0xff;
        b[off + 1] = (value >>> 8) & 0xff;
        b[off + 2] = (value >>> 16) & 0xff;
        b[off + 3] = (b[off + 3] & 0xf0) | ((value >>> 24) & 0x0f);
        this.markDirty(off, 4);
      }
    }
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
    const max = this.maxCluster - 1; // a chain cannot be longer than the number of clusters
    while (out.length < limit) {
      out.push(n);
      if (out.length > max) throw corrupt('cluster chain', `${what} has a chain that loops (at cluster ${n})`, { cluster: n });
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

  /** Number of free (0) entries among clusters 2..maxCluster. */
  countFree(): number {
    let free = 0;
    for (let n = 2; n <= this.maxCluster; n++) if (this.get(n) === 0) free++;
    return free;
  }

  get isDirty(): boolean {
    return this.dirtyCount > 0;
  }

  private markDirty(byteOff: number, len: number): void {
    const first = Math.floor(byteOff / this.sectorSize);
    const last = Math.floor((byteOff + len - 1) / this.sectorSize);
    for (let s = first; s <= last && s < this.dirty.length; s++) {
      if (!this.dirty[s]) {
        this.dirty[s] = 1;
        this.dirtyCount++;
      }
    }
  }

  /** Write every dirty sector to each FAT copy (only the active one when mirroring is off). */
  flush(): void {
    if (this.dirtyCount === 0) return;
    const g = this.geo;
    const copies = g.activeFat >= 0 ? [g.activeFat] : Array.from({ length: g.numFats }, (_, i) => i);
    let s = 0;
    while (s < this.dirty.length) {
      if (!this.dirty[s]) {
        s++;
        continue;
      }
      let e = s;
      while (e < this.dirty.length && this.dirty[e]) e++;
      const run = this.bytes.subarray(s * this.sectorSize, e * this.sectorSize);
      for (const c of copies) this.io.write(g.fatStart + c * g.fatSize + s, run);
      this.dirty.fill(0, s, e);
      s = e;
    }
    this.dirtyCount = 0;
  }
}
