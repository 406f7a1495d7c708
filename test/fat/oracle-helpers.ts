import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

/** mkfs.fat, fsck.fat and mtools on this machine; under CI=true their absence is an error. */
export const haveOracles = (() => {
  const ok = ['mkfs.fat', 'fsck.fat', 'mcopy', 'mdir'].every((t) => spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`]).status === 0);
  if (!ok && process.env.CI === 'true') throw new Error('mkfs.fat, fsck.fat and mtools must be installed under CI=true');
  return ok;
})();

export const oracleEnv = { ...process.env, MTOOLS_SKIP_CHECK: '1', TZ: 'UTC', PATH: `${process.env.PATH}:/usr/sbin:/sbin` };

/** A fresh image from mkfs.fat (reproducible with --invariant). */
export function mkfsImage(path: string, kib: number, args: string[] = []): Uint8Array {
  rmSync(path, { force: true });
  execFileSync('mkfs.fat', ['-C', '--invariant', ...args, path, String(kib)], { stdio: 'ignore', env: oracleEnv });
  return execFileSync('cat', [path], { maxBuffer: 1 << 30 });
}

/** fsck.fat -n -V: the lines beyond its banner, pass lines and summary (empty when clean) and its status. */
export function fsckProblems(path: string): { status: number; problems: string[] } {
  const r = spawnSync('fsck.fat', ['-n', '-V', path], { encoding: 'utf8', env: oracleEnv });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const problems = lines.filter((l) =>
    !/^fsck\.fat \d/.test(l) && !/^Checking we can access the last sector/.test(l) && !/^Starting check\/repair pass\.?$/.test(l) &&
    !/^Starting verification pass\.?$/.test(l) && !l.startsWith(`${path}:`) && !/^Checking file system/.test(l));
  return { status: r.status ?? -1, problems };
}

// ---- write-path test helpers (write-model, write-edges, write-oracle) ----------------------------

/**
 * An independent audit of a FAT image's bytes, written from FAT-NOTES.md without the library's
 * parsers (only the code-page table is shared): the BPB, every FAT copy, the directory tree with
 * long names validated, every chain walked. Returns what it found and the problems:
 * FAT copies that differ, cross-linked, lost or out-of-range clusters, chains of the wrong length,
 * empty files with a cluster, `.`/`..` wrong or not first, orphan long-name slots, duplicate names,
 * FSInfo counts that disagree on a clean volume.
 */
export interface AuditEntry {
  path: string;
  type: 'file' | 'dir';
  name: string;
  /** Stored 8.3 name, `NAME.EXT` (0x05 read as 0xE5, no case bits applied). */
  shortName: string;
  caseFlags: number;
  attr: number;
  hasLongName: boolean;
  size: number;
  firstCluster: number;
  clusters: number[];
  /** Modification time (DOS fields read as UTC). */
  mtimeMs: number;
  /** Directory index of the short entry and of the first long-name slot. */
  index: number;
  firstSlot: number;
}

export interface Audit {
  fatType: 12 | 16 | 32;
  sectorSize: number;
  clusterSize: number;
  clusterCount: number;
  numFats: number;
  freeClusters: number;
  /** Clusters of every directory chain (FAT32 root included). */
  dirClusters: number;
  entries: Map<string, AuditEntry>;
  /** FAT32 FSInfo (and its backup) as stored. */
  fsInfo?: { freeCount: number; nextFree: number; backup?: { freeCount: number; nextFree: number } };
  /** Boot-sector dirty flag, and the FAT[1] clean-shutdown bit (FAT16/32; undefined on FAT12). */
  bootDirty: boolean;
  fatClean: boolean | undefined;
  problems: string[];
  /** Entry value of cluster n in FAT copy `copy` (FAT32: all 32 bits). */
  fatEntry(n: number, copy?: number): number;
  /** First byte offset in the image of a cluster. */
  clusterOffset(n: number): number;
  /** The raw bytes of a directory ('/' or a directory path in `entries`). */
  dirBytes(path: string): Uint8Array;
  /** Byte offsets in the image of a directory's entry slots, in order. */
  dirSlotOffsets(path: string): number[];
}

import { codePage as auditCodePage } from '../../src/fat/format/code-page.js';

const u16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;

export function dosToMs(date: number, time: number): number {
  const day = date & 0x1f;
  const month = (date >> 5) & 0x0f;
  const year = 1980 + (date >> 9);
  return Date.UTC(year, month - 1, day, time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2);
}

export function auditImage(img: Uint8Array): Audit {
  const problems: string[] = [];
  const bps = u16(img, 11);
  const spc = img[13];
  const rsvd = u16(img, 14);
  const nfats = img[16];
  const rootEnt = u16(img, 17);
  const tot = u16(img, 19) || u32(img, 32);
  const fatsz = u16(img, 22) || u32(img, 36);
  const rootSectors = Math.ceil((rootEnt * 32) / bps);
  const dataStart = rsvd + nfats * fatsz + rootSectors;
  const clusterCount = Math.floor((tot - dataStart) / spc);
  const fatType: 12 | 16 | 32 = clusterCount < 4085 ? 12 : clusterCount < 65525 ? 16 : 32;
  const cs = bps * spc;
  const maxCluster = clusterCount + 1;
  const fatOff = (copy: number): number => (rsvd + copy * fatsz) * bps;
  const page = auditCodePage('cp437');

  const rawEntry = (n: number, copy = 0): number => {
    const base = fatOff(copy);
    if (fatType === 12) {
      const off = base + n + (n >>> 1);
      const v = img[off] | (img[off + 1] << 8);
      return n & 1 ? v >>> 4 : v & 0xfff;
    }
    if (fatType === 16) return u16(img, base + 2 * n);
    return u32(img, base + 4 * n);
  };
  const entry = (n: number): number => (fatType === 32 ? rawEntry(n) % 0x10000000 : rawEntry(n));
  const eocMin = fatType === 12 ? 0xff8 : fatType === 16 ? 0xfff8 : 0x0ffffff8;
  const bad = fatType === 12 ? 0xff7 : fatType === 16 ? 0xfff7 : 0x0ffffff7;

  // FAT copies must match (mirroring on; FAT32 ExtFlags bit 7 off is all we write).
  const fatBytes = fatsz * bps;
  for (let c = 1; c < nfats; c++) {
    const a = img.subarray(fatOff(0), fatOff(0) + fatBytes);
    const b = img.subarray(fatOff(c), fatOff(c) + fatBytes);
    for (let i = 0; i < fatBytes; i++) {
      if (a[i] !== b[i]) {
        problems.push(`FAT copy ${c} differs from FAT 0 at byte ${i} (sector ${Math.floor(i / bps)})`);
        break;
      }
    }
  }
  const media = img[21];
  const f0 = entry(0);
  const f0want = fatType === 12 ? 0xf00 | media : fatType === 16 ? 0xff00 | media : 0x0fffff00 | media;
  if (f0 !== f0want) problems.push(`FAT[0] is 0x${f0.toString(16)}, expected 0x${f0want.toString(16)}`);

  const claimed = new Map<number, string>();
  const claim = (n: number, who: string): void => {
    const prev = claimed.get(n);
    if (prev !== undefined) problems.push(`cluster ${n} is cross-linked: ${prev} and ${who}`);
    else claimed.set(n, who);
  };
  /** Walk a chain from `start`; `want` clusters exactly when given. */
  const walk = (start: number, who: string, want?: number): number[] => {
    const out: number[] = [];
    let n = start;
    for (;;) {
      if (n < 2 || n > maxCluster) {
        problems.push(`${who}: chain reaches cluster ${n}, outside 2..${maxCluster}`);
        break;
      }
      if (out.length > clusterCount) {
        problems.push(`${who}: chain loops`);
        break;
      }
      out.push(n);
      claim(n, who);
      const next = entry(n);
      if (next >= eocMin) break;
      if (next === 0) {
        problems.push(`${who}: chain runs into free cluster after ${n}`);
        break;
      }
      if (next === bad) {
        problems.push(`${who}: chain runs into a bad cluster after ${n}`);
        break;
      }
      n = next;
    }
    if (want !== undefined && out.length !== want) problems.push(`${who}: chain has ${out.length} clusters, size needs ${want}`);
    return out;
  };

  const clusterOffset = (n: number): number => (dataStart + (n - 2) * spc) * bps;
  const entries = new Map<string, AuditEntry>();
  const dirSlots = new Map<string, number[]>();
  let dirClusters = 0;

  const slotOffsetsOf = (clusters: number[] | undefined): number[] => {
    const offs: number[] = [];
    if (!clusters) {
      const start = (rsvd + nfats * fatsz) * bps;
      for (let i = 0; i < rootEnt; i++) offs.push(start + i * 32);
    } else {
      for (const c of clusters) for (let i = 0; i < cs / 32; i++) offs.push(clusterOffset(c) + i * 32);
    }
    return offs;
  };

  const readDir = (path: string, clusters: number[] | undefined, selfCluster: number, parentCluster: number, depth: number): void => {
    if (depth > 64) {
      problems.push(`${path}: deeper than 64 levels`);
      return;
    }
    const offs = slotOffsetsOf(clusters);
    dirSlots.set(path, offs);
    const isRoot = path === '/';
    let lfn: { units: number[][]; next: number; sum: number; start: number } | undefined;
    const longs = new Set<string>();
    const shorts = new Set<string>();
    const subdirs: Array<[string, number]> = [];
    for (let i = 0; i < offs.length; i++) {
      const o = offs[i];
      const first = img[o];
      if (first === 0) {
        if (lfn) problems.push(`${path}: long-name slots at ${lfn.start} not followed by an entry`);
        break;
      }
      const attr = img[o + 11];
      if (first === 0xe5) {
        if (lfn) problems.push(`${path}: long-name run at ${lfn.start} interrupted by a deleted entry`);
        lfn = undefined;
        continue;
      }
      if ((attr & 0x3f) === 0x0f) {
        const units: number[] = [];
        for (const k of [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]) units.push(u16(img, o + k));
        const order = first & 0x1f;
        if (first & 0x40) {
          if (lfn) problems.push(`${path}: long-name run at ${lfn.start} not followed by an entry`);
          lfn = { units: [units], next: order - 1, sum: img[o + 13], start: i };
        } else if (lfn && order === lfn.next && img[o + 13] === lfn.sum) {
          lfn.units.push(units);
          lfn.next--;
        } else {
          problems.push(`${path}: long-name slot ${i} out of order (order ${order})`);
          lfn = undefined;
        }
        if (u16(img, o + 26) !== 0 || img[o + 12] !== 0) problems.push(`${path}: long-name slot ${i} has a cluster or type`);
        continue;
      }
      const nameBytes = img.subarray(o, o + 11);
      const raw = String.fromCharCode(...nameBytes);
      if (attr & 0x08 && !(attr & 0x10)) {
        if (!isRoot) problems.push(`${path}: volume label entry outside the root`);
        if (lfn) problems.push(`${path}: long-name slots before the volume label`);
        lfn = undefined;
        continue;
      }
      const cluster = (fatType === 32 ? u16(img, o + 20) * 0x10000 : 0) + u16(img, o + 26);
      if (raw === '.          ' || raw === '..         ') {
        if (lfn) problems.push(`${path}: long-name slots before ${raw.trim()}`);
        lfn = undefined;
        if (isRoot) problems.push(`/: the root holds a ${raw.trim()} entry`);
        else if (raw[1] === ' ') {
          if (i !== 0) problems.push(`${path}: "." is entry ${i}, not 0`);
          if (cluster !== selfCluster) problems.push(`${path}: "." points to ${cluster}, not ${selfCluster}`);
        } else {
          if (i !== 1) problems.push(`${path}: ".." is entry ${i}, not 1`);
          if (cluster !== parentCluster) problems.push(`${path}: ".." points to ${cluster}, expected ${parentCluster}`);
        }
        continue;
      }
      if (!isRoot && i < 2) problems.push(`${path}: entry ${i} is ${JSON.stringify(raw)}, expected "." / ".."`);
      // The short name, and the long name when a valid run precedes it.
      let sum = 0;
      for (let k = 0; k < 11; k++) sum = ((sum & 1 ? 0x80 : 0) + (sum >> 1) + nameBytes[k]) & 0xff;
      const sb = Uint8Array.from(nameBytes);
      if (sb[0] === 0x05) sb[0] = 0xe5;
      const base = page.decode(sb.subarray(0, 8)).replace(/ +$/, '');
      const ext = page.decode(sb.subarray(8, 11)).replace(/ +$/, '');
      const shortName = ext ? `${base}.${ext}` : base;
      const caseFlags = img[o + 12];
      let name = `${caseFlags & 0x08 ? base.toLowerCase() : base}${ext ? `.${caseFlags & 0x10 ? ext.toLowerCase() : ext}` : ''}`;
      let hasLongName = false;
      let firstSlot = i;
      if (lfn) {
        if (lfn.next !== 0) problems.push(`${path}: incomplete long-name run before entry ${i} (${shortName})`);
        else if (lfn.sum !== sum) problems.push(`${path}: long-name checksum mismatch before entry ${i} (${shortName})`);
        else {
          const units: number[] = [];
          outer: for (const slot of [...lfn.units].reverse()) {
            for (const u of slot) {
              if (u === 0) break outer;
              units.push(u);
            }
          }
          name = String.fromCharCode(...units);
          hasLongName = true;
          firstSlot = lfn.start;
        }
        lfn = undefined;
      }
      for (const b of nameBytes) {
        if (b < 0x20 && !(b === 0x05 && nameBytes[0] === b)) problems.push(`${path}/${name}: control byte in the short name`);
        if ('"*+,./:;<=>?[\\]|'.includes(String.fromCharCode(b)) || (b >= 0x61 && b <= 0x7a)) {
          problems.push(`${path}/${name}: illegal byte ${JSON.stringify(String.fromCharCode(b))} in the short name ${JSON.stringify(raw)}`);
          break;
        }
      }
      if (nameBytes[0] === 0x20) problems.push(`${path}/${name}: short name starts with a space`);
      if (shorts.has(raw)) problems.push(`${path}: duplicate short name ${JSON.stringify(raw)}`);
      shorts.add(raw);
      const fold = name.toUpperCase();
      if (longs.has(fold)) problems.push(`${path}: duplicate name ${JSON.stringify(name)} (case-insensitively)`);
      longs.add(fold);
      const full = path === '/' ? `/${name}` : `${path}/${name}`;
      const isDir = (attr & 0x10) !== 0;
      const size = u32(img, o + 28);
      let chain: number[] = [];
      if (isDir) {
        if (size !== 0) problems.push(`${full}: directory with size ${size}`);
        if (cluster === 0) problems.push(`${full}: directory with cluster 0`);
        else {
          chain = walk(cluster, full);
          dirClusters += chain.length;
          subdirs.push([full, cluster]);
        }
      } else if (size === 0) {
        if (cluster !== 0) problems.push(`${full}: empty file with cluster ${cluster}`);
      } else if (cluster === 0) problems.push(`${full}: ${size} bytes and no cluster`);
      else chain = walk(cluster, full, Math.ceil(size / cs));
      entries.set(full, {
        path: full, type: isDir ? 'dir' : 'file', name, shortName, caseFlags, attr, hasLongName, size: isDir ? 0 : size,
        firstCluster: cluster, clusters: chain, mtimeMs: dosToMs(u16(img, o + 24), u16(img, o + 22)), index: i, firstSlot,
      });
    }
    for (const [p, c] of subdirs) readDir(p, entries.get(p)!.clusters, c, isRoot ? 0 : selfCluster, depth + 1);
  };

  if (fatType === 32) {
    const rootCluster = u32(img, 44);
    const chain = walk(rootCluster, '/');
    dirClusters += chain.length;
    readDir('/', chain, rootCluster, 0, 0);
  } else readDir('/', undefined, 0, 0, 0);

  let free = 0;
  for (let n = 2; n <= maxCluster; n++) {
    const v = entry(n);
    if (v === 0) free++;
    else if (v !== bad && !claimed.has(n)) problems.push(`cluster ${n} is lost (FAT holds 0x${v.toString(16)}, no file owns it)`);
  }

  const bootDirty = (img[fatType === 32 ? 65 : 37] & 1) === 1;
  const f1 = entry(1);
  const fatClean = fatType === 12 ? undefined : fatType === 16 ? (f1 & 0x8000) !== 0 : (f1 & 0x08000000) !== 0;

  let fsInfo: Audit['fsInfo'];
  if (fatType === 32) {
    const fsiSector = u16(img, 48);
    const bk = u16(img, 50);
    const read = (s: number): { freeCount: number; nextFree: number } | undefined => {
      const o = s * bps;
      if (u32(img, o) !== 0x41615252 || u32(img, o + 484) !== 0x61417272) return undefined;
      return { freeCount: u32(img, o + 488), nextFree: u32(img, o + 492) };
    };
    const primary = read(fsiSector);
    if (primary) {
      const backup = bk ? read(bk + fsiSector) : undefined;
      fsInfo = backup ? { ...primary, backup } : primary;
      if (!bootDirty && fatClean) {
        if (primary.freeCount !== free) problems.push(`FSInfo free count ${primary.freeCount}, really ${free}`);
        if (primary.nextFree !== 0xffffffff && (primary.nextFree < 2 || primary.nextFree > maxCluster)) {
          problems.push(`FSInfo next-free hint ${primary.nextFree} is outside 2..${maxCluster}`);
        }
        if (backup && (backup.freeCount !== primary.freeCount || backup.nextFree !== primary.nextFree)) {
          problems.push(`backup FSInfo (${backup.freeCount}, ${backup.nextFree}) differs from FSInfo (${primary.freeCount}, ${primary.nextFree})`);
        }
      }
    }
  }

  return {
    fatType, sectorSize: bps, clusterSize: cs, clusterCount, numFats: nfats, freeClusters: free, dirClusters, entries, fsInfo,
    bootDirty, fatClean, problems,
    fatEntry: rawEntry,
    clusterOffset,
    dirSlotOffsets: (p: string) => {
      const offs = dirSlots.get(p);
      if (!offs) throw new Error(`audit: no directory ${p}`);
      return offs;
    },
    dirBytes: (p: string) => {
      const offs = dirSlots.get(p);
      if (!offs) throw new Error(`audit: no directory ${p}`);
      const out = new Uint8Array(offs.length * 32);
      offs.forEach((o, i) => out.set(img.subarray(o, o + 32), i * 32));
      return out;
    },
  };
}

/** Write `bytes` to `path` as a sparse file (only the non-zero 64 KiB blocks), for the oracles. */
export function writeSparse(path: string, bytes: Uint8Array): void {
  rmSync(path, { force: true });
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, bytes.length);
    const block = 64 * 1024;
    const zero = new Uint8Array(block);
    for (let off = 0; off < bytes.length; off += block) {
      const chunk = bytes.subarray(off, Math.min(bytes.length, off + block));
      if (Buffer.compare(chunk, zero.subarray(0, chunk.length)) !== 0) writeSync(fd, chunk, 0, chunk.length, off);
    }
  } finally {
    closeSync(fd);
  }
}

import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
