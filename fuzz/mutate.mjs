/**
 * Seeded mutations of FAT images: BPB fields, FAT entries, directory entries, long-name slots,
 * FSInfo, raw metadata bytes and truncation. Mutations are written as sector overrides so that a
 * 33 MiB FAT32 seed costs nothing to mutate.
 */

/** xorshift128+-like PRNG on 32-bit halves: deterministic for a (seed, iteration). */
export function rng(seed, iteration = 0) {
  let a = (seed ^ 0x9e3779b9) >>> 0;
  let b = (Math.imul(iteration + 1, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  let c = (seed * 31 + iteration * 17 + 0x27d4eb2f) >>> 0;
  let d = 0x165667b1;
  const next = () => {
    const t = (a ^ (a << 11)) >>> 0;
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ t ^ (t >>> 8)) >>> 0;
    return d;
  };
  for (let i = 0; i < 12; i++) next();
  const r = {
    u32: next,
    int: (n) => (n <= 0 ? 0 : next() % n),
    chance: (p) => next() / 0x100000000 < p,
    pick: (arr) => arr[next() % arr.length],
  };
  return r;
}

const le16 = (b, o) => b[o] | (b[o + 1] << 8);
const le32 = (b, o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;

/** The layout landmarks of a (valid) seed image, from its boot sector. */
export function layout(bytes) {
  const bps = le16(bytes, 11);
  const spc = bytes[13];
  const rsvd = le16(bytes, 14);
  const nfats = bytes[16];
  const rootEntries = le16(bytes, 17);
  const fat32 = le16(bytes, 22) === 0;
  const fatSize = le16(bytes, 22) || le32(bytes, 36);
  const total = le16(bytes, 19) || le32(bytes, 32);
  const rootStart = rsvd + nfats * fatSize;
  const rootSectors = Math.ceil((rootEntries * 32) / bps);
  const dataStart = rootStart + rootSectors;
  const clusters = Math.floor((total - dataStart) / spc);
  const bits = fat32 ? 32 : clusters < 4085 ? 12 : 16;
  return { bps, spc, rsvd, nfats, rootEntries, fat32, fatSize, total, rootStart, rootSectors, dataStart, clusters, bits, rootCluster: fat32 ? le32(bytes, 44) : 0 };
}

/** A copy-on-write view of an image: sector overrides over the seed bytes (512-byte units). */
export class Overlay {
  constructor(base) {
    this.base = base;
    this.sectors = new Map();
    this.size = base.length;
  }
  /** A writable copy of the 512-byte sector `s`. */
  sector(s) {
    let b = this.sectors.get(s);
    if (!b) {
      b = new Uint8Array(512);
      if (s * 512 < this.base.length) b.set(this.base.subarray(s * 512, Math.min(this.base.length, s * 512 + 512)));
      this.sectors.set(s, b);
    }
    return b;
  }
  getByte(off) {
    const s = Math.floor(off / 512);
    const o = this.sectors.get(s);
    return o ? o[off % 512] : this.base[off];
  }
  setByte(off, v) {
    if (off < 0 || off >= this.base.length) return;
    this.sector(Math.floor(off / 512))[off % 512] = v & 0xff;
  }
  set16(off, v) {
    this.setByte(off, v);
    this.setByte(off + 1, v >>> 8);
  }
  set32(off, v) {
    for (let i = 0; i < 4; i++) this.setByte(off + i, Math.floor(v / 2 ** (8 * i)));
  }
  get16(off) {
    return this.getByte(off) | (this.getByte(off + 1) << 8);
  }
  /** An independent copy (the overrides are copied). */
  clone() {
    const c = new Overlay(this.base);
    for (const [k, b] of this.sectors) c.sectors.set(k, b.slice());
    c.size = this.size;
    return c;
  }
  /** The whole image as one buffer (for fixtures). */
  materialize() {
    const out = new Uint8Array(this.size);
    out.set(this.base.subarray(0, this.size));
    for (const [s, b] of this.sectors) if (s * 512 < this.size) out.set(b.subarray(0, Math.min(512, this.size - s * 512)), s * 512);
    return out;
  }
}

const interesting16 = [0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0x1ff, 0x200, 0x201, 0x7fff, 0x8000, 0xfff0, 0xfff7, 0xfff8, 0xffff];
const interesting32 = [...interesting16, 0x10000, 0xffffff, 0x0ffffff7, 0x0ffffff8, 0x0fffffff, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];

/** BPB fields by offset and width (FAT-NOTES.md section 2). */
const BPB_FIELDS = [[11, 2], [13, 1], [14, 2], [16, 1], [17, 2], [19, 2], [21, 1], [22, 2], [32, 4], [510, 2], [0, 1]];
const BPB32_FIELDS = [[36, 4], [40, 2], [42, 2], [44, 4], [48, 2], [50, 2], [65, 1]];
const BPB16_FIELDS = [[37, 1], [38, 1]];

function mutateBpb(img, L, r) {
  const fields = [...BPB_FIELDS, ...(L.fat32 ? BPB32_FIELDS : BPB16_FIELDS)];
  const [off, w] = r.pick(fields);
  const cur = w === 1 ? img.getByte(off) : w === 2 ? img.get16(off) : img.get16(off) + img.get16(off + 2) * 0x10000;
  let v;
  switch (r.int(4)) {
    case 0: v = r.pick(w === 4 ? interesting32 : interesting16); break;
    case 1: v = cur + r.pick([-2, -1, 1, 2]); break;
    case 2: v = cur * 2; break;
    default: v = r.u32();
  }
  v = w === 1 ? v & 0xff : w === 2 ? v & 0xffff : v >>> 0;
  if (w === 1) img.setByte(off, v);
  else if (w === 2) img.set16(off, v);
  else img.set32(off, v);
  return `bpb[${off}]=${v}`;
}

function fatEntryOffset(L, n, copy) {
  const base = (L.rsvd + copy * L.fatSize) * L.bps;
  return L.bits === 12 ? base + n + (n >> 1) : base + n * (L.bits / 8);
}

export function setFat(img, L, n, v, copies) {
  for (const copy of copies) {
    const o = fatEntryOffset(L, n, copy);
    if (L.bits === 12) {
      const cur = img.get16(o);
      img.set16(o, n & 1 ? (cur & 0x000f) | ((v & 0xfff) << 4) : (cur & 0xf000) | (v & 0xfff));
    } else if (L.bits === 16) img.set16(o, v);
    else img.set32(o, v >>> 0);
  }
}

function mutateFat(img, L, r, used) {
  const max = L.clusters + 1;
  const n = r.chance(0.7) && used.length ? r.pick(used) : 2 + r.int(max + 2);
  const eoc = L.bits === 12 ? 0xfff : L.bits === 16 ? 0xffff : 0x0fffffff;
  const bad = eoc - 8;
  const v = r.pick([0, 1, eoc, bad, n, n - 1, n + 1, max, max + 1, 2 + r.int(max), 2 + r.int(max), r.pick(used.length ? used : [2]), eoc - 9, r.u32() & eoc]);
  const copies = r.chance(0.85) ? Array.from({ length: L.nfats }, (_, i) => i) : [r.int(L.nfats)];
  setFat(img, L, n, v, copies);
  return `fat[${n}]=${v} copies ${copies}`;
}

function mutateDirEntry(img, r, slots) {
  const live = slots.filter((o) => img.getByte(o) !== 0 && img.getByte(o + 11) !== 0x0f);
  const o = live.length && r.chance(0.9) ? r.pick(live) : r.pick(slots);
  switch (r.int(9)) {
    case 0: img.setByte(o, r.pick([0x00, 0xe5, 0x05, 0x2e, 0x20, 0x2f, 0x5c, 0x3f, 0x01, 0x7f, r.u32()])); return `dir ${o} name[0]`;
    case 1: img.setByte(o + 1 + r.int(10), r.pick([0x2e, 0x2f, 0x5c, 0x00, 0x20, 0x61, 0xe5, r.u32()])); return `dir ${o} name byte`;
    case 2: img.setByte(o + 11, r.pick([0x00, 0x08, 0x10, 0x18, 0x0f, 0x3f, 0x20, 0x01, r.u32()])); return `dir ${o} attr`;
    case 3: img.set16(o + 26, r.pick(interesting16)); return `dir ${o} cluster lo`;
    case 4: img.set16(o + 20, r.pick(interesting16)); return `dir ${o} cluster hi`;
    case 5: img.set32(o + 28, r.pick(interesting32)); return `dir ${o} size`;
    case 6: img.set32(o + 28, img.get16(o + 28) + r.pick([-1, 1, 512, -512, 4096])); return `dir ${o} size delta`;
    case 7: img.setByte(o + 12, r.u32()); return `dir ${o} case`;
    default: {
      // Copy another entry over this one (duplicates, cross links).
      const src = r.pick(live.length ? live : slots);
      for (let i = 0; i < 32; i++) img.setByte(o + i, img.getByte(src + i));
      return `dir ${o} copy of ${src}`;
    }
  }
}

function mutateLfn(img, r, slots) {
  const lfn = slots.filter((o) => img.getByte(o + 11) === 0x0f && img.getByte(o) !== 0xe5);
  if (!lfn.length) return mutateDirEntry(img, r, slots);
  const o = r.pick(lfn);
  switch (r.int(6)) {
    case 0: img.setByte(o, r.pick([0x01, 0x02, 0x41, 0x42, 0x43, 0x40, 0x00, 0x5f, 0x7f, r.u32()])); return `lfn ${o} order`;
    case 1: img.setByte(o + 13, img.getByte(o + 13) + 1); return `lfn ${o} checksum`;
    case 2: img.set16(o + r.pick([1, 3, 5, 14, 16, 28, 30]), r.pick([0x2f, 0x5c, 0x2e, 0x00, 0xffff, 0xd800, 0xdc00, 0x3a, r.u32() & 0xffff])); return `lfn ${o} unit`;
    case 3: img.setByte(o + 11, r.pick([0x0e, 0x1f, 0x2f, 0x00])); return `lfn ${o} attr`;
    case 4: img.set16(o + 26, r.pick([1, 2, 0xffff])); return `lfn ${o} cluster`;
    default: img.setByte(o, 0xe5); return `lfn ${o} deleted`;
  }
}

function mutateFsInfo(img, L, r) {
  if (!L.fat32) return 'fsinfo (none)';
  const o = 512 * 1;
  img.set32(o + r.pick([0, 484, 488, 492, 508]), r.pick(interesting32));
  return 'fsinfo';
}

function flipMeta(img, L, r, slots) {
  const o = r.chance(0.5) ? r.int(L.dataStart * L.bps) : r.pick(slots) + r.int(32);
  img.setByte(o, img.getByte(o) ^ (1 << r.int(8)));
  return `flip ${o}`;
}

/**
 * Apply 1-4 mutations. `info` holds the seed's directory slot offsets and used clusters. Returns
 * a description and the device size in bytes (smaller when truncated).
 */
export function mutate(img, L, info, r) {
  const what = [];
  const n = 1 + r.int(4);
  let size = img.size;
  for (let i = 0; i < n; i++) {
    const k = r.int(100);
    if (k < 10) what.push(mutateBpb(img, L, r));
    else if (k < 38) what.push(mutateFat(img, L, r, info.used));
    else if (k < 65) what.push(mutateDirEntry(img, r, info.slots));
    else if (k < 82) what.push(mutateLfn(img, r, info.slots));
    else if (k < 87) what.push(mutateFsInfo(img, L, r));
    else if (k < 96) what.push(flipMeta(img, L, r, info.slots));
    else {
      const sectors = Math.floor(size / 512);
      size = 512 * Math.max(1, r.chance(0.5) ? sectors - 1 - r.int(16) : r.int(sectors));
      what.push(`truncate to ${size}`);
    }
  }
  img.size = size;
  return what.join('; ');
}
