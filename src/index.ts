/**
 * fatkit's public API for Node. The CLI uses only what is exported here.
 * `fatkit/core` (src/core.ts) is the same without the Node-only devices, for browsers and workers.
 */
export * from './core.js';

// --- devices (Node) ---
export { FileDevice, type FileDeviceOptions } from './fat/device/file.js';
export { MmapDevice, mmapAvailable, type MmapDeviceOptions } from './fat/device/mmap.js';
export { openImageDevice, type OpenImageOptions, type ImageDevice } from './fat/device/open-image.js';
export { openImage, type OpenImageVolumeOptions } from './fat/open-image.js';

// --- crunch (Node) ---
