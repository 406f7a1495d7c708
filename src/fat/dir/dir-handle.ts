import type { DirLocation, DirRecord, Problem, VolumeCore } from './directory.js';
import { directorySectors, foldName, MAX_DIR_ENTRIES, parseDirectory, readSectorList, storedShortName } from './directory.js';
import { ENTRY_DELETED, ENTRY_FREE, ENTRY_SIZE, decodeDirEntry, encodeDirEntry, type RawDirEntry } from '../format/dir-entry.js';
import { clusterToSector } from '../format/geometry.js';
import { FatError } from '../errors.js';
import { shortKey, shortNameChecksum } from '../format/short-name.js';
import { encodeLongNameInto, LFN_UNITS_PER_SLOT } from '../format/long-name.js';

/** The 8.3 key (as shortKey) of the short entry at `off`. */
const shortKeyAt = (b: Uint8Array, off: number): string =>
  String.fromCharCode(b[off], b[off + 1], b[off + 2], b[off + 3], b[off + 4], b[off + 5], b[off + 6], b[off + 7], b[off + 8], b[off + 9], b[off + 10]);

/**
 * A directory held in memory: its entries' bytes, decoded records with a case-insensitive name
 * index, and dirty-sector tracking. Mutations change the bytes and the records together; `flush`
 * writes only the sectors that changed. FAT-NOTES.md sections 5, 6 and 9.
 */
export class Directory {
  readonly records: DirRecord[];
  label: string | undefined;
  labelIndex: number | undefined;
  readonly dotDotCluster: number | undefined;
  readonly dotDotIndex: number | undefined;
  readonly problems: Problem[];
  private buf: Uint8Array;
  private readonly sectors: number[];
  private end: number;
  /** The lookup indexes (folded long and short names; stored 8.3 keys), built on the first lookup or change. */
  private byNameMap: Map<string, DirRecord> | undefined;
  /** Two records have shared a name key since the index was built (duplicates in a corrupt image). */
  private collisions = false;
  private shortsSet: Set<string> | undefined;
  private readonly dirty = new Set<number>();
  /** The sector marked dirty first since the last flush (the only one, when `dirty` holds one). */
  private firstDirty = -1;
  /** No free entry lies before this index (a search for free slots starts here). */
  private scanFrom = 0;

  /** `bytes`: the directory's sectors as they are on the device, when the caller has them (a new directory); else they are read. */
  constructor(private readonly core: VolumeCore, readonly loc: DirLocation, readonly path: string, bytes?: Uint8Array) {
    this.sectors = directorySectors(core, loc, path);
    this.buf = bytes !== undefined && bytes.length === this.sectors.length * core.io.sectorSize ? bytes : readSectorList(core.io, this.sectors);
    const parsed = parseDirectory(core, this.buf, loc, path);
    this.records = parsed.records;
    this.label = parsed.label;
    this.labelIndex = parsed.labelIndex;
    this.dotDotCluster = parsed.dotDotCluster;
    this.dotDotIndex = parsed.dotDotIndex;
    this.problems = parsed.problems;
    this.end = parsed.end;
  }

  /** Name -> record, case-insensitive over long and short names (built when first needed). */
  private get byName(): Map<string, DirRecord> {
    if (!this.byNameMap) this.buildNames();
    return this.byNameMap!;
  }

  /** The 8.3 names in use (built when first needed: a lookup alone does not need them). */
  private get shorts(): Set<string> {
    if (!this.shortsSet) this.buildShorts();
    return this.shortsSet!;
  }

  /**
   * Listing a directory needs no index; a lookup or a change needs the names, a new entry the 8.3
   * names too. Built from the records and the bytes as they are now, which is what the incremental
   * updates keep them equal to.
   */
  private buildNames(): void {
    this.collisions = false;
    this.byNameMap = new Map();
    for (const r of this.records) this.indexName(r);
  }

