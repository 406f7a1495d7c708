/**
 * A store that remembers what a store which cannot change answered: stat() results (files,
 * directories and misses), variants(), and the whole bytes of small files, read once. For one
 * opened version of an image (source.ts wraps each view in its own cache, so a reopened image
 * starts with an empty one and the old cache goes with the old view); never for a directory,
 * whose files change under the server. Bounded: at most `entries` paths (oldest first out, so a
 * flood of random URLs cannot grow it) and `totalBytes` of bodies. No `node:` imports.
 */
import { siblingVariants, type ReadOnlyStore, type StoreDirectory, type StoreFile } from './store.js';

export interface StoreCacheLimits {
  /** Paths whose stat() (and variants()) are remembered. Default 4096. */
  entries?: number;
  /** Files up to this size are read whole once and kept. Default 64 KiB. */
  fileBytes?: number;
  /** All kept bodies together. Default 16 MiB. */
  totalBytes?: number;
}

type Stat<F> = F | StoreDirectory | undefined;

/** A Map that forgets its oldest key beyond `max` entries. */
function boundedSet<K, V>(map: Map<K, V>, max: number, key: K, value: V): V {
  if (map.size >= max && !map.has(key)) map.delete(map.keys().next().value as K);
  map.set(key, value);
  return value;
}

const isPromise = <T>(x: unknown): x is Promise<T> => typeof (x as Promise<T> | undefined)?.then === 'function';

export function cachedStore<F extends StoreFile>(inner: ReadOnlyStore<F>, limits: StoreCacheLimits = {}): ReadOnlyStore<F> {
  const entries = limits.entries ?? 4096;
  const fileBytes = limits.fileBytes ?? 64 * 1024;
  const totalBytes = limits.totalBytes ?? 16 * 1024 * 1024;
  const stats = new Map<string, Stat<F>>();
  const variantsOf = new Map<string, F[]>();
  const bodies = new Map<string, Uint8Array>();
  let bodyBytes = 0;

  const keepBody = (path: string, bytes: Uint8Array): void => {
    if (bytes.length > totalBytes) return;
    while (bodyBytes + bytes.length > totalBytes && bodies.size > 0) {
      const [oldest, old] = bodies.entries().next().value as [string, Uint8Array];
      bodies.delete(oldest);
      bodyBytes -= old.length;
    }
    bodies.set(path, bytes);
    bodyBytes += bytes.length;
  };

  const store: ReadOnlyStore<F> = {
    stat(path) {
      if (stats.has(path)) return stats.get(path);
      const s = inner.stat(path);
      return isPromise<Stat<F>>(s) ? s.then((v) => boundedSet(stats, entries, path, v)) : boundedSet(stats, entries, path, s);
    },
    list: (path) => inner.list(path),
    read(file, start, end) {
      if (file.size > fileBytes) return inner.read(file, start, end);
      const kept = bodies.get(file.path);
      if (kept !== undefined && kept.length === file.size) return kept.subarray(start, end);
      const whole = inner.read(file, 0, file.size);
      const keep = (bytes: Uint8Array): Uint8Array => {
        if (bytes.length === file.size) keepBody(file.path, bytes);
        return bytes.subarray(start, end);
      };
      return isPromise<Uint8Array>(whole) ? whole.then(keep) : keep(whole);
    },
    ...(inner.stream ? { stream: (file: F, start: number, end: number) => inner.stream!(file, start, end) } : {}),
    async variants(file) {
      const known = variantsOf.get(file.path);
      if (known !== undefined) return known;
      const found = await (inner.variants ? inner.variants(file) : siblingVariants(store, file));
      return boundedSet(variantsOf, entries, file.path, found);
    },
  };
  return store;
}
