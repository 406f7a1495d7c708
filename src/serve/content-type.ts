/**
 * Content-Type for a path from its extension (mime-db through mime-types), `charset=utf-8` for
 * text, octet-stream when unknown: the one table crunch stores in its modules and the image and
 * directory stores answer with, so every store gives a file the same type. Node-side (mime-types
 * is CommonJS); loaded on the first lookup, so commands that never ask do not pay for mime-db.
 */
import { createRequire } from 'node:module';

let mime: typeof import('mime-types') | undefined;
const mimeTypes = (): typeof import('mime-types') => (mime ??= createRequire(import.meta.url)('mime-types') as typeof import('mime-types'));

export function contentTypeFor(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return mimeTypes().contentType(name) || 'application/octet-stream';
}
