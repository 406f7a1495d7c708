import type { BlockDevice } from '../device/block-device.js';
import { decodeBootSector, validateBootSector } from '../format/boot-sector.js';
import { FatError } from '../errors.js';
import type { Partition } from './partition.js';

/**
 * Read `length` bytes at byte `offset` of a device, whatever its sector size. Returns undefined when
 * the range does not lie wholly inside the device (tables are hostile: never read outside).
 */
export function readBytes(dev: BlockDevice, offset: number, length: number): Uint8Array | undefined {
  const ss = dev.sectorSize;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length <= 0) return undefined;
  const first = Math.floor(offset / ss);
  const end = Math.ceil((offset + length) / ss);
  if (!Number.isSafeInteger(end) || end > dev.sectorCount) return undefined;
  const buf = new Uint8Array((end - first) * ss);
  dev.read(first, buf);
  const at = offset - first * ss;
  return buf.subarray(at, at + length);
}

/** Why these bytes are not a FAT boot sector, or undefined when they are one (its BPB validates). */
export function fatBootSectorProblem(bytes: Uint8Array): string | undefined {
  try {
    validateBootSector(decodeBootSector(bytes));
    return undefined;
  } catch (e) {
    if (e instanceof FatError) return e.message.replace(/^not a FAT (file system|image): /, '');
    throw e;
  }
}

/** Little-endian 64-bit field as a number; NaN when it exceeds 2^53 (no real disk is that large). */
export function le64(b: Uint8Array, off: number): number {
  const lo = (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16)) + b[off + 3] * 0x1000000;
  const hi = (b[off + 4] | (b[off + 5] << 8) | (b[off + 6] << 16)) + b[off + 7] * 0x1000000;
  const v = hi * 0x100000000 + lo;
  return Number.isSafeInteger(v) ? v : NaN;
}

/**
 * A partition whose table counts `unit`-byte sectors (`first`, `count`), in the device's sectors.
 * A partition that does not fall on the device's sector boundaries gets a `problem`.
 */
export function toDeviceSectors(
  dev: BlockDevice, unit: number, fields: Omit<Partition, 'startLba' | 'sectorCount' | 'isFat'>, first: number, count: number,
): Partition {
  const ss = dev.sectorSize;
  const startByte = first * unit;
  const byteCount = count * unit;
  if (startByte % ss !== 0 || byteCount % ss !== 0) {
    return { ...fields, startLba: 0, sectorCount: 0, isFat: false, problem: `is not aligned to the image's ${ss}-byte sectors` };
  }
  return { ...fields, startLba: startByte / ss, sectorCount: byteCount / ss, isFat: false };
}
