import type { BlockDevice } from '../device/block-device.js';
import { MemoryDevice } from '../device/memory.js';
import type { Geometry } from '../format/geometry.js';
import { decodeBootSector, validateBootSector, type BootSector } from '../format/boot-sector.js';
import { computeGeometry } from '../format/geometry.js';
import { codePage, type CodePage, type CodePageName } from '../format/code-page.js';
import { FatError } from '../errors.js';
import { FatTable } from '../table/fat-table.js';
import { SectorIO } from '../table/sector-io.js';
import { ATTR } from '../format/dir-entry.js';
import type { DirLocation, DirRecord, Problem, VolumeCore } from '../dir/directory.js';
import { Directory } from '../dir/dir-handle.js';
import * as ops from './write-ops.js';
import { FileHandle, type OpenFile, type OpenFlags } from './file-handle.js';
import { setLabel } from './label.js';
import { fileClusters, readChunks, readClusters } from '../file/chain.js';
import { FatStats, type FatDirent } from '../dir/stats.js';
import { joinPath } from '../format/path.js';
import { PathResolver, type DirAt, type ForCreate, type Resolved } from './resolve.js';
import { tinyVolumeImage } from './shape-keeper.js';
import { walkVolume, type WalkEntry, type WalkOptions } from './walk.js';
import { isDirty, readFsInfo, setCleanBit, volumeInfo, writeFsInfo, type VolumeInfo } from './state.js';
import { readableOf, writableOf } from './streams.js';
import { OpenFiles } from './open-files.js';
import { claimWriter, releaseWriter } from './writers.js';

export type { VolumeInfo } from './state.js';
export type { WalkEntry, WalkOptions } from './walk.js';

export interface VolumeOptions {
  /** OEM code page for short names: cp437 (default) or cp850. */
  codePage?: CodePageName;
  /** Open without write access even when the device allows it. */
  readOnly?: boolean;
  /** Called for each problem found while reading (skipped entries, bad long names); also kept in `problems`. */
  onProblem?: (problem: Problem) => void;
  /** The clock for new timestamps (default: the current time). Fix it for reproducible images. */
  now?: () => Date;
  /**
   * Close the device when the volume is closed (default false: whoever opened a device closes it,
   * so a device can be opened again; openImage, which opens its file, passes true).
   */
  closeDevice?: boolean;
  /** Called once after the volume is closed (e.g. to close the image file under a partition). */
  onClose?: () => void;
}

const MAX_PROBLEMS = 10000;

/** See shape-keeper.ts. */
let shapeKeeper: Volume | undefined;
/** @internal The kept volume (after the first open). */
export const keptVolume = (): Volume | undefined => shapeKeeper;
/** A mounted FAT volume: the fs-like facade over a block device. */
export class Volume implements VolumeCore {
  readonly io: SectorIO;
  readonly geo: Geometry;
  readonly fat: FatTable;
  readonly page: CodePage;
  readonly bootSector: BootSector;
  readonly readOnly: boolean;
  /** Problems found while reading (skipped entries, bad long names), at most 10,000. */
  readonly problems: Problem[] = [];
  private readonly seenProblems = new Set<string>();
  private readonly dirCache = new Map<string, Directory>();
  /** Paths to entries and directories, with the cache of directories found by path (resolve.ts). */
  private readonly paths = new PathResolver(this);
  /** Files with open handles, by their entry: one shared chain per file, kept right across renames. */
  private readonly openFiles = new OpenFiles();
  private closed = false;
  /** Set once the first change marks the volume dirty (FAT[1] clean bit cleared). */
  private dirtyMarked = false;
  private wasDirty: boolean;

  private constructor(readonly device: BlockDevice, private readonly options: VolumeOptions) {
    if (device.sectorSize > 4096 || device.sectorSize < 512) {
      throw new FatError('EINVAL', `device sector size ${device.sectorSize} is not 512..4096`);
    }
    if (device.sectorCount < 1) throw new FatError('FAT_NOT_FAT', 'not a FAT image: the image is empty');
    const first = new Uint8Array(device.sectorSize);
    device.read(0, first);
    const bs = decodeBootSector(first);
    validateBootSector(bs);
    this.bootSector = bs;
    this.io = new SectorIO(device, bs.bytesPerSector);
    this.geo = computeGeometry(bs, this.io.sectorCount);
    this.fat = new FatTable(this.io, this.geo);
    this.page = codePage(options.codePage ?? 'cp437');
    this.readOnly = options.readOnly === true || device.readOnly;
    this.wasDirty = isDirty(this);
    const fsi = readFsInfo(this);
    if (fsi && !this.wasDirty) this.fat.setHint(fsi.nextFree);
    if (!this.readOnly) claimWriter(device);
  }

