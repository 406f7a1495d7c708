/**
 * crunch: embed a directory as a module that serves itself (Node side: generate, write, check).
 * The work is loaded on the first call: it brings zlib, crypto and mime-types, which importing
 * fatkit to read or build an image should not pay for.
 */
import type { CrunchOptions, GeneratedModule } from './generate.js';
import type { CrunchCheck, CrunchResult } from './operations.js';

/** Generate the module for `dir` and write it to `out` (see layoutFor for the shape of OUT). */
export async function crunch(dir: string, out: string, options: CrunchOptions = {}): Promise<CrunchResult> {
  return (await import('./operations.js')).crunch(dir, out, options);
}

/** Regenerate in memory and compare with what is on disk, writing nothing. */
export async function checkCrunch(dir: string, out: string, options: CrunchOptions = {}): Promise<CrunchCheck> {
  return (await import('./operations.js')).checkCrunch(dir, out, options);
}

/** The files of the module for `dir`, in memory (what crunch writes). */
export async function generateCrunch(dir: string, out: string, options: CrunchOptions = {}): Promise<GeneratedModule> {
  return (await import('./generate.js')).generateCrunch(dir, out, options);
}

export type { CrunchResult, CrunchCheck } from './operations.js';
export type { CrunchOptions, GeneratedModule, GeneratedFile } from './generate.js';
export { layoutFor, type Layout } from './layout.js';
export type { CrunchSummary } from './model.js';
export type { Crunch, CrunchStore, StoredFile, FileStat, DirStat, Dirent, ServeOptions, NodeMiddleware } from './runtime/api.js';
export type { Manifest } from './runtime/manifest.js';
