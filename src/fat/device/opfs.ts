import { SECTOR_SIZES, type BlockDevice } from './block-device.js';
import { checkAccess } from './check-access.js';
import { FatError } from '../errors.js';

/**
 * The synchronous methods of an OPFS `FileSystemSyncAccessHandle` (from
 * `fileHandle.createSyncAccessHandle()` in a worker) that the device uses.
 */
export interface SyncAccessHandle {
  read(buffer: Uint8Array, options?: { at?: number }): number;
  write(buffer: Uint8Array, options?: { at?: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

/** The part of a `FileSystemFileHandle` that `OpfsDevice.openFile` needs. */
export interface OpfsFileHandle {
  readonly name: string;
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}

export interface OpfsDeviceOptions {
  /** Bytes per sector, 512 (default), 1024, 2048 or 4096. */
  sectorSize?: number;
  readOnly?: boolean;
  /** A name for messages (the file's). */
  name?: string;
}

/**
 * A read-write device over a file in the origin private file system, through its synchronous
 * access handle (workers only): positional reads and writes, `truncate` to size or resize it,
 * `flush` to make writes durable. Closing the device closes the handle, which releases the
 * file's lock.
 */
export class OpfsDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly readOnly: boolean;
  readonly name: string;
  closed = false;
  private readonly handle: SyncAccessHandle;
  private sectors: number;

  private constructor(handle: SyncAccessHandle, sectors: number, sectorSize: number, readOnly: boolean, name: string) {
    this.handle = handle;
    this.sectors = sectors;
    this.sectorSize = sectorSize;
    this.readOnly = readOnly;
    this.name = name;
  }

  /** A device over the file as it is (a trailing partial sector is ignored). */
  static open(handle: SyncAccessHandle, options: OpfsDeviceOptions = {}): OpfsDevice {
    const ss = sectorSizeOf(options);
    const name = options.name ?? 'the OPFS file';
    const size = call(() => handle.getSize(), `cannot get the size of ${name}`);
    if (size < ss) throw new FatError('FAT_NOT_FAT', `not a FAT image: ${name} is ${size} bytes, smaller than one ${ss}-byte sector`);
    return new OpfsDevice(handle, Math.floor(size / ss), ss, options.readOnly ?? false, name);
  }

  /** A device of exactly `bytes` bytes: the file is truncated or extended (with zeros) to that. */
  static create(handle: SyncAccessHandle, bytes: number, options: OpfsDeviceOptions = {}): OpfsDevice {
    const ss = sectorSizeOf(options);
    const name = options.name ?? 'the OPFS file';
    if (options.readOnly) throw new FatError('EINVAL', 'cannot create a read-only image');
    if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes % ss !== 0) {
      throw new FatError('EINVAL', `image size ${bytes} is not a whole number of ${ss}-byte sectors`);
    }
    call(() => handle.truncate(bytes), `cannot set the size of ${name} to ${bytes} bytes`);
    return new OpfsDevice(handle, bytes / ss, ss, false, name);
  }

  /** Open `file`'s synchronous access handle (exclusive until closed) and a device over it. */
  static async openFile(file: OpfsFileHandle, options: OpfsDeviceOptions & { create?: number } = {}): Promise<OpfsDevice> {
    let handle: SyncAccessHandle;
    try {
      handle = await file.createSyncAccessHandle();
    } catch (e) {
      const busy = e instanceof Error && e.name === 'NoModificationAllowedError';
      throw new FatError(busy ? 'EBUSY' : 'EIO', `cannot open ${file.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const named = { ...options, name: options.name ?? file.name };
    try {
      return options.create === undefined ? OpfsDevice.open(handle, named) : OpfsDevice.create(handle, options.create, named);
    } catch (e) {
      handle.close();
      throw e;
    }
  }

  get sectorCount(): number {
    return this.sectors;
  }

  read(lba: number, into: Uint8Array): void {
    checkAccess(this, lba, into, false);
    const at = lba * this.sectorSize;
    let done = 0;
    while (done < into.length) {
      const n = call(() => this.handle.read(into.subarray(done), { at: at + done }), `read error at byte ${at + done} of ${this.name}`, lba);
      if (n <= 0) throw new FatError('EIO', `unexpected end of ${this.name} at byte ${at + done}: the file shrank while open`, { sector: lba });
      done += n;
    }
  }

  write(lba: number, data: Uint8Array): void {
    checkAccess(this, lba, data, true);
    const at = lba * this.sectorSize;
    let done = 0;
    while (done < data.length) {
      const n = call(() => this.handle.write(data.subarray(done), { at: at + done }), `write error at byte ${at + done} of ${this.name}`, lba);
      if (n <= 0) throw new FatError('EIO', `write error at byte ${at + done} of ${this.name}: nothing written (quota?)`, { sector: lba });
      done += n;
    }
  }

  /** Grow (with zeros) or shrink the file to `sectors` sectors. */
  resize(sectors: number): void {
    if (this.closed) throw new FatError('EBADF', 'device is closed');
    if (this.readOnly) throw new FatError('EROFS', 'device is read-only');
    if (!Number.isSafeInteger(sectors) || sectors < 0) throw new FatError('EINVAL', `invalid sector count ${sectors}`);
    call(() => this.handle.truncate(sectors * this.sectorSize), `cannot resize ${this.name} to ${sectors} sectors`);
    this.sectors = sectors;
  }

  flush(): void {
    if (this.closed) throw new FatError('EBADF', 'device is closed');
    if (this.readOnly) return;
    call(() => this.handle.flush(), `cannot flush ${this.name}`);
  }

  /** Closes the access handle (flushing first when writable); a second close does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.readOnly) this.handle.flush();
    } finally {
      this.handle.close();
    }
  }
}

function sectorSizeOf(options: OpfsDeviceOptions): number {
  const ss = options.sectorSize ?? 512;
  if (!(SECTOR_SIZES as readonly number[]).includes(ss)) throw new FatError('EINVAL', `sector size ${ss} is not 512, 1024, 2048 or 4096`);
  return ss;
}

/** Run a handle call; a DOMException (quota, an invalidated handle) becomes a one-line EIO. */
function call<T>(fn: () => T, what: string, sector?: number): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FatError) throw e;
    const quota = e instanceof Error && e.name === 'QuotaExceededError';
    throw new FatError(quota ? 'ENOSPC' : 'EIO', `${what}: ${e instanceof Error ? e.message : String(e)}`, sector === undefined ? { cause: e } : { sector, cause: e });
  }
}
