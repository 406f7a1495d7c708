/** crunch's operations: generate the module for a directory, write it, or check it (loaded on first use by index.ts). */
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
