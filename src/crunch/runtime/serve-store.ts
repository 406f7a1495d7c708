/** A module's Store as the read-only store of src/serve, so serve() and the middleware are handle() over it. */
import type { ReadOnlyStore, StoreFile } from '../../serve/store.js';
import type { FileStat } from './api.js';
import { crunchError } from './errors.js';
import type { Representation, Store } from './store.js';

/** A file of a module: its stat, and which stored form of it (`encoding`) when it is a variant. */
export type CrunchFile = FileStat & StoreFile;

function representation(store: Store, file: CrunchFile): Representation {
  const record = store.file(file.path);
  const want = file.encoding ?? 'identity';
  const rep = record && store.representations(record).find((r) => r.encoding === want);
  if (!rep) throw crunchError('ENOENT', `no such file: ${file.path}`, file.path);
  return rep;
}

export function serveStore(store: Store): ReadOnlyStore<CrunchFile> {
  return {
    stat: (path) => store.stat(path),
    list: (path) => store.readDir(path),
    read: (file, start, end) => store.bytes(representation(store, file), start, end),
    variants: (file) => file.variants.map((v) => ({ ...file, size: v.size, etag: v.etag, encoding: v.encoding })),
  };
}
