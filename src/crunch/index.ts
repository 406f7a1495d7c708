/** crunch: embed a directory as a module that serves itself (Node side: generate, write, check). */
import path from 'node:path';
import { generateCrunch, type CrunchOptions, type GeneratedModule } from './generate.js';
import type { CrunchSummary } from './model.js';
import { staleFiles, writeGenerated } from './output.js';

export interface CrunchResult {
  /** Absolute paths of the module and its types. */
  module: string;
  types: string;
  /** Chunk files written (directory mode). */
  chunks: number;
  summary: CrunchSummary;
}

function result(generated: GeneratedModule): CrunchResult {
  const { baseDir, module, types, chunkDir } = generated.layout;
  return {
    module: path.join(baseDir, module),
    types: path.join(baseDir, types),
    chunks: generated.files.filter((f) => f.path.startsWith(`${chunkDir}/`)).length,
    summary: generated.summary,
  };
}

/** Generate the module for `dir` and write it to `out` (see layoutFor for the shape of OUT). */
export async function crunch(dir: string, out: string, options: CrunchOptions = {}): Promise<CrunchResult> {
  const generated = await generateCrunch(dir, out, options);
  await writeGenerated(generated);
  return result(generated);
}

export interface CrunchCheck extends CrunchResult {
  /** Files (relative to the output) that are missing, different or left over; [] when current. */
  stale: string[];
}

/** Regenerate in memory and compare with what is on disk, writing nothing. */
export async function checkCrunch(dir: string, out: string, options: CrunchOptions = {}): Promise<CrunchCheck> {
  const generated = await generateCrunch(dir, out, options);
  return { ...result(generated), stale: await staleFiles(generated) };
}

export { generateCrunch, type CrunchOptions, type GeneratedModule, type GeneratedFile } from './generate.js';
export { layoutFor, type Layout } from './layout.js';
export type { CrunchSummary } from './model.js';
export type { Crunch, FileStat, DirStat, Dirent, ServeOptions, NodeMiddleware } from './runtime/api.js';
export type { Manifest } from './runtime/manifest.js';
