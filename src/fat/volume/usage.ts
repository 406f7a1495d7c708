/**
 * Space allocated per directory (`fat du`): clusters of every chain below a path, counted as mtools'
 * mdu counts them (whole chains, directories' own clusters included), summed per directory. A
 * function of a Volume; this file imports the Volume type only (no run-time cycle).
 */
import type { Volume } from './volume.js';
import type { FatStats } from '../dir/stats.js';
import { FatError } from '../errors.js';
import { entryChain } from './extents.js';

/** One directory's total (or a file's, when `du` is asked about a file). */
export interface DiskUsage {
  path: string;
  /** Clusters allocated to it and everything below it, and those clusters in bytes. */
  clusters: number;
  bytes: number;
}

export interface DiskUsageOptions {
  /** Only the total for `path` (mdu -s). */
  summary?: boolean;
}

/**
 * Every directory at or below `path` with the clusters it and everything below it hold, children
 * before their parent (as du and mdu print them), `path` last. A directory counts its own clusters
 * (the FAT32 root too; the FAT12/16 root region has none), each file its whole chain. Note that
 * mdu 4.0 leaves out the own clusters of directories that sit directly in a FAT12/16 root (and so
 * counts less there); fatkit counts them. A chain that is corrupt is reported to the volume's
 * onProblem (as skipped) and counts 0.
 */
export function diskUsage(vol: Volume, path = '/', options: DiskUsageOptions = {}): DiskUsage[] {
  const cs = vol.geo.clusterSize;
  const abs = vol.realpath(path);
  const count = (stats: FatStats, p: string): number => {
    if (p === '/' && vol.geo.fatType !== 32) return 0;
    try {
      return entryChain(vol, stats, p).length;
    } catch (e) {
      if (e instanceof FatError && e.code === 'FAT_CORRUPT') {
        vol.report({ path: p, message: `not counted: ${e.message}`, skipped: true });
        return 0;
      }
      throw e;
    }
  };
  const start = vol.stat(abs);
  const out: DiskUsage[] = [];
  const emit = (p: string, clusters: number): void => {
    if (!options.summary || p === abs) out.push({ path: p, clusters, bytes: clusters * cs });
  };
  if (!start.isDirectory()) {
    emit(abs, count(start, abs));
    return out;
  }
  type Frame = { path: string; depth: number; clusters: number };
  const stack: Frame[] = [{ path: abs, depth: 0, clusters: count(start, abs) }];
  const finish = (): void => {
    const f = stack.pop()!;
    emit(f.path, f.clusters);
    if (stack.length) stack[stack.length - 1].clusters += f.clusters;
  };
  for (const e of vol.walk(abs)) {
    while (stack[stack.length - 1].depth >= e.depth) finish();
    const n = e.stats.isDirectory() && e.stats.firstCluster === 0 ? 0 : count(e.stats, e.path);
    if (e.stats.isDirectory()) stack.push({ path: e.path, depth: e.depth, clusters: n });
    else stack[stack.length - 1].clusters += n;
  }
  while (stack.length) finish();
  return out;
}
