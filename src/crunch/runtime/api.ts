/** The public shapes of a generated module (its .d.ts spells the same with typed paths). */
import type { Encoding } from './manifest.js';

export interface FileStat {
  type: 'file';
  /** POSIX path relative to the crunched directory. */
  path: string;
  size: number;
  /** Content type from mime-db, with `charset=utf-8` for text. */
  contentType: string;
  /** Modification time in ms (whole seconds; clamped to SOURCE_DATE_EPOCH at generation). */
  mtimeMs: number;
  mtime: Date;
  /** sha256 of the content, hex. */
  sha256: string;
  /** Strong ETag of the identity representation. */
  etag: string;
  /** Subresource Integrity value: `sha256-<base64>`. */
  integrity: string;
  /** Stored compressed representations, smallest first. */
  variants: { encoding: Encoding; size: number; etag: string }[];
}

export interface DirStat {
  type: 'directory';
  path: string;
}

export interface Dirent {
  name: string;
  path: string;
  type: 'file' | 'directory';
}

/** One servable form of a file: its identity (no `encoding`) or a compressed form of it. */
export interface StoredFile extends FileStat {
  encoding?: Encoding;
}

/**
 * The module as fatkit's read-only store (src/serve/store.ts): what its serve() and middleware()
 * run on, and what `fat serve` and fatkit's `serve(store)` take. variants() gives the module's
 * stored br/gzip forms and, for a coding it did not store, an `x.br`/`x.gz` file beside `x`.
 */
export interface CrunchStore {
  stat(path: string): StoredFile | DirStat | undefined;
  list(path: string): Dirent[];
  /** Bytes [start, end) of a file stat() or variants() gave: a view that must not be changed. */
  read(file: StoredFile, start: number, end: number): Promise<Uint8Array>;
  variants(file: StoredFile): Promise<StoredFile[]>;
}

export interface ServeOptions {
  /** File served for a directory URL (`/docs/`); false for none. Default `index.html`. */
  index?: string | false;
  /** Redirect `/docs` to `/docs/` (301) when `docs/<index>` exists. Default true. */
  redirect?: boolean;
  /**
   * Single-page-app fallback: this file answers (200) any GET/HEAD of an unknown path whose last
   * segment has no dot (`/app/settings`, not `/app.js`).
   */
  fallback?: string;
  /** URL path the files are mounted at (`/static`); other paths are not served. Default `/`. */
  prefix?: string;
  /** Cache-Control value, or a function of the file. Default `public, max-age=0, must-revalidate`. */
  cacheControl?: string | ((stat: FileStat) => string);
}

/** The `(req, res, next)` shape of node:http, Express and Connect, without importing them. */
export interface NodeRequestLike {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: Uint8Array): unknown;
}
export type NodeMiddleware = (req: NodeRequestLike, res: NodeResponseLike, next?: (err?: unknown) => void) => void;

export interface Crunch {
  readonly files: readonly string[];
  readonly directories: readonly string[];
  has(path: string): boolean;
  stat(path: string): FileStat | DirStat | undefined;
  read(path: string): Promise<Uint8Array>;
  readSync(path: string): Uint8Array;
  readText(path: string): Promise<string>;
  readDir(dir?: string): Dirent[];
  walk(dir?: string): IterableIterator<Dirent>;
  preload(paths?: readonly string[]): Promise<void>;
  serve(request: Request, options?: ServeOptions): Promise<Response | undefined>;
  middleware(options?: ServeOptions): NodeMiddleware;
  readonly store: CrunchStore;
}
