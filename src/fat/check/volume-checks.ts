import type { CheckContext } from './context.js';
import { decodeFsInfo, encodeFsInfo, FSINFO_UNKNOWN } from '../format/fs-info.js';
import { put32 } from '../format/bytes.js';
import { labelProblem, NO_NAME } from '../format/label.js';
import { deleteEntry } from './entries.js';

/** What the volume-level checks found that the repair needs to know. */
export interface BootFindings {
  fatsDiffer: boolean;
  bootBackupDiffers: boolean;
}

const FAT_BITS = { 12: 12, 16: 16, 32: 32 } as const;

/** The FAT32 backup boot sector, when the BPB names a usable one. */
function backupBoot(ctx: CheckContext): number {
  const bs = ctx.vol.bootSector;
  return ctx.geo.fatType === 32 && bs.backupBootSector > 0 && bs.backupBootSector < ctx.geo.reservedSectors ? bs.backupBootSector : 0;
}

function fsInfoSectors(ctx: CheckContext): number[] {
  const bs = ctx.vol.bootSector;
  const g = ctx.geo;
  if (g.fatType !== 32 || bs.fsInfoSector < 1 || bs.fsInfoSector >= g.reservedSectors) return [];
  const out = [bs.fsInfoSector];
  const b = backupBoot(ctx);
  if (b && b + bs.fsInfoSector < g.reservedSectors && b + bs.fsInfoSector !== bs.fsInfoSector) out.push(b + bs.fsInfoSector);
  return out;
}

/** Read FAT entry `n` from the raw bytes of one FAT copy. */
function rawEntry(bytes: Uint8Array, n: number, bits: number): number {
  if (bits === 12) {
    const off = n + (n >>> 1);
    const v = bytes[off] | (bytes[off + 1] << 8);
    return n & 1 ? v >>> 4 : v & 0xfff;
  }
  if (bits === 16) return bytes[2 * n] | (bytes[2 * n + 1] << 8);
  return (bytes[4 * n] | (bytes[4 * n + 1] << 8) | (bytes[4 * n + 2] << 16) | ((bytes[4 * n + 3] & 0x0f) << 24)) >>> 0;
}

/**
 * fsck.fat's read_boot and read_fat: the backup boot sector, FAT copies that differ (the first
 * intact one wins), FAT[0]'s media byte, entries that link out of range (set to end of chain).
 */
export function checkBootAndFats(ctx: CheckContext): BootFindings {
  const g = ctx.geo;
  const bits = FAT_BITS[g.fatType];
  const found: BootFindings = { fatsDiffer: false, bootBackupDiffers: false };
  const bb = backupBoot(ctx);
  if (bb) {
    const a = ctx.io.readSectors(0, 1).subarray(0, 512);
    const b = ctx.io.readSectors(bb, 1).subarray(0, 512);
    let diff = 0;
    for (let i = 0; i < 512; i++) if (a[i] !== b[i]) diff++;
    if (diff) {
      found.bootBackupDiffers = true;
      ctx.report('BOOT_BACKUP', 'warning', `the backup boot sector (sector ${bb}) differs from the boot sector in ${diff} bytes`, { path: '/' });
    }
  }
  if (g.activeFat < 0 && g.numFats > 1) {
    const effBytes = Math.min(g.fatSize * g.sectorSize, Math.ceil(((ctx.max + 1) * bits) / 8));
    const copies: Uint8Array[] = [];
    for (let i = 0; i < g.numFats; i++) copies.push(ctx.io.readSectors(g.fatStart + i * g.fatSize, g.fatSize));
    const extd = bits === 12 ? 0xf00 : bits === 16 ? 0xff00 : 0x0fffff00;
    const ok = copies.map((c) => (rawEntry(c, 0, bits) & extd) === extd);
    const differs = copies.slice(1).some((c) => {
      for (let i = 0; i < effBytes; i++) if (c[i] !== copies[0][i]) return true;
      return false;
    });
    if (differs) {
      found.fatsDiffer = true;
      const src = ok[0] ? 0 : ok.findIndex((x) => x);
      const use = src < 0 ? 0 : src;
      ctx.report('FATS_DIFFER', 'error', `the ${g.numFats} FAT copies differ; using FAT ${use + 1}${src < 0 ? ' (none looks intact)' : ''}`, { path: '/' });
      if (use !== 0) for (let n = 0; n <= ctx.max; n++) ctx.fat[n] = rawEntry(copies[use], n, bits);
    }
  }
  const media = ctx.vol.bootSector.media;
  if ((ctx.fat[0] & 0xff) !== media) {
    ctx.report('FAT_MEDIA', 'warning', `FAT[0] holds media byte 0x${(ctx.fat[0] & 0xff).toString(16)}, the boot sector 0x${media.toString(16)}`, { path: '/' });
    ctx.fat[0] = (ctx.eoc & ~0xff) | media;
  }
  for (let n = 2; n <= ctx.max; n++) {
    const v = ctx.fat[n];
    if (v === 1 || (v > ctx.max && v < ctx.bad)) {
      ctx.report('CHAIN_OUT_OF_RANGE', 'error', `cluster ${n} links to ${v}, outside 2..${ctx.max}; set to end of chain`, { cluster: n });
      ctx.fat[n] = ctx.eoc;
    }
  }
  return found;
}

