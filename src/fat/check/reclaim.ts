import type { CheckContext } from './context.js';
import { clusterToSector } from '../format/geometry.js';
import { put16, put32 } from '../format/bytes.js';

export interface ReclaimResult {
  lost: number;
  chains: number;
  /** Files created for the chains (repair only). */
  files: number;
}

/**
 * Clusters in use that no file owns. Checking (fsck.fat -n) frees them; repairing does what
 * fsck.fat -a does (reclaim_file): every lost chain, cycles and cross-links broken, becomes a
 * file `FSCKnnnn.REC` in the root directory (freed instead when the root has no room).
 * Clusters cut off by a size truncation are freed silently first (fsck.fat's truncate_file).
 */
export function reclaim(ctx: CheckContext): ReclaimResult {
  const { max, fat } = ctx;
  for (let n = 2; n <= max; n++) if (ctx.tail[n] && !ctx.owner[n] && fat[n] !== ctx.bad) fat[n] = 0;
  const isLost = (n: number): boolean => fat[n] !== 0 && fat[n] !== ctx.bad && !ctx.owner[n];
  const refs = new Int32Array(max + 1);
  let lost = 0;
  let first = 0;
  for (let n = 2; n <= max; n++) {
    if (!isLost(n)) continue;
    lost++;
    if (!first) first = n;
    const next = fat[n];
    if (!ctx.inRange(next)) continue;
    if (!isLost(next)) fat[n] = ctx.eoc;
    else refs[next]++;
  }
  const result: ReclaimResult = { lost, chains: 0, files: 0 };
  if (!lost) return result;
  // Claim chains from their heads; a link into a claimed cluster (a merge) ends the chain there;
  // when only cycles are left, cut one open.
  const claimed = new Uint8Array(max + 1);
  const heads: number[] = [];
  let unclaimed = lost;
  const claimFrom = (head: number): void => {
    heads.push(head);
    for (let w = head; ; ) {
      claimed[w] = 1;
      unclaimed--;
      const nx = fat[w];
      if (!ctx.inRange(nx)) break;
      if (claimed[nx]) {
        fat[w] = ctx.eoc;
        refs[nx]--;
        break;
      }
      w = nx;
    }
  };
  for (let n = 2; n <= max; n++) if (isLost(n) && !claimed[n] && refs[n] === 0) claimFrom(n);
  while (unclaimed > 0) {
    let start = 0;
    for (let n = 2; n <= max && !start; n++) if (isLost(n) && !claimed[n]) start = n;
    if (!start) break;
    // Cut the cycle just before `start`.
    for (let p = 2; p <= max; p++) {
      if (isLost(p) && !claimed[p] && fat[p] === start) {
        fat[p] = ctx.eoc;
        refs[start]--;
        break;
      }
    }
    claimFrom(start);
  }
  heads.sort((a, b) => a - b);
  result.chains = heads.length;
  const bytes = lost * ctx.geo.clusterSize;
  if (!ctx.repair) {
    for (let n = 2; n <= max; n++) if (isLost(n)) fat[n] = 0;
    ctx.report('LOST_CLUSTERS', 'warning', `${lost} clusters (${bytes} bytes) in ${heads.length} chains belong to no file; freed`, { cluster: first });
    return result;
  }
  const names: string[] = [];
  let freed = 0;
  const root: RootState = { taken: new Set(), cursor: 0, next: 0 };
  const per = ctx.geo.sectorSize / 32;
  for (const lba of ctx.rootSectors) {
    const s = ctx.sector(lba);
    for (let i = 0; i < per; i++) root.taken.add(String.fromCharCode(...s.subarray(i * 32, i * 32 + 11)));
  }
  for (const head of heads) {
    let length = 0;
    for (let w = head; ctx.inRange(w) && length <= max; w = fat[w]) {
      length++;
      if (ctx.isEnd(fat[w]) || !ctx.inRange(fat[w])) break;
    }
    const name = addRootEntry(ctx, root, head, Math.min(length * ctx.geo.clusterSize, 0xffffffff));
    if (name) {
      names.push(name);
      for (let w = head, i = 0; ctx.inRange(w) && i < length; w = fat[w], i++) ctx.owner[w] = -1;
    } else {
      for (let w = head, i = 0; ctx.inRange(w) && i < length; i++) {
        const nx = fat[w];
        fat[w] = 0;
        freed++;
        w = nx;
      }
    }
  }
  result.files = names.length;
  const saved = names.length ? `saved as ${names.slice(0, 3).map((n) => `/${n}`).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}` : '';
  ctx.report('LOST_CLUSTERS', 'warning', `${lost} clusters (${bytes} bytes) in ${heads.length} chains belong to no file; ${[saved, freed ? `${freed} clusters freed (no room in the root directory)` : ''].filter(Boolean).join(', ')}`, { cluster: first });
  return result;
}

/** Names in the root, where the search for a free slot goes on, and the next FSCKnnnn number to try. */
interface RootState {
  taken: Set<string>;
  cursor: number;
  next: number;
}

/** A free slot in the root (growing a FAT32 root by one zeroed cluster when it is full). */
function rootSlot(ctx: CheckContext, root: RootState): { lba: number; off: number } | undefined {
  const per = ctx.geo.sectorSize / 32;
  for (; root.cursor < ctx.rootSectors.length * per; root.cursor++) {
    const lba = ctx.rootSectors[Math.floor(root.cursor / per)];
    const off = (root.cursor % per) * 32;
    const s = ctx.sector(lba);
    if ((s[off] === 0 || s[off] === 0xe5) && s[off + 11] !== 0x0f) return { lba, off };
  }
  if (ctx.geo.fatType !== 32 || !ctx.rootClusters.length) return undefined;
  const last = ctx.rootClusters[ctx.rootClusters.length - 1];
  let c = 0;
  for (let i = 0, n = last + 1; i < ctx.max; i++, n = n >= ctx.max ? 2 : n + 1) {
    if (ctx.fat[n] === 0) {
      c = n;
      break;
    }
  }
  if (!c) return undefined;
  ctx.fat[last] = c;
  ctx.fat[c] = ctx.eoc;
  ctx.owner[c] = 1;
  ctx.rootClusters.push(c);
  const first = clusterToSector(ctx.geo, c);
  for (let i = 0; i < ctx.geo.sectorsPerCluster; i++) {
    ctx.sector(first + i).fill(0);
    ctx.markSector(first + i);
    ctx.rootSectors.push(first + i);
  }
  return { lba: first, off: 0 };
}

/** Write a `FSCKnnnnREC` entry for a reclaimed chain into the root; its name, or undefined when the root is full. */
function addRootEntry(ctx: CheckContext, root: RootState, cluster: number, size: number): string | undefined {
  let name = '';
  for (; root.next < 10000; root.next++) {
    name = `FSCK${String(root.next).padStart(4, '0')}REC`;
    if (!root.taken.has(name)) break;
  }
  if (root.next >= 10000) return undefined;
  const slot = rootSlot(ctx, root);
  if (!slot) return undefined;
  root.taken.add(name);
  const b = ctx.sector(slot.lba).subarray(slot.off, slot.off + 32);
  b.fill(0);
  for (let i = 0; i < 11; i++) b[i] = name.charCodeAt(i);
  put16(b, 26, cluster & 0xffff);
  if (ctx.geo.fatType === 32) put16(b, 20, Math.floor(cluster / 0x10000));
  put32(b, 28, size);
  ctx.markSector(slot.lba);
  return `${name.slice(0, 8)}.${name.slice(8)}`;
}
