import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileDevice } from '../fat/device/file.js';
import { tempImageName, tempImageOwner } from './temp-name.js';
import { lockImage } from './image-lock.js';

export interface ImageFileOptions {
  sectorSize?: number;
  /** fdatasync the file before it is renamed into place. */
  sync?: boolean;
  /** The caller holds the image's lock already (else it is taken for the call). */
  locked?: boolean;
}

/** Temporary files this process is filling now (never stale, whatever their name says). */
const live = new Set<string>();

/**
 * An older temporary file of the same image whose maker is gone, found beside it: one named for a
 * process that no longer runs on this host, or (the older names carry no process id) not written
 * for an hour. A concurrent make of the same image keeps its file. Process ids are per host: an
 * image directory shared over the network with another host's running make is not supported.
 */
const OWNERLESS_STALE_MS = 60 * 60 * 1000;

function isStale(file: string, owner: { pid?: number }): boolean {
  if (live.has(file)) return false;
  if (owner.pid === undefined) {
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    return st !== undefined && st.isFile() && Date.now() - st.mtimeMs > OWNERLESS_STALE_MS;
  }
  if (owner.pid === process.pid) return true; // ours, and not in use: left by a dead process with our id
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Remove the stale temporary files of `image` (see isStale); best effort, never throws. */
export function removeStaleTemps(image: string): string[] {
  const dir = path.dirname(path.resolve(image));
  const base = path.basename(image);
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const owner = tempImageOwner(name, base);
    if (!owner) continue;
    const file = path.join(dir, name);
    try {
      if (!isStale(file, owner)) continue;
      fs.rmSync(file, { force: true });
      removed.push(file);
    } catch {
      // Not ours to worry about: the next run tries again.
    }
  }
  return removed;
}

/** Create the sparse temporary file beside `image` (exclusively; a failed create leaves nothing). */
function createTemp(image: string, bytes: number, sectorSize: number): { tmp: string; device: FileDevice } {
  removeStaleTemps(image);
  const dir = path.dirname(path.resolve(image));
  for (let tries = 0; ; tries++) {
    const tmp = path.join(dir, tempImageName(path.basename(image)));
    try {
      const device = FileDevice.create(tmp, bytes, { sectorSize, exclusive: true });
      live.add(tmp);
      return { tmp, device };
    } catch (e) {
      if ((e as { code?: string }).code === 'EEXIST' && tries < 8) continue;
      // The exclusive open made the file before ftruncate failed (EFBIG, ENOSPC): it is ours.
      if ((e as { code?: string }).code !== 'EEXIST') fs.rmSync(tmp, { force: true });
      throw e;
    }
  }
}

/** An image being made: its lock (unless the caller holds it) and its temporary file. */
interface Making {
  device: FileDevice;
  /** Rename the temporary file over the image (fdatasync first with `sync`); release the lock. */
  finish(): void;
  /** Remove the temporary file; release the lock. */
  discard(): void;
}

function begin(image: string, bytes: number, options: ImageFileOptions): Making {
  const lock = options.locked ? undefined : lockImage(image);
  let made: { tmp: string; device: FileDevice };
  try {
    made = createTemp(image, bytes, options.sectorSize ?? 512);
  } catch (e) {
    lock?.release();
    throw e;
  }
  const { tmp, device } = made;
  let released = false;
  const release = (): void => {
    if (!released) lock?.release();
    released = true;
  };
  return {
    device,
    finish() {
      if (options.sync) device.flush();
      device.close();
      fs.renameSync(tmp, image);
      live.delete(tmp);
      release();
    },
    discard() {
      try {
        device.close();
      } finally {
        fs.rmSync(tmp, { force: true });
        live.delete(tmp);
        release();
      }
    },
  };
}

/**
 * Make an image file safely: a sparse temporary file beside `image` (created exclusively, named
 * for this process) is filled by `fill`, then renamed over `image`, so an interrupted or failed
 * run never leaves half an image at `image`; on failure the temporary file is removed, and stale
 * ones left by earlier runs that were killed are removed first (removeStaleTemps). `image` is
 * locked meanwhile (a writer of the old image would lose its changes to the rename): EBUSY when
 * another process writes it; `locked: true` when the caller holds the lock already.
 */
export function createImageFile<T>(image: string, bytes: number, options: ImageFileOptions, fill: (device: FileDevice) => T): T {
  const making = begin(image, bytes, options);
  try {
    const result = fill(making.device);
    making.finish();
    return result;
  } catch (e) {
    making.discard();
    throw e;
  }
}

/**
 * createImageFile for a fill that yields to the event loop: when `signal` aborts (the CLI aborts on
 * SIGINT and SIGTERM) the fill stops at its next yield, the temporary file is removed and the
 * abort's reason is thrown; an abort after the fill still keeps `image` as it was.
 */
export async function createImageFileAsync<T>(
  image: string, bytes: number, options: ImageFileOptions & { signal?: AbortSignal },
  fill: (device: FileDevice) => Promise<T>,
): Promise<T> {
  options.signal?.throwIfAborted();
  const making = begin(image, bytes, options);
  try {
    const result = await fill(making.device);
    options.signal?.throwIfAborted();
    making.finish();
    return result;
  } catch (e) {
    making.discard();
    throw e;
  }
}