  private buildShorts(): void {
    this.shortsSet = new Set();
    // Every short entry's 8.3 name, records' and those of entries skipped or labels alike.
    for (let i = 0; i < this.end; i++) {
      const off = i * ENTRY_SIZE;
      if (this.buf[off] !== ENTRY_DELETED && (this.buf[off + 11] & 0x3f) !== 0x0f) this.shortsSet.add(shortKeyAt(this.buf, off));
    }
  }

  /** Both indexes (a transaction snapshots them). */
  private buildIndex(): void {
    if (!this.byNameMap) this.buildNames();
    if (!this.shortsSet) this.buildShorts();
  }

  /** Entries the directory can hold without growing (its sectors; `buf` may have spare room). */
  get capacity(): number {
    return Math.min((this.sectors.length * this.core.io.sectorSize) / ENTRY_SIZE, MAX_DIR_ENTRIES);
  }

  private index(r: DirRecord): void {
    if (this.byNameMap) this.indexName(r);
    if (this.shortsSet) this.shortsSet.add(shortKey(r.raw.name));
  }

  private indexName(r: DirRecord): void {
    // Folded too: a stored short name can hold OEM letters with no upper case in the code page
    // (FatFs keeps CP437's 0xE0 'α' in 'α__δε~1.DAT'), and lookups fold the name asked for.
    const map = this.byNameMap!;
    const long = foldName(r.name);
    const had = map.get(long);
    if (had === undefined) map.set(long, r);
    else if (had !== r) this.collisions = true;
    const short = foldName(r.shortName);
    if (short === long) return;
    const had2 = map.get(short);
    if (had2 === undefined) map.set(short, r);
    else if (had2 !== r) this.collisions = true;
  }

  private unindex(r: DirRecord): void {
    if (this.shortsSet) this.shortsSet.delete(shortKey(r.raw.name));
    if (!this.byNameMap) return;
    for (const key of [foldName(r.name), foldName(r.shortName)]) if (this.byNameMap.get(key) === r) this.byNameMap.delete(key);
    // Another record may carry a key of this one (a corrupt image with duplicates): index them
    // again. Only then: re-indexing every record on each removal made `rm -r` of a big directory quadratic.
    if (this.collisions) for (const o of this.records) if (o !== r) this.indexName(o);
  }

  /**
   * Run `fn`; if it throws, put the directory back as it was (entries, names, pending writes) so a
   * failed multi-step change (a rename into a full root) leaves nothing half done in memory.
   * Growth is checked for space before it allocates, so a failed change strands no cluster.
   */
  transaction<T>(fn: () => T): T {
    this.buildIndex();
    const saved = {
      buf: this.buf.slice(),
      records: [...this.records],
      label: this.label,
      labelIndex: this.labelIndex,
      end: this.end,
      byName: new Map(this.byName),
      shorts: new Set(this.shorts),
      dirty: new Set(this.dirty),
      firstDirty: this.firstDirty,
      scanFrom: this.scanFrom,
      sectors: this.sectors.length,
      raws: this.records.map((r) => ({ ...r.raw })),
    };
    try {
      return fn();
    } catch (e) {
      this.buf = saved.buf;
      this.records.length = 0;
      this.records.push(...saved.records);
      saved.records.forEach((r, i) => Object.assign(r.raw, saved.raws[i]));
      this.label = saved.label;
      this.labelIndex = saved.labelIndex;
      this.end = saved.end;
      this.byName.clear();
      for (const [k, v] of saved.byName) this.byName.set(k, v);
      this.shorts.clear();
      for (const k of saved.shorts) this.shorts.add(k);
      this.dirty.clear();
      for (const k of saved.dirty) this.dirty.add(k);
      this.firstDirty = saved.firstDirty;
      this.scanFrom = saved.scanFrom;
      this.sectors.length = saved.sectors;
      throw e;
    }
  }

  /** Look a name up case-insensitively over long and short names together. */
  find(name: string): DirRecord | undefined {
    return this.byName.get(foldName(name));
  }

