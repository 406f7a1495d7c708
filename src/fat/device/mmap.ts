import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type { BlockDevice } from './block-device.js';
import { checkAccess } from './check-access.js';
import { checkSectorSize, openImageFile, readFully, writeFully } from './file.js';
import { FatError } from '../errors.js';

export interface MmapDeviceOptions {
  readOnly?: boolean;
  /** Bytes per sector, 512 (default), 1024, 2048 or 4096. */
  sectorSize?: number;
  /** Bytes per mapped window (default 64 MiB, at most 1 GiB), rounded up to whole pages. */
  windowBytes?: number;
}

/** The part of mmap-io 1.1.7 this backend uses. */
interface MmapIo {
  map(size: number, protection: number, flags: number, fd: number, offset: number): Buffer;
  sync(buf: Buffer, offset: number, size: number, blocking: boolean, invalidate: boolean): void;
  readonly PROT_READ: number;
  readonly PROT_WRITE: number;
  readonly MAP_SHARED: number;
  readonly PAGESIZE: number;
}

let mmapIo: MmapIo | null | undefined;
let loadFailure = '';

function loadMmapIo(): MmapIo | undefined {
  if (mmapIo === undefined) {
    try {
      mmapIo = createRequire(import.meta.url)('mmap-io') as MmapIo;
    } catch (e) {
      mmapIo = null;
      loadFailure = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    }
  }
  return mmapIo ?? undefined;
}

/** True when the optional native dependency mmap-io loads. */
export function mmapAvailable(): boolean {
  return loadMmapIo() !== undefined;
}

/** Why mmap-io did not load (first line of the loader's error), or undefined when it did. */
export function mmapUnavailableReason(): string | undefined {
  return loadMmapIo() === undefined ? loadFailure : undefined;
}

/**
 * mmap-io 1.1.7 passes `offset` and `size` through a C `int` (ozra/mmap-io#31): an offset of
 * 4.5 GiB silently maps 0.5 GiB, offsets in 2..4 GiB fail. Windows therefore only start below 2^31;
 * bytes past the last such window are read and written with positional I/O on the same descriptor
 * (the page cache keeps both views coherent).
 */
const MMAP_OFFSET_LIMIT = 2 ** 31;
const DEFAULT_WINDOW = 64 * 2 ** 20;
const MAX_WINDOW = 2 ** 30;
const MAX_WINDOWS = 4;

interface Window {
  start: number;
  buf: Buffer;
  dirty: boolean;
}

/** A device over a memory-mapped image file, mapped in windows kept in a small LRU. */
export class MmapDevice implements BlockDevice {
  readonly path: string;
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly: boolean;
  /** Bytes per window, a whole number of pages and sectors. */
  readonly windowBytes: number;
  /** Bytes from the start of the image that are served by mappings; the rest by positional I/O. */
  readonly mappedBytes: number;
  closed = false;
  private readonly io: MmapIo;
  private readonly fd: number;
  private readonly windows = new Map<number, Window>();
  /** Writes not covered by a live window's msync: evicted dirty windows and positional writes. */
  private unsyncedElsewhere = false;

  private constructor(io: MmapIo, path: string, fd: number, sectorSize: number, sectorCount: number, readOnly: boolean, windowBytes: number) {
    this.io = io;
    this.path = path;
    this.fd = fd;
    this.sectorSize = sectorSize;
    this.sectorCount = sectorCount;
    this.readOnly = readOnly;
    this.windowBytes = windowBytes;
    const mappableWindows = Math.ceil(MMAP_OFFSET_LIMIT / windowBytes);
    this.mappedBytes = Math.min(sectorCount * sectorSize, mappableWindows * windowBytes);
  }

  /** Map an existing image; a trailing partial sector is ignored. */
  static open(path: string, options: MmapDeviceOptions = {}): MmapDevice {
    const io = loadMmapIo();
    if (io === undefined) {
      throw new FatError('FAT_UNSUPPORTED', `mmap backend unavailable: the optional dependency mmap-io is not installed or failed to build (reinstall with CXXFLAGS=-std=c++17 npm rebuild mmap-io)`, { path });
    }
    const sectorSize = checkSectorSize(options.sectorSize);
    const windowBytes = windowSize(options.windowBytes, Math.max(io.PAGESIZE, sectorSize));
    const readOnly = options.readOnly ?? false;
    const { fd, sectors } = openImageFile(path, readOnly, sectorSize);
    return new MmapDevice(io, path, fd, sectorSize, sectors, readOnly, windowBytes);
  }

