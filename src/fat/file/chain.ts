import type { VolumeCore } from '../dir/directory.js';
import type { RawDirEntry } from '../format/dir-entry.js';
import { clusterToSector } from '../format/geometry.js';
import { corrupt } from '../errors.js';

/** The clusters that hold a file's `size` bytes, validated against the chain (FAT-NOTES section 4). */
export function fileClusters(core: VolumeCore, raw: RawDirEntry, path: string): number[] {
  const cs = core.geo.clusterSize;
  const needed = Math.ceil(raw.size / cs);
  if (needed === 0) return [];
  if (raw.cluster === 0) throw corrupt('directory entry', `file ${path} is ${raw.size} bytes but has no clusters`);
  const chain = core.fat.chain(raw.cluster, `file ${path}`, needed);
  if (chain.length < needed) {
    throw corrupt('cluster chain', `file ${path} is ${raw.size} bytes but its chain ends after ${chain.length} of ${needed} clusters`, { cluster: chain[chain.length - 1] });
  }
  return chain;
}

/**
 * Copy `length` bytes of a file, from byte `offset`, into `into` at `at`: consecutive clusters are
 * read in one transfer, straight into `into` when the range is sector-aligned.
 */
export function readClusters(core: VolumeCore, clusters: number[], offset: number, length: number, into: Uint8Array, at = 0): void {
  const ss = core.geo.sectorSize;
  if (offset === 0 && length > 0 && contiguous(clusters, Math.ceil(length / core.geo.clusterSize))) {
    // One run from the file's start (a small file, or any file laid out in one piece): no runs to plan.
    const first = clusterToSector(core.geo, clusters[0]);
    const whole = length - (length % ss);
    if (whole > 0) core.io.read(first, whole === into.length && at === 0 ? into : into.subarray(at, at + whole));
    if (whole < length) {
      const tmp = scratchSector(ss);
      core.io.read(first + whole / ss, tmp);
      into.set(tmp.subarray(0, length - whole), at + whole);
    }
    return;
  }
  for (const r of runs(core, clusters, offset, offset + length)) {
    const dst = at + (r.pos - offset);
    if (r.skip === 0) {
      // Whole sectors straight into `into`; a partial last sector (a small file's tail) through
      // one sector of scratch, not the whole run.
      const whole = r.bytes - (r.bytes % ss);
      if (whole > 0) core.io.read(r.firstSector, into.subarray(dst, dst + whole));
      if (whole < r.bytes) {
        const tmp = scratchSector(ss);
        core.io.read(r.firstSector + whole / ss, tmp);
        into.set(tmp.subarray(0, r.bytes - whole), dst + whole);
      }
    } else {
      const tmp = new Uint8Array(Math.ceil((r.skip + r.bytes) / ss) * ss);
      core.io.read(r.firstSector, tmp);
      into.set(tmp.subarray(r.skip, r.skip + r.bytes), dst);
    }
  }
}

/** Whether the first `n` clusters of `clusters` follow one another (n <= clusters.length). */
function contiguous(clusters: number[], n: number): boolean {
  if (n > clusters.length) return false;
  for (let i = 1; i < n; i++) if (clusters[i] !== clusters[i - 1] + 1) return false;
  return true;
}

let scratch: Uint8Array | undefined;
/** One sector of scratch space, reused (reads are synchronous: no two use it at once). */
function scratchSector(ss: number): Uint8Array {
  if (!scratch || scratch.length !== ss) scratch = new Uint8Array(ss);
  return scratch;
}

/** A stretch of a byte range that lies in consecutive clusters: one device transfer. */
interface Run {
  /** File position where it starts, and its length. */
  pos: number;
  bytes: number;
  /** Volume sector holding `pos`, and `pos`'s offset inside it. */
  firstSector: number;
  skip: number;
  /** Whether the range ends with this run. */
  last: boolean;
}

