/**
 * The data a generated module carries, shared by the generator (which writes it) and the runtime
 * (which reads it). Compact tuples keep the JSON small and quick to parse for large trees.
 */

export type Encoding = 'br' | 'gzip';
/** A byte stream: every file's identity bytes, or every stored br or gzip variant, end to end. */
export type StreamName = 'identity' | Encoding;

/** [encoding, offset in that stream, size, ETag hash (32 hex digits of the variant's sha256)] */
export type VariantRecord = [Encoding, number, number, string];

/**
 * [path, size, index into `types`, mtime in whole seconds, sha256 (hex), offset in the identity
 * stream, stored variants (smallest first), when there are any]
 */
export type FileRecord = [string, number, number, number, string, number, VariantRecord[]?];

export interface StreamInfo {
  /** Total bytes. */
  size: number;
  /** Chunk files relative to the module (directory mode); empty in inline mode. */
  chunks: string[];
}

export interface Manifest {
  version: 1;
  /** Bytes per chunk: chunk i holds bytes [i * chunkSize, (i + 1) * chunkSize) of its stream. */
  chunkSize: number;
  /** Content types (with charset for text), indexed by FileRecord[2]. */
  types: string[];
  /** Every directory (empty ones too) except the root, sorted. */
  directories: string[];
  /** Every file, sorted by path (UTF-16 code units). */
  files: FileRecord[];
  streams: Partial<Record<StreamName, StreamInfo>>;
}

/** Inline mode: each stream's chunks as base64 strings (chunkSize is a multiple of 3). */
export type InlineData = Partial<Record<StreamName, string[]>>;
