import type { Geometry } from '../format/geometry.js';
import type { SectorIO } from '../table/sector-io.js';
import type { Scan, ScannedDir } from './scan.js';
import type { Shape } from './shape.js';
import type { Mapping, NewChain } from './mapping.js';
import { le16, put16 } from '../format/bytes.js';
import { buildFat, buildReserved } from './metadata.js';

/**
 * Write the new volume: the file data that moves, every directory (renumbered, from memory), the
 * fixed root, the FATs, the reserved area. Into another device (which reads as zeros) every chain
 * is copied. In place (in-place.ts has moved what was in the way, and the directories go to
 * clusters the old volume does not use) nothing written before the boot sector touches the old
 * volume, and the boot sector switches to the new one.
 */
export interface WriteJob {
  src: SectorIO;
  out: SectorIO;
  inPlace: boolean;
  geo: Geometry;
  scan: Scan;
  shape: Shape;
  map: Mapping;
  /** The old reserved area's bytes. */
  oldReserved: Uint8Array;
  media: number;
  onProgress?: (done: number, total: number) => void;
  /** Flush the device: before the boot sector switches to the new volume, and after. */
  barrier?: () => void;
}

const CHUNK = 4 * 1024 * 1024;

/** Runs of consecutive clusters: [first, count] pairs. */
function runs(clusters: Uint32Array, from: number, to: number, max: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = from; i < to; ) {
    let j = i + 1;
    while (j < to && clusters[j] === clusters[j - 1] + 1 && j - i < max) j++;
    out.push([clusters[i], j - i]);
    i = j;
  }
  return out;
}

