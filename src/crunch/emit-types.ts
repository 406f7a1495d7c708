/** The generated .d.ts: the same API as runtime/api.ts, with a union type of every path. */
import type { Manifest } from './runtime/manifest.js';
import { BANNER } from './emit-module.js';

function union(names: readonly string[]): string {
  if (names.length === 0) return ' never';
  return names.map((n) => `\n  | ${JSON.stringify(n)}`).join('');
}

const API = `
export type Encoding = 'br' | 'gzip';

export interface FileStat {
  type: 'file';
  /** POSIX path relative to the crunched directory. */
  path: Path;
  size: number;
  /** Content type from mime-db, with \`charset=utf-8\` for text. */
  contentType: string;
  /** Modification time in ms (whole seconds, clamped to SOURCE_DATE_EPOCH when it was set). */
  mtimeMs: number;
  mtime: Date;
  /** sha256 of the content, hex. */
  sha256: string;
  /** Strong ETag of the identity representation. */
  etag: string;
  /** Subresource Integrity value: \`sha256-<base64>\`. */
  integrity: string;
  /** Stored compressed representations, smallest first. */
  variants: { encoding: Encoding; size: number; etag: string }[];
}

export interface DirStat {
  type: 'directory';
  path: DirPath;
}

export interface Dirent {
  name: string;
  path: Path | DirPath;
  type: 'file' | 'directory';
}

/** One servable form of a file: its identity (no \`encoding\`) or a compressed form of it. */
export interface StoredFile extends FileStat {
  encoding?: Encoding;
}

/**
 * This module as fatkit's read-only store: what serve() and middleware() run on, and what
 * \`fat serve\` and fatkit's \`serve(store)\` take. variants() gives the stored br/gzip forms and,
 * for a coding not stored, an \`x.br\`/\`x.gz\` file beside \`x\`.
 */
export interface CrunchStore {
  stat(path: string): StoredFile | DirStat | undefined;
  list(path: string): Dirent[];
  /** Bytes [start, end) of a file stat() or variants() gave: a view that must not be changed. */
  read(file: StoredFile, start: number, end: number): Promise<Uint8Array>;
  variants(file: StoredFile): Promise<StoredFile[]>;
}

export interface ServeOptions {
  /** File served for a directory URL (\`/docs/\`); false for none. Default \`index.html\`. */
  index?: string | false;
  /** Redirect \`/docs\` to \`/docs/\` (301) when \`docs/<index>\` exists. Default true. */
  redirect?: boolean;
  /** Single-page-app fallback: answers GET/HEAD of unknown paths whose last segment has no dot. */
  fallback?: Path;
  /** URL path the files are mounted at (\`/static\`); other paths are not served. Default \`/\`. */
  prefix?: string;
  /** Cache-Control value, or a function of the file. Default \`public, max-age=0, must-revalidate\`. */
  cacheControl?: string | ((stat: FileStat) => string);
}

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
/** A node:http / Express / Connect handler; calls next() (or answers 404) for paths it does not serve. */
export type NodeMiddleware = (req: NodeRequestLike, res: NodeResponseLike, next?: (err?: unknown) => void) => void;

/** Every file path, sorted. */
export declare const files: readonly Path[];
/** Every directory except the root (empty ones too), sorted. */
export declare const directories: readonly Exclude<DirPath, ''>[];
export declare function has(path: string): path is Path;
/** Metadata only: loads no content. */
export declare function stat(path: Path): FileStat;
export declare function stat(path: string): FileStat | DirStat | undefined;
/** A copy of the content (loads its chunks on first use). Rejects with code ENOENT or EISDIR. */
export declare function read(path: Path): Promise<Uint8Array>;
/** Synchronous read: always works inline; in directory mode after \`await preload()\` (else code EAGAIN). */
export declare function readSync(path: Path): Uint8Array;
/** The content decoded as UTF-8. */
export declare function readText(path: Path): Promise<string>;
/** The entries of a directory (\`''\` is the root), sorted by name. */
export declare function readDir(dir?: DirPath): Dirent[];
/** Every file and directory below \`dir\`, sorted by path. */
export declare function walk(dir?: DirPath): IterableIterator<Dirent>;
/** Load the content of some files (default all) now rather than on first read. */
export declare function preload(paths?: readonly Path[]): Promise<void>;
/** Answer a GET or HEAD for one of these files, or undefined when the path is not one of them. */
export declare function serve(request: Request, options?: ServeOptions): Promise<Response | undefined>;
/** The same as a Node \`(req, res, next)\` handler. */
export declare function middleware(options?: ServeOptions): NodeMiddleware;
/** The module as a read-only store (stat, list, read a range, variants): \`serve(store)\` in fatkit. */
export declare const store: CrunchStore;

declare const crunch: {
  readonly files: typeof files;
  readonly directories: typeof directories;
  readonly has: typeof has;
  readonly stat: typeof stat;
  readonly read: typeof read;
  readonly readSync: typeof readSync;
  readonly readText: typeof readText;
  readonly readDir: typeof readDir;
  readonly walk: typeof walk;
  readonly preload: typeof preload;
  readonly serve: typeof serve;
  readonly middleware: typeof middleware;
  readonly store: typeof store;
};
export default crunch;

// Request and Response come from lib.dom or @types/node; these empty declarations only merge
// with them, and keep this file valid when neither is loaded.
declare global {
  interface Request {}
  interface Response {}
}
`;

export function emitTypes(manifest: Manifest): string {
  return [
    BANNER,
    '',
    '/** Every file in this module. */',
    `export type Path =${union(manifest.files.map((f) => f[0]))};`,
    "/** Every directory in this module; '' is the root. */",
    `export type DirPath =${union(['', ...manifest.directories])};`,
    API,
  ].join('\n');
}
