/**
 * A device that stops persisting after its k-th write: writes 1..k reach the image (the k-th
 * possibly torn: only its first sector), later ones are accepted and dropped, as when power fails
 * with a write cache that never reached the disk. Reads see what was persisted plus what was
 * dropped (the volume's own view), so the operation runs exactly as it would without the crash.
 */
import { MemoryDevice, type BlockDevice } from '../../src/index.js';

export interface CrashDeviceOptions {
  /** Writes that persist (Infinity: all of them). */
  persist: number;
  /** Persist only the first sector of write number `persist`. */
  tear?: boolean;
}

export class CrashDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly readOnly = false;
  /** Write calls seen so far. */
  writes = 0;
  /** The bytes that reached the "disk". */
  readonly disk: Uint8Array;
  private readonly view: MemoryDevice;

  constructor(image: Uint8Array, private readonly options: CrashDeviceOptions, sectorSize = 512) {
    this.sectorSize = sectorSize;
    this.disk = image.slice();
    this.view = new MemoryDevice(image.slice(), { sectorSize });
  }

  get sectorCount(): number {
    return this.view.sectorCount;
  }

  read(lba: number, into: Uint8Array): void {
    this.view.read(lba, into);
  }

  write(lba: number, data: Uint8Array): void {
    this.view.write(lba, data);
    this.writes++;
    const n = this.writes;
    if (n > this.options.persist) return;
    const torn = this.options.tear && n === this.options.persist;
    const bytes = torn ? data.subarray(0, this.sectorSize) : data;
    this.disk.set(bytes, lba * this.sectorSize);
  }

  flush(): void {}

  close(): void {}
}
