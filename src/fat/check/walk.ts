import type { CheckContext } from './context.js';
import {
  attrOf, badShortName, deleteEntry, displayName, name11, readEntries, setName, setSize, setStart, sizeOf, slotBytes, startOf,
  type CheckEntry,
} from './entries.js';
import { clusterToSector } from '../format/geometry.js';

/** A directory waiting to be scanned: its node, its clusters (or the fixed root), its start and its parent's. */
interface PendingDir {
  node: number;
  clusters: number[] | undefined;
  start: number;
  parentStart: number;
  isRoot: boolean;
}

export interface WalkResult {
  files: number;
  directories: number;
  /** The root directory's volume label entry, if any. */
  rootLabel?: string;
}

const MAX_DIR_CLUSTERS_ENTRIES = 65536;

/**
 * Walk the tree as fsck.fat does: for each directory (root first, then depth first in entry order)
 * check its entries' names, then every entry's chain (claiming clusters), then descend.
 */
export function walkTree(ctx: CheckContext): WalkResult {
  const g = ctx.geo;
  const result: WalkResult = { files: 0, directories: 0 };
  let root: PendingDir;
  if (g.fatType === 32) {
    const rootEntry: CheckEntry = { node: 1, ref: undefined, lfn: [], deleted: false };
    testChain(ctx, rootEntry, g.rootCluster);
    const clusters = checkChain(ctx, rootEntry, true, g.rootCluster) ?? [];
    root = { node: 1, clusters, start: g.rootCluster, parentStart: 0, isRoot: true };
  } else {
    root = { node: 1, clusters: undefined, start: 0, parentStart: 0, isRoot: true };
  }
  const stack: PendingDir[] = [root];
  while (stack.length) {
    const d = stack.pop()!;
    result.directories += d.isRoot ? 0 : 1;
    const sectors = dirSectors(ctx, d);
    if (d.isRoot) {
      ctx.rootSectors = sectors;
      ctx.rootClusters = d.clusters ?? [];
    }
    const skip = d.isRoot ? 0 : 2;
    if (!d.isRoot) {
      handleDot(ctx, d, sectors, false);
      handleDot(ctx, d, sectors, true);
    }
    const entries = readEntries(ctx, sectors, d.node, skip);
    for (const e of entries) testChain(ctx, e);
    if (d.isRoot) {
      const label = entries.find((e) => (attrOf(ctx, e) & 0x18) === 0x08);
      if (label) {
        result.rootLabel = name11(ctx, label);
        ctx.rootLabelEntry = label;
      }
    }
    const live = checkNames(ctx, entries, d);
    result.files += entries.length;
    const subdirs: PendingDir[] = [];
    for (const e of live) {
      if (e.deleted) continue;
      const sub = checkFile(ctx, e, d);
      if (sub) subdirs.push(sub);
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
  return result;
}

function dirSectors(ctx: CheckContext, d: PendingDir): number[] {
  const g = ctx.geo;
  if (!d.clusters) return Array.from({ length: g.rootDirSectors }, (_, i) => g.rootDirStart + i);
  const out: number[] = [];
  const maxSectors = Math.ceil((MAX_DIR_CLUSTERS_ENTRIES * 32) / g.sectorSize);
  for (const c of d.clusters) {
    const s = clusterToSector(g, c);
    for (let i = 0; i < g.sectorsPerCluster && out.length < maxSectors; i++) out.push(s + i);
    if (out.length >= maxSectors) break;
  }
  return out;
}

/** The names in one directory, and where the search for a free FSCKnnnn.nnn name goes on. */
interface Taken {
  names: Set<string>;
  next: number;
}

/**
 * fsck.fat's auto_rename: the first free FSCKnnnn.nnn in the directory. Names are only ever added to
 * `taken`, so every number below the last one given out is still taken: the search goes on from there.
 */
function autoRename(ctx: CheckContext, e: CheckEntry, taken: Taken): string {
  for (let n = taken.next; n <= 9_999_999; n++) {
    const num = String(n).padStart(7, '0');
    const cand = `FSCK${num.slice(0, 4)}${num.slice(4)}`;
    if (!taken.names.has(cand)) {
      // Also when only checking: later duplicates must see it (fsck.fat -n simulates it too).
      setName(ctx, e, cand);
      taken.names.add(cand);
      taken.next = n + 1;
      return displayName(cand);
    }
  }
  return displayName(name11(ctx, e));
}

/**
 * fsck.fat's check_dir: dot entries, bad names, duplicates. Returns the entries still there.
 * Linear in the directory's size: duplicates are found by grouping entries by their 11 name bytes.
 */
function checkNames(ctx: CheckContext, entries: CheckEntry[], d: PendingDir): CheckEntry[] {
  let good = 0;
  let bad = 0;
  const names = entries.map((x) => name11(ctx, x));
  for (const n of names) if (badShortName(n)) bad++; else good++;
  if (!d.isRoot && good + bad > 4 && bad > good / 2) {
    ctx.report('MANY_BAD_NAMES', 'warning', `directory has a large number of bad entries (${bad}/${good + bad})`, { node: d.node }, false);
  }
  const taken: Taken = { names: new Set(names), next: 0 };
  entries.forEach((e, i) => {
    if (!(attrOf(ctx, e) & 0x08) && badShortName(names[i])) {
      const to = autoRename(ctx, e, taken);
      ctx.report('BAD_NAME', 'error', `bad short name ${JSON.stringify(displayName(names[i]))}; renamed to ${to}`, { node: e.node });
      ctx.nodes[e.node].name = e.lfn.length ? ctx.nodes[e.node].name : to;
    }
  });
  // Entries (labels aside) by their name after the renames above, in directory order: in each
  // group the first keeps its name and every later one is renamed, reported in the order the
  // pairwise scan (first of a group, then the others in turn) found them.
  const groups = new Map<string, CheckEntry[]>();
  for (const e of entries) {
    if (attrOf(ctx, e) & 0x08) continue;
    const n = name11(ctx, e);
    const g = groups.get(n);
    if (g) g.push(e);
    else groups.set(n, [e]);
  }
  for (const group of groups.values()) {
    for (let j = 1; j < group.length; j++) {
      const b = group[j];
      const was = displayName(name11(ctx, b));
      const to = autoRename(ctx, b, taken);
      ctx.report('DUPLICATE_NAME', 'error', `duplicate short name ${JSON.stringify(was)}; second renamed to ${to}`, { node: b.node });
      if (!b.lfn.length) ctx.nodes[b.node].name = to;
    }
  }
  return entries;
}

/**
 * fsck.fat's check_file: dot entries' clusters, directory sizes, start cluster, then the chain
 * (free, bad, looping, shared clusters; longer or shorter than the size). Returns the directory to
 * scan when `e` is a subdirectory.
 */
function checkFile(ctx: CheckContext, e: CheckEntry, d: PendingDir): PendingDir | undefined {
  const attr = attrOf(ctx, e);
  if (e.deleted) return undefined;
  if (attr & 0x08 && !(attr & 0x10)) return undefined; // the volume label
  const isDir = (attr & 0x10) !== 0;
  if (isDir) {
    if (sizeOf(ctx, e) !== 0) {
      ctx.report('DIR_SIZE', 'warning', `directory has a non-zero size (${sizeOf(ctx, e)})`, { node: e.node });
      setSize(ctx, e, 0);
    }
    if (startOf(ctx, e) === 0) {
      ctx.report('DIR_START_ROOT', 'error', 'directory starts at cluster 0 (the root); deleted', { node: e.node });
      deleteEntry(ctx, e);
      return undefined;
    }
    if (!d.isRoot || ctx.geo.fatType === 32) {
      const st = startOf(ctx, e);
      const grandp = d.isRoot ? 0 : d.parentStart;
      if (st === d.start || st === grandp) {
        ctx.report('DIR_LOOP', 'error', `directory starts at cluster ${st}, its ${st === d.start ? 'containing directory' : "containing directory's parent"}; deleted`, { node: e.node, cluster: st });
        deleteEntry(ctx, e);
        setStart(ctx, e, 0);
        return undefined;
      }
    }
  }
  const clusters = checkChain(ctx, e, isDir, 0);
  if (!isDir || !clusters) return undefined;
  const start = clusters.length ? clusters[0] : 0;
  if (!start) return undefined;
  const up = d.isRoot ? 0 : d.start;
  return { node: e.node, clusters, start, parentStart: ctx.geo.fatType === 32 && up === ctx.geo.rootCluster ? 0 : up, isRoot: false };
}

/** Walk, claim and (in the simulation) cut a chain. Returns the clusters kept. */
function checkChain(ctx: CheckContext, e: CheckEntry, isDir: boolean, rootCluster: number): number[] | undefined {
  const cs = ctx.geo.clusterSize;
  const node = e.node;
  const isFat32Root = !e.ref;
  let start = startOf(ctx, e, rootCluster);
  if (start === 1 || start > ctx.max) {
    ctx.report('BAD_START', 'error', `starts at cluster ${start}, outside 2..${ctx.max}; truncated`, { node, cluster: start }, !isFat32Root);
    if (isFat32Root) return undefined;
    setStart(ctx, e, 0);
    start = 0;
  }
  const size = sizeOf(ctx, e);
  const kept: number[] = [];
  let prev = 0;
  const cut = (): void => {
    if (prev) ctx.fat[prev] = ctx.eoc;
    else setStart(ctx, e, 0);
  };
  for (let curr = start; curr !== 0; ) {
    const v = ctx.fat[curr];
    if (v === 0 || v === ctx.bad) {
      const code = v === 0 ? 'FREE_IN_CHAIN' : 'BAD_IN_CHAIN';
      ctx.report(code, 'error', `chain contains a ${v === 0 ? 'free' : 'bad'} cluster (${curr}); ended before it`, { node, cluster: curr }, !(isFat32Root && !prev));
      if (!(isFat32Root && !prev)) cut();
      break;
    }
    if (!isDir && size <= kept.length * cs) {
      ctx.report('SIZE_MISMATCH', 'error', `file size is ${size} bytes but the chain is longer than ${kept.length * cs} bytes; chain truncated`, { node, cluster: curr });
      cut();
      // What follows is freed silently (fsck.fat's truncate_file), unless another file owns it.
      for (let t = curr, guard = 0; ctx.inRange(t) && !ctx.tail[t] && !ctx.owner[t] && guard <= ctx.max; guard++) {
        ctx.tail[t] = 1;
        const nx = ctx.fat[t];
        if (ctx.isEnd(nx) || nx === 0 || nx === ctx.bad) break;
        t = nx;
      }
      break;
    }
    const owner = ctx.owner[curr];
    if (owner) {
      if (owner === node) {
        ctx.report('CHAIN_LOOP', 'error', `chain loops back to cluster ${curr}; ended before it`, { node, cluster: curr });
      } else {
        ctx.report('CROSS_LINK', 'error', `shares cluster ${curr} with ${ctx.pathOf(owner)}; truncated`, { node, cluster: curr }, !(isFat32Root && !prev));
      }
      if (!(isFat32Root && !prev)) cut();
      break;
    }
    ctx.owner[curr] = node;
    kept.push(curr);
    prev = curr;
    curr = ctx.inRange(v) ? v : 0;
  }
  if (!isDir && size > kept.length * cs) {
    ctx.report('SIZE_MISMATCH', 'error', `file size is ${size} bytes but the chain holds ${kept.length * cs}; size set to the chain`, { node });
    setSize(ctx, e, kept.length * cs);
  }
  return kept;
}

/**
 * fsck.fat's handle_dot: slot 0 of a subdirectory must be "." (pointing to itself), slot 1 ".."
 * (pointing to the parent, 0 for the root). A free slot gets the entry created, a wrong one is
 * fixed, another entry there is moved to the first free slot after them.
 */
function handleDot(ctx: CheckContext, d: PendingDir, sectors: number[], dotdot: boolean): void {
  const perSector = ctx.geo.sectorSize / 32;
  const slot = dotdot ? 1 : 0;
  if (sectors.length * perSector <= slot) return;
  const ref = { lba: sectors[Math.floor(slot / perSector)], off: (slot % perSector) * 32 };
  const b = slotBytes(ctx, ref);
  const want = dotdot ? '..         ' : '.          ';
  const start = dotdot ? d.parentStart : d.start;
  const n11 = String.fromCharCode(...b.subarray(0, 11));
  const hi = ctx.geo.fatType === 32 ? b[20] | (b[21] << 8) : 0;
  const st = hi * 0x10000 + (b[26] | (b[27] << 8));
  if (b[11] & 0x10 && st === start && n11 === want) return;
  const what = dotdot ? '".."' : '"."';
  const conjure = (): void => {
    b.fill(0);
    for (let i = 0; i < 11; i++) b[i] = want.charCodeAt(i);
    b[11] = 0x10;
    b[26] = start & 0xff;
    b[27] = (start >>> 8) & 0xff;
    if (ctx.geo.fatType === 32) {
      b[20] = (start >>> 16) & 0xff;
      b[21] = (start >>> 24) & 0xff;
    }
    ctx.markSector(ref.lba);
  };
  if (b[0] === 0 || b[0] === 0xe5) {
    ctx.report('BAD_DOT', 'error', `${what} is missing (slot ${slot} is free); created`, { node: d.node });
    conjure();
  } else if (n11 === want) {
    ctx.report('BAD_DOT', 'error', `${what} is invalid (cluster ${st}, attributes 0x${b[11].toString(16)}); fixed`, { node: d.node });
    conjure();
  } else {
    const total = Math.min(sectors.length * perSector, 65536);
    let moved = false;
    for (let i = 2; i < total; i++) {
      const r = { lba: sectors[Math.floor(i / perSector)], off: (i % perSector) * 32 };
      const f = slotBytes(ctx, r);
      if (f[0] !== 0 && f[0] !== 0xe5) continue;
      f.set(b);
      ctx.markSector(r.lba);
      moved = true;
      break;
    }
    ctx.report('BAD_DOT', 'error', `slot ${slot} holds ${JSON.stringify(displayName(n11))} instead of ${what}; ${moved ? 'entry moved down and ' + what + ' created' : 'no free slot to move it to'}`, { node: d.node }, moved);
    if (moved) conjure();
  }
}

let testGeneration = 0;
let testMarks = new Int32Array(0);

/**
 * fsck.fat's test_file, run as each entry is read: a chain that comes back to one of its own
 * clusters is cut there (clusters owned by other files end the walk; they are cross-links, found later).
 */
function testChain(ctx: CheckContext, e: CheckEntry, rootCluster = 0): void {
  if (testMarks.length !== ctx.max + 1) {
    testMarks = new Int32Array(ctx.max + 1);
    testGeneration = 0;
  }
  const gen = ++testGeneration;
  let prev = 0;
  let count = 0;
  for (let walk = startOf(ctx, e, rootCluster); walk > 1 && walk <= ctx.max; ) {
    if (ctx.owner[walk]) break;
    if (testMarks[walk] === gen) {
      const root = !e.ref;
      ctx.report('CHAIN_LOOP', 'error', `circular cluster chain (back to cluster ${walk}); cut to ${count} clusters`, { node: e.node, cluster: walk }, !(root && !prev));
      if (prev) ctx.fat[prev] = ctx.eoc;
      else if (!root) setStart(ctx, e, 0);
      break;
    }
    const v = ctx.fat[walk];
    if (v === ctx.bad) break;
    testMarks[walk] = gen;
    prev = walk;
    count++;
    if (v === 0 || ctx.isEnd(v)) break;
    walk = v;
  }
}
