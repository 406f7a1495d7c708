import type { CheckContext } from './context.js';
import { le16, le32, put16, put32 } from '../format/bytes.js';
import { decodeLongNameSlot, joinLongName, type LongNameSlot } from '../format/long-name.js';
import { decodeShortName, shortNameChecksum } from '../format/short-name.js';
import { unsafeNameReason } from '../dir/directory.js';

/** Where a 32-byte slot lives: a directory sector and the byte offset in it. */
export interface SlotRef {
  lba: number;
  off: number;
}

/** One short entry of a directory, as check sees it. */
export interface CheckEntry {
  /** Node id (files, directories, labels); dot entries have one too, never reported by path alone. */
  node: number;
  ref: SlotRef | undefined;
  /** The long-name slots of a valid run (on-disk order), kept to fix their checksum on a rename. */
  lfn: SlotRef[];
  deleted: boolean;
}

const DOT = '.          ';
const DOTDOT = '..         ';

/** The 32 bytes of a slot, live in the context's sector cache. */
export function slotBytes(ctx: CheckContext, ref: SlotRef): Uint8Array {
  return ctx.sector(ref.lba).subarray(ref.off, ref.off + 32);
}

export function name11(ctx: CheckContext, e: CheckEntry): string {
  if (!e.ref) return '';
  const b = slotBytes(ctx, e.ref);
  return String.fromCharCode(...b.subarray(0, 11));
}

export const dotKind = (n11: string): 0 | 1 | 2 => (n11 === DOT ? 1 : n11 === DOTDOT ? 2 : 0);

export function attrOf(ctx: CheckContext, e: CheckEntry): number {
  return e.ref ? slotBytes(ctx, e.ref)[11] : 0x10;
}

export function startOf(ctx: CheckContext, e: CheckEntry, rootCluster = 0): number {
  if (!e.ref) return rootCluster;
  const b = slotBytes(ctx, e.ref);
  const hi = ctx.geo.fatType === 32 ? le16(b, 20) : 0;
  return hi * 0x10000 + le16(b, 26);
}

export function sizeOf(ctx: CheckContext, e: CheckEntry): number {
  return e.ref ? le32(slotBytes(ctx, e.ref), 28) : 0;
}

export function setStart(ctx: CheckContext, e: CheckEntry, c: number): void {
  if (!e.ref) return;
  const b = slotBytes(ctx, e.ref);
  put16(b, 26, c & 0xffff);
  if (ctx.geo.fatType === 32) put16(b, 20, Math.floor(c / 0x10000));
  ctx.markSector(e.ref.lba);
}

export function setSize(ctx: CheckContext, e: CheckEntry, size: number): void {
  if (!e.ref) return;
  put32(slotBytes(ctx, e.ref), 28, size);
  ctx.markSector(e.ref.lba);
}

/** Mark slots deleted (0xE5). */
export function deleteSlots(ctx: CheckContext, refs: SlotRef[]): void {
  for (const r of refs) {
    slotBytes(ctx, r)[0] = 0xe5;
    ctx.markSector(r.lba);
  }
}

/** Delete an entry and its long-name slots. */
export function deleteEntry(ctx: CheckContext, e: CheckEntry): void {
  if (!e.ref) return;
  deleteSlots(ctx, [...e.lfn, e.ref]);
  e.deleted = true;
}

/** Set the 11 name bytes of an entry, keeping its long name valid (the slots' checksum follows). */
export function setName(ctx: CheckContext, e: CheckEntry, n11: string): void {
  if (!e.ref) return;
  const b = slotBytes(ctx, e.ref);
  for (let i = 0; i < 11; i++) b[i] = n11.charCodeAt(i);
  ctx.markSector(e.ref.lba);
  const sum = shortNameChecksum(b);
  for (const r of e.lfn) {
    slotBytes(ctx, r)[13] = sum;
    ctx.markSector(r.lba);
  }
}

/** What fsck.fat 4.2 calls a bad short name: control bytes (a leading 0x05 aside), DEL, `*?<>|"\/:.`, a leading space. */
export function badShortName(n11: string): boolean {
  if (n11 === 'EA DATA  SF' || n11 === 'WP ROOT  SF') return false;
  for (let i = 0; i < 11; i++) {
    const c = n11.charCodeAt(i);
    if ((c < 0x20 && !(i === 0 && c === 0x05)) || c === 0x7f) return true;
    if ('*?<>|"\\/:.'.includes(n11[i])) return true;
  }
  return n11.charCodeAt(0) === 0x20;
}

/** Display form of 11 raw name bytes (`NAME.EXT`), as fsck.fat prints it. */
export function displayName(n11: string): string {
  const base = n11.slice(0, 8).replace(/ +$/, '');
  const ext = n11.slice(8).replace(/ +$/, '');
  const clean = (s: string): string => s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return ext ? `${clean(base)}.${clean(ext)}` : clean(base);
}

