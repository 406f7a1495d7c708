import type { BlockDevice } from '../device/block-device.js';
import { encodeBootSector } from '../format/boot-sector.js';
import { encodeFsInfo } from '../format/fs-info.js';
import { ATTR, encodeDirEntry } from '../format/dir-entry.js';
import { encodeDosTime } from '../format/dos-time.js';
import { environmentSourceDateEpochMs } from '../source-date-epoch.js';
import { FatError } from '../errors.js';
import { encodeLabel, NO_NAME } from '../format/label.js';
import { planLayout, formatSize, validSizeRange, validateLayoutOptions, type Layout, type LayoutOptions } from './layout.js';
import { fillingPartitionBytes, tableOverhead, validateTableOptions, writePartitionTable, type TableOptions, type WrittenTable } from '../disk/write-table.js';

/** Options of mkfs(): mkfs.fat's, by name. */
export interface MkfsOptions extends Omit<LayoutOptions, 'size' | 'sectorSize'>, TableOptions {
  /** Volume size in bytes; by default the whole device (after the partition offset). */
  size?: number;
  /** Cluster size in bytes (alternative to sectorsPerCluster). */
  clusterSize?: number;
  /** Volume label (format/label.ts: up to 11 printable ASCII characters, case kept); none by default ("NO NAME"). */
  label?: string;
  /** 32-bit volume id; by default derived from the creation time as mkfs.fat does. */
  volumeId?: number;
  /**
   * Creation time, stamped on the label's directory entry and the source of the default volume id.
   * Default: SOURCE_DATE_EPOCH when set in the environment, else the clock.
   */
  time?: Date | number;
  /**
   * 'mbr' or 'gpt': write a partition table with one FAT partition at 1 MiB (GPT: its backup at the
   * end of the device); the partition is `size` bytes, or fills the rest. Default 'none'.
   */
  partition?: TableOptions['partition'];
  /** The device reads as zeros (a fresh sparse file): write only the non-zero sectors. */
  assumeZeroed?: boolean;
  /** OEM name in the boot sector (8 characters); fatkit's own by default. */
  oemName?: string;
}

export interface MkfsResult {
  layout: Layout;
  volumeId: number;
  /** The label as stored, or undefined for none. */
  label: string | undefined;
  /** First device sector of the volume (0, or the partition start). */
  volumeStart: number;
  /** The MBR partition type byte, when an MBR was written. */
  partitionType?: number;
  /** The partition table written, if any (its type, GUIDs). */
  table?: WrittenTable;
}

/** The FAT type asked for: an ESP is FAT32 unless another type is asked for. */
export const effectiveFatType = (o: { fatType?: LayoutOptions['fatType']; esp?: boolean }): LayoutOptions['fatType'] =>
  o.fatType ?? (o.esp ? 32 : undefined);

/**
 * Check a volume label and return its 11 stored bytes (space padded), or undefined for no label:
 * format/label.ts's rule, keeping case as mkfs.fat does.
 */
export function normalizeLabel(label: string | undefined): string | undefined {
  const raw = label === undefined ? undefined : encodeLabel(label, { keepCase: true });
  return raw && String.fromCharCode(...raw);
}

/** SOURCE_DATE_EPOCH in seconds, when the environment sets it (read without importing node:); EINVAL when it is not a whole number. */
export function sourceDateEpoch(): number | undefined {
  const ms = environmentSourceDateEpochMs();
  return ms === undefined ? undefined : ms / 1000;
}

/**
 * mkfs.fat's default volume id: `(seconds << 20) | microseconds` of the creation time, in 32 bits.
 * With SOURCE_DATE_EPOCH the microseconds are 0, so the id is a function of the epoch alone.
 */
export function volumeIdFromTime(ms: number): number {
  const seconds = Math.floor(ms / 1000);
  const micros = Math.floor((ms - seconds * 1000) * 1000);
  return (((seconds % 4096) * 0x100000) | micros) >>> 0;
}

/** Largest single write of zeros. */
const ZERO_CHUNK = 4 * 1024 * 1024;

/**
 * Make a fresh FAT volume on `device`, laid out exactly as mkfs.fat 4.2 would for the same size and
 * options (FAT-NOTES.md section 7). Writes only metadata: the reserved area (boot sector, FSInfo and
 * their backups), every FAT copy, and the root directory; data sectors are left as they are.
 */
/**
 * Check the options that do not depend on the device's size (label, volume id, cluster size,
 * reserved sectors, root entries, media, ...) as mkfs() will; throws EINVAL naming the valid values.
 * Returns the sectors per cluster the options ask for. Callers can check a command line up front.
 */
