import { ATTR, type RawDirEntry } from '../format/dir-entry.js';
import { decodeDosTime } from '../format/dos-time.js';

/** What `stat` returns: fs.Stats-like fields plus the FAT specifics. */
export class FatStats {
  /** The entry's name (long name when there is one). */
  readonly name: string;
  /** The stored 8.3 name (`README.TXT`); empty for the root. */
  readonly shortName: string;
  /** Size in bytes (0 for directories). */
  readonly size: number;
  /** Attribute byte (ATTR bits). */
  readonly attributes: number;
  /** First cluster (0 for empty files and for the FAT12/16 root). */
  readonly firstCluster: number;

  // The entry's time fields as they were when the stats were taken (the root's are all 0, which
  // reads as 1980-01-01); the Dates are made when first asked for: a listing that prints no time
  // makes none.
  readonly #mdate: number;
  readonly #mtime: number;
  readonly #cdate: number;
  readonly #ctime: number;
  readonly #ctimeTenths: number;
  readonly #adate: number;
  #mtimeDate: Date | undefined;
  #birthtimeDate: Date | undefined;
  #atimeDate: Date | undefined;

  constructor(name: string, shortName: string, raw: RawDirEntry | undefined, rootCluster = 0) {
    this.name = name;
    this.shortName = shortName;
    if (raw) {
      this.size = raw.attr & ATTR.DIRECTORY ? 0 : raw.size;
      this.attributes = raw.attr;
      this.firstCluster = raw.cluster;
      this.#mdate = raw.mdate;
      this.#mtime = raw.mtime;
      this.#cdate = raw.cdate;
      this.#ctime = raw.ctime;
      this.#ctimeTenths = raw.ctimeTenths;
      this.#adate = raw.adate;
    } else {
      // The root directory has no entry of its own.
      this.size = 0;
      this.attributes = ATTR.DIRECTORY;
      this.firstCluster = rootCluster;
      this.#mdate = this.#mtime = this.#cdate = this.#ctime = this.#ctimeTenths = this.#adate = 0;
    }
  }

  /** Modification time (FAT fields read as UTC). */
  get mtime(): Date {
    return (this.#mtimeDate ??= decodeDosTime(this.#mdate, this.#mtime));
  }
  /** Creation time; the modification time when the entry has none. */
  get birthtime(): Date {
    return (this.#birthtimeDate ??= this.#cdate ? decodeDosTime(this.#cdate, this.#ctime, this.#ctimeTenths) : this.mtime);
  }
  /** Access date; the modification time when the entry has none. */
  get atime(): Date {
    return (this.#atimeDate ??= this.#adate ? decodeDosTime(this.#adate) : this.mtime);
  }

  isFile(): boolean {
    return (this.attributes & ATTR.DIRECTORY) === 0;
  }
  isDirectory(): boolean {
    return (this.attributes & ATTR.DIRECTORY) !== 0;
  }
  isSymbolicLink(): boolean {
    return false;
  }
  get readOnly(): boolean {
    return (this.attributes & ATTR.READ_ONLY) !== 0;
  }
  get hidden(): boolean {
    return (this.attributes & ATTR.HIDDEN) !== 0;
  }
  get system(): boolean {
    return (this.attributes & ATTR.SYSTEM) !== 0;
  }
  get archive(): boolean {
    return (this.attributes & ATTR.ARCHIVE) !== 0;
  }
  /** Modification time in milliseconds, like fs.Stats.mtimeMs. */
  get mtimeMs(): number {
    return this.mtime.getTime();
  }
}

/** A directory entry as `readdir(path, { withFileTypes: true })` returns it. */
export interface FatDirent {
  name: string;
  /** The directory that holds it (absolute, `/`-separated). */
  parentPath: string;
  isFile(): boolean;
  isDirectory(): boolean;
  stats: FatStats;
}

/** One FatStats kept alive: see SHAPE_KEEPER in dir-handle.ts (V8 keeps the optimized code for its layout). */
export const STATS_SHAPE_KEEPER = new FatStats('', '', undefined);
