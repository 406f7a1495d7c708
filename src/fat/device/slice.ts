import type { BlockDevice } from './block-device.js';
import { checkAccess } from './check-access.js';
import { FatError } from '../errors.js';

export interface SliceDeviceOptions {
  /** Close `base` when the slice is closed (default false). */
  ownsBase?: boolean;
  /** Refuse writes even when `base` accepts them. */
  readOnly?: boolean;
}

/** A window of `sectorCount` sectors of another device, starting at `startLba`: a partition or an offset. */
export class SliceDevice implements BlockDevice {
  readonly base: BlockDevice;
  readonly startLba: number;
  readonly sectorCount: number;
  readonly sectorSize: number;
  readonly readOnly: boolean;
  closed = false;
  private readonly ownsBase: boolean;

  constructor(base: BlockDevice, startLba: number, sectorCount: number, options: SliceDeviceOptions = {}) {
    if (!Number.isSafeInteger(startLba) || startLba < 0 || !Number.isSafeInteger(sectorCount) || sectorCount < 0) {
      throw new FatError('EINVAL', `invalid slice: start ${startLba}, ${sectorCount} sectors`);
    }
    if (startLba + sectorCount > base.sectorCount) {
      throw new FatError('EINVAL', `slice of sectors ${startLba}..${startLba + sectorCount - 1} does not fit in the device (${base.sectorCount} sectors)`, { sector: startLba });
    }
    this.base = base;
    this.startLba = startLba;
    this.sectorCount = sectorCount;
    this.sectorSize = base.sectorSize;
    this.readOnly = base.readOnly || (options.readOnly ?? false);
    this.ownsBase = options.ownsBase ?? false;
  }

  read(lba: number, into: Uint8Array): void {
    checkAccess(this, lba, into, false);
    this.base.read(this.startLba + lba, into);
  }

  write(lba: number, data: Uint8Array): void {
    checkAccess(this, lba, data, true);
    this.base.write(this.startLba + lba, data);
  }

  flush(): void {
    if (this.closed) throw new FatError('EBADF', 'device is closed');
    if (!this.readOnly) this.base.flush();
  }

  /** Closes the slice; the base too only when the slice owns it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsBase) this.base.close();
  }
}