/** FAT32 FSInfo: signatures, the free count (after reclaiming) and the next-free hint. */
export function checkFsInfo(ctx: CheckContext): void {
  const sectors = fsInfoSectors(ctx);
  if (!sectors.length) return;
  const fsi = decodeFsInfo(ctx.io.readSectors(sectors[0], 1));
  if (!fsi) {
    ctx.report('FSINFO_SIGNATURE', 'warning', `the FSInfo sector (sector ${sectors[0]}) has bad signatures`, { path: '/' });
    return;
  }
  let free = 0;
  for (let n = 2; n <= ctx.max; n++) if (ctx.fat[n] === 0) free++;
  if (fsi.freeCount === FSINFO_UNKNOWN) {
    ctx.report('FSINFO_FREE', 'warning', `the FSInfo free cluster count is unset (should be ${free})`, { path: '/' });
  } else if (fsi.freeCount !== free) {
    ctx.report('FSINFO_FREE', 'warning', `the FSInfo free cluster count is ${fsi.freeCount}, really ${free}`, { path: '/' });
  }
  if (fsi.nextFree !== FSINFO_UNKNOWN && !ctx.inRange(fsi.nextFree)) {
    ctx.report('FSINFO_NEXT', 'warning', `the FSInfo next-free hint ${fsi.nextFree} is outside 2..${ctx.max}`, { path: '/' });
  }
}

const bootLabelOffset = (ctx: CheckContext): number => (ctx.geo.fatType === 32 ? 71 : 43);

const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/**
 * fsck.fat's check_label: a root label entry fsck.fat 4.2 rejects is removed (and the boot sector
 * label with it); so is a rejected boot sector label without a root entry. A valid boot sector
 * label without a root label entry is removed; a root label entry the boot sector does not repeat
 * is copied there.
 */
export function checkLabel(ctx: CheckContext, rootLabel: string | undefined): void {
  const bs = ctx.vol.bootSector;
  const show = (s: string): string => JSON.stringify(ctx.vol.page.decode(bytesOf(s)).trimEnd());
  const removeBoot = (): void => {
    if (bs.extSignature === 0x29 && bs.volumeLabel !== NO_NAME) ctx.bootLabelFix = bytesOf(NO_NAME);
  };
  if (rootLabel !== undefined) {
    const why = labelProblem(bytesOf(rootLabel));
    if (why) {
      ctx.report('BAD_LABEL', 'error', `the root directory label ${show(rootLabel)} is not valid (${why}); removed`, { path: '/' });
      if (ctx.rootLabelEntry) deleteEntry(ctx, ctx.rootLabelEntry);
      removeBoot();
      return;
    }
  }
  if (bs.extSignature !== 0x29) return;
  const boot = bs.volumeLabel;
  if (rootLabel === undefined) {
    if (boot === NO_NAME) return;
    const why = labelProblem(bytesOf(boot));
    if (why) ctx.report('BAD_LABEL', 'error', `the boot sector label ${show(boot)} is not valid (${why}); removed`, { path: '/' });
    else ctx.report('LABEL_MISMATCH', 'warning', `the boot sector label is ${show(boot)} but the root directory has no label entry; removed from the boot sector`, { path: '/' });
    removeBoot();
    return;
  }
  const root = rootLabel.charCodeAt(0) === 0x05 ? `\u00e5${rootLabel.slice(1)}` : rootLabel;
  if (root !== boot && root !== NO_NAME) {
    ctx.report('LABEL_MISMATCH', 'warning', `the root directory label ${show(root)} differs from the boot sector label ${show(boot)}; copied to the boot sector`, { path: '/' });
    ctx.bootLabelFix = bytesOf(root);
  }
}

