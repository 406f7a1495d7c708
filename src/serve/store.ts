/**
 * The read-only store every way of serving a site goes through (MirageOS's KV_RO): stat a path,
 * list a directory, read a byte range. Paths are `/`-separated, relative, without a leading
 * slash ('' is the root), already decoded and checked by request-path.ts. Three stores implement
 * it: a FAT volume (volume-store.ts), a host directory (directory-store.ts) and a crunch module
 * (its runtime's store, crunch-store.ts for fat serve). No `node:` imports here.
 */

export type MaybePromise<T> = T | Promise<T>;

export type ContentCoding = 'br' | 'gzip';

export interface StoreFile {
  type: 'file';
  path: string;
  size: number;
  /** Modification time in ms; HTTP sees whole seconds. */
  mtimeMs: number;
  /** A strong validator, quoted (`"..."`): it changes whenever the bytes may have. */
  etag: string;
  /** Content-Type, with `charset=utf-8` for text. */
  contentType: string;
  /** Set on a stored compressed form of another file (variants()). */
  encoding?: ContentCoding;
}

export interface StoreDirectory {
  type: 'directory';
  path: string;
}

export interface StoreEntry {
  name: string;
  path: string;
  type: 'file' | 'directory';
}

export interface ReadOnlyStore<F extends StoreFile = StoreFile> {
  /** What is at `path`: a file, a directory, or undefined when nothing is (never throws for that). */
  stat(path: string): MaybePromise<F | StoreDirectory | undefined>;
  /** The entries of a directory (ENOENT, ENOTDIR otherwise). */
  list(path: string): MaybePromise<StoreEntry[]>;
  /** Bytes [start, end) of a file stat() (or variants()) returned. */
  read(file: F, start: number, end: number): MaybePromise<Uint8Array>;
  /**
   * Bytes [start, end) as a stream pulled in chunks (backpressure: nothing is read before it is
   * asked for). Optional: without it, serve() pulls read() in chunks itself.
   */
  stream?(file: F, start: number, end: number): ReadableStream<Uint8Array>;
  /**
   * The stored compressed forms of a file, each with `encoding` set. Optional: without it,
   * serve() looks for `.br` and `.gz` siblings (siblingVariants).
   */
  variants?(file: F): MaybePromise<F[]>;
}

const SIBLINGS: [ContentCoding, string][] = [['br', '.br'], ['gzip', '.gz']];

/** `x.br` and `x.gz` next to `x`, when they are files: the precompressed forms of `x`, smallest first. */
export async function siblingVariants<F extends StoreFile>(store: ReadOnlyStore<F>, file: F): Promise<F[]> {
  const out: F[] = [];
  for (const [encoding, suffix] of SIBLINGS) {
    const s = await store.stat(file.path + suffix);
    if (s && s.type === 'file') out.push({ ...s, encoding });
  }
  return out.sort((a, b) => a.size - b.size);
}
