/**
 * Flash-ready outputs of an image file (Node): a bmaptool block map (`bmapOf`, `writeBmapFile`)
 * and an Android sparse image (`writeSparseImage`), both from the library's map of the blocks an
 * image uses (imageBlockMap). Outputs are written to `.OUT.tmp-PID-XXX` beside OUT and renamed
 * into place, as images are, so an interrupted run never leaves half a file at OUT.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { FileDevice } from '../fat/device/file.js';
import { FatError } from '../fat/errors.js';
import { imageBlockMap, type ImageBlockMap } from '../fat/volume/used-blocks.js';
import { renderBmap, type BmapRange } from '../fat/format/bmap.js';
import { SPARSE_HEADER_SIZE, sparseChunks, sparseHeader, type SparseStats } from '../fat/format/simg.js';
import { removeStaleTemps } from './image-file.js';
import { tempImageName } from './temp-name.js';

export interface FlashOptions {
  /** The FAT volume starts at this byte offset of the image (no partition table). */
  offset?: number;
  /** Block size (default 4096). */
  blockSize?: number;
}

/** The block map of an image file (see imageBlockMap). */
export function imageFileBlockMap(image: string, options: FlashOptions = {}): ImageBlockMap {
  return withImage(image, (dev, size) => imageBlockMap(dev, { imageBytes: size, ...options }));
}

function withImage<T>(image: string, fn: (dev: FileDevice, size: number, fd: number) => T): T {
  const dev = FileDevice.open(image, { readOnly: true, sectorSize: 512 });
  try {
    const fd = fs.openSync(image, 'r');
    try {
      return fn(dev, fs.fstatSync(fd).size, fd);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    dev.close();
  }
}

/** Read `length` bytes at `pos` (zeros past the end of the file). */
function readAt(fd: number, pos: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let off = 0;
  while (off < length) {
    const n = fs.readSync(fd, buf, off, length - off, pos + off);
    if (n === 0) break;
    off += n;
  }
  return buf;
}

/** node:crypto, loaded on first use: reading or building an image should not pay for it (test/cli/startup.test.ts). */
let crypto: typeof import('node:crypto') | undefined;
const createHash = (algorithm: string): import('node:crypto').Hash => (crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')).createHash(algorithm);
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The bmap file's text for an image file, and the map it describes. */
export function bmapOf(image: string, options: FlashOptions = {}): { text: string; map: ImageBlockMap } {
  return withImage(image, (dev, size, fd) => {
    const map = imageBlockMap(dev, { imageBytes: size, ...options });
    const B = map.blockSize;
    const ranges: BmapRange[] = map.ranges.map((r) => {
      const h = createHash('sha256');
      const end = Math.min(size, (r.last + 1) * B);
      for (let pos = r.first * B; pos < end; pos += 1 << 20) h.update(readAt(fd, pos, Math.min(1 << 20, end - pos)));
      return { ...r, sha256: h.digest('hex') };
    });
    const text = renderBmap({ imageBytes: size, blockSize: B, blockCount: map.blockCount, ranges }, sha256);
    return { text, map };
  });
}

/** Write the bmap of `image` to `out` (atomically); returns its map. */
export function writeBmapFile(image: string, out: string, options: FlashOptions = {}): ImageBlockMap {
  refuseSame(image, out);
  const { text, map } = bmapOf(image, options);
  writeAtomically(out, (fd) => writeAll(fd, new TextEncoder().encode(text), 0));
  return map;
}

export interface SparseResult extends SparseStats {
  map: ImageBlockMap;
  /** The sparse file's size in bytes. */
  outputBytes: number;
}

/**
 * Write an Android sparse image of `image` to `out` (atomically): free clusters (and other blocks
 * imageBlockMap leaves out) as DONT_CARE, uniform blocks as FILL, the rest RAW. An image that is
 * not a whole number of blocks is padded with zeros to the next block. EFBIG when it needs more
 * than 2^32 - 1 blocks.
 */
export function writeSparseImage(image: string, out: string, options: FlashOptions = {}): SparseResult {
  refuseSame(image, out);
  const B = options.blockSize ?? 4096;
  const size = fs.statSync(image).size;
  sparseHeader(B, Math.ceil(size / B), 0); // too many blocks: fail before reading anything
  return withImage(image, (dev, bytes, fd) => {
    const map = imageBlockMap(dev, { imageBytes: bytes, ...options });
    const stats: SparseStats = { chunks: 0, rawBlocks: 0, fillBlocks: 0, dontCareBlocks: 0, bytes: 0 };
    writeAtomically(out, (outFd) => {
      let pos = SPARSE_HEADER_SIZE;
      for (const piece of sparseChunks(B, map.blockCount, map.ranges, (first, count) => readAt(fd, first * B, count * B), stats)) {
        writeAll(outFd, piece, pos);
        pos += piece.length;
      }
      writeAll(outFd, sparseHeader(B, map.blockCount, stats.chunks), 0);
    });
    return { ...stats, map, outputBytes: SPARSE_HEADER_SIZE + stats.bytes };
  });
}

function writeAll(fd: number, data: Uint8Array, pos: number): void {
  for (let off = 0; off < data.length;) off += fs.writeSync(fd, data, off, data.length - off, pos + off);
}

/** OUT must not be the image itself (it would be replaced by what is read from it). */
function refuseSame(image: string, out: string): void {
  const real = (p: string): string | undefined => {
    try {
      return fs.realpathSync(p);
    } catch {
      return undefined;
    }
  };
  const a = real(image);
  if (a !== undefined && a === real(out)) throw new FatError('EINVAL', `the output ${out} is the image itself`, { path: out });
}

/** Fill a temporary file beside `out`, then rename it over `out`; on failure remove it. */
export function writeAtomically(out: string, fill: (fd: number) => void): void {
  removeStaleTemps(out);
  const tmp = path.join(path.dirname(path.resolve(out)), tempImageName(path.basename(out)));
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'wx', 0o666);
  } catch (e) {
    // Name OUT, not the temporary file the user never asked for.
    if (e && typeof e === 'object' && 'path' in e) (e as NodeJS.ErrnoException).path = out;
    throw e;
  }
  try {
    try {
      fill(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, out);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
