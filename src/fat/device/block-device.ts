/**
 * The synchronous, sector-addressed device every volume sits on (DESIGN.md).
 * `lba` and `sectorCount` are plain numbers: images may exceed 2^32 bytes, so never use `<<` on them.
 */
export interface BlockDevice {
  /** Bytes per sector: 512, 1024, 2048 or 4096. */
  readonly sectorSize: number;
  /** Number of whole sectors. */
  readonly sectorCount: number;
  readonly readOnly: boolean;
  /** Read whole sectors starting at `lba` into `into` (its length is a multiple of sectorSize). */
  read(lba: number, into: Uint8Array): void;
  /** Write whole sectors starting at `lba`. */
  write(lba: number, data: Uint8Array): void;
  /** Make completed writes durable. */
  flush(): void;
  close(): void;
}

export const SECTOR_SIZES = [512, 1024, 2048, 4096] as const;
