import { SECTOR_SIZES, type BlockDevice } from './block-device.js';
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

  /**
   * A device of `source` bytes (zeroed), or over `source` (used as is, not copied). Either way the
   * size must be a whole number of sectors; anything else (negative, NaN, fractional, more than
   * memory can hold) is EINVAL.
   */
  constructor(source: Uint8Array | number, options: MemoryDeviceOptions = {}) {
    this.sectorSize = options.sectorSize ?? 512;
    this.readOnly = options.readOnly ?? false;
    if (!(SECTOR_SIZES as readonly number[]).includes(this.sectorSize)) {
      throw new FatError('EINVAL', `sector size ${this.sectorSize} is not 512, 1024, 2048 or 4096`);
    }
    if (typeof source === 'number') this.data = allocate(source, this.sectorSize);
    else if (source instanceof Uint8Array) this.data = source;
    else throw new FatError('EINVAL', 'a memory device is made from a byte count or a Uint8Array');
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
    if (!Number.isSafeInteger(sectors) || sectors < 0) throw new FatError('EINVAL', `cannot grow a memory device to ${sectors} sectors`);
    if (sectors <= this.sectorCount) return;
    const next = allocate(sectors * this.sectorSize, this.sectorSize);
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

/** `bytes` zeroed bytes for a device of `sectorSize`-byte sectors; EINVAL for a size no device can have. */
function allocate(bytes: number, sectorSize: number): Uint8Array {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new FatError('EINVAL', `invalid memory device size ${bytes} (a whole number of bytes, at least 0)`);
  if (bytes % sectorSize !== 0) throw new FatError('EINVAL', `memory device of ${bytes} bytes is not a whole number of ${sectorSize}-byte sectors`);
  try {
    return new Uint8Array(bytes);
  } catch (e) {
    // The engine's limit (4 GiB in Node 20) or the memory at hand: a RangeError either way.
    if (!(e instanceof RangeError)) throw e;
    throw new FatError('EINVAL', `a memory device of ${bytes} bytes cannot be allocated (${e.message})`);
  }
}

/**
 * One empty MemoryDevice kept alive: V8 forgets a class's object layout once a full garbage
 * collection finds none of its objects alive, and drops the optimized code built on it (see
 * SHAPE_KEEPER in dir/dir-handle.ts); programs that make a device per image would pay for it.
 */
export const MEMORY_DEVICE_SHAPE_KEEPER = new MemoryDevice(0);