  read(lba: number, into: Uint8Array): void {
    checkAccess(this, lba, into, false);
    this.transfer(lba * this.sectorSize, into, false);
  }

  write(lba: number, data: Uint8Array): void {
    checkAccess(this, lba, data, true);
    this.transfer(lba * this.sectorSize, data, true);
  }

  flush(): void {
    if (this.closed) throw new FatError('EBADF', 'device is closed', { path: this.path });
    if (this.readOnly) return;
    try {
      for (const w of this.windows.values()) {
        if (!w.dirty) continue;
        this.io.sync(w.buf, 0, w.buf.length, true, false);
        w.dirty = false;
      }
      if (this.unsyncedElsewhere) {
        fs.fdatasyncSync(this.fd);
        this.unsyncedElsewhere = false;
      }
    } catch (e) {
      throw new FatError('EIO', `cannot flush ${this.path}: ${oneLine(e)}`, { path: this.path, cause: e });
    }
  }

  /** Drops the windows (the mappings go when their Buffers are collected) and closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.windows.clear();
    fs.closeSync(this.fd);
  }

  /** Copy between `buf` and the image at byte `pos`, window by window. */
  private transfer(pos: number, buf: Uint8Array, writing: boolean): void {
    let done = 0;
    while (done < buf.length) {
      const at = pos + done;
      if (at >= this.mappedBytes) {
        const rest = buf.length - done;
        if (writing) {
          writeFully(this.fd, buf, done, rest, at, this.path);
          this.unsyncedElsewhere = true;
        } else {
          readFully(this.fd, buf, done, rest, at, this.path);
        }
        return;
      }
      const w = this.window(Math.floor(at / this.windowBytes));
      const off = at - w.start;
      const n = Math.min(buf.length - done, w.buf.length - off);
      if (writing) {
        w.buf.set(buf.subarray(done, done + n), off);
        w.dirty = true;
      } else {
        buf.set(w.buf.subarray(off, off + n), done);
      }
      done += n;
    }
  }

  /** The window with this index, mapped on demand; the least recently used one is dropped. */
  private window(index: number): Window {
    const hit = this.windows.get(index);
    if (hit !== undefined) {
      this.windows.delete(index);
      this.windows.set(index, hit);
      return hit;
    }
    if (this.windows.size >= MAX_WINDOWS) {
      const [oldest, w] = this.windows.entries().next().value as [number, Window];
      if (w.dirty) this.unsyncedElsewhere = true;
      this.windows.delete(oldest);
    }
    const start = index * this.windowBytes;
    const length = Math.min(this.windowBytes, this.mappedBytes - start);
    if (start >= MMAP_OFFSET_LIMIT) throw new Error(`internal: window at ${start} is beyond what mmap-io can map`);
    const prot = this.readOnly ? this.io.PROT_READ : this.io.PROT_READ | this.io.PROT_WRITE;
    let buf: Buffer;
    try {
      buf = this.io.map(length, prot, this.io.MAP_SHARED, this.fd, start);
    } catch (e) {
      throw new FatError('EIO', `cannot map bytes ${start}..${start + length - 1} of ${this.path}: ${oneLine(e)}`, { path: this.path, cause: e });
    }
    const w: Window = { start, buf, dirty: false };
    this.windows.set(index, w);
    return w;
  }
}

function windowSize(requested: number | undefined, granule: number): number {
  const want = requested ?? DEFAULT_WINDOW;
  if (!Number.isSafeInteger(want) || want <= 0 || want > MAX_WINDOW) {
    throw new FatError('EINVAL', `mmap window of ${want} bytes is not between 1 byte and 1 GiB`);
  }
  return Math.ceil(want / granule) * granule;
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
