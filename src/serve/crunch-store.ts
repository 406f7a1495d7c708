/**
 * A generated crunch module as a read-only store, through its public API (files, stat, readDir,
 * read): what `fat serve OUT` serves. Variants come from `.br`/`.gz` files in the module, like
 * the other stores; the module's own stored variants are served by its serve()/middleware().
 */
import type { Crunch } from '../crunch/runtime/api.js';
import type { ReadOnlyStore, StoreFile } from './store.js';

export function crunchStore(module: Pick<Crunch, 'stat' | 'readDir' | 'read'>): ReadOnlyStore {
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
