import { SECTOR_SIZES, type BlockDevice } from './block-device.js';
import { checkAccess } from './check-access.js';
import { FatError } from '../errors.js';

export interface BlobDeviceOptions {
  /** Bytes per sector, 512 (default), 1024, 2048 or 4096. */
  sectorSize?: number;
  /**
   * Reads a blob's bytes synchronously. Default: `new FileReaderSync().readAsArrayBuffer`, which
   * browsers offer in workers only (not on a page's main thread).
   */
  readSync?: (blob: Blob) => ArrayBuffer;
}

interface FileReaderSyncLike {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}

/**
 * A read-only device over a `Blob` or `File` (a picked or dropped image) for workers: each read
 * slices the blob and reads just that range with `FileReaderSync`, so a multi-gigabyte image is
 * never loaded whole. A trailing partial sector is ignored, as on files.
 */
export class BlobDevice implements BlockDevice {
  readonly blob: Blob;
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly = true;
  closed = false;
  private readonly readSync: (blob: Blob) => ArrayBuffer;

  constructor(blob: Blob, options: BlobDeviceOptions = {}) {
    this.sectorSize = options.sectorSize ?? 512;
    if (!(SECTOR_SIZES as readonly number[]).includes(this.sectorSize)) {
      throw new FatError('EINVAL', `sector size ${this.sectorSize} is not 512, 1024, 2048 or 4096`);
    }
    if (typeof Blob === 'undefined' || !(blob instanceof Blob)) throw new FatError('EINVAL', 'a blob device is made from a Blob or File');
    if (blob.size < this.sectorSize) {
      throw new FatError('FAT_NOT_FAT', `not a FAT image: ${nameOf(blob)} is ${blob.size} bytes, smaller than one ${this.sectorSize}-byte sector`);
    }
    this.blob = blob;
    this.sectorCount = Math.floor(blob.size / this.sectorSize);
    this.readSync = options.readSync ?? defaultReader();
  }

  read(lba: number, into: Uint8Array): void {
    checkAccess(this, lba, into, false);
    const start = lba * this.sectorSize;
    let bytes: ArrayBuffer;
    try {
      bytes = this.readSync(this.blob.slice(start, start + into.length));
    } catch (e) {
      // A File changed or removed since it was picked is NotReadableError; anything else as well.
      throw new FatError('EIO', `cannot read ${nameOf(this.blob)} at byte ${start}: ${e instanceof Error ? e.message : String(e)}`, { sector: lba, cause: e });
    }
    if (bytes.byteLength !== into.length) {
      throw new FatError('EIO', `short read of ${nameOf(this.blob)} at byte ${start}: ${bytes.byteLength} of ${into.length} bytes`, { sector: lba });
    }
    into.set(new Uint8Array(bytes));
  }

  write(lba: number, data: Uint8Array): void {
    checkAccess(this, lba, data, true); // throws: EBADF when closed, else EROFS
  }

  flush(): void {
    if (this.closed) throw new FatError('EBADF', 'device is closed');
  }

  close(): void {
    this.closed = true;
  }
}

function defaultReader(): (blob: Blob) => ArrayBuffer {
  const Reader = (globalThis as { FileReaderSync?: new () => FileReaderSyncLike }).FileReaderSync;
  if (Reader === undefined) {
    throw new FatError('FAT_UNSUPPORTED', 'a blob device reads with FileReaderSync, which only workers have: open it in a worker, or pass readSync');
  }
  const reader = new Reader();
  return (blob) => reader.readAsArrayBuffer(blob);
}

function nameOf(blob: Blob): string {
  const name = (blob as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : 'the blob';
}
