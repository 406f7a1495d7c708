/** The platform-neutral part of fatkit: no `node:` imports. */
export { FatError, isFatError, oneLine, type FatErrorCode } from './fat/errors.js';
export type { BlockDevice } from './fat/device/block-device.js';
export { MemoryDevice, type MemoryDeviceOptions } from './fat/device/memory.js';
export { SliceDevice } from './fat/device/slice.js';
export { readPartitionTable, findFatVolume, type Partition, type PartitionTable, type FindVolumeOptions } from './fat/device/partition.js';
export { Volume, type VolumeOptions, type VolumeInfo, type WalkEntry } from './fat/volume.js';
export { FatStats, type FatDirent } from './fat/stats.js';
export type { Geometry, FatType } from './fat/geometry.js';
export { ATTR } from './fat/dir-entry.js';
export { FileHandle, type OpenFlags } from './fat/file-handle.js';
export type { WriteFileOptions, EntryOptions, MkdirOptions, RmOptions, Attributes, TimeLike } from './fat/write-ops.js';
export { MAX_FILE_SIZE } from './fat/write-ops.js';
export type { Problem } from './fat/directory.js';
export type { CodePageName } from './fat/code-page.js';

// --- building images from trees ---
export { planBuild, planImageBytes, writeBuild, type BuildEntry, type BuildOptions, type BuildPlan, type BuildProgress, type BuildResult } from './fat/build.js';
export { addTree, writeItems, type AddItem, type AddTreeOptions, type AddTreeResult } from './fat/add-tree.js';

// --- mkfs ---
export { mkfs, normalizeLabel, volumeIdFromTime, sourceDateEpoch, type MkfsOptions, type MkfsResult } from './fat/mkfs.js';
export { planLayout, validSizeRange, guessGeometry, formatSize, type Layout, type LayoutOptions } from './fat/mkfs-layout.js';
export { encodeMbr, mbrTypeForFat, PARTITION_ALIGNMENT, type MbrPartitionInit } from './fat/partition-mbr.js';

// --- names: the rules new entries follow (added for the CLI write commands, issue #4) ---
export { cleanName } from './fat/name-rules.js';
export { foldName } from './fat/directory.js';
export { splitPath } from './fat/path.js';

// --- check ---
export { check, type CheckCode, type CheckOptions, type CheckProblem, type CheckReport, type CheckStats } from './fat/check.js';
