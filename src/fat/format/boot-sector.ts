import { FatError } from '../errors.js';
import { le16, le32, put16, put32 } from './bytes.js';

/** The fields of a FAT boot sector (BPB and extended BPB), as stored. FAT-NOTES.md section 2. */
export interface BootSector {
  jump: Uint8Array;
  oemName: string;
  bytesPerSector: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  numFats: number;
  rootEntries: number;
  totalSectors16: number;
  media: number;
  fatSize16: number;
  sectorsPerTrack: number;
  heads: number;
  hiddenSectors: number;
  totalSectors32: number;
  /** FAT32 only (0 otherwise). */
  fatSize32: number;
  extFlags: number;
  fsVersion: number;
  rootCluster: number;
  fsInfoSector: number;
  backupBootSector: number;
  /** Extended BPB (at 36 on FAT12/16, 64 on FAT32). */
  driveNumber: number;
  /** The reserved byte after the drive number; bit 0 is the dirty flag. */
  flags: number;
  /** 0x29 when volumeId, volumeLabel and fsType are present (0x28: volumeId only). */
  extSignature: number;
  volumeId: number;
  /** The 11 label bytes, decoded as Latin-1 with trailing spaces kept. */
  volumeLabel: string;
  fsType: string;
  /** True when the BPB has the FAT32 layout (FATSz16 == 0). */
  fat32Layout: boolean;
  /** 0x55AA present at 510. */
  signature: boolean;
}

const latin1 = (b: Uint8Array, off: number, len: number): string => {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(b[off + i]);
  return s;
};

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** Decode the fields of a boot sector. No validation beyond what decoding needs: see validateBootSector. */
export function decodeBootSector(b: Uint8Array): BootSector {
  if (b.length < 512) throw new FatError('FAT_NOT_FAT', `not a FAT image: only ${b.length} bytes`);
  const fatSize16 = le16(b, 22);
  const fat32Layout = fatSize16 === 0 && le32(b, 36) !== 0;
  const ext = fat32Layout ? 64 : 36;
  return {
    jump: b.slice(0, 3),
    oemName: latin1(b, 3, 8),
    bytesPerSector: le16(b, 11),
    sectorsPerCluster: b[13],
    reservedSectors: le16(b, 14),
    numFats: b[16],
    rootEntries: le16(b, 17),
    totalSectors16: le16(b, 19),
    media: b[21],
    fatSize16,
    sectorsPerTrack: le16(b, 24),
    heads: le16(b, 26),
    hiddenSectors: le32(b, 28),
    totalSectors32: le32(b, 32),
    fatSize32: fat32Layout ? le32(b, 36) : 0,
    extFlags: fat32Layout ? le16(b, 40) : 0,
    fsVersion: fat32Layout ? le16(b, 42) : 0,
    rootCluster: fat32Layout ? le32(b, 44) : 0,
    fsInfoSector: fat32Layout ? le16(b, 48) : 0,
    backupBootSector: fat32Layout ? le16(b, 50) : 0,
    driveNumber: b[ext],
    flags: b[ext + 1],
    extSignature: b[ext + 2],
    volumeId: le32(b, ext + 3),
    volumeLabel: latin1(b, ext + 7, 11),
    fsType: latin1(b, ext + 18, 8),
    fat32Layout,
    signature: b[510] === 0x55 && b[511] === 0xaa,
  };
}

/**
 * Reject a boot sector no FAT driver would mount. Throws FAT_NOT_FAT with one line naming the
 * first field that is wrong. Region checks against the device live in geometry.ts.
 */
export function validateBootSector(bs: BootSector): void {
  const notFat = (why: string): never => {
    throw new FatError('FAT_NOT_FAT', `not a FAT image: ${why}`, { structure: 'boot sector', sector: 0 });
  };
  const j = bs.jump;
  const jumpOk = j[0] === 0xeb || j[0] === 0xe9;
  if (!jumpOk && !bs.signature) notFat('no boot jump and no 55 AA signature');
  if (![512, 1024, 2048, 4096].includes(bs.bytesPerSector)) {
    notFat(`bytes per sector is ${bs.bytesPerSector} (must be 512, 1024, 2048 or 4096)`);
  }
  if (!isPow2(bs.sectorsPerCluster) || bs.sectorsPerCluster > 128) {
    notFat(`sectors per cluster is ${bs.sectorsPerCluster} (must be a power of two from 1 to 128)`);
  }
  if (bs.reservedSectors === 0) notFat('reserved sector count is 0');
  if (bs.numFats === 0) notFat('number of FATs is 0');
  if (bs.media !== 0xf0 && bs.media < 0xf8) notFat(`media byte is 0x${bs.media.toString(16)} (must be F0 or F8-FF)`);
  const total = bs.totalSectors16 || bs.totalSectors32;
  if (total === 0) notFat('total sector count is 0');
  if (bs.fat32Layout) {
    if (bs.rootEntries !== 0) notFat(`FAT32 volume with ${bs.rootEntries} root entries (must be 0)`);
    if (bs.fsVersion !== 0) notFat(`unsupported FAT32 version ${bs.fsVersion}`);
  } else {
    if (bs.fatSize16 === 0) notFat('FAT size is 0');
    if (bs.rootEntries === 0) notFat('FAT12/16 volume with no root directory entries');
  }
}