  /** Mount the FAT volume on `device` (which starts at the boot sector; see findFatVolume). */
  static open(device: BlockDevice, options: VolumeOptions = {}): Volume {
    // One small volume kept alive keeps V8's optimized volume code alive (shape-keeper.ts).
    shapeKeeper ??= new Volume(new MemoryDevice(tinyVolumeImage(), { readOnly: true }), { readOnly: true });
    return new Volume(device, options);
  }

  // ---- problems ----

  /** @internal */
  report(p: Problem): void {
    const key = `${p.path}\0${p.message}`;
    if (this.seenProblems.has(key)) return;
    this.seenProblems.add(key);
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(p);
    this.options.onProblem?.(p);
  }

  // ---- directories ----

  /** @internal */
  rootLocation(): DirLocation {
    return this.geo.fatType === 32 ? { kind: 'chain', cluster: this.geo.rootCluster } : { kind: 'fixed' };
  }

  /** @internal The directory at `loc` (cached; mutations keep the cache right). */
  dir(loc: DirLocation, path: string): Directory {
    this.assertOpen();
    const key = loc.kind === 'fixed' ? 'root' : String(loc.cluster);
    let d = this.dirCache.get(key);
    if (!d) {
      d = new Directory(this, loc, path);
      for (const p of d.problems) this.report(p);
      this.dirCache.set(key, d);
    }
    return d;
  }

  /** @internal A directory just made at `cluster`, whose bytes (as written) are `bytes`: cached without reading them back. */
  adoptDir(cluster: number, path: string, bytes: Uint8Array): void {
    this.dirCache.set(String(cluster), new Directory(this, { kind: 'chain', cluster }, path, bytes));
  }

  /** @internal Forget a removed directory (its clusters may be reused). */
  forgetDir(cluster: number): void {
    this.dirCache.delete(String(cluster));
    this.paths.forget();
  }

  /** @internal A directory is about to move or be removed: paths resolved before may now lead elsewhere. */
  forgetPaths(): void {
    this.paths.forget();
  }

  /** @internal Every cached directory with unwritten changes is written. */
  flushDirs(): void {
    for (const d of this.dirCache.values()) d.flush();
  }

  /** @internal Location of the directory a record points to (FAT12/16: cluster 0 means the root). */
  dirLocationOf(rec: DirRecord | undefined, path: string): DirLocation {
    if (!rec) return this.rootLocation();
    const c = rec.raw.cluster;
    if (c === 0 || (this.geo.fatType === 32 && c === this.geo.rootCluster)) {
      throw new FatError('FAT_CORRUPT', `corrupt directory: ${path} points back to the root directory`, { structure: 'directory', path });
    }
    return { kind: 'chain', cluster: c };
  }

  /** @internal Resolve a path to its record (undefined for the root) and the listing that holds it. */
  resolve(path: string): Resolved {
    return this.paths.resolve(path);
  }

  /** @internal What `stat` returns for a record (undefined: the root). */
  statsOf(rec: DirRecord | undefined): FatStats {
    return rec ? new FatStats(rec.name, rec.shortName, rec.raw) : new FatStats('', '', undefined, this.geo.rootCluster);
  }

  stat(path: string): FatStats {
    return this.statsOf(this.resolve(path).rec);
  }

  /** The canonical absolute path of an existing entry, with names as stored (`/Docs/ReadMe.txt`). */
  realpath(path: string): string {
    return this.resolve(path).path;
  }

