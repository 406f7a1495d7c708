import type { BlockDevice } from '../device/block-device.js';
import { mkfs, type MkfsOptions, type MkfsResult } from '../mkfs/mkfs.js';
import { planLayout, formatSize, type Layout, type LayoutOptions } from '../mkfs/layout.js';
import { Volume } from '../volume/volume.js';
import { ATTR, ENTRY_SIZE, encodeDirEntry, type RawDirEntry } from '../format/dir-entry.js';
import { encodeDosTime } from '../format/dos-time.js';
import { encodeLongName } from '../format/long-name.js';
import { DOT_NAME, DOTDOT_NAME, directShortName, planShortName, shortKey, shortNameChecksum, type ShortNamePlan } from '../format/short-name.js';
import { claimFatName, cleanName } from '../format/name-rules.js';
import { foldName } from '../dir/directory.js';
import { codePage, type CodePage } from '../format/code-page.js';
import { clusterToSector } from '../format/geometry.js';
import { FatError } from '../errors.js';
import { MAX_FILE_SIZE } from '../volume/write-ops.js';

/** A file or directory to put in the image, by POSIX path relative to the volume root. */
export interface BuildEntry {
  path: string;
  type: 'file' | 'directory';
  /** Bytes (files). */
  size: number;
  /** Modification time in ms (already clamped for reproducible builds). */
  mtimeMs: number;
  /** Fill `into` with the file's bytes from `position`; returns how many were read (files). */
  read?: (position: number, into: Uint8Array) => number;
}

export interface BuildOptions extends Omit<MkfsOptions, 'size'> {
  /** Volume size in bytes, or 'auto' (default): the smallest mkfs.fat layout that holds the tree. */
  size?: number | 'auto';
  /** With 'auto': keep at least this many bytes free ... */
  freeBytes?: number;
  /** ... and at least this percentage of the clusters free. */
  freePercent?: number;
  /** Code page for short names (default cp437). */
  codePage?: 'cp437' | 'cp850';
  /** Called as data is written: bytes done and total, files done and total. */
  onProgress?: (p: BuildProgress) => void;
}

export interface BuildProgress {
  bytes: number;
  totalBytes: number;
  files: number;
  totalFiles: number;
}

/** A node of the planned tree. */
interface PlanDir {
  name: string;
  short?: ShortNamePlan;
  path: string;
  mtimeMs: number;
  children: (PlanDir | PlanFile)[];
  /** Directory entries it needs (dot entries, long-name slots, short entries, the label). */
  entries: number;
  cluster: number;
  clusters: number;
}

interface PlanFile {
  name: string;
  short?: ShortNamePlan;
  path: string;
  size: number;
  mtimeMs: number;
  read: (position: number, into: Uint8Array) => number;
  cluster: number;
}

const isDir = (n: PlanDir | PlanFile): n is PlanDir => 'children' in n;

export interface BuildPlan {
  layout: Layout;
  /** The volume size the layout was planned for (mkfs is given the same, so it plans the same). */
  volumeBytes: number;
  root: PlanDir;
  files: number;
  bytes: number;
  /** Clusters the tree takes (FAT32 root included). */
  clustersUsed: number;
}

export interface BuildResult extends MkfsResult {
  files: number;
  directories: number;
  bytes: number;
  clustersUsed: number;
}

/** Choose a child's short name (kept for writing); returns the entries it takes (slots + short entry). */
function entriesFor(child: { name: string; short?: ShortNamePlan }, page: CodePage, taken: Set<string>): number {
  const plan = planShortName(child.name, page, (k) => taken.has(k));
  taken.add(shortKey(plan.raw));
  child.short = plan;
  return (plan.needsLongName ? Math.ceil(child.name.length / 13) : 0) + 1;
}

/**
 * Arrange the entries into a tree, checking everything FAT cannot hold before anything is written:
 * names (illegal characters, too long, colliding once case is ignored or trailing dots dropped) and
 * file sizes. Throws one FatError listing every offending path.
 */
