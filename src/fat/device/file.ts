import * as fs from 'node:fs';
import type { BlockDevice } from './block-device.js';
import { SECTOR_SIZES } from './block-device.js';
import { checkAccess } from './check-access.js';
import { FatError } from '../errors.js';

export interface FileDeviceOptions {
  readOnly?: boolean;
  /** Bytes per sector, 512 (default), 1024, 2048 or 4096. */
  sectorSize?: number;
}

/** Largest single readSync/writeSync call (Node refuses more than 2^31-1 bytes per call). */
const MAX_IO = 1 << 30;

/** A device over an image file: positional synchronous I/O, so offsets beyond 4 GiB just work. */
export class FileDevice implements BlockDevice {
  readonly path: string;
  readonly sectorSize: number;
  readonly readOnly: boolean;
  closed = false;
  private fd: number;
  private sectors: number;

  private constructor(path: string, fd: number, sectorSize: number, sectors: number, readOnly: boolean) {
    this.path = path;
    this.fd = fd;
    this.sectorSize = sectorSize;
    this.sectors = sectors;
    this.readOnly = readOnly;
  }

  /** Open an existing image; a trailing partial sector is ignored. */
  static open(path: string, options: FileDeviceOptions = {}): FileDevice {
    const sectorSize = checkSectorSize(options.sectorSize);
    const readOnly = options.readOnly ?? false;
    const { fd, sectors } = openImageFile(path, readOnly, sectorSize);
    return new FileDevice(path, fd, sectorSize, sectors, readOnly);
  }

  /**
   * Create a sparse image of exactly `bytes` bytes (a whole number of sectors). An existing file is
   * truncated, unless `exclusive` is set: then it is an EEXIST error.
   */
  static create(path: string, bytes: number, options: FileDeviceOptions & { exclusive?: boolean } = {}): FileDevice {
    const sectorSize = checkSectorSize(options.sectorSize);
    if (options.readOnly) throw new FatError('EINVAL', 'cannot create a read-only image', { path });
    if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes % sectorSize !== 0) {
      throw new FatError('EINVAL', `image size ${bytes} is not a whole number of ${sectorSize}-byte sectors`, { path });
    }
    const fd = openFile(path, options.exclusive ? 'wx+' : 'w+');
    try {
      fs.ftruncateSync(fd, bytes);
    } catch (e) {
      fs.closeSync(fd);
      throw hostError(e, `cannot set the size of ${path} to ${bytes} bytes`, path);
    }
    return new FileDevice(path, fd, sectorSize, bytes / sectorSize, false);
  }

  get sectorCount(): number {
    return this.sectors;
  }

  read(lba: number, into: Uint8Array): void {
    checkAccess(this, lba, into, false);
    readFully(this.fd, into, 0, into.length, lba * this.sectorSize, this.path);
  }

  write(lba: number, data: Uint8Array): void {
    checkAccess(this, lba, data, true);
    writeFully(this.fd, data, 0, data.length, lba * this.sectorSize, this.path);
  }

  /** Grow or shrink the image to `sectors` sectors (sparse when growing). */
  resize(sectors: number): void {
    this.checkOpen();
    if (this.readOnly) throw new FatError('EROFS', 'device is read-only', { path: this.path });
    if (!Number.isSafeInteger(sectors) || sectors < 0) throw new FatError('EINVAL', `invalid sector count ${sectors}`);
    try {
      fs.ftruncateSync(this.fd, sectors * this.sectorSize);
    } catch (e) {
      throw hostError(e, `cannot resize ${this.path} to ${sectors} sectors`, this.path);
    }
    this.sectors = sectors;
  }

  flush(): void {
    this.checkOpen();
    if (this.readOnly) return;
    try {
      fs.fdatasyncSync(this.fd);
    } catch (e) {
      throw hostError(e, `cannot flush ${this.path}`, this.path, 'EIO');
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  private checkOpen(): void {
    if (this.closed) throw new FatError('EBADF', 'device is closed', { path: this.path });
  }
}

export function checkSectorSize(size: number | undefined): number {
  const s = size ?? 512;
  if (!(SECTOR_SIZES as readonly number[]).includes(s)) {
    throw new FatError('EINVAL', `sector size ${s} is not 512, 1024, 2048 or 4096`);
  }
  return s;
}

/** openSync with one-line messages: missing files and directories become FatErrors. */
export function openFile(path: string, flags: string): number {
  try {
    // A FIFO would block the open until a writer comes: refuse what is not a file before opening.
    const st = fs.statSync(path, { throwIfNoEntry: false });
    if (st && !st.isFile() && !st.isDirectory()) throw new FatError('FAT_UNSUPPORTED', `cannot open ${path}: ${specialKindOf(st)}, not a regular file`, { path });
    return fs.openSync(path, flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FatError('ENOENT', `cannot open ${path}: no such file or directory`, { path, cause: e });
    if (code === 'EISDIR') throw new FatError('EISDIR', `cannot open ${path}: it is a directory`, { path, cause: e });
    if (code === 'EEXIST') throw new FatError('EEXIST', `cannot create ${path}: the file exists`, { path, cause: e });
    throw e;
  }
}

/** What a special file is, for a message. */
function specialKindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isBlockDevice()) return 'a block device (not supported)';
  if (st.isCharacterDevice()) return 'a character device';
  return 'a special file';
}