  isShortTaken(key: string): boolean {
    return this.shorts.has(key);
  }

  /** isShortTaken as a function of its own (made once: no closure per new entry). */
  readonly shortTaken = (key: string): boolean => this.shorts.has(key);

  /** Whether the directory holds nothing but `.` and `..`. */
  get isEmpty(): boolean {
    return this.records.length === 0;
  }

  private markDirty(entry: number, count: number): void {
    const ss = this.core.io.sectorSize;
    const first = Math.floor((entry * ENTRY_SIZE) / ss);
    const last = Math.floor(((entry + count) * ENTRY_SIZE - 1) / ss);
    if (this.dirty.size === 0) this.firstDirty = first;
    for (let s = first; s <= last; s++) this.dirty.add(s);
  }

  /** Find `count` consecutive free entries (deleted, or past the end), growing a chain directory. */
  private findSlots(count: number): number {
    let runStart = -1;
    let firstFree = -1;
    const cap = this.capacity;
    for (let i = this.scanFrom; i < cap; i++) {
      const free = i >= this.end || this.buf[i * ENTRY_SIZE] === ENTRY_DELETED;
      if (!free) {
        runStart = -1;
        continue;
      }
      if (firstFree < 0) firstFree = i;
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 === count) {
        this.scanFrom = firstFree;
        return runStart;
      }
    }
    this.scanFrom = firstFree < 0 ? cap : firstFree;
    // Grow: the run continues (or starts) in the new cluster.
    const start = runStart >= 0 ? runStart : this.capacity;
    if (start + count > MAX_DIR_ENTRIES) {
      throw new FatError('ENOSPC', `directory ${this.path} is full (FAT allows ${MAX_DIR_ENTRIES} entries)`, { path: this.path });
    }
    if (this.loc.kind === 'fixed') {
      throw new FatError('ENOSPC', `the root directory is full (${this.capacity} entries; FAT12/16 roots cannot grow)`, { path: '/' });
    }
    // Check the space for every cluster first: a growth that stopped half-way would strand clusters.
    const g = this.core.geo;
    const clusters = Math.ceil(((start + count) * ENTRY_SIZE - this.sectors.length * g.sectorSize) / g.clusterSize);
    if (clusters > this.core.fat.countFree()) {
      throw new FatError('ENOSPC', `no space left on the volume to grow directory ${this.path} (${clusters} clusters needed, ${this.core.fat.countFree()} free)`, { path: this.path });
    }
    while (this.capacity < start + count) this.grow();
    return start;
  }

  /**
   * What inserting new entries of `counts` entries each (long-name slots and the short entry), in
   * this order, would take, placed as insert() places them (the first free run that holds them,
   * else past the end): the entries the directory would then span, and the clusters it would grow
   * by; and the free entries it has now. Nothing changes; the caller checks the span against
   * MAX_DIR_ENTRIES or a fixed root.
   */
  planInserts(counts: number[]): { span: number; clusters: number; free: number } {
    const runs: { at: number; length: number }[] = [];
    let start = -1;
    for (let i = 0; i < this.end; i++) {
      const free = this.buf[i * ENTRY_SIZE] === ENTRY_DELETED;
      if (free && start < 0) start = i;
      else if (!free && start >= 0) {
        runs.push({ at: start, length: i - start });
        start = -1;
      }
    }
    let tail = start >= 0 ? start : this.end;
    const free = runs.reduce((n, r) => n + r.length, 0) + Math.max(0, this.capacity - tail);
    for (const c of counts) {
      const run = runs.find((r) => r.length >= c);
      if (run) {
        run.at += c;
        run.length -= c;
      } else tail += c;
    }
    const span = Math.max(this.end, tail);
    const bytes = this.sectors.length * this.core.io.sectorSize;
    const clusters = this.loc.kind === 'fixed' || span * ENTRY_SIZE <= bytes ? 0 : Math.ceil((span * ENTRY_SIZE - bytes) / this.core.geo.clusterSize);
    return { span, clusters, free };
  }

  /** Append one zeroed cluster to a chain directory (zeroed on disk before it is linked). */
  private grow(): void {
    const g = this.core.geo;
    const lastSector = this.sectors[this.sectors.length - 1];
    const lastCluster = Math.floor((lastSector - g.dataStart) / g.sectorsPerCluster) + 2;
    const [c] = this.core.fat.allocate(1, lastCluster);
    const zero = new Uint8Array(g.clusterSize);
    this.core.io.write(clusterToSector(g, c), zero);
    this.core.fat.set(lastCluster, c);
    const first = clusterToSector(g, c);
    for (let i = 0; i < g.sectorsPerCluster; i++) this.sectors.push(first + i);
    const need = this.sectors.length * this.core.io.sectorSize;
    if (this.buf.length < need) {
      // Grow the in-memory copy geometrically: a directory of n entries costs O(n) copying, not O(n^2).
      const next = new Uint8Array(Math.max(need, Math.min(this.buf.length * 2, MAX_DIR_ENTRIES * ENTRY_SIZE)));
      next.set(this.buf);
      this.buf = next;
    }
  }

  /**
   * Store a new entry: `slots` (long-name slots, on-disk order, possibly empty) then the short
   * entry. Returns its record.
   */
  insert(name: string, slots: Uint8Array, raw: RawDirEntry): DirRecord {
    const count = slots.length / ENTRY_SIZE + 1;
    const at = this.findSlots(count);
    this.buf.set(slots, at * ENTRY_SIZE);
    return this.placed(name, raw, at, count);
  }

  /**
   * Store a new entry named `name` whose short entry is `raw` (its 8.3 name chosen), with the
   * long-name slots for `name` before it when `longName` is set, encoded straight into the
   * directory's bytes. `raw` becomes the record's own (the caller hands it over). Returns the record.
   */
  insertNamed(name: string, raw: RawDirEntry, longName: boolean): DirRecord {
    const count = longName ? Math.ceil(name.length / LFN_UNITS_PER_SLOT) + 1 : 1;
    const at = this.findSlots(count);
    if (longName) encodeLongNameInto(name, shortNameChecksum(raw.name), this.buf, at * ENTRY_SIZE);
    return this.placed(name, raw, at, count);
  }

  /** The short entry of a new entry whose slots (count - 1 of them) are in place at `at`. */
  private placed(name: string, raw: RawDirEntry, at: number, count: number): DirRecord {
    const index = at + count - 1;
    const off = index * ENTRY_SIZE;
    encodeDirEntry(raw, this.buf, off);
    this.markDirty(at, count);
    this.extendEnd(index + 1);
    // The record holds what the bytes now say (as decoding them would give).
    raw.attr = this.buf[off + 11];
    raw.caseFlags = this.buf[off + 12];
    if (this.core.geo.fatType !== 32) raw.cluster &= 0xffff;
    const rec: DirRecord = { name, shortName: storedShortName(this.buf, off, this.core.page), raw, index, firstSlot: at, hasLongName: count > 1 };
    this.records.push(rec);
    this.index(rec);
    return rec;
  }

  /** Move the end of the directory to `end` when it grows; what follows reads as "free, nothing follows". */
  private extendEnd(end: number): void {
    if (end <= this.end) return;
    this.end = end;
    if (this.end < this.capacity && this.buf[this.end * ENTRY_SIZE] !== ENTRY_FREE) {
      this.buf[this.end * ENTRY_SIZE] = ENTRY_FREE;
      this.markDirty(this.end, 1);
    }
  }

  /** Delete an entry and all its long-name slots. */
  remove(rec: DirRecord): void {
    for (let i = rec.firstSlot; i <= rec.index; i++) this.buf[i * ENTRY_SIZE] = ENTRY_DELETED;
    if (rec.firstSlot < this.scanFrom) this.scanFrom = rec.firstSlot;
    this.markDirty(rec.firstSlot, rec.index - rec.firstSlot + 1);
    const k = this.records.indexOf(rec);
    if (k >= 0) this.records.splice(k, 1);
    this.unindex(rec);
  }

  /** Rewrite an entry's short entry from `rec.raw` (size, cluster, times, attributes). */
  update(rec: DirRecord): void {
    encodeDirEntry(rec.raw, this.buf, rec.index * ENTRY_SIZE);
    this.markDirty(rec.index, 1);
  }

  /** Rewrite the `..` entry's cluster (after the directory moved). */
  setDotDot(cluster: number): void {
    if (this.dotDotIndex === undefined) return;
    const raw = decodeDirEntry(this.buf, this.dotDotIndex * ENTRY_SIZE, true);
    raw.cluster = cluster;
    encodeDirEntry(raw, this.buf, this.dotDotIndex * ENTRY_SIZE);
    this.markDirty(this.dotDotIndex, 1);
  }

  /** Set, replace or (with undefined) delete the root's volume-label entry. */
  setLabelEntry(raw: RawDirEntry | undefined): void {
    if (this.labelIndex !== undefined) {
      if (raw) {
        encodeDirEntry(raw, this.buf, this.labelIndex * ENTRY_SIZE);
      } else {
        this.buf[this.labelIndex * ENTRY_SIZE] = ENTRY_DELETED;
        if (this.labelIndex < this.scanFrom) this.scanFrom = this.labelIndex;
        this.shorts.delete(shortKeyAt(this.buf, this.labelIndex * ENTRY_SIZE));
      }
      this.markDirty(this.labelIndex, 1);
      if (!raw) this.labelIndex = undefined;
      return;
    }
    if (!raw) return;
    const at = this.findSlots(1);
    encodeDirEntry(raw, this.buf, at * ENTRY_SIZE);
    this.markDirty(at, 1);
    this.extendEnd(at + 1);
    this.labelIndex = at;
  }

  get isDirty(): boolean {
    return this.dirty.size > 0;
  }

  /** Write the changed sectors (consecutive ones in one transfer). */
  flush(): void {
    if (this.dirty.size === 0) return;
    const ss = this.core.io.sectorSize;
    if (this.dirty.size === 1) {
      const s = this.firstDirty;
      this.core.io.write(this.sectors[s], this.buf.subarray(s * ss, (s + 1) * ss));
      this.dirty.clear();
      return;
    }
    const list = [...this.dirty].sort((a, b) => a - b);
    let i = 0;
    while (i < list.length) {
      let j = i + 1;
      while (j < list.length && list[j] === list[j - 1] + 1 && this.sectors[list[j]] === this.sectors[list[j - 1]] + 1) j++;
      this.core.io.write(this.sectors[list[i]], this.buf.subarray(list[i] * ss, (list[j - 1] + 1) * ss));
      i = j;
    }
    this.dirty.clear();
  }
}

/**
 * One Directory that lives as long as the module, over an empty one-sector root of no volume.
 * V8 forgets the layout (hidden class) of a class's objects once a full garbage collection finds
 * none of them alive, and drops the optimized code built on it: a program that opens a volume,
 * works and closes it, again and again (a server, a build step, the benchmarks), then ran the
 * directory code unoptimized after every full collection (issue #16: writing 2,000 files took 4x
 * as long right after one). Keeping one instance keeps the layout, and the code, alive.
 */
export const SHAPE_KEEPER: Directory = new Directory(
  {
    io: { sectorSize: 512, read: (_lba: number, into: Uint8Array) => into.fill(0) },
    geo: { fatType: 16, rootDirStart: 0, rootDirSectors: 1, rootCluster: 0, clusterSize: 512, sectorSize: 512 },
  } as unknown as VolumeCore,
  { kind: 'fixed' },
  '/',
);
