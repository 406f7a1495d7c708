/**
 * Devices for crash tests on images too large to copy per run (a FAT32 whose FATs end past sector
 * 65535 is over a GiB): an overlay keeps the sectors written over a shared base, and a crash device
 * built of two overlays (what the volume sees, what reached the "disk") stops persisting after its
 * k-th write, as CrashDevice does.
 */
import type { BlockDevice } from '../../src/index.js';

export class OverlayDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly sectorCount: number;
  /** The sectors written over the base. */
  readonly sectors = new Map<number, Uint8Array>();

  constructor(private readonly base: BlockDevice, readonly readOnly = false, sectorCount?: number) {
    this.sectorSize = base.sectorSize;
    this.sectorCount = sectorCount ?? base.sectorCount;
  }

  read(lba: number, into: Uint8Array): void {
    const ss = this.sectorSize;
    const n = into.length / ss;
    if (lba + n > this.sectorCount) throw new RangeError(`read past the end: ${lba}+${n}`);
    this.base.read(lba, into);
    if (this.sectors.size < n) {
      for (const [s, b] of this.sectors) if (s >= lba && s < lba + n) into.set(b, (s - lba) * ss);
    } else {
      for (let i = 0; i < n; i++) {
        const b = this.sectors.get(lba + i);
        if (b !== undefined) into.set(b, i * ss);
      }
    }
  }

  write(lba: number, data: Uint8Array): void {
    if (this.readOnly) throw new Error('read-only overlay');
    const ss = this.sectorSize;
    if (lba + data.length / ss > this.sectorCount) throw new RangeError(`write past the end: ${lba}`);
    for (let i = 0; i < data.length / ss; i++) this.sectors.set(lba + i, data.slice(i * ss, (i + 1) * ss));
  }

  flush(): void {}

  close(): void {}
}

/** CrashDevice over a shared base: writes 1..persist reach `disk` (the last one torn to its first sector with `tear`). */
export class OverlayCrashDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly readOnly = false;
  writes = 0;
  readonly disk: OverlayDevice;
  private readonly view: OverlayDevice;

  constructor(base: BlockDevice, private readonly options: { persist: number; tear?: boolean }) {
    this.sectorSize = base.sectorSize;
    this.disk = new OverlayDevice(base);
    this.view = new OverlayDevice(base);
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
    const torn = this.options.tear === true && n === this.options.persist;
    this.disk.write(lba, torn ? data.subarray(0, this.sectorSize) : data);
  }

  flush(): void {}

  close(): void {}
}
