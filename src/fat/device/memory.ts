import type { BlockDevice } from './block-device.js';
import { checkAccess } from './check-access.js';
import { FatError } from '../errors.js';

export interface MemoryDeviceOptions {
  sectorSize?: number;
  readOnly?: boolean;
}

/** A device over a byte array in memory; `grow` extends it (used while building images). */
export class MemoryDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly readOnly: boolean;
  private data: Uint8Array;
  closed = false;

  /** `source` is used as is (not copied); its length must be a whole number of sectors. */
  constructor(source: Uint8Array | number, options: MemoryDeviceOptions = {}) {
    this.sectorSize = options.sectorSize ?? 512;
    this.readOnly = options.readOnly ?? false;
    if (![512, 1024, 2048, 4096].includes(this.sectorSize)) {
      throw new FatError('EINVAL', `sector size ${this.sectorSize} is not 512, 1024, 2048 or 4096`);
    }
    this.data = typeof source === 'number' ? new Uint8Array(source) : source;
    if (this.data.length % this.sectorSize !== 0) {
      throw new FatError('EINVAL', `memory device of ${this.data.length} bytes is not a whole number of ${this.sectorSize}-byte sectors`);
    }
  }

  get sectorCount(): number {
    return this.data.length / this.sectorSize;
  }

  /** The device's bytes (no copy). */
  get bytes(): Uint8Array {
    return this.data;
  }

  read(lba: number, into: Uint8Array): void {
    checkAccess(this, lba, into, false);
    const off = lba * this.sectorSize;
    into.set(this.data.subarray(off, off + into.length));
  }

  write(lba: number, data: Uint8Array): void {
    checkAccess(this, lba, data, true);
    this.data.set(data, lba * this.sectorSize);
  }

  /** Grow (never shrink) to `sectors` sectors, zero-filled. */
  grow(sectors: number): void {
    if (sectors <= this.sectorCount) return;
    const next = new Uint8Array(sectors * this.sectorSize);
    next.set(this.data);
    this.data = next;
  }

  flush(): void {
    if (this.closed) throw new FatError('EBADF', 'device is closed');
  }

  close(): void {
    this.closed = true;
  }
}