  exists(path: string): boolean {
    try {
      this.resolve(path);
      return true;
    } catch (e) {
      if (e instanceof FatError && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return false;
      throw e;
    }
  }

  /** Names in a directory, in on-disk order. */
  readdir(path: string): string[];
  readdir(path: string, options: { withFileTypes: true }): FatDirent[];
  readdir(path: string, options?: { withFileTypes?: boolean }): string[] | FatDirent[] {
    const { rec, path: abs } = this.resolve(path);
    if (rec && !(rec.raw.attr & ATTR.DIRECTORY)) throw new FatError('ENOTDIR', `not a directory: ${abs}`, { path: abs });
    const listing = this.dir(this.dirLocationOf(rec, abs), abs);
    if (!options?.withFileTypes) return listing.records.map((r) => r.name);
    return listing.records.map((r) => {
      const stats = this.statsOf(r);
      return { name: r.name, parentPath: abs, stats, isFile: () => stats.isFile(), isDirectory: () => stats.isDirectory() };
    });
  }

  /**
   * Every entry below `path`, depth first in on-disk order. Directories that link back to one
   * already visited (a corrupt image) are reported and not entered.
   */
  walk(path = '/', options: WalkOptions = {}): Generator<WalkEntry> {
    return walkVolume(this, path, options);
  }

  /** @internal The directory (record) at `path`, which must be one (remembered in the path cache). */
  dirAt(path: string): DirAt {
    return this.paths.dirAt(path);
  }

  /**
   * @internal Where a new entry named by `path` goes: its parent directory (which must exist), the
   * cleaned name, and the entry already there under that name, if any.
   */
  resolveForCreate(path: string): ForCreate {
    return this.paths.resolveForCreate(path);
  }

  /** @internal Called before the first change: refuses read-only volumes, marks the volume dirty. */
  beginWrite(): void {
    this.assertOpen();
    if (this.readOnly) throw new FatError('EROFS', 'the volume is open read-only');
    if (this.dirtyMarked) return;
    this.dirtyMarked = true;
    setCleanBit(this, false);
    this.fat.flush();
  }

  /** @internal The shared state of an open file (created on first open, counted). */
  openFileState(dir: Directory, rec: DirRecord, path: string): OpenFile {
    return this.openFiles.open(dir, rec, path, () => fileClusters(this, rec.raw, path));
  }

  /** @internal A handle closed. */
  releaseFileState(f: OpenFile): void {
    this.openFiles.release(f);
  }

  /** @internal An entry moved to a new record (rename): open handles follow it. */
  fileMoved(from: DirRecord, to: DirRecord, dir: Directory, path: string): void {
    this.openFiles.moved(from, to, dir, path);
  }

  /** @internal An entry was removed: its open handles fail from now on (its clusters are freed). */
  fileRemoved(rec: DirRecord): void {
    this.openFiles.removed(rec);
  }

  /** @internal A file's chain was replaced or extended by a path operation: reload the shared chain. */
  fileChanged(rec: DirRecord): void {
    this.openFiles.changed(rec, (f) => fileClusters(this, rec.raw, f.path));
  }

  /** @internal The time to stamp on new and changed entries. */
  now(): Date {
    return this.options.now ? this.options.now() : new Date();
  }

  // ---- files ----

  private fileOf(path: string): { clusters: number[]; size: number; path: string } {
    const { rec, path: abs } = this.resolve(path);
    if (!rec || rec.raw.attr & ATTR.DIRECTORY) throw new FatError('EISDIR', `is a directory: ${abs}`, { path: abs });
    return { clusters: fileClusters(this, rec.raw, abs), size: rec.raw.size, path: abs };
  }

  readFile(path: string): Uint8Array;
  readFile(path: string, encoding: 'utf8' | 'utf-8'): string;
  readFile(path: string, encoding?: 'utf8' | 'utf-8'): Uint8Array | string {
    const f = this.fileOf(path);
    const out = new Uint8Array(f.size);
    readClusters(this, f.clusters, 0, f.size, out);
    return encoding ? new TextDecoder().decode(out) : out;
  }

  /** A file's bytes in chunks (bounded memory for large files). */
  *readChunks(path: string, chunkSize = 1 << 20): Generator<Uint8Array> {
    const f = this.fileOf(path);
    yield* readChunks(this, f.clusters, f.size, chunkSize);
  }

  /** A web ReadableStream of a file's bytes (Node 18+, browsers, workers). */
  createReadStream(path: string, options: { chunkSize?: number } = {}): ReadableStream<Uint8Array> {
    return readableOf(this.readChunks(path, options.chunkSize));
  }

  // ---- changes (write-ops.ts, file-handle.ts, label.ts) ----

  /** Create or replace a file (`flag: 'wx'` refuses to replace, `'a'` appends). */
  writeFile(path: string, data: Uint8Array | string, options: ops.WriteFileOptions = {}): void {
    ops.writeFile(this, path, typeof data === 'string' ? new TextEncoder().encode(data) : data, options);
  }

  appendFile(path: string, data: Uint8Array | string, options: ops.EntryOptions = {}): void {
    ops.appendFile(this, path, typeof data === 'string' ? new TextEncoder().encode(data) : data, options);
  }

  /** Create a directory; with `recursive`, its missing parents too. Returns the first path created. */
  mkdir(path: string, options: ops.MkdirOptions = {}): string | undefined {
    return ops.mkdir(this, path, options);
  }

  /** Remove a file or directory (`recursive` for non-empty directories, `force` to ignore ENOENT). */
  rm(path: string, options: ops.RmOptions = {}): void {
    ops.rm(this, path, options);
  }

  rmdir(path: string): void {
    ops.rmdir(this, path);
  }

  unlink(path: string): void {
    ops.unlink(this, path);
  }

  /** Move or rename a file or directory (POSIX semantics: replaces an existing file). */
  rename(from: string, to: string): void {
    ops.rename(this, from, to);
  }

  utimes(path: string, atime: ops.TimeLike, mtime: ops.TimeLike): void {
    ops.utimes(this, path, atime, mtime);
  }

  /** Set or clear the read-only, hidden, system and archive bits. */
  setAttributes(path: string, attributes: ops.Attributes): void {
    ops.setAttributes(this, path, attributes);
  }

  /** Cut or extend (with zeros) a file to `length` bytes. */
  truncate(path: string, length = 0): void {
    const h = FileHandle.open(this, path, 'r+');
    try {
      h.truncate(length);
    } finally {
      h.close();
    }
  }

  /** Open a file with Node-style flags ('r', 'r+', 'w', 'w+', 'wx', 'a', 'a+', ...). */
  openFile(path: string, flags: OpenFlags = 'r'): FileHandle {
    return FileHandle.open(this, path, flags);
  }

  /** A web WritableStream that creates (or replaces, or with 'a' appends to) a file. */
  createWriteStream(path: string, options: { flags?: 'w' | 'wx' | 'a' } = {}): WritableStream<Uint8Array> {
    return writableOf(FileHandle.open(this, path, options.flags ?? 'w'));
  }

  /** Set the volume label (boot sector and root entry); undefined or '' removes it. */
  setLabel(label: string | undefined): void {
    setLabel(this, label);
  }

  // ---- volume ----

  info(): VolumeInfo {
    this.assertOpen();
    return volumeInfo(this);
  }

  /** @internal The volume itself marked the image dirty (its writes are under way): not damage a check reports. */
  get marksItselfDirty(): boolean {
    return this.dirtyMarked && !this.wasDirty;
  }

  /**
   * @internal Read again what a repair under this open volume (check's) may have changed: the boot
   * sector, the FAT and its FSInfo hint, every directory. Open files are found again at their
   * entries, their chains re-read (one whose entry is gone fails as removed).
   */
  reloadAfterRepair(): void {
    this.assertOpen();
    Object.assign(this.bootSector, decodeBootSector(this.io.readSectors(0, 1)));
    this.fat.reload();
    const fsi = readFsInfo(this);
    if (fsi) this.fat.setHint(fsi.nextFree);
    // Dirty bits the repair cleared: clean at close, yet marked again while this volume's writes go on.
    const dirty = isDirty(this);
    this.wasDirty = dirty && (!this.dirtyMarked || this.wasDirty);
    if (this.dirtyMarked && !dirty) setCleanBit(this, false);
    this.fat.flush();
    this.dirCache.clear();
    this.paths.forget();
    this.openFiles.reattach((f) => {
      const { dir } = this.dirAt(f.dir.path);
      const rec = dir.records.find((r) => r.index === f.rec.index);
      const same = JSON.stringify(dir.loc) === JSON.stringify(f.dir.loc);
      if (!same || !rec || rec.raw.attr & ATTR.DIRECTORY) throw new FatError('ENOENT', `${f.path} is gone`);
      return { dir, rec, path: joinPath(dir.path, rec.name), chain: fileClusters(this, rec.raw, f.path) };
    });
  }

  /** @internal EBADF once closed. */
  assertOpen(): void {
    if (this.closed) throw new FatError('EBADF', 'volume is closed');
  }

  /** Whether close() has been called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Write every pending change and the FSInfo counts, and make them durable. The volume stays open (and dirty). */
  flush(): void {
    this.assertOpen();
    if (!this.dirtyMarked) return;
    this.fat.flush();
    this.flushDirs();
    writeFsInfo(this);
    this.device.flush();
  }

  /** Flush and mark the volume clean (unless it was dirty when opened); close the device only with `closeDevice: true`. */
  close(): void {
    if (this.closed) return;
    if (this.dirtyMarked) {
      this.fat.flush();
      this.flushDirs();
      writeFsInfo(this);
      if (!this.wasDirty) setCleanBit(this, true);
      this.fat.flush();
      this.device.flush();
    }
    this.closed = true;
    if (!this.readOnly) releaseWriter(this.device);
    this.dirCache.clear();
    this.paths.forget();
    if (this.options.closeDevice === true) this.device.close();
    this.options.onClose?.();
  }
}

