import { FatError } from '../errors.js';

/** Validate a sector transfer against a device's bounds; shared by every backend. */
export function checkAccess(
  dev: { sectorSize: number; sectorCount: number; readOnly: boolean; closed?: boolean },
  lba: number,
  buf: Uint8Array,
  writing: boolean,
): number {
  if (dev.closed) throw new FatError('EBADF', 'device is closed');
  if (writing && dev.readOnly) throw new FatError('EROFS', 'device is read-only');
  if (!Number.isSafeInteger(lba) || lba < 0) throw new FatError('EINVAL', `invalid sector number ${lba}`);
  if (buf.length % dev.sectorSize !== 0) {
    throw new FatError('EINVAL', `transfer of ${buf.length} bytes is not a whole number of ${dev.sectorSize}-byte sectors`);
  }
  const count = buf.length / dev.sectorSize;
  if (lba + count > dev.sectorCount) {
    throw new FatError('EIO', `access to sectors ${lba}..${lba + count - 1} beyond the end of the device (${dev.sectorCount} sectors)`, { sector: lba });
  }
  return count;
}
