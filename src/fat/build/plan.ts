/** Planning an image: the tree (names, entries per directory), its size in clusters, the layout. */
import { effectiveFatType, type MkfsOptions, type MkfsResult } from '../mkfs/mkfs.js';
import { alignedPartitionBytes, fillingPartitionBytes, tableOverhead } from '../disk/write-table.js';
import { planLayout, formatSize, type Layout, type LayoutOptions } from '../mkfs/layout.js';
import { ENTRY_SIZE } from '../format/dir-entry.js';
import { directShortName, planShortName, shortKey, type ShortNamePlan } from '../format/short-name.js';
import { claimFatName, cleanName } from '../format/name-rules.js';
import { foldName, MAX_DIR_ENTRIES } from '../dir/directory.js';
import { codePage, type CodePage } from '../format/code-page.js';
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
  /**
   * With a partition table: the whole disk's bytes, when it is to be larger than the partition
   * (the rest is left free); `size` is then the partition's. By default the disk is the partition
   * plus the table's overhead.
   */
  diskSize?: number;
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
export interface PlanDir {
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

export interface PlanFile {
  name: string;
  short?: ShortNamePlan;
  path: string;
  size: number;
  mtimeMs: number;
  read: (position: number, into: Uint8Array) => number;
  cluster: number;
}

export const isDir = (n: PlanDir | PlanFile): n is PlanDir => 'children' in n;

export interface BuildPlan {
  layout: Layout;
  /** The volume size the layout was planned for (mkfs is given the same, so it plans the same). */
  volumeBytes: number;
  root: PlanDir;
  files: number;
  bytes: number;
  /** Clusters the tree takes (FAT32 root included). */
  clustersUsed: number;
  /** Root entries raised for a FAT12/16 root that 512 cannot hold (mkfs is given the same). */
  rootEntries?: number;
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
  checkDirSizes(dirs.values());
  return root;
}

/** FAT allows 65,536 entries per directory (`.`, `..` and long-name slots included): refuse more. */
function checkDirSizes(dirs: Iterable<PlanDir>): void {
  const over = [...dirs].filter((d) => d.entries > MAX_DIR_ENTRIES);
  if (!over.length) return;
  const shown = over.slice(0, 5).map((d) => `${d.path} needs ${d.entries} entries for its ${d.children.length} names`).join('; ');
  throw new FatError('ENOSPC', `too many entries for a FAT directory (at most ${MAX_DIR_ENTRIES}, counting long-name slots, . and ..): ${shown}${over.length > 5 ? `; and ${over.length - 5} more` : ''}`, { path: over[0].path });
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
    ...(effectiveFatType(options) !== undefined ? { fatType: effectiveFatType(options) } : {}),
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
 * Root entries for a FAT12/16 root that the default cannot hold (as `mkfs.fat -r` would raise
 * them): the entries needed, rounded up to fill whole sectors; undefined when the default does, or
 * when the caller fixed the count.
 */
function rootEntriesFor(root: PlanDir, options: BuildOptions, sectorSize: number): number | undefined {
  if (options.rootEntries !== undefined || root.entries <= 512) return undefined;
  const perSector = sectorSize / ENTRY_SIZE;
  const n = Math.ceil(root.entries / perSector) * perSector;
  return n <= 32768 ? n : undefined;
}

/** The layout for `bytes`: with the raised root when the default root is what does not fit. */
function layoutWithRoot(options: BuildOptions, bytes: number, sectorSize: number, rootEntries: number | undefined): { layout: Layout; rootEntries?: number } | undefined {
  const plain = tryLayout(layoutOptions(options, bytes, sectorSize));
  if (rootEntries === undefined || !plain || plain.fatType === 32 || plain.rootEntries >= rootEntries) return plain && { layout: plain };
  const raised = tryLayout({ ...layoutOptions(options, bytes, sectorSize), rootEntries });
  return raised && raised.fatType !== 32 ? { layout: raised, rootEntries } : { layout: plain };
}

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
  let layout: Layout | undefined;
  let rootEntries: number | undefined;
  let volumeBytes: number;
  if (options.size !== undefined && options.size !== 'auto') {
    volumeBytes = options.diskSize !== undefined ? options.size : fillingPartitionBytes(options.partition ?? 'none', options.size - overheadBytes(options, sectorSize));
    // A size asked for gets mkfs.fat's layout for it, as given (the root is raised only by 'auto').
    layout = planLayout(layoutOptions(options, volumeBytes, sectorSize));
    const why = fitProblem(root, layout, options, needed);
    if (why) throw new FatError('ENOSPC', `the tree does not fit in ${formatSize(options.size)}: ${why}`);
  } else {
    const wantRoot = rootEntriesFor(root, options, sectorSize);
    const fits = (kib: number): { layout: Layout; rootEntries?: number } | undefined => {
      const l = layoutWithRoot(options, kib * 1024, sectorSize, wantRoot);
      return l && !fitProblem(root, l.layout, options, needed) ? l : undefined;
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
    ({ layout, rootEntries } = fits(hi)!);
    volumeBytes = hi * 1024;
    // A GPT partition ends on a MiB boundary: the volume fills it (when the tree still fits that layout).
    const aligned = alignedPartitionBytes(options.partition ?? 'none', volumeBytes);
    const grown = aligned !== volumeBytes ? fits(aligned / 1024) : undefined;
    if (grown) ({ layout, rootEntries, volumeBytes } = { ...grown, volumeBytes: aligned });
  }
  if (options.diskSize !== undefined && options.diskSize < volumeBytes + overheadBytes(options, sectorSize)) {
    throw new FatError('ENOSPC', `a disk of ${formatSize(options.diskSize)} cannot hold a partition of ${formatSize(volumeBytes)} and its table (${formatSize(overheadBytes(options, sectorSize))})`);
  }
  return { layout, volumeBytes, root, files: files.length, bytes, clustersUsed: needed(layout.clusterSize, layout.fatType === 32), ...(rootEntries !== undefined ? { rootEntries } : {}) };
}

/** Bytes of the partition table around the volume: 1 MiB before it, and GPT's backup after it. */
function overheadBytes(options: BuildOptions, sectorSize: number): number {
  const o = tableOverhead(options.partition ?? 'none', sectorSize);
  return o.before + o.after;
}

/** The image size in bytes for a plan (the partition table's overhead included, or the disk size asked for). */
export function planImageBytes(plan: BuildPlan, options: BuildOptions): number {
  const ss = plan.layout.sectorSize;
  const bytes = options.diskSize ?? plan.volumeBytes + overheadBytes(options, ss);
  // A table's LBAs (GPT's backup header in the last sector) need whole sectors.
  return (options.partition ?? 'none') === 'none' ? bytes : Math.ceil(bytes / ss) * ss;
}
