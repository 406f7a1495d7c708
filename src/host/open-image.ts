import type { BlockDevice } from '../fat/device/block-device.js';
import { openImageDevice, type ImageDevice, type OpenImageOptions } from './open-image-device.js';
import { Volume, type VolumeOptions } from '../fat/volume/volume.js';
import { lockImage } from './image-lock.js';

export interface OpenImageVolumeOptions extends OpenImageOptions, Omit<VolumeOptions, 'readOnly' | 'closeDevice' | 'onClose'> {
  /** Told where the volume was found (its partition and table) before the volume is mounted. */
  onLocate?: (where: Omit<ImageDevice, 'device' | 'whole'>) => void;
}

/**
 * Open the FAT volume in an image file: a bare volume, or the one FAT partition of a whole-disk
 * image (MBR or GPT), or the one chosen by `partition` / `offset`. Closing the volume closes the file.
 * Opened for writing, the image is locked first (`IMG.lock`, see image-lock.ts): a second writer
 * fails with EBUSY (`image is in use by PID N`) until the volume is closed; readers do not lock.
 */
export function openImage(path: string, options: OpenImageVolumeOptions = {}): Volume {
  const readOnly = options.readOnly ?? true;
  const lock = readOnly ? undefined : lockImage(path);
  let whole: BlockDevice | undefined;
  try {
    const { device, whole: opened, ...where } = openImageDevice(path, { ...options, readOnly });
    whole = opened;
    options.onLocate?.(where);
    return Volume.open(device, {
      ...options,
      readOnly,
      closeDevice: true,
      onClose: () => {
        if (whole !== device) whole?.close();
        lock?.release();
      },
    });
  } catch (e) {
    whole?.close();
    lock?.release();
    throw e;
  }
}
