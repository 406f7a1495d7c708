/** Writing a planned image: mkfs, the data area in one sequential pass, then the FATs once. */
import type { BlockDevice } from '../device/block-device.js';
import { mkfs } from '../mkfs/mkfs.js';
import { Volume } from '../volume/volume.js';
import { ATTR, ENTRY_SIZE, encodeDirEntry, type RawDirEntry } from '../format/dir-entry.js';
import { encodeDosTime } from '../format/dos-time.js';
import { encodeLongName } from '../format/long-name.js';
import { DOT_NAME, DOTDOT_NAME, shortNameChecksum } from '../format/short-name.js';
import { codePage } from '../format/code-page.js';
import { clusterToSector } from '../format/geometry.js';
import { FatError } from '../errors.js';
import { isDir, type BuildOptions, type BuildPlan, type BuildProgress, type BuildResult, type PlanDir, type PlanFile } from './plan.js';

/**
 * Staging buffer for sequential writes of the data area. 512 KiB: measured here, pwrite()s of 2 MiB
 * and more into the page cache were 5-8 times slower than 128-512 KiB ones (bench/build/PROFILE.md).
 */
const STAGE_BYTES = 512 << 10;

/**
 * Build the planned image on `device` (which must read as zeros and be exactly planImageBytes):
 * mkfs, then every cluster of the data area written once, in order (directories and files
 * interleaved as a depth-first walk places them, each one contiguous), then the FATs once.
 */
