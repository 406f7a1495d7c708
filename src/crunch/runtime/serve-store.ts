/**
 * A module's Store as the read-only store of src/serve (the module's `store` export), so serve()
 * and the middleware are handle() over it, and `fat serve` serves the module's own variants.
 */
import { siblingVariants } from '../../serve/store.js';
import type { CrunchStore, StoredFile } from './api.js';
import { crunchError } from './errors.js';
import type { Representation, Store } from './store.js';

/** A file of a module: its stat, and which stored form of it (`encoding`) when it is a variant. */
export type CrunchFile = StoredFile;

function representation(store: Store, file: CrunchFile, want: CrunchFile['encoding'] | 'identity'): Representation {
  const record = store.file(file.path);
  const rep = record && store.representations(record).find((r) => r.encoding === want);
  if (!rep) throw crunchError('ENOENT', `no such file: ${file.path}`, file.path);
  return rep;
}

export function serveStore(store: Store): CrunchStore {
  /** Variants that are `x.br`/`x.gz` files of the module: read as those files' own bytes. */
  const siblings = new WeakSet<CrunchFile>();
  const served: CrunchStore = {
    stat: (path) => store.stat(path),
    list: (path) => store.readDir(path),
    read: (file, start, end) => store.bytes(representation(store, file, siblings.has(file) ? 'identity' : file.encoding ?? 'identity'), start, end),
    async variants(file) {
      const own = file.variants.map((v): CrunchFile => ({ ...file, size: v.size, etag: v.etag, encoding: v.encoding }));
      if (own.length === 2) return own;
      // A coding the module did not store may still be a file beside this one, as fat serve finds them.
      const beside = (await siblingVariants(served, file)).filter((s) => !own.some((o) => o.encoding === s.encoding));
      for (const s of beside) siblings.add(s);
      return beside.length === 0 ? own : [...own, ...beside].sort((a, b) => a.size - b.size);
    },
  };
  return served;
}
