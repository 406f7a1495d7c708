/** From a directory to the exact files of a generated module, in memory. */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { FatError } from '../fat/errors.js';
import { emitModule } from './emit-module.js';
import { emitTypes } from './emit-types.js';
import { layoutFor, type Layout } from './layout.js';
import { buildModel, type CrunchSummary, type ModelOptions } from './model.js';
import type { InlineData, StreamName } from './runtime/manifest.js';

export interface CrunchOptions extends Omit<ModelOptions, 'chunkSize'> {
  /** One self-contained module with base64 literals (for bundlers; offers readSync). */
  inline?: boolean;
  /** Bytes per chunk; default 1 MiB, or 768 KiB inline (1 MiB of base64). A multiple of 3 inline. */
  chunkSize?: number;
}

export interface GeneratedFile {
  /** POSIX path relative to layout.baseDir. */
  path: string;
  data: Uint8Array;
}

export interface GeneratedModule {
  layout: Layout;
  /** The module, its types and (directory mode) its chunks: everything that belongs on disk. */
  files: GeneratedFile[];
  summary: CrunchSummary;
}

export const DIRECTORY_CHUNK = 1024 * 1024;
export const INLINE_CHUNK = 768 * 1024;

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export async function generateCrunch(dir: string, out: string, options: CrunchOptions = {}): Promise<GeneratedModule> {
  const layout = layoutFor(out);
  const inline = options.inline === true;
  const chunkSize = options.chunkSize ?? (inline ? INLINE_CHUNK : DIRECTORY_CHUNK);
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0 || (inline && chunkSize % 3 !== 0)) {
    throw new FatError('EINVAL', `chunk size must be a positive whole number${inline ? ' divisible by 3' : ''}: ${chunkSize}`);
  }
  if (isInside(path.join(layout.baseDir, layout.module), path.resolve(dir))) {
    throw new FatError('EINVAL', `the output ${out} must not be inside the crunched directory ${dir}`);
  }
  const model = await buildModel(dir, { ...options, chunkSize });
  const files: GeneratedFile[] = [];
  const data: InlineData = {};
  const chunkUrlDir = `./${encodeURIComponent(layout.chunkDir)}/`;
  const written = new Set<string>();
  for (const [stream, bytes] of Object.entries(model.streams) as [StreamName, Uint8Array][]) {
    const info = model.manifest.streams[stream]!;
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += chunkSize) pieces.push(bytes.subarray(at, at + chunkSize));
    if (inline) {
      data[stream] = pieces.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64'));
      continue;
    }
    for (const piece of pieces) {
      const name = `${createHash('sha256').update(piece).digest('hex').slice(0, 16)}.bin`;
      info.chunks.push(chunkUrlDir + name);
      if (!written.has(name)) files.push({ path: `${layout.chunkDir}/${name}`, data: piece });
      written.add(name);
    }
  }
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  if (layout.packageJson) files.push({ path: layout.packageJson, data: text('{ "type": "module", "sideEffects": false }\n') });
  files.push({ path: layout.types, data: text(emitTypes(model.manifest)) });
  files.push({ path: layout.module, data: text(emitModule(model.manifest, inline ? data : null)) });
  return { layout, files, summary: model.summary };
}
