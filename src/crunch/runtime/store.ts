/** Lookups over the manifest and reads through a ByteSource: everything but HTTP. */
import type { DirStat, Dirent, FileStat } from './api.js';
import { hexToBase64 } from './base64.js';
import type { ByteSource } from './chunks.js';
import { crunchError } from './errors.js';
import type { Encoding, FileRecord, Manifest, StreamName } from './manifest.js';

/** One stored form of a file: its bytes in a stream and its ETag. */
export interface Representation {
  encoding: Encoding | 'identity';
  stream: StreamName;
  offset: number;
  size: number;
  etag: string;
}

const etagOf = (hash: string): string => `"${hash.slice(0, 32)}"`;

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** UTF-16 code-unit order, the order of every list a module gives. */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `/a/b/` and `a/b` name the same entry. */
function normalize(path: string): string {
  return String(path).replace(/^\/+/, '').replace(/\/+$/, '');
}

export class Store {
  readonly files: readonly string[];
  readonly directories: readonly string[];
  private readonly byPath = new Map<string, FileRecord>();
  private readonly dirs: Set<string>;
  private children?: Map<string, Dirent[]>;
  private everything?: Dirent[];
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(readonly manifest: Manifest, private readonly source: ByteSource) {
    for (const record of manifest.files) this.byPath.set(record[0], record);
    this.files = Object.freeze(manifest.files.map((r) => r[0]));
    this.directories = Object.freeze([...manifest.directories]);
    this.dirs = new Set(manifest.directories);
  }

  file(path: string): FileRecord | undefined {
    return this.byPath.get(path);
  }

  has(path: string): boolean {
    return this.byPath.has(normalize(path));
  }

  isDirectory(path: string): boolean {
    return path === '' || this.dirs.has(path);
  }

  /** The identity representation and the stored variants, smallest first. */
  representations(record: FileRecord): Representation[] {
    const identity: Representation = { encoding: 'identity', stream: 'identity', offset: record[5], size: record[1], etag: etagOf(record[4]) };
    const variants = (record[6] ?? []).map(([encoding, offset, size, hash]): Representation => ({ encoding, stream: encoding, offset, size, etag: etagOf(hash) }));
    return [...variants, identity];
  }

  fileStat(record: FileRecord): FileStat {
    const [path, size, type, mtime, sha256] = record;
    return {
      type: 'file', path, size,
      contentType: this.manifest.types[type]!,
      mtimeMs: mtime * 1000,
      mtime: new Date(mtime * 1000),
      sha256,
      etag: etagOf(sha256),
      integrity: `sha256-${hexToBase64(sha256)}`,
      variants: this.representations(record).filter((r) => r.encoding !== 'identity')
        .map((r) => ({ encoding: r.encoding as Encoding, size: r.size, etag: r.etag })),
    };
  }

  stat(path: string): FileStat | DirStat | undefined {
    const p = normalize(path);
    const record = this.byPath.get(p);
    if (record) return this.fileStat(record);
    return this.isDirectory(p) ? { type: 'directory', path: p } : undefined;
  }

  private need(path: string): FileRecord {
    const p = normalize(path);
    const record = this.byPath.get(p);
    if (record) return record;
    if (this.isDirectory(p)) throw crunchError('EISDIR', `is a directory: ${p}`, p);
    throw crunchError('ENOENT', `no such file: ${p}`, p);
  }

  /** Bytes of a representation: a view into shared memory that must not be changed. */
  bytes(rep: Representation, start = 0, end = rep.size): Promise<Uint8Array> {
    return this.source.bytes(rep.stream, rep.offset + start, end - start, false);
  }

  async read(path: string): Promise<Uint8Array> {
    const record = this.need(path);
    return this.source.bytes('identity', record[5], record[1], true);
  }

  readSync(path: string): Uint8Array {
    const record = this.need(path);
    return this.source.bytesSync('identity', record[5], record[1], true);
  }

  async readText(path: string): Promise<string> {
    const record = this.need(path);
    return this.decoder.decode(await this.source.bytes('identity', record[5], record[1], false));
  }

  async preload(paths?: readonly string[]): Promise<void> {
    if (paths === undefined) {
      await this.source.load('identity', 0, this.manifest.streams.identity?.size ?? 0);
      return;
    }
    await Promise.all(paths.map((p) => {
      const record = this.need(p);
      return this.source.load('identity', record[5], record[1]);
    }));
  }

  private childIndex(): Map<string, Dirent[]> {
    if (!this.children) {
      const index = new Map<string, Dirent[]>([['', []]]);
      for (const d of this.directories) index.set(d, []);
      const add = (path: string, type: Dirent['type']): void => {
        const parent = parentOf(path);
        index.get(parent)!.push({ name: path.slice(parent === '' ? 0 : parent.length + 1), path, type });
      };
      for (const d of this.directories) add(d, 'directory');
      for (const f of this.files) add(f, 'file');
      for (const list of index.values()) list.sort((a, b) => byCodeUnits(a.name, b.name));
      this.children = index;
    }
    return this.children;
  }

  readDir(dir = ''): Dirent[] {
    const d = normalize(dir);
    const list = this.childIndex().get(d);
    if (list) return list.map((e) => ({ ...e }));
    if (this.byPath.has(d)) throw crunchError('ENOTDIR', `not a directory: ${d}`, d);
    throw crunchError('ENOENT', `no such directory: ${d}`, d);
  }

  /** Every entry below `dir`, sorted by path (a directory comes before its contents). */
  *walk(dir = ''): IterableIterator<Dirent> {
    const d = normalize(dir);
    if (!this.childIndex().has(d)) this.readDir(d); // throws the right error
    if (!this.everything) {
      const all = [...this.childIndex().values()].flat();
      this.everything = all.sort((a, b) => byCodeUnits(a.path, b.path));
    }
    const prefix = d === '' ? '' : `${d}/`;
    for (const e of this.everything) if (e.path.startsWith(prefix)) yield { ...e };
  }
}
