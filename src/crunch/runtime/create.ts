/** Build the API object of a generated module from its manifest and, inline, its data. */
import type { Crunch } from './api.js';
import { ChunkFiles, InlineChunks } from './chunks.js';
import type { InlineData, Manifest } from './manifest.js';
import { middleware } from './node.js';
import { serve } from './serve.js';
import { serveStore } from './serve-store.js';
import { Store } from './store.js';

/** `data` holds the base64 chunks in inline mode; null means chunk files next to `baseUrl`. */
export function createCrunch(manifest: Manifest, data: InlineData | null, baseUrl: string): Crunch {
  if (manifest.version !== 1) throw new Error(`unsupported crunch manifest version ${String(manifest.version)}`);
  const source = data ? new InlineChunks(manifest, data) : new ChunkFiles(manifest, baseUrl);
  const store = new Store(manifest, source);
  const served = Object.freeze(serveStore(store));
  return Object.freeze({
    files: store.files,
    directories: store.directories,
    has: (path: string) => store.has(path),
    stat: (path: string) => store.stat(path),
    read: (path: string) => store.read(path),
    readSync: (path: string) => store.readSync(path),
    readText: (path: string) => store.readText(path),
    readDir: (dir?: string) => store.readDir(dir),
    walk: (dir?: string) => store.walk(dir),
    preload: (paths?: readonly string[]) => store.preload(paths),
    serve: (request: Request, options?: Parameters<Crunch['serve']>[1]) => serve(served, request, options),
    middleware: (options?: Parameters<Crunch['middleware']>[0]) => middleware(served, options),
    store: served,
  });
}
