import type { BlockDevice } from '../device/block-device.js';
import { FatError } from '../errors.js';

/**
 * The volume's sectors over a device whose sectors may be smaller (a 4096-byte-sector volume in an
 * image file opened with 512-byte device sectors): one volume sector = `ratio` device sectors.
 */
export class SectorIO {
  readonly sectorSize: number;
  readonly sectorCount: number;
  private readonly ratio: number;

  constructor(readonly device: BlockDevice, sectorSize: number) {
    if (sectorSize < device.sectorSize || sectorSize % device.sectorSize !== 0) {
      throw new FatError('FAT_UNSUPPORTED', `a volume with ${sectorSize}-byte sectors cannot sit on a device with ${device.sectorSize}-byte sectors`);
    }
    this.sectorSize = sectorSize;
    this.ratio = sectorSize / device.sectorSize;
    this.sectorCount = Math.floor(device.sectorCount / this.ratio);
  }

  get readOnly(): boolean {
    return this.device.readOnly;
  }

  read(lba: number, into: Uint8Array): void {
    this.device.read(lba * this.ratio, into);
  }

  write(lba: number, data: Uint8Array): void {
    this.device.write(lba * this.ratio, data);
  }

  /** Read `count` sectors from `lba` into a new buffer. */
  readSectors(lba: number, count: number): Uint8Array {
    const b = new Uint8Array(count * this.sectorSize);
    this.read(lba, b);
    return b;
  }
}

/** One SectorIO kept alive, over no device: see SHAPE_KEEPER in dir/dir-handle.ts. */
export const SECTOR_IO_SHAPE_KEEPER = new SectorIO({ sectorSize: 512, sectorCount: 0 } as BlockDevice, 512);
