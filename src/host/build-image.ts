import * as fs from 'node:fs';
import { createImageFileAsync } from './image-file.js';
import type { BlockDevice } from '../fat/device/block-device.js';
import { FatError } from '../fat/errors.js';
import { planBuild, planImageBytes, type BuildEntry, type BuildOptions, type BuildPlan, type BuildResult } from '../fat/build/plan.js';
import { writeBuildSteps } from '../fat/build/write.js';
import { collectTree, type CollectOptions } from './collect.js';
import { clampMtime } from './mtime.js';
import { lockImage } from './image-lock.js';

/** What the image builder passes on to the walker (collectTree). */
export type BuildWalkOptions = Pick<CollectOptions, 'include' | 'exclude' | 'followSymlinks' | 'skipSpecial' | 'image' | 'onSkip'>;

export interface BuildImageOptions extends BuildOptions, Omit<BuildWalkOptions, 'image'> {
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
  /**
   * Stop the build: the temporary image is removed and the signal's reason thrown (the build
   * yields to the event loop every few MiB, so a signal handler gets its turn).
   */
  signal?: AbortSignal;
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
export async function collectBuildEntries(from: string, options: BuildWalkOptions = {}): Promise<BuildEntry[]> {
  const tree = await collectTree(from, {
    include: options.include, exclude: options.exclude, followSymlinks: options.followSymlinks,
    skipSpecial: options.skipSpecial, image: options.image, onSkip: options.onSkip,
  });
  return tree.entries.map((e) => ({
    path: e.path,
    type: e.type,
    size: e.size,
    mtimeMs: clampMtime(e.mtimeMs),
    ...(e.type === 'file' ? { read: fileReader(e.absPath, e.size) } : {}),
  }));
}

/** Run writeBuildSteps to the end, handing the event loop a turn between steps. */
export async function writeBuildAsync(device: BlockDevice, plan: BuildPlan, options: BuildOptions, signal: AbortSignal | undefined): Promise<BuildResult> {
  const steps = writeBuildSteps(device, plan, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
  }
}

/**
 * `fat make IMG --from DIR`: plan the whole image (failing before anything is written), write it to
 * a temporary file beside IMG, then rename it into place. IMG is locked from the start (EBUSY while
 * another process writes it). IMG itself and its temporary files are left out of the tree when they
 * lie inside DIR (so a rebuild does not swallow the last image).
 */
export async function buildImageFromDir(image: string, options: BuildImageOptions): Promise<BuildResult & { imageBytes: number; plan: BuildPlan }> {
  if (!options.force && fs.existsSync(image)) {
    throw new FatError('EEXIST', `${image} already exists (use --force to replace it)`, { path: image });
  }
  options.signal?.throwIfAborted(); // a --wait retry must not outlive Ctrl-C
  const lock = lockImage(image);
  try {
    return await buildLocked(image, options);
  } finally {
    lock.release();
  }
}

async function buildLocked(image: string, options: BuildImageOptions): Promise<BuildResult & { imageBytes: number; plan: BuildPlan }> {
  const entries = await collectBuildEntries(options.from, { ...options, image });
  options.signal?.throwIfAborted();
  const sectorSize = options.sectorSize ?? 512;
  const plan = planBuild(entries, options, sectorSize);
  const imageBytes = planImageBytes(plan, options);
  options.onPlan?.(plan, imageBytes);
  const sync = options.sync === true;
  const result = await createImageFileAsync(image, imageBytes, { sectorSize, sync, signal: options.signal, locked: true }, (dev) => {
    // The build's own flushes (Volume.close) are fdatasyncs only when asked for.
    const target: BlockDevice = sync ? dev : { ...deviceShape(dev), flush: () => undefined };
    return writeBuildAsync(target, plan, options, options.signal);
  });
  return { ...result, imageBytes, plan };
}
