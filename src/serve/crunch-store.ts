/**
 * A generated crunch module as a read-only store: what `fat serve OUT` serves. A module has its
 * own (`store`: the one its serve() and middleware() run on, with its stored br/gzip variants);
 * a module generated before it had one is adapted through its files API (stat, readDir, read),
 * with `.br`/`.gz` files beside a file as its variants, like the other stores.
 */
import type { Crunch, CrunchStore } from '../crunch/runtime/api.js';
import type { ReadOnlyStore, StoreFile } from './store.js';

export function crunchStore(module: Pick<Crunch, 'stat' | 'readDir' | 'read'> & { readonly store?: CrunchStore }): ReadOnlyStore {
  if (module.store !== undefined) return module.store;
  return {
    stat(path) {
      const s = module.stat(path);
      if (s === undefined || s.type === 'directory') return s && { type: 'directory', path };
      return { type: 'file', path, size: s.size, mtimeMs: s.mtimeMs, etag: s.etag, contentType: s.contentType } satisfies StoreFile;
    },
    list: (path) => module.readDir(path),
    async read(file, start, end) {
      const bytes = await module.read(file.path);
      return bytes.subarray(start, end);
    },
  };
}