export function planTree(entries: BuildEntry[], page: CodePage, label: boolean): PlanDir {
  const root: PlanDir = { name: '', path: '/', mtimeMs: 0, children: [], entries: label ? 1 : 0, cluster: 0, clusters: 0 };
  const dirs = new Map<string, PlanDir>([['', root]]);
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const e of entries) {
    const slash = e.path.lastIndexOf('/');
    const parentPath = slash < 0 ? '' : e.path.slice(0, slash);
    const raw = e.path.slice(slash + 1);
    const parent = dirs.get(parentPath);
    if (!parent) {
      problems.push(`${e.path}: its directory is not in the tree`);
      continue;
    }
    let name: string;
    try {
      name = cleanName(raw, e.path);
    } catch (err) {
      problems.push(`${e.path}: ${(err as Error).message}`);
      continue;
    }
    const clash = claimFatName(seen, `${parentPath}\0${foldName(name)}`, e.path);
    if (clash) {
      problems.push(clash);
      continue;
    }
    if (e.type === 'directory') {
      const d: PlanDir = { name, path: `/${e.path}`, mtimeMs: e.mtimeMs, children: [], entries: 2, cluster: 0, clusters: 0 };
      parent.children.push(d);
      dirs.set(e.path, d);
    } else {
      if (e.size > MAX_FILE_SIZE) problems.push(`${e.path}: ${e.size} bytes is more than FAT's 4 GiB - 1 per file`);
      if (!e.read) throw new FatError('EINVAL', `no reader for ${e.path}`);
      parent.children.push({ name, path: `/${e.path}`, size: e.size, mtimeMs: e.mtimeMs, read: e.read, cluster: 0 });
    }
  }
  if (problems.length) {
    const shown = problems.slice(0, 20).join('; ');
    throw new FatError('EINVAL', `cannot put ${problems.length} path${problems.length > 1 ? 's' : ''} on FAT: ${shown}${problems.length > 20 ? `; and ${problems.length - 20} more` : ''}`);
  }
  for (const d of dirs.values()) {
    // Names that are valid 8.3 names keep them: they are settled before any alias is generated,
    // so a generated `LONGFI~1.TXT` never takes the name of a file really called that.
    const taken = new Set<string>();
    const rest: (PlanDir | PlanFile)[] = [];
    for (const c of d.children) {
      const direct = directShortName(c.name);
      const key = direct && shortKey(direct.raw);
      if (!key || taken.has(key)) rest.push(c);
      else {
        taken.add(key);
        c.short = direct;
        d.entries += 1;
      }
    }
    for (const c of rest) d.entries += entriesFor(c, page, taken);
  }
  return root;
}

/** Clusters the tree needs with clusters of `cs` bytes (the FAT12/16 root lives outside them). */
function clustersNeeded(root: PlanDir, cs: number, fat32: boolean): number {
  let n = 0;
  const visit = (d: PlanDir, isRoot: boolean): void => {
    if (!isRoot || fat32) n += Math.max(1, Math.ceil((d.entries * ENTRY_SIZE) / cs));
    for (const c of d.children) {
      if (isDir(c)) visit(c, false);
      else n += Math.ceil(c.size / cs);
    }
  };
  visit(root, true);
  return n;
}

/** clustersNeeded for one tree, remembered per cluster size (the size search asks many times). */
function clustersNeededOf(root: PlanDir): (cs: number, fat32: boolean) => number {
  const known = new Map<number, number>();
  return (cs, fat32) => {
    const key = fat32 ? -cs : cs;
    let n = known.get(key);
    if (n === undefined) known.set(key, (n = clustersNeeded(root, cs, fat32)));
    return n;
  };
}

/** Whether the tree (plus the requested free space) fits a layout; the reason when it does not. */
function fitProblem(root: PlanDir, layout: Layout, options: BuildOptions, needed: (cs: number, fat32: boolean) => number): string | undefined {
  const fat32 = layout.fatType === 32;
  if (!fat32 && root.entries > layout.rootEntries) {
    return `the root directory needs ${root.entries} entries but a FAT${layout.fatType} root holds ${layout.rootEntries}`;
  }
  const need = needed(layout.clusterSize, fat32);
  const freeWanted = Math.max(
    Math.ceil((options.freeBytes ?? 0) / layout.clusterSize),
    Math.ceil(((options.freePercent ?? 0) / 100) * layout.clusterCount),
  );
  if (need + freeWanted > layout.clusterCount) {
    return `the tree needs ${need} clusters of ${layout.clusterSize} bytes (${formatSize(need * layout.clusterSize)})${freeWanted ? ` plus ${freeWanted} free` : ''}, the volume has ${layout.clusterCount}`;
  }
  return undefined;
}

