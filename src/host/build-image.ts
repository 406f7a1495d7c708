import * as fs from 'node:fs';
import { createImageFile } from './image-file.js';
import type { BlockDevice } from '../fat/device/block-device.js';
import { FatError } from '../fat/errors.js';
import { planBuild, planImageBytes, type BuildEntry, type BuildOptions, type BuildPlan, type BuildResult } from '../fat/build/plan.js';
import { writeBuild } from '../fat/build/write.js';
import { collectTree, type CollectOptions } from './collect.js';
import { clampMtime } from './mtime.js';
import { lockImage } from './image-lock.js';

export interface BuildImageOptions extends BuildOptions, Pick<CollectOptions, 'include' | 'exclude' | 'followSymlinks'> {
  /** The host directory to put in the image. */
  from: string;
  /** Bytes per sector (default 512). */
  sectorSize?: number;
  /** Replace an existing image (default: refuse). */
  force?: boolean;
  /**
   * fdatasync the image before renaming it into place (default false: like mkfs.fat, mcopy and cp,
   * leave write-back to the kernel; costs about 0.5 s per GiB here).
   */
  sync?: boolean;
  /** Called once the plan is made, before anything is written. */
  onPlan?: (plan: BuildPlan, imageBytes: number) => void;
}

/** The same device, as a plain object whose methods can be overridden. */
function deviceShape(dev: BlockDevice): BlockDevice {
  return {
    sectorSize: dev.sectorSize,
    sectorCount: dev.sectorCount,
    readOnly: dev.readOnly,
    read: (lba, into) => dev.read(lba, into),
    write: (lba, data) => dev.write(lba, data),
    flush: () => dev.flush(),
    close: () => dev.close(),
  };
}

/** Read a host file in pieces through one descriptor, opened on first use, closed at its end. */
export function fileReader(absPath: string, size: number): (position: number, into: Uint8Array) => number {
  let fd: number | undefined;
  return (position, into) => {
    fd ??= fs.openSync(absPath, 'r');
    let got = 0;
    while (got < into.length) {
      const n = fs.readSync(fd, into, got, into.length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    if (position + got >= size || got === 0) {
      fs.closeSync(fd);
      fd = undefined;
    }
    return got;
  };
}

/** The host tree as builder entries: sorted, mtimes clamped to SOURCE_DATE_EPOCH. */
export async function collectBuildEntries(from: string, options: Pick<CollectOptions, 'include' | 'exclude' | 'followSymlinks'> = {}): Promise<BuildEntry[]> {
  const tree = await collectTree(from, {
    ...(options.include ? { include: options.include } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.followSymlinks !== undefined ? { followSymlinks: options.followSymlinks } : {}),
  });
  return tree.entries.map((e) => ({
    path: e.path,
    type: e.type,
    size: e.size,
    mtimeMs: clampMtime(e.mtimeMs),
    ...(e.type === 'file' ? { read: fileReader(e.absPath, e.size) } : {}),
  }));
}

/**
 * `fat make IMG --from DIR`: plan the whole image (failing before anything is written), write it to
 * a temporary file beside IMG, then rename it into place. IMG is locked from the start (EBUSY while
 * another process writes it).
 */
export async function buildImageFromDir(image: string, options: BuildImageOptions): Promise<BuildResult & { imageBytes: number; plan: BuildPlan }> {
  if (!options.force && fs.existsSync(image)) {
    throw new FatError('EEXIST', `${image} already exists (use --force to replace it)`, { path: image });
  }
  const lock = lockImage(image);
  try {
    return await buildLocked(image, options);
  } finally {
    lock.release();
  }
}

async function buildLocked(image: string, options: BuildImageOptions): Promise<BuildResult & { imageBytes: number; plan: BuildPlan }> {
  const entries = await collectBuildEntries(options.from, options);
  const sectorSize = options.sectorSize ?? 512;
  const plan = planBuild(entries, options, sectorSize);
  const imageBytes = planImageBytes(plan, options);
  options.onPlan?.(plan, imageBytes);
  const result = createImageFile(image, imageBytes, { sectorSize, sync: options.sync === true, locked: true }, (dev) => {
    // The build's own flushes (Volume.close) are fdatasyncs only when asked for.
    const target: BlockDevice = options.sync ? dev : { ...deviceShape(dev), flush: () => undefined };
    return writeBuild(target, plan, options);
  });
  return { ...result, imageBytes, plan };
}