/** Fields needed to encode a boot sector; the rest default as mkfs.fat writes them. */
export type BootSectorInit = Omit<BootSector, 'jump' | 'fat32Layout' | 'signature' | 'fsType' | 'oemName'> & {
  oemName?: string;
  fsType?: string;
  fat32Layout: boolean;
};

export const OEM_NAME = 'FATKIT  ';
const BOOT_MESSAGE = 'This volume is not bootable. Insert a bootable disk and press a key.\r\n';

/**
 * Encode a boot sector of `bytesPerSector` bytes: BPB, extended BPB, a small real-mode program that
 * prints a message and waits for a key (fatkit's own), and the 55 AA signature.
 */
export function encodeBootSector(init: BootSectorInit): Uint8Array {
  const b = new Uint8Array(init.bytesPerSector);
  const fat32 = init.fat32Layout;
  const codeStart = fat32 ? 0x5a : 0x3e;
  b[0] = 0xeb;
  b[1] = codeStart - 2;
  b[2] = 0x90;
  const oem = (init.oemName ?? OEM_NAME).padEnd(8, ' ').slice(0, 8);
  for (let i = 0; i < 8; i++) b[3 + i] = oem.charCodeAt(i) & 0xff;
  put16(b, 11, init.bytesPerSector);
  b[13] = init.sectorsPerCluster;
  put16(b, 14, init.reservedSectors);
  b[16] = init.numFats;
  put16(b, 17, init.rootEntries);
  put16(b, 19, init.totalSectors16);
  b[21] = init.media;
  put16(b, 22, init.fatSize16);
  put16(b, 24, init.sectorsPerTrack);
  put16(b, 26, init.heads);
  put32(b, 28, init.hiddenSectors);
  put32(b, 32, init.totalSectors32);
  let ext = 36;
  if (fat32) {
    put32(b, 36, init.fatSize32);
    put16(b, 40, init.extFlags);
    put16(b, 42, init.fsVersion);
    put32(b, 44, init.rootCluster);
    put16(b, 48, init.fsInfoSector);
    put16(b, 50, init.backupBootSector);
    ext = 64;
  }
  b[ext] = init.driveNumber;
  b[ext + 1] = init.flags;
  b[ext + 2] = init.extSignature;
  put32(b, ext + 3, init.volumeId);
  const label = init.volumeLabel.padEnd(11, ' ').slice(0, 11);
  for (let i = 0; i < 11; i++) b[ext + 7 + i] = label.charCodeAt(i) & 0xff;
  const type = (init.fsType ?? (fat32 ? 'FAT32' : 'FAT16')).padEnd(8, ' ').slice(0, 8);
  for (let i = 0; i < 8; i++) b[ext + 18 + i] = type.charCodeAt(i);
  writeBootProgram(b, codeStart);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

/** A tiny x86 real-mode program: print BOOT_MESSAGE through the BIOS, wait for a key, reboot. */
function writeBootProgram(b: Uint8Array, at: number): void {
  const msgAddr = 0x7c00 + at + 27;
  const code = [
    0x0e, // push cs
    0x1f, // pop ds
    0xbe, msgAddr & 0xff, msgAddr >> 8, // mov si, message
    0xac, // next: lodsb
    0x84, 0xc0, // test al, al
    0x74, 0x09, // jz wait
    0xb4, 0x0e, // mov ah, 0Eh (teletype output)
    0xbb, 0x07, 0x00, // mov bx, 0007h
    0xcd, 0x10, // int 10h
    0xeb, 0xf2, // jmp next
    0x31, 0xc0, // wait: xor ax, ax
    0xcd, 0x16, // int 16h (read key)
    0xcd, 0x19, // int 19h (bootstrap)
    0xeb, 0xfe, // hang: jmp hang
  ];
  b.set(code, at);
  for (let i = 0; i < BOOT_MESSAGE.length; i++) b[at + code.length + i] = BOOT_MESSAGE.charCodeAt(i);
}

/** A volume id as DOS, blkid and `fat info` print it: `ABCD-1234`. */
export function formatVolumeId(id: number): string {
  const hex = (id >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}
