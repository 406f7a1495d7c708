import type { BlockDevice } from '../device/block-device.js';
import { FatError } from '../errors.js';

/**
 * Devices a writable Volume is open on. Two writable volumes on one device would each keep their
 * own FAT and directory caches and overwrite each other's changes: the second is refused (EBUSY)
 * until the first is closed. Across processes, image files are locked instead (src/host/image-lock.ts).
 */
const writers = new WeakSet<BlockDevice>();

export function claimWriter(device: BlockDevice): void {
  if (writers.has(device)) throw new FatError('EBUSY', 'the device already has a writable volume open (close it first, or open this one read-only)');
  writers.add(device);
}

export function releaseWriter(device: BlockDevice): void {
  writers.delete(device);
}
