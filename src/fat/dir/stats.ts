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
  /** Modification, creation and access times (FAT fields read as UTC). */
  readonly mtime: Date;
  readonly birthtime: Date;
  readonly atime: Date;
  /** Attribute byte (ATTR bits). */
  readonly attributes: number;
  /** First cluster (0 for empty files and for the FAT12/16 root). */
  readonly firstCluster: number;

  constructor(name: string, shortName: string, raw: RawDirEntry | undefined, rootCluster = 0) {
    this.name = name;
    this.shortName = shortName;
    if (raw) {
      this.size = raw.attr & ATTR.DIRECTORY ? 0 : raw.size;
      this.mtime = decodeDosTime(raw.mdate, raw.mtime);
      this.birthtime = raw.cdate ? decodeDosTime(raw.cdate, raw.ctime, raw.ctimeTenths) : this.mtime;
      this.atime = raw.adate ? decodeDosTime(raw.adate) : this.mtime;
      this.attributes = raw.attr;
      this.firstCluster = raw.cluster;
    } else {
      // The root directory has no entry of its own.
      this.size = 0;
      this.mtime = this.birthtime = this.atime = new Date(Date.UTC(1980, 0, 1));
      this.attributes = ATTR.DIRECTORY;
      this.firstCluster = rootCluster;
    }
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
