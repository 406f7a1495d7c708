/**
 * What `fat serve SOURCE` serves: an image file (bare volume or whole disk), a crunch output (a
 * directory holding a generated index.js, or the .js/.mjs module itself) or any other directory.
 * An image is watched: before each request, refresh() compares its inode, size, mtime and ctime
 * with what was opened and, when they changed and no writer holds its lock, reopens it, so each
 * request sees one whole volume, the old one or the new. A volume still streaming a response is
 * closed when that response ends.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Crunch } from '../crunch/runtime/api.js';
import { BANNER } from '../crunch/emit-module.js';
import { lockPathFor } from '../host/image-lock.js';
import { openImage, type OpenImageVolumeOptions } from '../host/open-image.js';
import type { Volume } from '../fat/volume/volume.js';
import { contentTypeFor } from './content-type.js';
import { crunchStore } from './crunch-store.js';
import { directoryStore } from './directory-store.js';
import { cachedStore } from './cached-store.js';
import type { ReadOnlyStore, StoreDirectory, StoreFile } from './store.js';
import { volumeStore } from './volume-store.js';

export type SourceKind = 'image' | 'directory' | 'crunch';

export interface ServeSource {
  kind: SourceKind;
  store: ReadOnlyStore;
  /** Reopen the image when its file changed (call before each request); tells onReopen. */
  refresh(): void;
  close(): void;
}

export interface OpenSourceOptions extends Pick<OpenImageVolumeOptions, 'partition' | 'offset' | 'codePage' | 'onProblem'> {
  /** Told when the image was reopened, or could not be (the old view stays). */
  onReopen?: (err?: unknown) => void;
}

const isCrunchModule = (file: string): boolean => {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(BANNER.length);
      fs.readSync(fd, head, 0, head.length, 0);
      return head.toString('utf8') === BANNER;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
};

/** The generated module SOURCE is, if it is one. */
export function crunchModuleOf(source: string): string | undefined {
  const s = fs.statSync(source);
  const file = s.isDirectory() ? nodePath.join(source, 'index.js') : source;
  return /\.m?js$/.test(file) && isCrunchModule(file) ? file : undefined;
}

/** What tells one version of the image file from another: compared field by field, before every request. */
interface Identity { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number }
const identityOf = (s: fs.Stats): Identity => ({ dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs });
const sameIdentity = (a: Identity, s: fs.Stats): boolean =>
  a.ino === s.ino && a.mtimeMs === s.mtimeMs && a.ctimeMs === s.ctimeMs && a.size === s.size && a.dev === s.dev;

/** Chunks for streamed reads: filled by the read before anyone sees them, so not zeroed first. */
const allocateUnsafe = (size: number): Uint8Array => Buffer.allocUnsafe(size);

/** How long a replaced view stays open for the requests that started on it (streams keep it longer). */
const RETIRE_AFTER_MS = 10_000;

/**
 * A store over the current view of the image. A file remembers the view that stat()ed it and is
 * read from that view, so a request that began before a reopen finishes on the old volume: one
 * whole version per response. Replaced views close once their streams end and a grace time passed.
 * Each view has its own cache (cached-store.ts: stats, variants, small files' bytes): a version
 * never changes, and a reopen starts afresh.
 */
function imageSource(path: string, options: OpenSourceOptions): ServeSource {
  interface View { volume: Volume; store: ReadOnlyStore; streams: number; retired: boolean; graceOver: boolean; id: Identity }
  const viewOf = new WeakMap<StoreFile, View>();
  const closeIfDone = (v: View): void => {
    if (v.retired && v.graceOver && v.streams === 0 && !v.volume.isClosed) v.volume.close();
  };
  const open = (): View => {
    const id = identityOf(fs.statSync(path));
    const volume = openImage(path, { readOnly: true, partition: options.partition, offset: options.offset, codePage: options.codePage, onProblem: options.onProblem });
    const view: View = {
      volume, streams: 0, retired: false, graceOver: false, id,
      store: cachedStore(volumeStore(volume, {
        contentType: contentTypeFor,
        allocate: allocateUnsafe,
        keepChains: true,
        onStream: (delta) => {
          view.streams += delta;
          closeIfDone(view);
        },
      })),
    };
    return view;
  };
  let view = open();
  const retire = (old: View, now: boolean): void => {
    old.retired = true;
    if (now) old.graceOver = true;
    else {
      setTimeout(() => {
        old.graceOver = true;
        closeIfDone(old);
      }, RETIRE_AFTER_MS).unref();
    }
    closeIfDone(old);
  };
  const of = (file: StoreFile): View => viewOf.get(file) ?? view;
  const store: ReadOnlyStore = {
    stat(p) {
      const v = view;
      const s = v.store.stat(p) as StoreFile | StoreDirectory | undefined;
      if (s?.type === 'file') viewOf.set(s, v);
      return s;
    },
    list: (p) => view.store.list(p),
    read: (f, s, e) => of(f).store.read(f, s, e),
    stream: (f, s, e) => of(f).store.stream!(f, s, e),
    async variants(f) {
      const v = of(f);
      const found = await v.store.variants!(f);
      for (const x of found) viewOf.set(x, v);
      return found;
    },
  };
  return {
    kind: 'image',
    store,
    refresh() {
      let now: fs.Stats;
      try {
        now = fs.statSync(path);
      } catch (e) {
        options.onReopen?.(e);
        return;
      }
      if (sameIdentity(view.id, now) || fs.existsSync(lockPathFor(path))) return;
      const id = identityOf(now);
      try {
        const next = open();
        retire(view, false);
        view = next;
        options.onReopen?.();
      } catch (e) {
        view.id = id; // tried this version: keep the old view until the file changes again
        options.onReopen?.(e);
      }
    },
    close: () => retire(view, true),
  };
}

export async function openSource(source: string, options: OpenSourceOptions = {}): Promise<ServeSource> {
  const s = fs.statSync(source);
  const module = crunchModuleOf(source);
  if (module) {
    const mod = (await import(pathToFileURL(nodePath.resolve(module)).href)) as { default: Crunch };
    return { kind: 'crunch', store: crunchStore(mod.default), refresh() {}, close() {} };
  }
  if (s.isDirectory()) return { kind: 'directory', store: directoryStore(source), refresh() {}, close() {} };
  return imageSource(source, options);
}

