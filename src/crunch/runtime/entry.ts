/**
 * The entry point bundled into every generated module. The generator declares the two constants
 * before this code; everything a module exports comes from here.
 */
import { createCrunch } from './create.js';
import type { InlineData, Manifest } from './manifest.js';

declare const __CRUNCH_MANIFEST__: Manifest;
declare const __CRUNCH_DATA__: InlineData | null;

const crunch = createCrunch(__CRUNCH_MANIFEST__, __CRUNCH_DATA__, import.meta.url);

export const { files, directories, has, stat, read, readSync, readText, readDir, walk, preload, serve, middleware, store } = crunch;
export default crunch;