export function writeBuild(device: BlockDevice, plan: BuildPlan, options: BuildOptions): BuildResult {
  const steps = writeBuildSteps(device, plan, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * writeBuild in steps: it pauses (yields) after every 8 MiB of data and every 256 files, so a caller
 * can hand the event loop a turn (the CLI's signal handlers run then) or stop (`return()`).
 */
export function* writeBuildSteps(device: BlockDevice, plan: BuildPlan, options: BuildOptions): Generator<void, BuildResult, void> {
  const made = mkfs(device, { ...options, size: plan.volumeBytes, assumeZeroed: true, ...(plan.rootEntries !== undefined ? { rootEntries: plan.rootEntries } : {}) });
  const volDevice = made.volumeStart ? sliceOf(device, made.volumeStart) : device;
  const page = codePage(options.codePage ?? 'cp437');
  const vol = Volume.open(volDevice, { codePage: page.name, closeDevice: false });
  vol.beginWrite();
  const g = vol.geo;
  const cs = g.clusterSize;
  const fat32 = g.fatType === 32;

  // 1. Assign clusters in walk order: each directory, then its files, then its subdirectories.
  let next = fat32 ? 3 : 2;
  let dirCount = 0;
  const order: (PlanDir | PlanFile)[] = [];
  const assign = (d: PlanDir, isRoot: boolean): void => {
    if (isRoot && fat32) {
      d.clusters = Math.max(1, Math.ceil((d.entries * ENTRY_SIZE) / cs));
      d.cluster = 2;
      next = 2 + d.clusters;
      order.push(d);
    } else if (!isRoot) {
      d.clusters = Math.max(1, Math.ceil((d.entries * ENTRY_SIZE) / cs));
      d.cluster = next;
      next += d.clusters;
      order.push(d);
      dirCount++;
    }
    for (const c of d.children) {
      if (isDir(c)) continue;
      const n = Math.ceil(c.size / cs);
      c.cluster = n ? next : 0;
      next += n;
      if (n) order.push(c);
    }
    for (const c of d.children) if (isDir(c)) assign(c, false);
  };
  assign(plan.root, true);
  const last = next - 1;
  if (last > g.clusterCount + 1) throw new FatError('ENOSPC', 'the planned tree does not fit the volume');

  // 2. The FAT: one contiguous chain per directory and file.
  const chain = (first: number, count: number): void => {
    for (let i = 0; i < count; i++) vol.fat.set(first + i, i + 1 < count ? first + i + 1 : vol.fat.eoc);
  };
  // 3. Directory contents.
  const labelEntry = fat32 || made.label === undefined ? undefined : vol.io.readSectors(g.rootDirStart, 1).slice(0, ENTRY_SIZE);
  const dirBytes = (d: PlanDir, parentCluster: number, isRoot: boolean): Uint8Array => {
    const size = isRoot && !fat32 ? g.rootDirSectors * g.sectorSize : d.clusters * cs;
    const buf = new Uint8Array(size);
    let at = 0;
    const t = encodeDosTime(d.mtimeMs || Date.UTC(1980, 0, 1));
    const stamp = (attr: number, cluster: number, sizeBytes: number, ms: number, name: Uint8Array): RawDirEntry => {
      const tt = encodeDosTime(ms);
      return { name, attr, caseFlags: 0, ctimeTenths: tt.tenths, ctime: tt.time, cdate: tt.date, adate: tt.date, cluster, mtime: tt.time, mdate: tt.date, size: sizeBytes };
    };
    if (isRoot) {
      if (made.label !== undefined) {
        if (labelEntry) buf.set(labelEntry, 0);
        else {
          // FAT32: mkfs put the label entry in cluster 2; keep it first.
          buf.set(vol.io.readSectors(clusterToSector(g, 2), 1).subarray(0, ENTRY_SIZE), 0);
        }
        at += ENTRY_SIZE;
      }
    } else {
      encodeDirEntry({ ...stamp(ATTR.DIRECTORY, d.cluster, 0, d.mtimeMs, DOT_NAME), ctimeTenths: t.tenths }, buf, 0);
      encodeDirEntry(stamp(ATTR.DIRECTORY, fat32 && parentCluster === 2 ? 0 : parentCluster, 0, d.mtimeMs, DOTDOT_NAME), buf, ENTRY_SIZE);
      at = 2 * ENTRY_SIZE;
    }
    for (const c of d.children) {
      const sp = c.short!;
      if (sp.needsLongName) {
        const slots = encodeLongName(c.name, shortNameChecksum(sp.raw));
        buf.set(slots, at);
        at += slots.length;
      }
      const raw = isDir(c)
        ? stamp(ATTR.DIRECTORY, c.cluster, 0, c.mtimeMs, sp.raw)
        : stamp(ATTR.ARCHIVE, c.cluster, c.size, c.mtimeMs, sp.raw);
      raw.caseFlags = sp.caseFlags;
      encodeDirEntry(raw, buf, at);
      at += ENTRY_SIZE;
    }
    return buf;
  };
  const parentOf = new Map<PlanDir, number>();
  const noteParents = (d: PlanDir, cluster: number): void => {
    for (const c of d.children) {
      if (!isDir(c)) continue;
      parentOf.set(c, cluster);
      noteParents(c, c.cluster);
    }
  };
  noteParents(plan.root, fat32 ? 2 : 0);
  if (!fat32) vol.io.write(g.rootDirStart, dirBytes(plan.root, 0, true));

  // 4. The data area, sequentially, through a staging buffer.
  const stage = new Uint8Array(Math.max(STAGE_BYTES, cs));
  let stageStart = 2; // cluster at stage[0]
  let stageUsed = 0; // bytes
  const flushStage = (): void => {
    if (stageUsed === 0) return;
    const n = Math.ceil(stageUsed / g.sectorSize) * g.sectorSize;
    vol.io.write(clusterToSector(g, stageStart), stage.subarray(0, n));
    stageStart += Math.ceil(stageUsed / cs);
    stageUsed = 0;
  };
  const progress: BuildProgress = { bytes: 0, totalBytes: plan.bytes, files: 0, totalFiles: plan.files };
  for (const n of order) {
    const first = n.cluster;
    if (stageUsed && first !== stageStart + Math.ceil(stageUsed / cs)) flushStage();
    if (!stageUsed) stageStart = first;
    if (isDir(n)) {
      chain(n.cluster, n.clusters);
      const isRoot = n === plan.root;
      const bytes = dirBytes(n, parentOf.get(n) ?? 0, isRoot);
      if (stageUsed + bytes.length > stage.length) {
        flushStage();
        stageStart = first;
      }
      if (bytes.length > stage.length) {
        // A directory larger than the stage (over 16,384 entries) goes out on its own.
        vol.io.write(clusterToSector(g, first), bytes);
        stageStart = first + n.clusters;
        continue;
      }
      stage.set(bytes, stageUsed);
      stageUsed += bytes.length;
      continue;
    }
    const count = Math.ceil(n.size / cs);
    chain(n.cluster, count);
    let pos = 0;
    while (pos < n.size) {
      if (stageUsed === stage.length) {
        flushStage();
        stageStart = first + Math.floor(pos / cs);
      }
      const want = Math.min(n.size - pos, stage.length - stageUsed);
      const got = n.read(pos, stage.subarray(stageUsed, stageUsed + want));
      if (got <= 0) throw new FatError('EIO', `${n.path} is shorter than when it was listed (${pos} of ${n.size} bytes); was it changed during the build?`, { path: n.path });
      pos += got;
      stageUsed += got;
      progress.bytes += got;
      if (options.onProgress && (progress.bytes & 0xfffff) < got) options.onProgress(progress);
      if ((progress.bytes & 0x7fffff) < got) yield;
    }
    // Pad (with zeros) to the cluster boundary so the next item starts on its own cluster.
    const padded = Math.ceil(stageUsed / cs) * cs;
    stage.fill(0, stageUsed, padded);
    stageUsed = padded;
    progress.files++;
    if (stageUsed > stage.length) throw new Error('staging overflow');
    if ((progress.files & 255) === 0) yield;
  }
  flushStage();
  options.onProgress?.(progress);
  vol.close();
  return { ...made, files: plan.files, directories: dirCount, bytes: plan.bytes, clustersUsed: last - 1 };
}

/** A view of `device` from sector `start` (the partition). */
function sliceOf(device: BlockDevice, start: number): BlockDevice {
  return {
    sectorSize: device.sectorSize,
    sectorCount: device.sectorCount - start,
    readOnly: device.readOnly,
    read: (lba, into) => device.read(start + lba, into),
    write: (lba, data) => device.write(start + lba, data),
    flush: () => device.flush(),
    close: () => undefined,
  };
}
