/**
 * A FAT volume as a read-only store. Lookups are exact: a name answers only as stored (the
 * volume's own lookups fold case, strip trailing dots and accept 8.3 aliases; a web server must
 * not, or `/INDEX.HTM` and `/index.html.` would be the same URL as `/index.html`). Large reads
 * stream through one open file handle, a chunk per pull.
 */
import type { FileHandle } from '../fat/volume/file-handle.js';
import type { Volume } from '../fat/volume/volume.js';
import { isFatError } from '../fat/errors.js';
import type { FatStats } from '../fat/dir/stats.js';
import { chunkedStream } from './chunked-stream.js';
import type { ReadOnlyStore, StoreDirectory, StoreEntry, StoreFile } from './store.js';

export interface VolumeStoreOptions {
  /** Content-Type of a path (serve/content-type.ts's contentTypeFor on Node). */
  contentType: (path: string) => string;
  /** Told when a stream opens (+1) and ends (-1): the image source keeps a volume open while it is read. */
  onStream?: (delta: 1 | -1) => void;
  /** Buffers for reads (Node: Buffer.allocUnsafe, no zeroing of bytes the read overwrites). Default `new Uint8Array`. */
  allocate?: (size: number) => Uint8Array;
  /**
   * Keep one handle open on each file streamed lately (never read through), so the volume keeps
   * its cluster chain between requests rather than walking the FAT again on every open. For a
   * volume nothing else changes (fat serve's view of an image). Bounded by the clusters held.
   */
  keepChains?: boolean;
}

/** Chains kept open by keepChains, in clusters all together (about 8 bytes each). */
const KEPT_CLUSTERS = 1 << 20;

const hex = (n: number): string => Math.floor(n).toString(16);

/** A strong validator from what changes when a FAT file does: its first cluster, size and mtime. */
export const fatEtag = (s: FatStats): string => `"${hex(s.firstCluster)}-${hex(s.size)}-${hex(s.mtimeMs / 1000)}"`;

export function volumeStore(volume: Volume, options: VolumeStoreOptions): ReadOnlyStore {
  const allocate = options.allocate ?? ((size: number) => new Uint8Array(size));
  const kept = new Map<string, { handle: FileHandle; clusters: number }>();
  let keptClusters = 0;
  let clusterSize: number | undefined;
  const keepChain = (file: StoreFile): void => {
    if (!options.keepChains || kept.has(file.path)) return;
    clusterSize ??= volume.info().clusterSize;
    const clusters = Math.ceil(file.size / clusterSize);
    if (clusters > KEPT_CLUSTERS) return;
    while (keptClusters + clusters > KEPT_CLUSTERS && kept.size > 0) {
      const [oldest, k] = kept.entries().next().value as [string, { handle: FileHandle; clusters: number }];
      kept.delete(oldest);
      keptClusters -= k.clusters;
      k.handle.close();
    }
    kept.set(file.path, { handle: volume.openFile(`/${file.path}`, 'r'), clusters });
    keptClusters += clusters;
  };
  const lookup = (path: string): FatStats | undefined => {
    const abs = `/${path}`;
    try {
      if (volume.realpath(abs) !== (path === '' ? '/' : abs)) return undefined;
      return volume.stat(abs);
    } catch (e) {
      if (isFatError(e) && (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'ENAMETOOLONG' || e.code === 'EINVAL')) return undefined;
      throw e;
    }
  };
  const entryOf = (path: string, s: FatStats): StoreFile | StoreDirectory =>
    s.isDirectory()
      ? { type: 'directory', path }
      : { type: 'file', path, size: s.size, mtimeMs: Math.floor(s.mtimeMs / 1000) * 1000, etag: fatEtag(s), contentType: options.contentType(path) };
  return {
    stat(path) {
      const s = lookup(path);
      return s && entryOf(path, s);
    },
    list(path) {
      return volume.readdir(`/${path}`, { withFileTypes: true }).map((d): StoreEntry => ({
        name: d.name, path: path === '' ? d.name : `${path}/${d.name}`, type: d.isDirectory() ? 'directory' : 'file',
      }));
    },
    read(file, start, end) {
      const h = volume.openFile(`/${file.path}`, 'r');
      try {
        const out = allocate(Math.max(0, end - start));
        const n = h.read(out, 0, out.length, start);
        return n === out.length ? out : out.subarray(0, n);
      } finally {
        h.close();
      }
    },
    stream(file, start, end) {
      const h = volume.openFile(`/${file.path}`, 'r');
      keepChain(file);
      options.onStream?.(1);
      return chunkedStream((into, position) => h.read(into, 0, into.length, position), start, end, () => {
        h.close();
        options.onStream?.(-1);
      }, allocate);
    },
  };
}
