/**
 * fatkit's public API for Node. The CLI uses only what is exported here.
 * `fatkit/core` (src/core.ts) is the same without the Node-only devices, for browsers and workers.
 */
export * from './core.js';

// --- devices (Node) ---
export { FileDevice, type FileDeviceOptions } from './fat/device/file.js';
export { MmapDevice, mmapAvailable, type MmapDeviceOptions } from './fat/device/mmap.js';
export { openImageDevice, type OpenImageOptions, type ImageDevice } from './host/open-image-device.js';
export { openImage, type OpenImageVolumeOptions } from './host/open-image.js';

// --- site images (Node) ---
export { buildImageFromDir, collectBuildEntries, fileReader, type BuildImageOptions, type BuildWalkOptions } from './host/build-image.js';
export { formatPartitionInPlace, type FormatPartitionOptions, type FormattedPartition } from './host/format-partition.js';
export { createImageFile, createImageFileAsync, removeStaleTemps, type ImageFileOptions } from './host/image-file.js';
export { bmapOf, writeBmapFile, writeSparseImage, imageFileBlockMap, type FlashOptions, type SparseResult } from './host/flash-files.js';
export { lockImage, lockPathFor, retryWhileBusy, isImageBusy, releaseImageLocksOnSignals, type ImageLock } from './host/image-lock.js';

// --- host trees: the one walker (make --from, add, crunch) ---
export {
  collectTree, comparePaths, describeSkip, specialKind, type CollectOptions, type CollectedTree, type HostEntry, type SkippedEntry,
} from './host/collect.js';
export { findCaseCollisions, caseCollisionError, foldCase } from './host/case-collisions.js';
export { HostTreeError, type HostTreeProblem } from './host/host-tree-error.js';
export { clampMtime, sourceDateEpochMs } from './host/mtime.js';

// --- crunch (Node) ---
export {
  crunch, checkCrunch, generateCrunch, layoutFor,
  type CrunchOptions, type CrunchResult, type CrunchCheck, type CrunchSummary, type GeneratedModule, type GeneratedFile, type Layout,
  type Crunch, type FileStat as CrunchFileStat, type DirStat as CrunchDirStat, type Dirent as CrunchDirent, type ServeOptions, type NodeMiddleware, type Manifest as CrunchManifest,
  type CrunchStore, type StoredFile as CrunchStoredFile,
} from './crunch/index.js';

// --- serve: one read-only store over images, crunch modules and directories (Node adapter too) ---
export {
  openServeSource, serve, answer, handle, nodeHandler, writeNodeResponse, volumeStore, directoryStore, crunchStore, siblingVariants, contentTypeFor,
  type OpenSourceOptions, type ServeSource, type SourceKind, type ReadOnlyStore, type StoreFile, type StoreDirectory, type StoreEntry,
  type ContentCoding, type CoreRequest, type CoreResponse, type HandleOptions, type StaticServeOptions, type VolumeStoreOptions,
} from './serve/index.js';
