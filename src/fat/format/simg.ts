/**
 * Android sparse images (libsparse's format 1.0, what `fastboot flash` and `simg2img` read): a
 * 28-byte file header, then chunks of whole blocks, each with a 12-byte header: RAW (the blocks'
 * bytes follow), FILL (a 4-byte value repeated), DONT_CARE (nothing follows: the blocks are not
 * written). All numbers little-endian; block and chunk counts are 32-bit.
 */
import { FatError } from '../errors.js';
import { put16, put32 } from './bytes.js';

export const SPARSE_MAGIC = 0xed26ff3a;
export const SPARSE_HEADER_SIZE = 28;
export const CHUNK_HEADER_SIZE = 12;
export const CHUNK_RAW = 0xcac1;
export const CHUNK_FILL = 0xcac2;
export const CHUNK_DONT_CARE = 0xcac3;
const MAX_U32 = 0xffffffff;

/** The file header (image checksum 0: unused, as img2simg writes it). */
export function sparseHeader(blockSize: number, totalBlocks: number, totalChunks: number): Uint8Array {
  if (totalBlocks > MAX_U32) throw new FatError('EFBIG', `a sparse image holds at most ${MAX_U32} blocks; this one needs ${totalBlocks} of ${blockSize} bytes`);
  const h = new Uint8Array(SPARSE_HEADER_SIZE);
  put32(h, 0, SPARSE_MAGIC);
  put16(h, 4, 1);
  put16(h, 6, 0);
  put16(h, 8, SPARSE_HEADER_SIZE);
  put16(h, 10, CHUNK_HEADER_SIZE);
  put32(h, 12, blockSize);
  put32(h, 16, totalBlocks);
  put32(h, 20, totalChunks);
  put32(h, 24, 0);
  return h;
}

/** A chunk header: `blocks` blocks, `dataBytes` bytes following it. */
export function chunkHeader(type: number, blocks: number, dataBytes: number): Uint8Array {
  const h = new Uint8Array(CHUNK_HEADER_SIZE);
  put16(h, 0, type);
  put32(h, 4, blocks);
  put32(h, 8, CHUNK_HEADER_SIZE + dataBytes);
  return h;
}

export interface SparseStats {
  chunks: number;
  rawBlocks: number;
  fillBlocks: number;
  dontCareBlocks: number;
  /** Bytes after the file header. */
  bytes: number;
}

/** Blocks read per window: a RAW run is cut at window edges (12 bytes of header per 16 MiB). */
const WINDOW_BLOCKS = 4096;

/**
 * The chunks of a sparse image (everything after its file header) for an image of `blockCount`
 * blocks of which `ranges` (sorted, inclusive) are mapped: unmapped runs as DONT_CARE, mapped
 * blocks whose 32-bit words are all one value as FILL, the rest as RAW. `read(first, count)`
 * returns the bytes of `count` blocks (zeros past the end of the image). `stats` is complete once
 * the generator is done; the file header (sparseHeader) needs its chunk count.
 */
export function* sparseChunks(
  blockSize: number, blockCount: number, ranges: { first: number; last: number }[], read: (first: number, count: number) => Uint8Array, stats: SparseStats,
): Generator<Uint8Array> {
  sparseHeader(blockSize, blockCount, 0); // the size check, before any work
  const emit = (h: Uint8Array, blocks: number, kind: 'raw' | 'fill' | 'dontCare', dataBytes: number): Uint8Array => {
    stats.chunks++;
    stats.bytes += CHUNK_HEADER_SIZE + dataBytes;
    if (kind === 'raw') stats.rawBlocks += blocks;
    else if (kind === 'fill') stats.fillBlocks += blocks;
    else stats.dontCareBlocks += blocks;
    return h;
  };
  let pos = 0;
  for (const r of ranges) {
    if (r.first > pos) yield emit(chunkHeader(CHUNK_DONT_CARE, r.first - pos, 0), r.first - pos, 'dontCare', 0);
    for (let w = r.first; w <= r.last; w += WINDOW_BLOCKS) {
      const count = Math.min(WINDOW_BLOCKS, r.last - w + 1);
      const data = read(w, count);
      const words = new Uint32Array(data.buffer, data.byteOffset, data.length >>> 2);
      const per = blockSize >>> 2;
      const fillOf = (k: number): number | undefined => {
        const v = words[k * per];
        for (let i = k * per + 1; i < (k + 1) * per; i++) if (words[i] !== v) return undefined;
        return v;
      };
      let k = 0;
      while (k < count) {
        const v = fillOf(k);
        let j = k + 1;
        if (v === undefined) {
          while (j < count && fillOf(j) === undefined) j++;
          yield emit(chunkHeader(CHUNK_RAW, j - k, (j - k) * blockSize), j - k, 'raw', (j - k) * blockSize);
          yield data.subarray(k * blockSize, j * blockSize);
        } else {
          while (j < count && fillOf(j) === v) j++;
          const value = new Uint8Array(4);
          put32(value, 0, v);
          yield emit(chunkHeader(CHUNK_FILL, j - k, 4), j - k, 'fill', 4);
          yield value;
        }
        k = j;
      }
    }
    pos = r.last + 1;
  }
  if (blockCount > pos) yield emit(chunkHeader(CHUNK_DONT_CARE, blockCount - pos, 0), blockCount - pos, 'dontCare', 0);
}
