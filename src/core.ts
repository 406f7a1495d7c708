/** The platform-neutral part of fatkit: no `node:` imports. */
export { FatError, isFatError, oneLine, type FatErrorCode } from './fat/errors.js';
export type { BlockDevice } from './fat/device/block-device.js';
export { MemoryDevice, type MemoryDeviceOptions } from './fat/device/memory.js';
export { SliceDevice } from './fat/device/slice.js';
export { BlobDevice, type BlobDeviceOptions } from './fat/device/blob.js';
export { OpfsDevice, type OpfsDeviceOptions, type OpfsFileHandle, type SyncAccessHandle } from './fat/device/opfs.js';
export { readPartitionTable, findFatVolume, findPartition, formatPartitionType, type Partition, type PartitionTable, type FindVolumeOptions } from './fat/disk/partition.js';
export { Volume, type VolumeOptions, type VolumeInfo, type WalkEntry } from './fat/volume/volume.js';
export { FatStats, type FatDirent } from './fat/dir/stats.js';
export type { Geometry, FatType } from './fat/format/geometry.js';
export { ATTR } from './fat/format/dir-entry.js';
export { formatVolumeId } from './fat/format/boot-sector.js';
export { FileHandle, type OpenFlags } from './fat/volume/file-handle.js';
export type { WriteFileOptions, EntryOptions, MkdirOptions, RmOptions, Attributes, TimeLike } from './fat/volume/write-ops.js';
export { MAX_FILE_SIZE } from './fat/volume/write-ops.js';
export { clusterMap, extentsOf, entryChain, isFragmentedFile, fragmentation, type ClusterMap, type Extent, type Fragmentation } from './fat/volume/extents.js';
export { diskUsage, type DiskUsage, type DiskUsageOptions } from './fat/volume/usage.js';
export { attrib, type AttribEntry, type AttribOptions } from './fat/volume/attrib.js';
export type { Problem } from './fat/dir/directory.js';
export type { CodePageName } from './fat/format/code-page.js';

// --- building images from trees ---
export { planBuild, planImageBytes, type BuildEntry, type BuildOptions, type BuildPlan, type BuildProgress, type BuildResult } from './fat/build/plan.js';
export { writeBuild } from './fat/build/write.js';
export { addTree, writeItems, type AddItem, type AddTreeOptions, type AddTreeResult } from './fat/build/add-tree.js';

// --- mkfs ---
export { mkfs, minimumVolumeBytes, effectiveFatType, normalizeLabel, validateMkfsOptions, volumeIdFromTime, sourceDateEpoch, type MkfsOptions, type MkfsResult } from './fat/mkfs/mkfs.js';
export { planLayout, validSizeRange, guessGeometry, formatSize, type Layout, type LayoutOptions } from './fat/mkfs/layout.js';
export { encodeMbr, mbrTypeForFat, PARTITION_ALIGNMENT, type MbrPartitionInit } from './fat/disk/mbr-encode.js';
export { encodeGpt, encodeProtectiveMbr, gptEntrySectors, gptTrailerSectors, GPT_ENTRY_COUNT, GPT_ENTRY_SIZE, type GptInit, type GptPartitionInit, type SectorWrite } from './fat/disk/gpt-encode.js';
export { tableOverhead, alignedPartitionBytes, fillingPartitionBytes, writePartitionTable, MBR_EFI_SYSTEM, type PartitionScheme, type TableOptions, type WrittenTable } from './fat/disk/write-table.js';
export { formatGuid, parseGuid, randomGuid, derivedGuid } from './fat/disk/guid.js';
export { partitionTypeName, isEspType, espVolumeProblem } from './fat/disk/partition-types.js';
export { GPT_BASIC_DATA, GPT_EFI_SYSTEM } from './fat/disk/gpt.js';

// --- names: the rules new entries follow (added for the CLI write commands, issue #4) ---
export { cleanName } from './fat/format/name-rules.js';
export { foldName } from './fat/dir/directory.js';
export { splitPath } from './fat/format/path.js';

// --- resize ---
export { resize, type ResizeOptions, type ResizeResult, type ResizeGeometry } from './fat/resize/resize.js';
export { partitionRoom, checkRoom, setPartitionSectors, type PartitionRoom } from './fat/resize/partition-entry.js';
export { resizePartition, type PartitionResizeOptions, type PartitionResizeReport } from './fat/resize/partition-resize.js';

// --- check ---
export { check, type CheckCode, type CheckOptions, type CheckProblem, type CheckReport, type CheckStats } from './fat/check/check.js';

// --- recovery and flash-ready outputs (issue #18): deleted entries, used blocks, bmap and sparse codecs ---
export { listDeleted, deletedEntry, undelete, firstCharByte, type DeletedFile, type ListDeletedOptions, type UndeleteOptions, type UndeleteResult } from './fat/volume/undelete.js';
export { imageBlockMap, type BlockMapOptions, type BlockRange, type ImageBlockMap } from './fat/volume/used-blocks.js';
export { renderBmap, humanSize, type BmapInput, type BmapRange } from './fat/format/bmap.js';
export { sparseHeader, chunkHeader, sparseChunks, SPARSE_MAGIC, CHUNK_RAW, CHUNK_FILL, CHUNK_DONT_CARE, type SparseStats } from './fat/format/simg.js';
