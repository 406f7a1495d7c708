/**
 * Builders for partition tables and minimal FAT boot sectors, written by hand from the specs (not
 * with fatkit's own code) so the tests check fatkit against an independent encoding.
 * GPT CRCs use node:zlib's crc32, independent of src/fat/disk/crc32.ts.
 */
import { crc32 } from 'node:zlib';

const put16 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
};
const put32 = (b: Uint8Array, o: number, v: number): void => {
  put16(b, o, v % 0x10000);
  put16(b, o + 2, Math.floor(v / 0x10000));
};
const put64 = (b: Uint8Array, o: number, v: number): void => {
  put32(b, o, v % 0x100000000);
  put32(b, o + 4, Math.floor(v / 0x100000000));
};

/**
 * A minimal valid FAT12/16 boot sector (one sector of `bytesPerSector` bytes): 1 sector per cluster,
 * 1 reserved sector, 2 FATs, 512 root entries, media F8, 55 AA.
 */
export function fatBootSector(totalSectors: number, bytesPerSector = 512, hiddenSectors = 0): Uint8Array {
  const b = new Uint8Array(bytesPerSector);
  b.set([0xeb, 0x3c, 0x90], 0);
  b.set(Buffer.from('TESTFAT '), 3);
  put16(b, 11, bytesPerSector);
  b[13] = 1;
  put16(b, 14, 1);
  b[16] = 2;
  put16(b, 17, 512);
  if (totalSectors < 0x10000) put16(b, 19, totalSectors);
  else put32(b, 32, totalSectors);
  b[21] = 0xf8;
  put16(b, 22, Math.max(1, Math.ceil(((totalSectors + 2) * 2) / bytesPerSector)));
  put16(b, 24, 32);
  put16(b, 26, 2);
  put32(b, 28, hiddenSectors);
  b[36] = 0x80;
  b[38] = 0x29;
  put32(b, 39, 0x12345678);
  b.set(Buffer.from('NO NAME    FAT16   '), 43);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

export interface MbrEntry {
  type: number;
  start: number;
  count: number;
  bootable?: boolean;
}

/** A 512-byte MBR (or EBR) with up to four entries, zero boot code and 55 AA. */
export function mbr(entries: (MbrEntry | undefined)[]): Uint8Array {
  const b = new Uint8Array(512);
  entries.forEach((e, i) => {
    if (e === undefined) return;
    const o = 446 + 16 * i;
    b[o] = e.bootable ? 0x80 : 0;
    b.set([0xfe, 0xff, 0xff], o + 1); // CHS: "use LBA"
    b[o + 4] = e.type;
    b.set([0xfe, 0xff, 0xff], o + 5);
    put32(b, o + 8, e.start);
    put32(b, o + 12, e.count);
  });
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

/**
 * An EBR: `logical` starts relative to this EBR, `next` (type 0x05) relative to the extended
 * partition's start.
 */
export function ebr(logical: MbrEntry | undefined, next?: { start: number; count: number }): Uint8Array {
  return mbr([logical, next && { type: 0x05, ...next }]);
}

/** A GUID in text form to its 16 on-disk bytes (first three fields little-endian). */
export function guidBytes(guid: string): Uint8Array {
  const h = guid.replace(/-/g, '');
  const raw = Buffer.from(h, 'hex');
  const b = new Uint8Array(16);
  b.set([raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6]], 0);
  b.set(raw.subarray(8, 16), 8);
  return b;
}

export const BASIC_DATA = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';
export const EFI_SYSTEM = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
export const LINUX_FS = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

export interface GptPart {
  type: string;
  /** First and last LBA (inclusive), in `unit`-byte sectors. */
  first: number;
  last: number;
  name?: string;
  /** Put the entry at this 0-based slot (default: in order). */
  slot?: number;
}

export interface GptOptions {
  /** Logical sector size the table is written for (default 512). */
  unit?: number;
  entries?: number;
  entrySize?: number;
  /** Also write the backup header and entries at the end (default true). */
  backup?: boolean;
  /** Write a protective MBR at sector 0 (default true). */
  protectiveMbr?: boolean;
}

/** Write a GPT (protective MBR, primary header at LBA 1, entries at LBA 2, backup at the end) into `disk`. */
export function writeGpt(disk: Uint8Array, parts: GptPart[], options: GptOptions = {}): void {
  const unit = options.unit ?? 512;
  const count = options.entries ?? 128;
  const size = options.entrySize ?? 128;
  const lastLba = disk.length / unit - 1;
  const entryLbas = Math.ceil((count * size) / unit);
  const entries = new Uint8Array(count * size);
  parts.forEach((p, i) => {
    const o = (p.slot ?? i) * size;
    entries.set(guidBytes(p.type), o);
    entries.set(guidBytes(`00000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`), o + 16);
    put64(entries, o + 32, p.first);
    put64(entries, o + 40, p.last);
    const name = p.name ?? '';
    for (let k = 0; k < name.length && k < 36; k++) put16(entries, o + 56 + 2 * k, name.charCodeAt(k));
  });
  const entriesCrc = crc32(entries);
  const header = (myLba: number, altLba: number, entriesLba: number): Uint8Array => {
    const h = new Uint8Array(unit);
    h.set(Buffer.from('EFI PART'), 0);
    put32(h, 8, 0x00010000);
    put32(h, 12, 92);
    put64(h, 24, myLba);
    put64(h, 32, altLba);
    put64(h, 40, 2 + entryLbas);
    put64(h, 48, lastLba - 1 - entryLbas);
    h.set(guidBytes('11111111-2222-4333-8444-555555555555'), 56);
    put64(h, 72, entriesLba);
    put32(h, 80, count);
    put32(h, 84, size);
    put32(h, 88, entriesCrc);
    put32(h, 16, crc32(h.subarray(0, 92)));
    return h;
  };
  if (options.protectiveMbr ?? true) {
    disk.set(mbr([{ type: 0xee, start: 1, count: Math.min(0xffffffff, lastLba) }]), 0);
  }
  disk.set(header(1, lastLba, 2), unit);
  disk.set(entries, 2 * unit);
  if (options.backup ?? true) {
    const backupEntries = lastLba - entryLbas;
    disk.set(entries, backupEntries * unit);
    disk.set(header(lastLba, 1, backupEntries), lastLba * unit);
  }
}

/** Patch a GPT header's byte and leave its CRC stale (a corrupt header). */
export function corruptGptHeader(disk: Uint8Array, unit = 512, lba = 1): void {
  disk[lba * unit + 40] ^= 0xff;
}
