import { le32, put32 } from './bytes.js';

/** FAT32 FSInfo sector. FAT-NOTES.md section 3. */
export interface FsInfo {
  /** Free cluster count, or 0xFFFFFFFF when unknown. */
  freeCount: number;
  /** Where to start looking for a free cluster, or 0xFFFFFFFF when unknown. */
  nextFree: number;
}

export const FSINFO_UNKNOWN = 0xffffffff;
const LEAD = 0x41615252;
const STRUC = 0x61417272;
const TRAIL = 0xaa550000;

/** Decode an FSInfo sector; undefined when its signatures are wrong. */
export function decodeFsInfo(b: Uint8Array): FsInfo | undefined {
  if (le32(b, 0) !== LEAD || le32(b, 484) !== STRUC || le32(b, 508) !== TRAIL) return undefined;
  return { freeCount: le32(b, 488), nextFree: le32(b, 492) };
}

/** Encode an FSInfo sector of `sectorSize` bytes (signatures, counts, zeros elsewhere). */
export function encodeFsInfo(info: FsInfo, sectorSize: number): Uint8Array {
  const b = new Uint8Array(sectorSize);
  put32(b, 0, LEAD);
  put32(b, 484, STRUC);
  put32(b, 488, info.freeCount);
  put32(b, 492, info.nextFree);
  put32(b, 508, TRAIL);
  return b;
}
