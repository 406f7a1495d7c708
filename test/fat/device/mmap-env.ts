import { mmapAvailable } from '../../../src/fat/device/mmap.js';

/** Under CI (CI set and not "false") the mmap backend is required: its tests run and fail without it. */
export const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
export const runMmap = mmapAvailable() || ci;