function layoutOptions(options: BuildOptions, size: number, sectorSize: number): LayoutOptions {
  const spc = options.clusterSize !== undefined ? options.clusterSize / sectorSize : options.sectorsPerCluster;
  return {
    size,
    sectorSize,
    ...(options.fatType !== undefined ? { fatType: options.fatType } : {}),
    ...(spc !== undefined ? { sectorsPerCluster: spc } : {}),
    ...(options.reservedSectors !== undefined ? { reservedSectors: options.reservedSectors } : {}),
    ...(options.numFats !== undefined ? { numFats: options.numFats } : {}),
    ...(options.rootEntries !== undefined ? { rootEntries: options.rootEntries } : {}),
    ...(options.media !== undefined ? { media: options.media } : {}),
    ...(options.align !== undefined ? { align: options.align } : {}),
  };
}

const tryLayout = (o: LayoutOptions): Layout | undefined => {
  try {
    return planLayout(o);
  } catch {
    return undefined;
  }
};

/**
 * Plan an image for `entries`: the tree, and the layout mkfs.fat would choose — for the given
 * size, or (size 'auto') for the smallest size whose layout holds the tree and the free space asked
 * for. Throws before anything is written when the tree cannot be put on FAT or does not fit.
 */
export function planBuild(entries: BuildEntry[], options: BuildOptions, sectorSize = 512): BuildPlan {
  const page = codePage(options.codePage ?? 'cp437');
  const root = planTree(entries, page, options.label !== undefined && options.label !== '');
  const needed = clustersNeededOf(root);
  const files = entries.filter((e) => e.type === 'file');
  const bytes = files.reduce((s, e) => s + e.size, 0);
  const partitionBytes = options.partition === 'mbr' ? 1 << 20 : 0;
  let layout: Layout | undefined;
  let volumeBytes: number;
  if (options.size !== undefined && options.size !== 'auto') {
    volumeBytes = options.size - partitionBytes;
    layout = planLayout(layoutOptions(options, volumeBytes, sectorSize));
    const why = fitProblem(root, layout, options, needed);
    if (why) throw new FatError('ENOSPC', `the tree does not fit in ${formatSize(options.size)}: ${why}`);
  } else {
    const fits = (kib: number): Layout | undefined => {
      const l = tryLayout(layoutOptions(options, kib * 1024, sectorSize));
      return l && !fitProblem(root, l, options, needed) ? l : undefined;
    };
    // Grow until it fits, then bisect down to the smallest size (in KiB) that fits.
    let hi = Math.max(64, Math.ceil((bytes * 1.05) / 1024));
    const max = 2 * 1024 * 1024 * 1024; // 2 TiB in KiB
    while (!fits(hi)) {
      if (hi >= max) throw new FatError('ENOSPC', `the tree (${formatSize(bytes)} in ${files.length} files) does not fit in any FAT volume with these options`);
      hi = Math.min(max, hi * 2);
    }
    let lo = Math.floor(hi / 2);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(mid)) hi = mid;
      else lo = mid;
    }
    layout = fits(hi)!;
    volumeBytes = hi * 1024;
  }
  return { layout, volumeBytes, root, files: files.length, bytes, clustersUsed: needed(layout.clusterSize, layout.fatType === 32) };
}

/** The image size in bytes for a plan (the partition table's MiB included). */
export function planImageBytes(plan: BuildPlan, options: BuildOptions): number {
  return plan.volumeBytes + (options.partition === 'mbr' ? 1 << 20 : 0);
}

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
  const { layout } = plan;
  const made = mkfs(device, { ...options, size: plan.volumeBytes, assumeZeroed: true });
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
