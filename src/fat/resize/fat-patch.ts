import type { Geometry } from '../format/geometry.js';
import type { SectorIO } from '../table/sector-io.js';
import { writeFatEntry } from '../table/fat-entry.js';
import { LITTLE_ENDIAN } from './scan.js';

/**
 * The old volume's FAT as scan.ts read it, patched in place while clusters move (in-place.ts): a
 * handful of entries per moved cluster, so a typed-array store and a dirty mark each (FatTable
 * would read the FAT again and pay a call per entry), then the dirty sectors to every copy (only
 * the active one when mirroring is off), as FatTable.flush writes them.
 */
export class FatPatch {
  private readonly e32: Uint32Array | undefined;
  private readonly e16: Uint16Array | undefined;
  private readonly dirty: Uint8Array;
  private readonly ss: number;

  constructor(private readonly io: SectorIO, private readonly geo: Geometry, private readonly raw: Uint8Array) {
    this.ss = geo.sectorSize;
    this.dirty = new Uint8Array(geo.fatSize);
    const fast = LITTLE_ENDIAN && raw.byteOffset % 4 === 0;
    this.e32 = fast && geo.fatType === 32 ? new Uint32Array(raw.buffer, raw.byteOffset, raw.length >> 2) : undefined;
    this.e16 = fast && geo.fatType === 16 ? new Uint16Array(raw.buffer, raw.byteOffset, raw.length >> 1) : undefined;
  }

  /** Set entry `n` (FAT32 keeps the entry's top four bits). */
  set(n: number, value: number): void {
    let off: number;
    if (this.e32 !== undefined) {
      this.e32[n] = ((this.e32[n] & 0xf0000000) | value) >>> 0;
      off = 4 * n;
    } else if (this.e16 !== undefined) {
      this.e16[n] = value;
      off = 2 * n;
    } else {
      off = writeFatEntry(this.raw, this.geo.fatType, n, value);
      // A FAT12 entry may straddle two sectors.
      if (this.geo.fatType === 12) this.dirty[Math.floor((off + 1) / this.ss)] = 1;
    }
    this.dirty[Math.floor(off / this.ss)] = 1;
  }

  /** Write the dirty sectors, in runs, to each FAT copy. */
  flush(): void {
    const g = this.geo;
    const copies = g.activeFat >= 0 ? [g.activeFat] : Array.from({ length: g.numFats }, (_, i) => i);
    const d = this.dirty;
    for (let s = d.indexOf(1); s >= 0; s = d.indexOf(1, s)) {
      let e = s + 1;
      while (e < d.length && d[e] === 1) e++;
      const run = this.raw.subarray(s * this.ss, e * this.ss);
      for (const c of copies) this.io.write(g.fatStart + c * g.fatSize + s, run);
      d.fill(0, s, e);
      s = e;
    }
  }
}