export function validateMkfsOptions(options: MkfsOptions, sectorSize = 512): number | undefined {
  const ss = sectorSize;
  normalizeLabel(options.label);
  if (options.volumeId !== undefined && (!Number.isInteger(options.volumeId) || options.volumeId < 0 || options.volumeId > 0xffffffff)) {
    throw new FatError('EINVAL', `volume id ${options.volumeId} is not a 32-bit number`);
  }
  let sectorsPerCluster = options.sectorsPerCluster;
  if (options.clusterSize !== undefined) {
    const cs = options.clusterSize;
    if (!Number.isInteger(cs) || cs < ss || cs > 65536 || (cs & (cs - 1)) !== 0) {
      throw new FatError('EINVAL', `cluster size ${cs} must be a power of two from ${ss} (the sector size) to 65536 bytes`);
    }
    sectorsPerCluster = cs / ss;
  }
  validateLayoutOptions({ ...options, size: 0, sectorSize: ss, sectorsPerCluster });
  validateTableOptions(options);
  return sectorsPerCluster;
}

/**
 * The smallest volume (in bytes, a KiB multiple) mkfs can make with these options: for an ESP,
 * the smallest FAT32 volume of 65525 clusters (about 33 MiB at 512-byte sectors, 260 MiB at 4096).
 * EINVAL when no size works.
 */
export function minimumVolumeBytes(options: MkfsOptions, sectorSize = 512): number {
  const sectorsPerCluster = validateMkfsOptions(options, sectorSize);
  const range = validSizeRange({ ...options, fatType: effectiveFatType(options), size: 0, sectorSize, sectorsPerCluster });
  if (range === undefined) throw new FatError('EINVAL', 'no volume size works with these options');
  return range.min;
}

