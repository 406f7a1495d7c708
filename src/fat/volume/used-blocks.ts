/**
 * What an image uses, in blocks (4 KiB by default): the map `fat bmap` and `fat sparse` write.
 * A FAT volume uses its reserved sectors, FATs and fixed root, and the clusters its FAT marks in
 * use (free and bad clusters are left out). A partitioned disk uses its table sectors (MBR, both
 * GPT headers and entry arrays, extended boot records), each FAT partition's used parts and every
 * other partition whole. What lies before the first partition or volume (boot loaders live there:
 * the MBR gap, U-Boot's offsets) is read, at most its first 64 MiB, and its blocks that are not
 * all zeros are mapped too. Space between and after partitions, and after a volume's end, is
 * unused by the table's and the volume's own account, and left out (reading it could take hours
 * on a sparse disk of terabytes).
 */
import type { BlockDevice } from '../device/block-device.js';
import { SliceDevice } from '../device/slice.js';
import { readPartitionTable, formatPartitionType, type PartitionTable } from '../disk/partition.js';
import { EXTENDED_TYPES, PROTECTIVE_TYPE } from '../disk/mbr.js';
import { le64, readBytes } from '../disk/probe.js';
import { le32 } from '../format/bytes.js';
import { FatError, oneLine } from '../errors.js';
import { Volume } from './volume.js';

export interface BlockMapOptions {
  /** Block size in bytes (a power of two from 512; default 4096, bmaptool's and fastboot's). */
  blockSize?: number;
  /** The image's size in bytes when it ends inside a device sector (the tail is mapped); default the device's size. */
  imageBytes?: number;
  /** The FAT volume starts at this byte offset (what lies before it is treated as a gap). */
  offset?: number;
}

/** An inclusive range of blocks. */
export interface BlockRange {
  first: number;
  last: number;
}

export interface ImageBlockMap {
  blockSize: number;
  imageBytes: number;
  /** ceil(imageBytes / blockSize). */
  blockCount: number;
  /** The mapped blocks, sorted and merged. */
  ranges: BlockRange[];
  mappedBlocks: number;
  /** How the image was read: one line per volume, partition or table mapped. */
  notes: string[];
}

type Span = [start: number, end: number];

const ZERO_CHECK_CHUNK = 1 << 20;
/** What lies before the first partition or volume is read up to here for boot code. */
const LEAD_SCAN_BYTES = 64 << 20;

/** The blocks of `dev` (a whole image) that hold something: see the file comment. */
export function imageBlockMap(dev: BlockDevice, options: BlockMapOptions = {}): ImageBlockMap {
  const B = options.blockSize ?? 4096;
  if (!Number.isSafeInteger(B) || B < 512 || (B & (B - 1)) !== 0) throw new FatError('EINVAL', `block size ${B} is not a power of two from 512`);
  const ss = dev.sectorSize;
  const devBytes = dev.sectorCount * ss;
  const imageBytes = options.imageBytes ?? devBytes;
  if (!Number.isSafeInteger(imageBytes) || imageBytes < devBytes) throw new FatError('EINVAL', `image size ${imageBytes} is smaller than the device (${devBytes} bytes)`);
  if (imageBytes === 0) throw new FatError('FAT_NOT_FAT', 'not a FAT image: the image is empty');
  const used: Span[] = [];
  const covered: Span[] = [];
  const notes: string[] = [];
  const clip = (s: Span): Span => [Math.max(0, s[0]), Math.min(devBytes, s[1])];
  const use = (s: Span): void => {
    const c = clip(s);
    if (c[1] > c[0]) used.push(c);
  };

  const addVolume = (start: number, device: BlockDevice, what: string): void => {
    const vol = Volume.open(device, { readOnly: true });
    try {
      const g = vol.geo;
      const gs = g.sectorSize;
      const end = start + Math.min(g.totalSectors, vol.io.sectorCount) * gs;
      covered.push(clip([start, end]));
      use([start, start + g.dataStart * gs]);
      const fat = vol.fat;
      const at = (n: number): number => start + (g.dataStart + (n - 2) * g.sectorsPerCluster) * gs;
      let runStart = -1;
      let clusters = 0;
      for (let n = 2; n <= fat.maxCluster + 1; n++) {
        const v = n <= fat.maxCluster ? fat.get(n) : 0;
        const inUse = v !== 0 && !fat.isBad(v);
        if (inUse) clusters++;
        if (inUse && runStart < 0) runStart = n;
        else if (!inUse && runStart >= 0) {
          use([at(runStart), at(n)]);
          runStart = -1;
        }
      }
      notes.push(`${what}: FAT${g.fatType}, ${clusters} of ${g.clusterCount} clusters in use`);
    } finally {
      vol.close();
    }
  };

  if (options.offset !== undefined) {
    const off = options.offset;
    if (!Number.isSafeInteger(off) || off < 0 || off % ss !== 0 || off >= devBytes) throw new FatError('EINVAL', `invalid volume offset ${off}`);
    addVolume(off, new SliceDevice(dev, off / ss, dev.sectorCount - off / ss), `volume at byte ${off}`);
  } else {
    const table = readPartitionTable(dev);
    if (table === undefined) addVolume(0, dev, 'volume');
    else addTable(dev, table, { use, covered, notes, addVolume });
  }

  // Before the first partition or volume: boot code, blocks that hold anything but zeros.
  const lead = Math.min(LEAD_SCAN_BYTES, devBytes, ...covered.map((c) => c[0]));
  if (lead > 0) scanGap(dev, 0, lead, B, use);
  if (imageBytes > devBytes) used.push([devBytes, imageBytes]); // a tail shorter than a sector: kept as it is

  const ranges = toBlocks(used, B);
  return { blockSize: B, imageBytes, blockCount: Math.ceil(imageBytes / B), ranges, mappedBlocks: ranges.reduce((n, r) => n + r.last - r.first + 1, 0), notes };
}