export function writeResized(job: WriteJob): void {
  const { src, out, geo, shape, map, scan } = job;
  const oldCs = geo.clusterSize;
  const newCs = shape.sectorsPerCluster * shape.sectorSize;
  const oldSector = (k: number): number => geo.dataStart + (k - 2) * geo.sectorsPerCluster;
  const newSector = (j: number): number => shape.dataStart + (j - 2) * shape.sectorsPerCluster;
  // Copy buffers (into another device only).
  const buf = job.inPlace ? new Uint8Array(0) : new Uint8Array(CHUNK);
  const rbuf = job.inPlace ? buf : new Uint8Array(CHUNK + 65536);
  const total = map.moved;
  let done = 0;

  // 1. File data. In place every file cluster already lies where its new number puts it
  // (in-place.ts moved those in the way, and keeps the others on the old grid): nothing to copy.
  if (!job.inPlace) for (const c of map.chains) {
    if (c.dir !== -1 || c.clusters.length === 0) continue;
    if (c.old.length === c.clusters.length) copySameSize(c);
    else copyStream(c);
  }

  function copySameSize(c: NewChain): void {
    // Into another device every pair is copied, grouped where both sides run on.
    const n = c.old.length;
    const maxRun = CHUNK / oldCs;
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && j - i < maxRun && c.old[j] === c.old[j - 1] + 1 && c.clusters[j] === c.clusters[j - 1] + 1) j++;
      const b = buf.subarray(0, (j - i) * oldCs);
      src.read(oldSector(c.old[i]), b);
      out.write(newSector(c.clusters[i]), b);
      if (oldSector(c.old[i]) !== newSector(c.clusters[i])) {
        done += j - i;
        job.onProgress?.(done, total);
      }
      i = j;
    }
  }

  function copyStream(c: NewChain): void {
    // Another cluster size: stream the chain's bytes through the buffer (chunks are whole clusters of both sizes).
    const bytes = c.clusters.length * newCs;
    for (let pos = 0; pos < bytes; pos += CHUNK) {
      const len = Math.min(CHUNK, bytes - pos);
      const b = buf.subarray(0, len);
      b.fill(0);
      const have = Math.min(len, c.old.length * oldCs - pos);
      if (have > 0) {
        const first = pos / oldCs;
        let at = 0;
        for (const [k, count] of runs(c.old, first, first + Math.ceil(have / oldCs), CHUNK / oldCs)) {
          src.read(oldSector(k), rbuf.subarray(at, at + count * oldCs));
          at += count * oldCs;
        }
        b.set(rbuf.subarray(0, have));
      }
      const nfirst = pos / newCs;
      let at = 0;
      for (const [j, count] of runs(c.clusters, nfirst, nfirst + len / newCs, CHUNK / newCs)) {
        out.write(newSector(j), b.subarray(at, at + count * newCs));
        at += count * newCs;
      }
      done += len / newCs;
      job.onProgress?.(done, total);
    }
  }

  // 2. Directories, renumbered.
  // Each chain's new first cluster, by its old one.
  const firstOf = new Uint32Array(geo.clusterCount + 2);
  for (const c of map.chains) {
    if (c.old.length === 0) continue;
    if (c.keep !== undefined) firstOf[c.old[0]] = c.old[0] - c.keep;
    else if (c.clusters.length > 0) firstOf[c.old[0]] = c.clusters[0];
  }
  const dirFirst = (i: number): number => {
    if (i === 0) return shape.fatType === 32 ? map.root!.clusters[0] : 0;
    return firstOf[scan.dirs[i].clusters[0]];
  };
  const renumber = (d: ScannedDir, index: number, into: Uint8Array): void => {
    const fat32Old = geo.fatType === 32;
    for (const r of d.refs) {
      const old = (fat32Old ? le16(into, r.off + 20) * 0x10000 : 0) + le16(into, r.off + 26);
      let n: number;
      if (r.kind === 'dot') n = dirFirst(index);
      else if (r.kind === 'dotdot') n = d.parent <= 0 ? 0 : dirFirst(d.parent);
      else n = old < firstOf.length ? firstOf[old] : 0;
      put16(into, r.off + 20, shape.fatType === 32 ? Math.floor(n / 0x10000) : 0);
      put16(into, r.off + 26, n & 0xffff);
    }
  };
  for (const c of map.chains) {
    if (c.dir < 0) continue;
    const d = scan.dirs[c.dir];
    const bytes = new Uint8Array(c.clusters.length * newCs);
    bytes.set(d.bytes.subarray(0, Math.min(d.bytes.length, c.dir === 0 ? d.usedSlots * 32 : bytes.length)));
    renumber(d, c.dir, bytes);
    let at = 0;
    for (const [j, count] of runs(c.clusters, 0, c.clusters.length, CHUNK / newCs)) {
      out.write(newSector(j), bytes.subarray(at, at + count * newCs));
      at += count * newCs;
    }
  }
  // 3. The fixed root of FAT12/16.
  if (shape.fatType !== 32) {
    const d = scan.dirs[0];
    const bytes = new Uint8Array(shape.rootDirSectors * shape.sectorSize);
    bytes.set(d.bytes.subarray(0, Math.min(bytes.length, geo.fatType === 32 ? d.usedSlots * 32 : d.bytes.length)));
    renumber(d, 0, bytes);
    out.write(shape.reservedSectors + shape.numFats * shape.fatSize, bytes);
  }
  // 4. The FATs.
  const fat = buildFat(shape, geo, scan.next[1] & 0x0fffffff, job.media, map);
  for (let i = 0; i < shape.numFats; i++) {
    for (let off = 0; off < fat.length; off += CHUNK) {
      out.write(shape.reservedSectors + i * shape.fatSize + off / shape.sectorSize, fat.subarray(off, Math.min(fat.length, off + CHUNK)));
    }
  }
  // 5. The reserved area. In place the boot sector is the switch (one sector): it goes first, then
  // FSInfo and the backups; into another device the whole area, the boot sector last.
  const reserved = buildReserved(shape, geo, job.oldReserved, map);
  const ss = shape.sectorSize;
  if (job.inPlace) {
    job.barrier?.();
    out.write(0, reserved.boot);
    job.barrier?.();
    for (const s of reserved.written) out.write(s, reserved.rest.subarray((s - 1) * ss, s * ss));
  } else {
    if (reserved.rest.length > 0) out.write(1, reserved.rest);
    out.write(0, reserved.boot);
  }
}
