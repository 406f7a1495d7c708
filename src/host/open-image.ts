import { openImageDevice, type ImageDevice, type OpenImageOptions } from './open-image-device.js';
import { Volume, type VolumeOptions } from '../fat/volume/volume.js';

export interface OpenImageVolumeOptions extends OpenImageOptions, Omit<VolumeOptions, 'readOnly' | 'closeDevice' | 'onClose'> {
  /** Told where the volume was found (its partition and table) before the volume is mounted. */
  onLocate?: (where: Omit<ImageDevice, 'device' | 'whole'>) => void;
}

/**
 * Open the FAT volume in an image file: a bare volume, or the one FAT partition of a whole-disk
 * image (MBR or GPT), or the one chosen by `partition` / `offset`. Closing the volume closes the file.
 */
export function openImage(path: string, options: OpenImageVolumeOptions = {}): Volume {
  const readOnly = options.readOnly ?? true;
  const { device, whole, ...where } = openImageDevice(path, { ...options, readOnly });
  try {
    options.onLocate?.(where);
    return Volume.open(device, {
      ...options,
      readOnly,
      closeDevice: true,
      onClose: () => {
        if (whole !== device) whole.close();
      },
    });
  } catch (e) {
    whole.close();
    throw e;
  }
}