interface Sink {
  use(s: Span): void;
  covered: Span[];
  notes: string[];
  addVolume(start: number, device: BlockDevice, what: string): void;
}

/** A partitioned disk: its table sectors, each partition. */
function addTable(dev: BlockDevice, table: PartitionTable, sink: Sink): void {
  const ss = dev.sectorSize;
  const unit = table.sectorSize;
  sink.use([0, Math.max(512, unit)]);
  if (table.scheme === 'gpt') for (const s of gptSpans(dev, unit)) sink.use(s);
  sink.notes.push(`${table.scheme.toUpperCase()} partition table`);
  for (const p of table.partitions) {
    if (typeof p.type === 'number' && EXTENDED_TYPES.includes(p.type)) for (const s of ebrSpans(dev, unit, (p.startLba * ss) / unit)) sink.use(s);
    if (typeof p.type === 'number' && (EXTENDED_TYPES.includes(p.type) || p.type === PROTECTIVE_TYPE)) continue;
    const start = p.startLba * ss;
    const count = Math.min(p.sectorCount, Math.max(0, dev.sectorCount - p.startLba));
    const what = `partition ${p.index} (type ${formatPartitionType(p.type)})`;
    if (count <= 0) {
      sink.notes.push(`${what}: outside the image, left out`);
      continue;
    }
    if (p.isFat) {
      try {
        sink.addVolume(start, new SliceDevice(dev, p.startLba, count), what);
        continue;
      } catch (e) {
        sink.notes.push(`${what}: its FAT volume cannot be read (${oneLine(e instanceof Error ? e.message : String(e))}): mapped whole`);
      }
    } else sink.notes.push(`${what}: mapped whole`);
    sink.covered.push([start, start + count * ss]);
    sink.use([start, start + count * ss]);
  }
}

/** Both GPT headers and their entry arrays (whatever their contents: zeros there matter to the CRC). */
function gptSpans(dev: BlockDevice, unit: number): Span[] {
  const out: Span[] = [];
  const header = (lba: number): number | undefined => {
    const h = readBytes(dev, lba * unit, unit);
    if (h === undefined || String.fromCharCode(...h.subarray(0, 8)) !== 'EFI PART') return undefined;
    out.push([lba * unit, (lba + 1) * unit]);
    const entries = le64(h, 72);
    const bytes = Math.min(le32(h, 80) * le32(h, 84), 1024 * 4096);
    if (entries > 0 && bytes > 0) out.push([entries * unit, entries * unit + Math.ceil(bytes / unit) * unit]);
    return le64(h, 32);
  };
  const alternate = header(1);
  const last = Math.floor((dev.sectorCount * dev.sectorSize) / unit) - 1;
  if (alternate !== undefined && alternate > 1 && alternate <= last) header(alternate);
  else if (last > 1) header(last);
  return out;
}

/** The extended boot records of an extended partition starting at `extStart` (in `unit` sectors): its chain, bounded. */
function ebrSpans(dev: BlockDevice, unit: number, extStart: number): Span[] {
  const out: Span[] = [];
  const seen = new Set<number>();
  for (let ebr = extStart; !seen.has(ebr) && seen.size < 128;) {
    seen.add(ebr);
    const b = readBytes(dev, ebr * unit, 512);
    if (b === undefined || b[510] !== 0x55 || b[511] !== 0xaa) break;
    out.push([ebr * unit, (ebr + 1) * unit]);
    if (!EXTENDED_TYPES.includes(b[446 + 16 + 4])) break;
    ebr = extStart + le32(b, 446 + 16 + 8);
  }
  return out;
}

/** Mark each block of [a, b) (device-sector aligned) that holds a non-zero byte. */
function scanGap(dev: BlockDevice, a: number, b: number, B: number, use: (s: Span) => void): void {
  const ss = dev.sectorSize;
  for (let pos = a; pos < b;) {
    const end = Math.min(b, pos + ZERO_CHECK_CHUNK);
    const buf = new Uint8Array(end - pos);
    dev.read(pos / ss, buf);
    const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
    for (let k = Math.floor(pos / B); k * B < end; k++) {
      const s = Math.max(pos, k * B);
      const e = Math.min(end, (k + 1) * B);
      for (let i = (s - pos) >>> 2; i < (e - pos) >>> 2; i++) {
        if (words[i] !== 0) {
          use([s, e]);
          break;
        }
      }
    }
    pos = end;
  }
}

/** Byte spans to sorted, merged block ranges. */
function toBlocks(spans: Span[], B: number): BlockRange[] {
  spans.sort((x, y) => x[0] - y[0]);
  const out: BlockRange[] = [];
  for (const [s, e] of spans) {
    if (e <= s) continue;
    const first = Math.floor(s / B);
    const last = Math.floor((e - 1) / B);
    const prev = out[out.length - 1];
    if (prev && first <= prev.last + 1) prev.last = Math.max(prev.last, last);
    else out.push({ first, last });
  }
  return out;
}