export function mkfs(device: BlockDevice, options: MkfsOptions = {}): MkfsResult {
  if (device.readOnly) throw new FatError('EROFS', 'device is read-only');
  const ss = device.sectorSize;
  const sectorsPerCluster = validateMkfsOptions(options, ss);
  const label = normalizeLabel(options.label);

  const scheme = options.partition ?? 'none';
  const overhead = tableOverhead(scheme, ss);
  const volumeStart = overhead.before / ss;
  const deviceBytes = device.sectorCount * ss;
  const available = deviceBytes - overhead.before - overhead.after;
  const size = options.size ?? fillingPartitionBytes(scheme, available);
  if (scheme !== 'none' && available <= 0) {
    const what = scheme === 'gpt' ? `${formatSize(overhead.before + overhead.after)} (the partition starts at 1 MiB; the backup GPT takes the last ${overhead.after} bytes)` : `${formatSize(overhead.before)} (the partition starts at 1 MiB)`;
    throw new FatError('EINVAL', `a partitioned image must be larger than ${what}`);
  }
  if (size > available) {
    throw new FatError('EINVAL', `volume of ${formatSize(size)} does not fit in the device (${formatSize(available)} available)`);
  }
  const layout = planLayout({
    ...options,
    fatType: effectiveFatType(options),
    size,
    sectorSize: ss,
    sectorsPerCluster,
    hiddenSectors: options.hiddenSectors ?? volumeStart,
  });

  const ms = options.time !== undefined ? new Date(options.time).getTime() : (sourceDateEpoch() ?? NaN) * 1000;
  const created = Number.isFinite(ms) ? ms : Date.now();
  const volumeId = options.volumeId ?? volumeIdFromTime(created);

  const zeroed = options.assumeZeroed ?? false;
  const put = (lba: number, data: Uint8Array): void => device.write(volumeStart + lba, data);
  const putZeros = (lba: number, sectors: number): void => {
    if (zeroed || sectors <= 0) return;
    const chunk = new Uint8Array(Math.min(sectors * ss, ZERO_CHUNK));
    for (let done = 0; done < sectors; ) {
      const n = Math.min(sectors - done, chunk.length / ss);
      put(lba + done, n === chunk.length / ss ? chunk : chunk.subarray(0, n * ss));
      done += n;
    }
  };

  let table: WrittenTable | undefined;
  if (scheme !== 'none') {
    // GUIDs are derived when the volume id or the time is fixed (reproducible builds), else random.
    const fixedTime = options.time !== undefined || sourceDateEpoch() !== undefined;
    const seed = options.volumeId !== undefined || fixedTime ? `${volumeId.toString(16)}/${fixedTime ? created : ''}` : undefined;
    table = writePartitionTable(device, {
      ...options,
      partition: scheme,
      start: volumeStart,
      count: Math.floor(size / ss),
      fatType: layout.fatType,
      heads: layout.heads,
      sectorsPerTrack: layout.sectorsPerTrack,
      diskSignature: volumeId,
      ...(seed !== undefined ? { seed } : {}),
    });
    // The gap between the table and the partition is left as it is (zeros on a fresh image).
  }

  // Reserved area: boot sector, and on FAT32 FSInfo, backup boot sector and backup FSInfo.
  const boot = encodeBootSector({
    oemName: options.oemName,
    bytesPerSector: ss,
    sectorsPerCluster: layout.sectorsPerCluster,
    reservedSectors: layout.reservedSectors,
    numFats: layout.numFats,
    rootEntries: layout.rootEntries,
    totalSectors16: layout.totalSectors < 65536 ? layout.totalSectors : 0,
    media: layout.media,
    fatSize16: layout.fatType === 32 ? 0 : layout.fatSize,
    sectorsPerTrack: layout.sectorsPerTrack,
    heads: layout.heads,
    hiddenSectors: layout.hiddenSectors,
    totalSectors32: layout.totalSectors < 65536 ? 0 : layout.totalSectors,
    fatSize32: layout.fatType === 32 ? layout.fatSize : 0,
    extFlags: 0,
    fsVersion: 0,
    rootCluster: layout.rootCluster,
    fsInfoSector: layout.fsInfoSector,
    backupBootSector: layout.backupBootSector,
    driveNumber: layout.driveNumber,
    flags: 0,
    extSignature: 0x29,
    volumeId,
    volumeLabel: label ?? NO_NAME,
    fsType: `FAT${layout.fatType}`,
    fat32Layout: layout.fatType === 32,
  });
  const reserved = new Uint8Array(layout.reservedSectors * ss);
  reserved.set(boot, 0);
  const sectorsWithData = [0];
  if (layout.fatType === 32) {
    // Root directory in cluster 2, which is in use: clusters-1 free, next free 2 (as mkfs.fat writes).
    const info = encodeFsInfo({ freeCount: layout.clusterCount - 1, nextFree: 2 }, ss);
    reserved.set(info, layout.fsInfoSector * ss);
    sectorsWithData.push(layout.fsInfoSector);
    if (layout.backupBootSector) {
      reserved.set(boot, layout.backupBootSector * ss);
      sectorsWithData.push(layout.backupBootSector);
    }
    if (layout.backupFsInfoSector) {
      reserved.set(info, layout.backupFsInfoSector * ss);
      sectorsWithData.push(layout.backupFsInfoSector);
    }
  }
  if (zeroed) for (const s of sectorsWithData) put(s, reserved.subarray(s * ss, (s + 1) * ss));
  else put(0, reserved);

  // FATs: entry 0 = media with all other bits set, entry 1 = end of chain, FAT32 entry 2 = root's end of chain.
  const first = new Uint8Array(ss);
  const initial = layout.fatType === 12 ? [layout.media, 0xff, 0xff]
    : layout.fatType === 16 ? [layout.media, 0xff, 0xff, 0xff]
    : [layout.media, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0x0f, 0xf8, 0xff, 0xff, 0x0f];
  first.set(initial);
  for (let i = 0; i < layout.numFats; i++) {
    const at = layout.fatStart + i * layout.fatSize;
    put(at, first);
    putZeros(at + 1, layout.fatSize - 1);
  }

  // Root directory: the fixed region on FAT12/16, cluster 2 on FAT32; the label's volume entry first.
  const rootStart = layout.fatType === 32 ? layout.dataStart : layout.rootDirStart;
  const rootSectors = layout.fatType === 32 ? layout.sectorsPerCluster : layout.rootDirSectors;
  const rootFirst = new Uint8Array(ss);
  if (label !== undefined) {
    const t = encodeDosTime(created);
    const name = new Uint8Array(11);
    for (let i = 0; i < 11; i++) name[i] = label.charCodeAt(i);
    encodeDirEntry({
      name, attr: ATTR.VOLUME_ID, caseFlags: 0, ctimeTenths: 0,
      ctime: t.time, cdate: t.date, adate: t.date, cluster: 0, mtime: t.time, mdate: t.date, size: 0,
    }, rootFirst, 0);
  }
  if (!zeroed || label !== undefined) put(rootStart, rootFirst);
  putZeros(rootStart + 1, rootSectors - 1);

  device.flush();
  const result: MkfsResult = { layout, volumeId, label: label?.trimEnd(), volumeStart };
  if (table !== undefined) {
    result.table = table;
    if (typeof table.type === 'number') result.partitionType = table.type;
  }
  return result;
}
