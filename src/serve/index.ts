/**
 * serve: a site straight from its image, a crunch module or a directory, through one read-only
 * store. The stores and handlers are small and load with fatkit; openServeSource (which may
 * import a generated module) loads on first use.
 */
import type { OpenSourceOptions, ServeSource } from './source.js';

/** Open what `fat serve SOURCE` serves: an image, a crunch output or a directory. */
export async function openServeSource(source: string, options: OpenSourceOptions = {}): Promise<ServeSource> {
  return (await import('./source.js')).openSource(source, options);
}

export type { OpenSourceOptions, ServeSource, SourceKind } from './source.js';
export type { ReadOnlyStore, StoreFile, StoreDirectory, StoreEntry, ContentCoding, MaybePromise } from './store.js';
export { siblingVariants } from './store.js';
export { handle, type CoreRequest, type CoreResponse, type HandleOptions } from './handle.js';
export { serve, answer, type ServeOptions as StaticServeOptions } from './serve.js';
export { nodeHandler, writeNodeResponse } from './node.js';
export { volumeStore, type VolumeStoreOptions } from './volume-store.js';
export { directoryStore } from './directory-store.js';
export { crunchStore } from './crunch-store.js';
export { contentTypeFor } from './content-type.js';