const cleanBit = (ctx: CheckContext): number => (ctx.geo.fatType === 16 ? 0x8000 : ctx.geo.fatType === 32 ? 0x08000000 : 0);

/** The dirty flag in the boot sector, and the clean bit in FAT[1]. */
export function checkDirty(ctx: CheckContext): void {
  if (ctx.vol.marksItselfDirty) return; // an open volume in the middle of its own writes
  const bootDirty = (ctx.vol.bootSector.flags & 1) !== 0;
  const bit = cleanBit(ctx);
  const fatDirty = bit !== 0 && (ctx.fat[1] & bit) === 0;
  if (bootDirty || fatDirty) {
    const where = [bootDirty ? 'the boot sector dirty flag is set' : '', fatDirty ? 'the FAT[1] clean bit is clear' : ''].filter(Boolean).join(' and ');
    ctx.report('DIRTY', 'warning', `the volume was not cleanly unmounted: ${where}`, { path: '/' });
    ctx.fat[1] |= bit;
  }
}

/** Write everything the check changed, plus boot sector, FAT copies and FSInfo. Returns true when something was written. */
export function finishRepair(ctx: CheckContext, boot: BootFindings): boolean {
  const g = ctx.geo;
  const codes = new Set(ctx.problems.map((p) => p.code));
  let wrote = ctx.commit();
  if (boot.fatsDiffer && g.activeFat < 0) {
    const src = ctx.io.readSectors(g.fatStart, g.fatSize);
    for (let i = 1; i < g.numFats; i++) ctx.io.write(g.fatStart + i * g.fatSize, src);
    wrote = true;
  }
  const sector0 = ctx.io.readSectors(0, 1);
  const flagsAt = g.fatType === 32 ? 65 : 37;
  let bootChanged = false;
  if (codes.has('DIRTY') && sector0[flagsAt] & 1) {
    sector0[flagsAt] &= ~1;
    bootChanged = true;
  }
  if (ctx.bootLabelFix) {
    sector0.set(ctx.bootLabelFix, bootLabelOffset(ctx));
    bootChanged = true;
  }
  if (bootChanged) ctx.io.write(0, sector0);
  const bb = backupBoot(ctx);
  if (bb && (bootChanged || boot.bootBackupDiffers)) {
    const copy = ctx.io.readSectors(bb, 1);
    copy.set(sector0.subarray(0, 512));
    ctx.io.write(bb, copy);
  }
  wrote ||= bootChanged || boot.bootBackupDiffers;
  const fsi = fsInfoSectors(ctx);
  if (fsi.length) {
    let free = 0;
    let next = 0;
    for (let n = 2; n <= ctx.max; n++) {
      if (ctx.fat[n] === 0) {
        free++;
        if (!next) next = n;
      }
    }
    for (const s of fsi) {
      const b = ctx.io.readSectors(s, 1);
      const cur = decodeFsInfo(b);
      const nextFree = cur && (cur.nextFree === FSINFO_UNKNOWN || ctx.inRange(cur.nextFree)) ? cur.nextFree : next || FSINFO_UNKNOWN;
      if (!cur) {
        b.set(encodeFsInfo({ freeCount: free, nextFree }, 512));
      } else {
        if (cur.freeCount === free && cur.nextFree === nextFree) continue;
        put32(b, 488, free);
        put32(b, 492, nextFree);
      }
      ctx.io.write(s, b);
      wrote = true;
    }
  }
  ctx.io.device.flush();
  return wrote;
}

