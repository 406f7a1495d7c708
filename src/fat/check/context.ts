import type { Volume } from '../volume/volume.js';
import type { Geometry } from '../format/geometry.js';
import type { SectorIO } from '../table/sector-io.js';
import type { CheckCode, CheckProblem } from './types.js';
import type { CheckEntry } from './entries.js';
import { BAD, EOC_MIN, EOC_WRITE as EOC } from '../table/fat-entry.js';

/** A file or directory met during the walk: enough to name it and to find its entry again. */
export interface CheckNode {
  name: string;
  parent: number;
}

/**
 * The state of one check: a private copy of the FAT and of the directory sectors it reads, both
 * changed as repairs are simulated (so later findings are what `fsck.fat -n` reports after its own
 * simulated repairs); `commit` writes the changes when repairing.
 */
export class CheckContext {
  readonly geo: Geometry;
  readonly io: SectorIO;
  /** Highest valid cluster number. */
  readonly max: number;
  readonly eocMin: number;
  readonly bad: number;
  readonly eoc: number;
  /** FAT entries 0..max as they are now (after simulated repairs). */
  readonly fat: Uint32Array;
  /** Node id owning each cluster (0: none). */
  readonly owner: Int32Array;
  /** Clusters cut off a chain by a size truncation: freed at the end without a lost-cluster report. */
  readonly tail: Uint8Array;
  readonly nodes: CheckNode[] = [{ name: '', parent: -1 }, { name: '', parent: -1 }];
  readonly problems: CheckProblem[] = [];
  private dropped = 0;
  /** Directory sectors read (and changed), by sector number. */
  private readonly sectors = new Map<number, Uint8Array>();
  readonly dirtySectors = new Set<number>();
  /** The root directory's volume label entry, when it has one. */
  rootLabelEntry: CheckEntry | undefined;
  /** What repair writes into the boot sector label, when it disagrees with the root. */
  bootLabelFix: Uint8Array | undefined;
  /** The root directory's sectors and (FAT32) clusters, as the walk found them. */
  rootSectors: number[] = [];
  rootClusters: number[] = [];

  constructor(readonly vol: Volume, readonly repair: boolean, private readonly maxProblems: number) {
    this.geo = vol.geo;
    this.io = vol.io;
    const t = vol.geo.fatType;
    this.max = vol.fat.maxCluster;
    this.eocMin = EOC_MIN[t];
    this.bad = BAD[t];
    this.eoc = EOC[t];
    this.fat = new Uint32Array(this.max + 1);
    for (let n = 0; n <= this.max; n++) this.fat[n] = vol.fat.get(n);
    this.owner = new Int32Array(this.max + 1);
    this.tail = new Uint8Array(this.max + 1);
  }

  isEnd(v: number): boolean {
    return v >= this.eocMin;
  }

  inRange(n: number): boolean {
    return n >= 2 && n <= this.max;
  }

  /** Add a node (a file or directory under `parent`); returns its id. Node 1 is the root. */
  addNode(name: string, parent: number): number {
    this.nodes.push({ name, parent });
    return this.nodes.length - 1;
  }

  /** The absolute path of a node (built on demand: deep trees cost nothing until reported). */
  pathOf(id: number): string {
    const parts: string[] = [];
    for (let n = id, guard = 0; n > 1 && guard < 100_000; n = this.nodes[n].parent, guard++) parts.push(this.nodes[n].name);
    return `/${parts.reverse().join('/')}`;
  }

  report(code: CheckCode, severity: 'error' | 'warning', message: string, where: { node?: number; path?: string; cluster?: number } = {}, repairable = true): CheckProblem {
    const p: CheckProblem = { code, severity, message };
    const path = where.path ?? (where.node !== undefined ? this.pathOf(where.node) : undefined);
    if (path !== undefined) p.path = path;
    if (where.cluster !== undefined) p.cluster = where.cluster;
    if (this.repair) p.repaired = repairable;
    if (this.problems.length < this.maxProblems) this.problems.push(p);
    else this.dropped++;
    return p;
  }

  /** A note of how many problems were left out, when the list was full. */
  finishProblems(): void {
    if (this.dropped > 0) {
      this.problems.push({ code: 'CHECK_ABORTED', severity: 'warning', message: `${this.dropped} more problems not listed` });
    }
  }

  /** A directory sector's bytes (cached; changes are kept in the cache). */
  sector(lba: number): Uint8Array {
    let s = this.sectors.get(lba);
    if (!s) {
      s = this.io.readSectors(lba, 1);
      this.sectors.set(lba, s);
    }
    return s;
  }

  markSector(lba: number): void {
    this.dirtySectors.add(lba);
  }

  /** Write the changed directory sectors and FAT entries to the volume. */
  commit(): boolean {
    let wrote = false;
    for (const lba of [...this.dirtySectors].sort((a, b) => a - b)) {
      this.io.write(lba, this.sectors.get(lba)!);
      wrote = true;
    }
    this.dirtySectors.clear();
    const f = this.vol.fat;
    for (let n = 0; n <= this.max; n++) {
      if (f.get(n) !== this.fat[n]) {
        f.set(n, this.fat[n]);
        wrote = true;
      }
    }
    f.flush();
    return wrote;
  }
}
