import type { BlockDevice } from '../device/block-device.js';
import type { Geometry, FatType } from '../format/geometry.js';
import { decodeBootSector, validateBootSector, type BootSector } from '../format/boot-sector.js';
import { computeGeometry } from '../format/geometry.js';
import { codePage, type CodePage, type CodePageName } from '../format/code-page.js';
import { FatError } from '../errors.js';
import { FatTable } from '../table/fat-table.js';
import { SectorIO } from '../table/sector-io.js';
import { decodeFsInfo, type FsInfo } from '../format/fs-info.js';
import { put32 } from '../format/bytes.js';
import { ATTR } from '../format/dir-entry.js';
import type { DirLocation, DirRecord, Problem, VolumeCore } from '../dir/directory.js';
import { Directory } from '../dir/dir-handle.js';
import { cleanName } from '../format/name-rules.js';
import * as ops from './write-ops.js';
import { FileHandle, type OpenFile, type OpenFlags } from './file-handle.js';
import { setLabel } from './label.js';
import { fileClusters, readChunks, readClusters } from '../file/chain.js';
import { FatStats, type FatDirent } from '../dir/stats.js';
import { joinPath, splitPath } from '../format/path.js';

export interface VolumeOptions {
  /** OEM code page for short names: cp437 (default) or cp850. */
  codePage?: CodePageName;
  /** Open without write access even when the device allows it. */
  readOnly?: boolean;
  /** Called for each problem found while reading (skipped entries, bad long names); also kept in `problems`. */
  onProblem?: (problem: Problem) => void;
  /** The clock for new timestamps (default: the current time). Fix it for reproducible images. */
  now?: () => Date;
  /** Close the device when the volume is closed (default true). */
  closeDevice?: boolean;
  /** Called once after the volume is closed (e.g. to close the image file under a partition). */
  onClose?: () => void;
}

export interface VolumeInfo {
  fatType: FatType;
  /** The label from the root directory entry, else from the boot sector; undefined when "NO NAME". */
  label: string | undefined;
  bootSectorLabel: string;
  volumeId: number;
  /** `ABCD-1234`, as DOS prints it. */
  volumeIdHex: string;
  oemName: string;
  media: number;
  sectorSize: number;
  sectorsPerCluster: number;
  clusterSize: number;
  totalSectors: number;
  reservedSectors: number;
  numFats: number;
  fatSize: number;
  rootEntries: number;
  rootCluster: number;
  dataStart: number;
  hiddenSectors: number;
  sectorsPerTrack: number;
  heads: number;
  clusterCount: number;
  freeClusters: number;
  usedClusters: number;
  /** Bytes in data clusters, and free bytes. */
  totalBytes: number;
  freeBytes: number;
  /** The volume was not cleanly unmounted (boot sector flag or FAT[1] clean bit). */
  dirty: boolean;
  /** FAT32 FSInfo as stored (undefined elsewhere or when its signatures are wrong). */
  fsInfo?: FsInfo;
}

export interface WalkEntry {
  path: string;
  stats: FatStats;
  depth: number;
}

export interface WalkOptions {
  /** Maximum depth below the start (1 = the start's children only). Default: unlimited. */
  depth?: number;
}

const MAX_PROBLEMS = 10000;

