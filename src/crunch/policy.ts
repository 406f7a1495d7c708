/**
 * What crunch stores about a file's type: its Content-Type (mime-db through mime-types) and
 * whether compressed variants are worth trying, and which ones to keep.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { contentTypeFor } from '../serve/content-type.js';

export { contentTypeFor };

const brotliCompress = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

// Text, structured text and the few binary formats that are not compressed already.
const COMPRESSIBLE = new RegExp([
  '^text/',
  '\\+(?:json|xml|text|yaml)$',
  '^application/(?:javascript|ecmascript|x-javascript|json|xml|wasm|toml|yaml|x-yaml|graphql|x-sh|x-tar|postscript|rtf|x-font-ttf|x-font-otf|vnd\\.ms-fontobject)$',
  '^image/(?:x-icon|vnd\\.microsoft\\.icon|bmp)$',
  '^font/(?:ttf|otf|collection)$',
].join('|'));

export function isCompressible(contentType: string): boolean {
  return COMPRESSIBLE.test(contentType.split(';')[0]!.trim().toLowerCase());
}

/** A variant is kept when it saves at least 10% and at least 1 KiB. */
export const MIN_SAVING_BYTES = 1024;
export const MIN_SAVING_RATIO = 0.1;

export function worthKeeping(size: number, compressed: number): boolean {
  const saved = size - compressed;
  return saved >= MIN_SAVING_BYTES && saved >= size * MIN_SAVING_RATIO;
}

export interface CompressionSettings {
  /** 0-11; default 11 (smallest, slowest: ~0.3-0.5 MiB/s per core). */
  brotliQuality: number;
  /** 1-9; default 9. */
  gzipLevel: number;
}

export const DEFAULT_COMPRESSION: CompressionSettings = { brotliQuality: 11, gzipLevel: 9 };

export interface Variants {
  br?: Uint8Array;
  gzip?: Uint8Array;
}

/**
 * The stored variants of some content: both codings are tried, each is kept only when worth it.
 * Deterministic: fixed parameters, and the gzip header carries no time and a fixed OS byte.
 */
export async function compressVariants(bytes: Uint8Array, contentType: string, settings: CompressionSettings): Promise<Variants> {
  if (bytes.length <= MIN_SAVING_BYTES || !isCompressible(contentType)) return {};
  const text = contentType.startsWith('text/');
  const [br, gz] = await Promise.all([
    brotliCompress(bytes, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: settings.brotliQuality,
        [zlib.constants.BROTLI_PARAM_MODE]: text ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
    gzip(bytes, { level: settings.gzipLevel }),
  ]);
  gz[9] = 3; // OS = Unix everywhere (zlib writes the build platform's code)
  const out: Variants = {};
  if (worthKeeping(bytes.length, br.length)) out.br = br;
  if (worthKeeping(bytes.length, gz.length)) out.gzip = gz;
  return out;
}
