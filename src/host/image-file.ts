import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileDevice } from '../fat/device/file.js';
import { lockImage } from './image-lock.js';

/**
 * Make an image file safely: a sparse temporary file beside `image` (created exclusively) is
 * filled by `fill`, then renamed over `image`, so an interrupted or failed run never leaves half an
 * image at `image` (on failure the temporary file is removed). `sync` flushes it to the disk first.
 * `image` is locked meanwhile (a writer of the old image would lose its changes to the rename):
 * EBUSY when another process writes it; `locked: true` when the caller holds the lock already.
 */
export function createImageFile<T>(image: string, bytes: number, options: { sectorSize?: number; sync?: boolean; locked?: boolean }, fill: (device: FileDevice) => T): T {
  const lock = options.locked ? undefined : lockImage(image);
  try {
    return createUnlocked(image, bytes, options, fill);
  } finally {
    lock?.release();
  }
}

function createUnlocked<T>(image: string, bytes: number, options: { sectorSize?: number; sync?: boolean }, fill: (device: FileDevice) => T): T {
  const dir = path.dirname(path.resolve(image));
  let tmp = '';
  let device: FileDevice | undefined;
  for (let tries = 0; !device; tries++) {
    tmp = path.join(dir, `.${path.basename(image)}.tmp-${tempSuffix()}`);
    try {
      device = FileDevice.create(tmp, bytes, { sectorSize: options.sectorSize ?? 512, exclusive: true });
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST' || tries > 8) throw e;
    }
  }
  try {
    const result = fill(device);
    if (options.sync) device.flush();
    device.close();
    fs.renameSync(tmp, image);
    return result;
  } catch (e) {
    device.close();
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Eight hex digits for the temporary name (as long as before, so long image names keep fitting in
 * 255 bytes). The file is created exclusively, so a clash only costs another try; Math.random, not
 * crypto's randomBytes: loading node:crypto is a measurable share of the command's start.
 */
function tempSuffix(): string {
  return Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
}