/** Split the file range [from, end) into runs over consecutive clusters. */
function* runs(core: VolumeCore, clusters: number[], from: number, end: number): Generator<Run> {
  const { clusterSize: cs, sectorSize: ss } = core.geo;
  let pos = from;
  while (pos < end) {
    const ci = Math.floor(pos / cs);
    let cj = ci + 1; // one past the last cluster of this contiguous run
    while (cj < clusters.length && clusters[cj] === clusters[cj - 1] + 1 && cj * cs < end) cj++;
    const runEnd = Math.min(end, cj * cs);
    const within = pos - ci * cs;
    yield { pos, bytes: runEnd - pos, firstSector: clusterToSector(core.geo, clusters[ci]) + Math.floor(within / ss), skip: within % ss, last: runEnd === end };
    pos = runEnd;
  }
}

/** A file's bytes in chunks of at most `chunkSize` (a multiple of the cluster size works best). */
export function* readChunks(core: VolumeCore, clusters: number[], size: number, chunkSize = 1 << 20): Generator<Uint8Array> {
  const step = Math.max(core.geo.clusterSize, Math.floor(chunkSize / core.geo.clusterSize) * core.geo.clusterSize);
  for (let pos = 0; pos < size; pos += step) {
    const n = Math.min(step, size - pos);
    const chunk = new Uint8Array(n);
    readClusters(core, clusters, pos, n, chunk);
    yield chunk;
  }
}

/**
 * Write `data` at byte `offset` of a file whose clusters are `clusters` (they must cover the range):
 * consecutive clusters in one transfer, partial sectors at either end read, merged and written back.
 * With `pastEnd` (nothing after the written range belongs to the file) the tail sector is padded
 * with zeros instead of being read.
 */
export function writeClusters(core: VolumeCore, clusters: number[], offset: number, data: Uint8Array, pastEnd = false): void {
  const ss = core.geo.sectorSize;
  const length = data.length;
  if (offset === 0 && pastEnd && length > 0 && contiguous(clusters, Math.ceil(length / core.geo.clusterSize))) {
    // A whole new file in one run: its sectors in one transfer, the tail sector padded with zeros.
    const first = clusterToSector(core.geo, clusters[0]);
    const whole = length - (length % ss);
    if (whole > 0) core.io.write(first, whole === length ? data : data.subarray(0, whole));
    if (whole < length) {
      const tmp = scratchSector(ss);
      tmp.set(whole === 0 ? data : data.subarray(whole));
      tmp.fill(0, length - whole);
      core.io.write(first + whole / ss, tmp);
    }
    return;
  }
  for (const r of runs(core, clusters, offset, offset + data.length)) {
    const src = data.subarray(r.pos - offset, r.pos - offset + r.bytes);
    const whole = Math.floor(r.bytes / ss) * ss;
    if (r.skip === 0) {
      if (whole > 0) core.io.write(r.firstSector, src.subarray(0, whole));
      if (whole < r.bytes) {
        // The tail ends inside a sector: keep what lies beyond it (zeros past the end of a file).
        const tmp = scratchSector(ss);
        if (!(pastEnd && r.last)) core.io.read(r.firstSector + whole / ss, tmp);
        else tmp.fill(0, r.bytes - whole);
        tmp.set(src.subarray(whole));
        core.io.write(r.firstSector + whole / ss, tmp);
      }
    } else {
      const span = Math.ceil((r.skip + r.bytes) / ss) * ss;
      const tmp = new Uint8Array(span);
      core.io.read(r.firstSector, tmp.subarray(0, ss));
      if (span > ss && !(pastEnd && r.last)) core.io.read(r.firstSector + span / ss - 1, tmp.subarray(span - ss));
      tmp.set(src, r.skip);
      core.io.write(r.firstSector, tmp);
    }
  }
}

/** Write zeros over `length` bytes at `offset` (gaps left by seeking past the end, or truncate-extend). */
export function zeroClusters(core: VolumeCore, clusters: number[], offset: number, length: number): void {
  const step = 1 << 20;
  const zeros = new Uint8Array(Math.min(step, length));
  for (let pos = 0; pos < length; pos += step) {
    const n = Math.min(step, length - pos);
    writeClusters(core, clusters, offset + pos, n === zeros.length ? zeros : zeros.subarray(0, n));
  }
}