/** Devices a writable Volume is open on: a second one would overwrite the first's changes (EBUSY). */
const writers = new WeakSet<BlockDevice>();

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
  /** Files with open handles, by their entry: one shared chain per file, kept right across renames. */
  private readonly openFiles = new Map<DirRecord, OpenFile>();
  private closed = false;
  /** Set once the first change marks the volume dirty (FAT[1] clean bit cleared). */
  private dirtyMarked = false;
  private readonly wasDirty: boolean;

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
    this.wasDirty = this.isDirty();
    if (this.geo.fatType === 32 && bs.fsInfoSector >= 1 && bs.fsInfoSector < this.geo.reservedSectors) {
      const fsi = decodeFsInfo(this.io.readSectors(bs.fsInfoSector, 1));
      if (fsi && !this.wasDirty) this.fat.setHint(fsi.nextFree);
    }
    if (!this.readOnly) {
      if (writers.has(device)) throw new FatError('EBUSY', 'the device already has a writable volume open (close it first, or open this one read-only)');
      writers.add(device);
    }
  }

  /** Mount the FAT volume on `device` (which starts at the boot sector; see findFatVolume). */
  static open(device: BlockDevice, options: VolumeOptions = {}): Volume {
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

  private rootLocation(): DirLocation {
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

  /** @internal Forget a removed directory (its clusters may be reused). */
  forgetDir(cluster: number): void {
    this.dirCache.delete(String(cluster));
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
  resolve(path: string): { rec: DirRecord | undefined; parent: Directory | undefined; path: string } {
    const parts = splitPath(path);
    let loc = this.rootLocation();
    let cur = '/';
    let rec: DirRecord | undefined;
    let parent: Directory | undefined;
    for (let i = 0; i < parts.length; i++) {
      const listing = this.dir(loc, cur);
      // Trailing dots and spaces (and leading spaces) are not part of a name, on lookup as on create.
      const found = listing.find(parts[i].replace(/^ +/, '').replace(/[. ]+$/, '') || parts[i]);
      const next = joinPath(cur, found ? found.name : parts[i]);
      if (!found) throw new FatError('ENOENT', `no such file or directory: ${joinPath(cur, parts[i])}`, { path: next });
      parent = listing;
      rec = found;
      cur = next;
      if (i < parts.length - 1) {
        if (!(found.raw.attr & ATTR.DIRECTORY)) throw new FatError('ENOTDIR', `not a directory: ${cur}`, { path: cur });
        loc = this.dirLocationOf(found, cur);
      }
    }
    return { rec, parent, path: cur };
  }

  private statsOf(rec: DirRecord | undefined): FatStats {
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
  *walk(path = '/', options: WalkOptions = {}): Generator<WalkEntry> {
    const { rec, path: abs } = this.resolve(path);
    if (rec && !(rec.raw.attr & ATTR.DIRECTORY)) {
      yield { path: abs, stats: this.statsOf(rec), depth: 0 };
      return;
    }
    const maxDepth = options.depth ?? Infinity;
    const visited = new Set<number>([rec ? rec.raw.cluster : this.geo.rootCluster]);
    type Frame = { records: DirRecord[]; i: number; path: string; depth: number };
    const open = (loc: DirLocation, p: string, depth: number): Frame | undefined => {
      try {
        return { records: [...this.dir(loc, p).records], i: 0, path: p, depth };
      } catch (e) {
        if (e instanceof FatError && e.code === 'FAT_CORRUPT' && p !== abs) {
          this.report({ path: p, message: `skipped directory: ${e.message}`, skipped: true });
          return undefined;
        }
        throw e;
      }
    };
    const stack: Frame[] = [open(this.dirLocationOf(rec, abs), abs, 1)!];
    // Pre-order, depth first, entries in on-disk order.
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i >= top.records.length) {
        stack.pop();
        continue;
      }
      const r = top.records[top.i++];
      const p = joinPath(top.path, r.name);
      yield { path: p, stats: this.statsOf(r), depth: top.depth };
      if (!(r.raw.attr & ATTR.DIRECTORY) || top.depth >= maxDepth) continue;
      const c = r.raw.cluster;
      if (c === 0 || visited.has(c) || !this.fat.inRange(c)) {
        const why = !this.fat.inRange(c) && c !== 0 ? `its cluster ${c} is out of range` : 'it links back to a directory already visited';
        this.report({ path: p, message: `skipped directory contents: ${why}`, skipped: true });
        continue;
      }
      visited.add(c);
      const child = open({ kind: 'chain', cluster: c }, p, top.depth + 1);
      if (child) stack.push(child);
    }
  }

  /** @internal The directory (record) at `path`, which must be one. */
  dirAt(path: string): { dir: Directory; rec: DirRecord | undefined; path: string } {
    const { rec, path: abs } = this.resolve(path);
    if (rec && !(rec.raw.attr & ATTR.DIRECTORY)) throw new FatError('ENOTDIR', `not a directory: ${abs}`, { path: abs });
    return { dir: this.dir(this.dirLocationOf(rec, abs), abs), rec, path: abs };
  }

  /**
   * @internal Where a new entry named by `path` goes: its parent directory (which must exist), the
   * cleaned name, and the entry already there under that name, if any.
   */
  resolveForCreate(path: string): { dir: Directory; name: string; existing: DirRecord | undefined; path: string; parentCluster: number } {
    const parts = splitPath(path);
    const last = parts.pop();
    if (last === undefined) throw new FatError('EEXIST', 'the root directory already exists', { path: '/' });
    const parent = this.dirAt(`/${parts.join('/')}`);
    const name = cleanName(last, joinPath(parent.path, last));
    const existing = parent.dir.find(name);
    const parentCluster = parent.rec ? parent.rec.raw.cluster : 0;
    return { dir: parent.dir, name, existing, path: joinPath(parent.path, existing ? existing.name : name), parentCluster };
  }

  /** @internal Called before the first change: refuses read-only volumes, marks the volume dirty. */
  beginWrite(): void {
    this.assertOpen();
    if (this.readOnly) throw new FatError('EROFS', 'the volume is open read-only');
    if (this.dirtyMarked) return;
    this.dirtyMarked = true;
    this.setCleanBit(false);
    this.fat.flush();
  }

  /** @internal The shared state of an open file (created on first open, counted). */
  openFileState(dir: Directory, rec: DirRecord, path: string): OpenFile {
    let f = this.openFiles.get(rec);
    if (!f) {
      f = { dir, rec, path, chain: fileClusters(this, rec.raw, path), removed: false, refs: 0 };
      this.openFiles.set(rec, f);
    }
    f.refs++;
    return f;
  }

  /** @internal A handle closed. */
  releaseFileState(f: OpenFile): void {
    if (--f.refs <= 0 && this.openFiles.get(f.rec) === f) this.openFiles.delete(f.rec);
  }

  /** @internal An entry moved to a new record (rename): open handles follow it. */
  fileMoved(from: DirRecord, to: DirRecord, dir: Directory, path: string): void {
    const f = this.openFiles.get(from);
    if (!f) return;
    this.openFiles.delete(from);
    f.rec = to;
    f.dir = dir;
    f.path = path;
    this.openFiles.set(to, f);
  }

  /** @internal An entry was removed: its open handles fail from now on (its clusters are freed). */
  fileRemoved(rec: DirRecord): void {
    const f = this.openFiles.get(rec);
    if (!f) return;
    f.removed = true;
    this.openFiles.delete(rec);
  }

  /** @internal A file's chain was replaced or extended by a path operation: reload the shared chain. */
  fileChanged(rec: DirRecord): void {
    const f = this.openFiles.get(rec);
    if (f) f.chain = fileClusters(this, rec.raw, f.path);
  }

  /** @internal The time to stamp on new and changed entries. */
  now(): Date {
    return this.options.now ? this.options.now() : new Date();
  }

  private setCleanBit(clean: boolean): void {
    const t = this.geo.fatType;
    if (t === 12) {
      // FAT12 has no clean bit in its FAT: use the boot sector's state flag, as Linux does.
      const b = this.io.readSectors(0, 1);
      b[37] = clean ? b[37] & ~1 : b[37] | 1;
      this.io.write(0, b);
      this.bootSector.flags = b[37];
      return;
    }
    const bit = t === 16 ? 0x8000 : 0x08000000;
    const v = this.fat.get(1);
    this.fat.set(1, clean ? v | bit : v & ~bit);
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
    const it = this.readChunks(path, options.chunkSize);
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        try {
          const r = it.next();
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        } catch (e) {
          controller.error(e);
        }
      },
      cancel() {
        it.return(undefined);
      },
    });
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
    const h = FileHandle.open(this, path, options.flags ?? 'w');
    return new WritableStream<Uint8Array>({
      write(chunk) {
        h.write(chunk);
      },
      close() {
        h.close();
      },
      abort() {
        h.close();
      },
    });
  }

  /** Set the volume label (boot sector and root entry); undefined or '' removes it. */
  setLabel(label: string | undefined): void {
    setLabel(this, label);
  }

  // ---- volume ----

  info(): VolumeInfo {
    this.assertOpen();
    const g = this.geo;
    const bs = this.bootSector;
    let fsInfo: FsInfo | undefined;
    if (g.fatType === 32 && bs.fsInfoSector >= 1 && bs.fsInfoSector < g.reservedSectors) {
      fsInfo = decodeFsInfo(this.io.readSectors(bs.fsInfoSector, 1));
    }
    const free = this.fat.countFree();
    const rootLabel = this.dir(this.rootLocation(), '/').label;
    const bootLabel = bs.extSignature === 0x29 ? bs.volumeLabel.replace(/ +$/, '') : '';
    const label = rootLabel ?? (bootLabel && bootLabel !== 'NO NAME' ? bootLabel : undefined);
    const id = bs.extSignature === 0x29 || bs.extSignature === 0x28 ? bs.volumeId : 0;
    const hex = id.toString(16).toUpperCase().padStart(8, '0');
    return {
      fatType: g.fatType,
      label,
      bootSectorLabel: bootLabel,
      volumeId: id,
      volumeIdHex: `${hex.slice(0, 4)}-${hex.slice(4)}`,
      oemName: bs.oemName.replace(/ +$/, ''),
      media: bs.media,
      sectorSize: g.sectorSize,
      sectorsPerCluster: g.sectorsPerCluster,
      clusterSize: g.clusterSize,
      totalSectors: g.totalSectors,
      reservedSectors: g.reservedSectors,
      numFats: g.numFats,
      fatSize: g.fatSize,
      rootEntries: g.rootEntries,
      rootCluster: g.rootCluster,
      dataStart: g.dataStart,
      hiddenSectors: bs.hiddenSectors,
      sectorsPerTrack: bs.sectorsPerTrack,
      heads: bs.heads,
      clusterCount: g.clusterCount,
      freeClusters: free,
      usedClusters: g.clusterCount - free,
      totalBytes: g.clusterCount * g.clusterSize,
      freeBytes: free * g.clusterSize,
      dirty: this.isDirty(),
      ...(fsInfo ? { fsInfo } : {}),
    };
  }

  private isDirty(): boolean {
    if (this.bootSector.flags & 1) return true;
    const f1 = this.fat.get(1);
    if (this.geo.fatType === 16) return (f1 & 0x8000) === 0;
    if (this.geo.fatType === 32) return (f1 & 0x08000000) === 0;
    return false;
  }

  private assertOpen(): void {
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
    this.writeFsInfo();
    this.device.flush();
  }

  private writeFsInfo(): void {
    const bs = this.bootSector;
    if (this.geo.fatType !== 32 || bs.fsInfoSector < 1 || bs.fsInfoSector >= this.geo.reservedSectors) return;
    const sectors = [bs.fsInfoSector];
    if (bs.backupBootSector > 0 && bs.backupBootSector + bs.fsInfoSector < this.geo.reservedSectors) sectors.push(bs.backupBootSector + bs.fsInfoSector);
    for (const s of sectors) {
      const b = this.io.readSectors(s, 1);
      if (!decodeFsInfo(b)) continue;
      put32(b, 488, this.fat.countFree());
      put32(b, 492, this.fat.nextFreeHint);
      this.io.write(s, b);
    }
  }

  /** Flush, mark the volume clean (unless it was dirty when opened) and close the device. */
  close(): void {
    if (this.closed) return;
    if (this.dirtyMarked) {
      this.fat.flush();
      this.flushDirs();
      this.writeFsInfo();
      if (!this.wasDirty) this.setCleanBit(true);
      this.fat.flush();
      this.device.flush();
    }
    this.closed = true;
    if (!this.readOnly) writers.delete(this.device);
    this.dirCache.clear();
    if (this.options.closeDevice !== false) this.device.close();
    this.options.onClose?.();
  }
}