interface Run {
  slots: LongNameSlot[];
  refs: SlotRef[];
  next: number;
  checksum: number;
}

/**
 * Read a directory's entries from its sectors, validating long-name runs as fsck.fat's lfn.c does
 * (orphans, order, checksum) and reporting entries past the end marker. `dirNode` is the node of
 * the directory (for paths); each entry gets a new node.
 */
export function readEntries(ctx: CheckContext, sectors: number[], dirNode: number, skip = 0): CheckEntry[] {
  const ss = ctx.geo.sectorSize;
  const perSector = ss / 32;
  const total = Math.min(sectors.length * perSector, 65536);
  const out: CheckEntry[] = [];
  let run: Run | undefined;
  const dirPath = (): string => ctx.pathOf(dirNode);
  const dropRun = (extra: SlotRef[] = []): void => {
    if (ctx.repair) deleteSlots(ctx, [...(run?.refs ?? []), ...extra]);
    run = undefined;
  };
  const orphan = (why: string, extra: SlotRef[] = []): void => {
    ctx.report('LFN_ORPHAN', 'error', `long-name slots ${why} in ${dirPath()}`, { path: dirPath() });
    dropRun(extra);
  };
  // Like fsck.fat (and Linux), entries after a 0x00 end marker still count: they are checked, and
  // reported because readers that stop at the marker (mtools, this library) do not see them.
  const freeMarks: SlotRef[] = [];
  let afterEnd = 0;
  let lastLive = -1;
  for (let i = skip; i < total; i++) {
    const ref = { lba: sectors[Math.floor(i / perSector)], off: (i % perSector) * 32 };
    const b = slotBytes(ctx, ref);
    if (b[0] === 0x00 || b[0] === 0xe5) {
      if (run) orphan('not followed by their entry');
      if (b[0] === 0x00) freeMarks.push(ref);
      continue;
    }
    if (freeMarks.length) afterEnd++;
    lastLive = freeMarks.length;
    if (b[11] === 0x0f) {
      const slot = decodeLongNameSlot(b, 0);
      if (slot.last && slot.order !== 0) {
        if (run) orphan('of a long name interrupted by another');
        run = { slots: [slot], refs: [ref], next: slot.order, checksum: slot.checksum };
      } else if (!run) {
        orphan('found outside a long-name sequence', [ref]);
      } else if (slot.order !== run.next - 1 || slot.order === 0 || slot.checksum !== run.checksum) {
        ctx.report('LFN_ORDER', 'error', `long-name slot with sequence number ${slot.order} where ${run.next - 1} was expected in ${dirPath()}`, { path: dirPath() });
        dropRun([ref]);
      } else {
        run.slots.push(slot);
        run.refs.push(ref);
        run.next = slot.order;
      }
      continue;
    }
    const n11 = String.fromCharCode(...b.subarray(0, 11));
    const isLabel = (b[11] & 0x08) !== 0 && (b[11] & 0x10) === 0;
    let name = n11;
    let lfn: SlotRef[] = [];
    if (run) {
      if (isLabel) {
        orphan('before the volume label');
      } else if (run.next !== 1) {
        ctx.report('LFN_ORDER', 'error', `unfinished long name before ${displayName(n11)} in ${dirPath()}`, { path: dirPath() });
        dropRun();
      } else if (run.checksum !== shortNameChecksum(b)) {
        ctx.report('LFN_CHECKSUM', 'error', `long name before ${displayName(n11)} has checksum ${run.checksum}, expected ${shortNameChecksum(b)}`, { path: `${dirPath() === '/' ? '' : dirPath()}/${displayName(n11)}` });
        dropRun();
      } else {
        const long = joinLongName([...run.slots].reverse());
        const why = long === undefined ? 'it is empty or longer than 255 characters' : unsafeNameReason(long);
        if (why) {
          ctx.report('BAD_LONG_NAME', 'error', `long name of ${displayName(n11)} cannot be used: ${why}`, { path: `${dirPath() === '/' ? '' : dirPath()}/${displayName(n11)}` });
          dropRun();
        } else {
          name = long!;
          lfn = run.refs;
          run = undefined;
        }
      }
    }
    const node = ctx.addNode(name === n11 ? decodeShortName(b.subarray(0, 11), b[12], ctx.vol.page) : name, dirNode);
    out.push({ node, ref, lfn, deleted: false });
  }
  if (run) orphan('at the end of the directory');
  if (afterEnd) {
    ctx.report('ENTRIES_AFTER_END', 'warning', `${afterEnd} entries after the end-of-directory marker of ${dirPath()} (readers disagree on them); markers before them set to deleted`, { path: dirPath() });
    // The 0x00 slots before the last entry become deleted (0xE5) slots: every reader then sees what fsck.fat sees.
    deleteSlots(ctx, freeMarks.slice(0, lastLive));
  }
  return out;
}