/** The size of an open regular file; directories and devices are refused. */
export function regularFileSize(path: string, fd: number): number {
  const st = fs.fstatSync(fd);
  if (st.isDirectory()) throw new FatError('EISDIR', `cannot open ${path}: it is a directory`, { path });
  if (!st.isFile()) throw new FatError('FAT_UNSUPPORTED', `cannot open ${path}: ${specialKindOf(st)}, not a regular file`, { path });
  return st.size;
}

/**
 * Open an existing image for a device: a regular file of at least one sector. Returns the
 * descriptor and the whole sectors it holds (a trailing partial sector is ignored); closes the
 * descriptor when it refuses the file.
 */
export function openImageFile(path: string, readOnly: boolean, sectorSize: number): { fd: number; sectors: number } {
  const fd = openFile(path, readOnly ? 'r' : 'r+');
  try {
    const size = regularFileSize(path, fd);
    if (size < sectorSize) {
      throw new FatError('FAT_NOT_FAT', `not a FAT image: ${path} is ${size} bytes, smaller than one ${sectorSize}-byte sector`, { path });
    }
    return { fd, sectors: Math.floor(size / sectorSize) };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** Read `length` bytes at file position `position` into `buf[offset..]`, looping over short reads. */
export function readFully(fd: number, buf: Uint8Array, offset: number, length: number, position: number, path: string): void {
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, offset + done, Math.min(length - done, MAX_IO), position + done);
    } catch (e) {
      throw hostError(e, `read error at byte ${position + done} of ${path}`, path, 'EIO');
    }
    if (n === 0) {
      throw new FatError('EIO', `unexpected end of ${path} at byte ${position + done}: the file shrank while open`, { path });
    }
    done += n;
  }
}

/** Write `length` bytes of `buf[offset..]` at file position `position`, looping over short writes. */
export function writeFully(fd: number, buf: Uint8Array, offset: number, length: number, position: number, path: string): void {
  let done = 0;
  while (done < length) {
    try {
      done += fs.writeSync(fd, buf, offset + done, Math.min(length - done, MAX_IO), position + done);
    } catch (e) {
      throw hostError(e, `write error at byte ${position + done} of ${path}`, path, 'EIO');
    }
  }
}

/** Wrap a host error from I/O on an open image; keeps the host code in the message. */
export function hostError(e: unknown, what: string, path: string, code?: 'EIO'): Error {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOSPC') return new FatError('ENOSPC', `${what}: no space left on the host device`, { path, cause: e });
  if (err.code === 'EFBIG') return new FatError('EFBIG', `${what}: file too large for the host file system`, { path, cause: e });
  if (code === undefined) return e instanceof Error ? e : new Error(String(e));
  return new FatError(code, `${what}: ${err.code ?? err.message}`, { path, cause: e });
}
