import type { BlockDevice } from '../fat/device/block-device.js';
import { FileDevice } from '../fat/device/file.js';
import { MmapDevice } from '../fat/device/mmap.js';
import { locateFatVolume } from '../fat/disk/partition.js';
import type { Partition, PartitionTable } from '../fat/disk/partition.js';
import { FatError } from '../fat/errors.js';

export interface OpenImageOptions {
  readOnly?: boolean;
  /** 'file' (positional I/O, the default) or 'mmap' (needs the optional mmap-io). */
  backend?: 'file' | 'mmap';
  /** Open this partition (1-based) of a whole-disk image. */
  partition?: number;
  /** The volume starts at this byte offset of the image. */
  offset?: number;
}

export interface ImageDevice {
  /** The volume's device: a slice of `whole` when the image is partitioned or an offset is given. */
  device: BlockDevice;
  /** The image file. Close this one when done (closing `device` alone leaves the file open). */
  whole: BlockDevice;
  /** The partition the volume is in, when it came from a partition table, and that table. */
  partition?: Partition;
  table?: PartitionTable;
  /** Sector 0 is the volume's boot sector and also reads as this table (see locateFatVolume). */
  alsoTable?: PartitionTable;
}

/**
 * Open an image file with 512-byte sectors and find its FAT volume (partition tables are read;
 * see findFatVolume). On any error the file is closed before the error is thrown.
 */
export function openImageDevice(path: string, options: OpenImageOptions = {}): ImageDevice {
  if (options.backend !== undefined && options.backend !== 'file' && options.backend !== 'mmap') {
    throw new FatError('EINVAL', `unknown device backend '${String(options.backend)}' (use file or mmap)`);
  }
  const deviceOptions = { readOnly: options.readOnly ?? false, sectorSize: 512 };
  const whole: BlockDevice = options.backend === 'mmap' ? MmapDevice.open(path, deviceOptions) : FileDevice.open(path, deviceOptions);
  try {
    const found = locateFatVolume(whole, { partition: options.partition, offset: options.offset });
    const result: ImageDevice = { device: found.device, whole };
    if (found.partition !== undefined) result.partition = found.partition;
    if (found.table !== undefined) result.table = found.table;
    if (found.alsoTable !== undefined) result.alsoTable = found.alsoTable;
    return result;
  } catch (e) {
    whole.close();
    throw e;
  }
}
