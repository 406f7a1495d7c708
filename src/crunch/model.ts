/**
 * Turn a host directory into a crunch model: the manifest (without chunk names yet) and the
 * byte streams it points into. Identical contents are stored once (keyed by sha256), and so are
 * their compressed variants; streams are laid out in path order, so a directory's files sit
 * together in the same chunks.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { collectTree, comparePaths, type CollectOptions } from '../host/collect.js';
import { clampMtime } from '../host/mtime.js';
import { mapLimit } from './pool.js';
import { compressVariants, contentTypeFor, DEFAULT_COMPRESSION, isCompressible, type CompressionSettings, type Variants } from './policy.js';
import type { Encoding, FileRecord, Manifest, StreamName, VariantRecord } from './runtime/manifest.js';

export interface ModelOptions extends Pick<CollectOptions, 'include' | 'exclude' | 'followSymlinks' | 'dot' | 'skipSpecial' | 'onSkip'> {
  /** Store br/gzip variants (default true). */
  compress?: boolean;
  compression?: Partial<CompressionSettings>;
  /** Seconds; defaults to the SOURCE_DATE_EPOCH variable; null ignores it. */
  sourceDateEpoch?: string | number | null;
  /** Bytes per chunk; the generator picks 1 MiB (directory) or 768 KiB (inline, base64 of 1 MiB). */
  chunkSize: number;
}

export interface CrunchSummary {
  files: number;
  directories: number;
  /** Sum of all file sizes. */
  bytes: number;
  /** Distinct contents and their total size. */
  uniqueFiles: number;
  uniqueBytes: number;
  /** Stored compressed variants and their total size. */
  variants: number;
  variantBytes: number;
}

export interface CrunchModel {
  /** streams[].chunks are still empty: emitting names them. */
  manifest: Manifest;
  streams: Partial<Record<StreamName, Uint8Array>>;
  summary: CrunchSummary;
}

interface Content {
  bytes: Uint8Array;
  sha256: string;
  /** The type of the first compressible file with this content, which picks brotli's mode. */
  compressAs?: string;
  variants: Variants;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const ENCODINGS: readonly Encoding[] = ['br', 'gzip'];

export async function buildModel(dir: string, options: ModelOptions): Promise<CrunchModel> {
  const tree = await collectTree(dir, {
    include: options.include, exclude: options.exclude, followSymlinks: options.followSymlinks, dot: options.dot,
    skipSpecial: options.skipSpecial, onSkip: options.onSkip,
    allowCaseCollisions: true, // keys of a JS map and URL paths are case-sensitive
  });
  const fileEntries = tree.entries.filter((e) => e.type === 'file');
  const settings = { ...DEFAULT_COMPRESSION, ...options.compression };

  // Read and hash every file; contents shared by several paths are kept once.
  const contents = new Map<string, Content>();
  const files = await mapLimit(fileEntries, async (entry) => {
    const bytes = await fs.readFile(entry.absPath);
    return { entry, bytes, sha256: sha256(bytes), type: contentTypeFor(entry.path) };
  }, 32);
  const compress = options.compress !== false;
  for (const f of files) {
    let content = contents.get(f.sha256);
    if (!content) contents.set(f.sha256, (content = { bytes: f.bytes, sha256: f.sha256, variants: {} }));
    if (compress && content.compressAs === undefined && isCompressible(f.type)) content.compressAs = f.type;
  }
  const unique = [...contents.values()];
  await mapLimit(unique.filter((c) => c.compressAs !== undefined), async (c) => {
    c.variants = await compressVariants(c.bytes, c.compressAs!, settings);
  });

  // Lay out the streams in first-use (path) order.
  const placed = new Map<string, { offset: number; variants: VariantRecord[] }>();
  const parts: Record<StreamName, Uint8Array[]> = { identity: [], br: [], gzip: [] };
  const sizes: Record<StreamName, number> = { identity: 0, br: 0, gzip: 0 };
  const place = (stream: StreamName, bytes: Uint8Array): number => {
    const at = sizes[stream];
    parts[stream].push(bytes);
    sizes[stream] += bytes.length;
    return at;
  };
  for (const c of unique) {
    const offset = place('identity', c.bytes);
    const variants = ENCODINGS.filter((enc) => c.variants[enc])
      .map((enc): VariantRecord => [enc, place(enc, c.variants[enc]!), c.variants[enc]!.length, sha256(c.variants[enc]!).slice(0, 32)])
      .sort((a, b) => a[2] - b[2] || comparePaths(a[0], b[0]));
    placed.set(c.sha256, { offset, variants });
  }

  const types = [...new Set(files.map((f) => f.type))].sort(comparePaths);
  const typeIndex = new Map(types.map((t, i) => [t, i]));
  const records: FileRecord[] = files.map((f) => {
    const { offset, variants } = placed.get(f.sha256)!;
    const mtime = Math.floor(clampMtime(f.entry.mtimeMs, options.sourceDateEpoch) / 1000);
    const record: FileRecord = [f.entry.path, f.bytes.length, typeIndex.get(f.type)!, mtime, f.sha256, offset];
    if (variants.length > 0 && compress && isCompressible(f.type)) record.push(variants);
    return record;
  });

  const streams: CrunchModel['streams'] = {};
  const manifestStreams: Manifest['streams'] = {};
  for (const name of ['identity', ...ENCODINGS] as StreamName[]) {
    if (name !== 'identity' && sizes[name] === 0) continue;
    streams[name] = concat(parts[name], sizes[name]);
    manifestStreams[name] = { size: sizes[name], chunks: [] };
  }
  return {
    manifest: {
      version: 1,
      chunkSize: options.chunkSize,
      types,
      directories: tree.entries.filter((e) => e.type === 'directory').map((e) => e.path),
      files: records,
      streams: manifestStreams,
    },
    streams,
    summary: {
      files: records.length,
      directories: tree.entries.length - records.length,
      bytes: files.reduce((n, f) => n + f.bytes.length, 0),
      uniqueFiles: unique.length,
      uniqueBytes: sizes.identity,
      variants: [...placed.values()].reduce((n, p) => n + p.variants.length, 0),
      variantBytes: sizes.br + sizes.gzip,
    },
  };
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
