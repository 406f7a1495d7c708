import type { Volume } from './volume.js';
import type { Directory } from '../dir/dir-handle.js';
import type { DirRecord } from '../dir/directory.js';
import { ATTR } from '../format/dir-entry.js';
import { encodeDosTime } from '../format/dos-time.js';
import { FatError } from '../errors.js';
import { readClusters, writeClusters, zeroClusters } from '../file/chain.js';
import { FatStats } from '../dir/stats.js';
import { MAX_FILE_SIZE, extendChain, refuseRoot, shrinkChain, writeFile } from './write-ops.js';

/** Node-style open flags. */
export type OpenFlags = 'r' | 'r+' | 'w' | 'w+' | 'wx' | 'wx+' | 'a' | 'a+' | 'ax' | 'ax+';

const FLAGS: Record<OpenFlags, { read: boolean; write: boolean; create: boolean; truncate: boolean; exclusive: boolean; append: boolean }> = {
  r: { read: true, write: false, create: false, truncate: false, exclusive: false, append: false },
  'r+': { read: true, write: true, create: false, truncate: false, exclusive: false, append: false },
  w: { read: false, write: true, create: true, truncate: true, exclusive: false, append: false },
  'w+': { read: true, write: true, create: true, truncate: true, exclusive: false, append: false },
  wx: { read: false, write: true, create: true, truncate: true, exclusive: true, append: false },
  'wx+': { read: true, write: true, create: true, truncate: true, exclusive: true, append: false },
  a: { read: false, write: true, create: true, truncate: false, exclusive: false, append: true },
  'a+': { read: true, write: true, create: true, truncate: false, exclusive: false, append: true },
  ax: { read: false, write: true, create: true, truncate: false, exclusive: true, append: true },
  'ax+': { read: true, write: true, create: true, truncate: false, exclusive: true, append: true },
};

/** What every handle on one file shares: where its entry is, its chain, whether it was removed. */
export interface OpenFile {
  dir: Directory;
  rec: DirRecord;
  path: string;
  chain: number[];
  removed: boolean;
  refs: number;
}

/**
 * An open file: positioned reads and writes, seek, truncate. Every write goes data, FAT, directory
 * entry, so the entry never claims bytes the chain does not hold.
 */
export class FileHandle {
  private pos = 0;
  private closed = false;
  private readonly file: OpenFile;

  private constructor(
    private readonly vol: Volume,
    dir: Directory,
    rec: DirRecord,
    path: string,
    private readonly mode: (typeof FLAGS)[OpenFlags],
  ) {
    this.file = vol.openFileState(dir, rec, path);
  }

  /** The file's path (it follows renames). */
  get path(): string {
    return this.file.path;
  }

  private get rec(): DirRecord {
    return this.file.rec;
  }

  private get dir(): Directory {
    return this.file.dir;
  }

  private get chain(): number[] {
    return this.file.chain;
  }

  static open(vol: Volume, path: string, flags: OpenFlags = 'r'): FileHandle {
    const mode = FLAGS[flags];
    if (!mode) throw new FatError('EINVAL', `invalid open flags ${JSON.stringify(flags)}`);
    refuseRoot(path);
    if (mode.write) vol.beginWrite();
    let t = vol.resolveForCreate(path);
    if (t.existing) {
      if (t.existing.raw.attr & ATTR.DIRECTORY) throw new FatError('EISDIR', `is a directory: ${t.path}`, { path: t.path });
      if (mode.exclusive) throw new FatError('EEXIST', `file already exists: ${t.path}`, { path: t.path });
    } else {
      if (!mode.create) throw new FatError('ENOENT', `no such file or directory: ${t.path}`, { path: t.path });
      writeFile(vol, path, new Uint8Array(0));
      t = vol.resolveForCreate(path);
    }
    const h = new FileHandle(vol, t.dir, t.existing!, t.path, mode);
    if (mode.truncate && t.existing!.raw.size > 0) h.truncate(0);
    return h;
  }

  get size(): number {
    return this.rec.raw.size;
  }

  /** The position that reads and writes without an explicit position use. */
  get position(): number {
    return this.pos;
  }

  seek(offset: number, whence: 'set' | 'cur' | 'end' = 'set'): number {
    this.assertOpen();
    const base = whence === 'set' ? 0 : whence === 'cur' ? this.pos : this.size;
    const p = base + offset;
    if (!Number.isSafeInteger(p) || p < 0) throw new FatError('EINVAL', `invalid seek to ${p}`, { path: this.path });
    this.pos = p;
    return p;
  }

