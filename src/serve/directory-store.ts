/**
 * A host directory as a read-only store (development). Nothing outside the root is ever served:
 * every path is resolved with its symbolic links (realpath) and must still lie inside the root's
 * own real path; names are taken as they are (case-sensitive where the file system is).
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { chunkedStream } from './chunked-stream.js';
import type { ReadOnlyStore, StoreDirectory, StoreEntry, StoreFile } from './store.js';
import { contentTypeFor } from './content-type.js';

const hex = (n: number | bigint): string => n.toString(16);

export function directoryStore(root: string): ReadOnlyStore {
  const realRoot = fs.realpathSync(root);
  if (!fs.statSync(realRoot).isDirectory()) throw Object.assign(new Error(`not a directory: ${root}`), { code: 'ENOTDIR' });
  /** The real path of a store path, when it exists inside the root. */
  const inside = (path: string): string | undefined => {
    let real: string;
    try {
      real = fs.realpathSync(nodePath.join(realRoot, ...path.split('/')));
    } catch {
      return undefined;
    }
    return real === realRoot || real.startsWith(realRoot.endsWith(nodePath.sep) ? realRoot : realRoot + nodePath.sep) ? real : undefined;
  };
  const fileOf = (path: string): string => {
    const real = inside(path);
    if (real === undefined) throw Object.assign(new Error(`no such file: ${path}`), { code: 'ENOENT' });
    return real;
  };
  return {
    stat(path): StoreFile | StoreDirectory | undefined {
      const real = inside(path);
      if (real === undefined) return undefined;
      let s: fs.BigIntStats;
      try {
        s = fs.statSync(real, { bigint: true });
      } catch {
        return undefined;
      }
      if (s.isDirectory()) return { type: 'directory', path };
      if (!s.isFile()) return undefined;
      const size = Number(s.size);
      return {
        type: 'file', path, size,
        mtimeMs: Number(s.mtimeMs),
        etag: `"${hex(s.ino)}-${hex(s.size)}-${hex(s.mtimeNs)}"`,
        contentType: contentTypeFor(path),
      };
    },
    list(path) {
      const real = fileOf(path);
      return fs.readdirSync(real, { withFileTypes: true })
        .filter((d) => d.isFile() || d.isDirectory() || d.isSymbolicLink())
        .map((d): StoreEntry => ({ name: d.name, path: path === '' ? d.name : `${path}/${d.name}`, type: d.isDirectory() ? 'directory' : 'file' }));
    },
    read(file, start, end) {
      const fd = fs.openSync(fileOf(file.path), 'r');
      try {
        const out = new Uint8Array(Math.max(0, end - start));
        let n = 0;
        while (n < out.length) {
          const got = fs.readSync(fd, out, n, out.length - n, start + n);
          if (got === 0) break;
          n += got;
        }
        return n === out.length ? out : out.subarray(0, n);
      } finally {
        fs.closeSync(fd);
      }
    },
    stream(file, start, end) {
      const fd = fs.openSync(fileOf(file.path), 'r');
      return chunkedStream((into, position) => fs.readSync(fd, into, 0, into.length, position), start, end, () => fs.closeSync(fd));
    },
  };
}