  /** Read up to `length` bytes into `buffer` at `offset`; returns the count (0 at end of file). */
  read(buffer: Uint8Array, offset = 0, length = buffer.length - offset, position: number | null = null): number {
    this.assertOpen();
    if (!this.mode.read) throw new FatError('EBADF', `${this.path} is not open for reading`, { path: this.path });
    const at = position ?? this.pos;
    const n = Math.max(0, Math.min(length, this.size - at));
    if (n > 0) readClusters(this.vol, this.chain, at, n, buffer, offset);
    if (position === null) this.pos = at + n;
    return n;
  }

  /** Write `data` at `position` (or the current position; always the end in append mode). */
  write(data: Uint8Array, position: number | null = null): number {
    this.assertOpen();
    if (!this.mode.write) throw new FatError('EBADF', `${this.path} is not open for writing`, { path: this.path });
    const at = this.mode.append ? this.size : position ?? this.pos;
    if (data.length === 0) return 0; // like pwrite(): nothing written, the size unchanged
    const end = at + data.length;
    if (end > MAX_FILE_SIZE) throw new FatError('EFBIG', `file too large: ${this.path} would be ${end} bytes (FAT allows 4 GiB - 1)`, { path: this.path });
    const oldSize = this.size;
    if (end > oldSize) extendChain(this.vol, this.rec, this.chain, Math.ceil(end / this.vol.geo.clusterSize));
    if (at > oldSize) zeroClusters(this.vol, this.chain, oldSize, at - oldSize);
    writeClusters(this.vol, this.chain, at, data, end >= oldSize);
    this.vol.fat.flush();
    this.touch(Math.max(oldSize, end));
    if (position === null || this.mode.append) this.pos = end;
    return data.length;
  }

  /** Cut or extend (with zeros) to `length` bytes. */
  truncate(length = 0): void {
    this.assertOpen();
    if (!this.mode.write) throw new FatError('EBADF', `${this.path} is not open for writing`, { path: this.path });
    if (!Number.isSafeInteger(length) || length < 0) throw new FatError('EINVAL', `invalid length ${length}`, { path: this.path });
    if (length > MAX_FILE_SIZE) throw new FatError('EFBIG', `file too large: ${this.path} would be ${length} bytes (FAT allows 4 GiB - 1)`, { path: this.path });
    const oldSize = this.size;
    const want = Math.ceil(length / this.vol.geo.clusterSize);
    if (length > oldSize) {
      extendChain(this.vol, this.rec, this.chain, want);
      zeroClusters(this.vol, this.chain, oldSize, length - oldSize);
      this.vol.fat.flush();
      this.touch(length);
    } else {
      // Shrinking: the entry first, then the FAT (a crash leaves lost clusters, never a short chain).
      const keep = this.chain.length;
      this.touch(length, want === 0 ? 0 : undefined);
      if (want < keep) {
        shrinkChain(this.vol, this.rec, this.chain, want);
        this.vol.fat.flush();
      }
    }
  }

  private touch(size: number, cluster?: number): void {
    const m = encodeDosTime(this.vol.now());
    this.rec.raw.size = size;
    if (cluster !== undefined) this.rec.raw.cluster = cluster;
    else if (this.chain.length) this.rec.raw.cluster = this.chain[0];
    this.rec.raw.mtime = m.time;
    this.rec.raw.mdate = m.date;
    this.rec.raw.adate = m.date;
    this.rec.raw.attr |= ATTR.ARCHIVE;
    this.dir.update(this.rec);
    this.dir.flush();
  }

  stat(): FatStats {
    return new FatStats(this.rec.name, this.rec.shortName, this.rec.raw);
  }

  /** Make this file's changes durable. */
  sync(): void {
    this.assertOpen();
    this.vol.fat.flush();
    this.dir.flush();
    this.vol.device.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.vol.releaseFileState(this.file);
  }

  private assertOpen(): void {
    if (this.closed || this.vol.isClosed) throw new FatError('EBADF', `${this.path} is closed`, { path: this.path });
    if (this.file.removed) throw new FatError('ENOENT', `${this.path} was removed while open`, { path: this.path });
  }
}
