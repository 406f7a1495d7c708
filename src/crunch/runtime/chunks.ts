/**
 * Where a generated module's bytes come from: chunk files loaded on first use (directory mode)
 * or base64 literals in the module itself (inline mode). Both serve byte ranges of a stream.
 */
import { decodeBase64, exclusive, plain } from './base64.js';
import { crunchError } from './errors.js';
import type { InlineData, Manifest, StreamName } from './manifest.js';

export interface ByteSource {
  /**
   * Bytes [offset, offset + length) of a stream: with `fresh`, an array the caller owns; without,
   * possibly a view into shared memory that must not be changed.
   */
  bytes(stream: StreamName, offset: number, length: number, fresh: boolean): Promise<Uint8Array>;
  /** The same, synchronously; throws EAGAIN when a chunk it needs is not loaded yet. */
  bytesSync(stream: StreamName, offset: number, length: number, fresh: boolean): Uint8Array;
  /** Load what bytes() will need for that range. */
  load(stream: StreamName, offset: number, length: number): Promise<void>;
}

/** The chunks [first, last] that hold a range (none for an empty range). */
function chunkSpan(chunkSize: number, offset: number, length: number): [number, number] {
  return [Math.floor(offset / chunkSize), Math.floor((offset + length - 1) / chunkSize)];
}

/** The parts of a non-empty range, chunk by chunk: `part(i, from, to)` gives chunk i's bytes [from, to). */
function gather(chunkSize: number, offset: number, length: number, part: (index: number, from: number, to: number) => Uint8Array): Uint8Array[] {
  const [first, last] = chunkSpan(chunkSize, offset, length);
  const parts: Uint8Array[] = [];
  for (let i = first; i <= last; i++) {
    const from = Math.max(offset, i * chunkSize) - i * chunkSize;
    const to = Math.min(offset + length, (i + 1) * chunkSize) - i * chunkSize;
    parts.push(part(i, from, to));
  }
  return parts;
}

/** One view for one part (a copy when `fresh`), one new array for several. */
function concat(parts: Uint8Array[], length: number, fresh: boolean): Uint8Array {
  if (parts.length === 1) return fresh ? exclusive(parts[0]!) : parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const FS_MODULE = 'node:fs/promises';

interface FsPromises {
  readFile(path: URL): Promise<Uint8Array>;
}

/** Read a chunk file: node:fs for file: URLs (Node, Deno, Bun), fetch for everything else. */
async function fetchBytes(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ FS_MODULE)) as FsPromises;
    return plain(await fs.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Directory mode: binary chunk files next to the module, each loaded once and kept. */
export class ChunkFiles implements ByteSource {
  private readonly cache = new Map<StreamName, (Uint8Array | Promise<Uint8Array> | undefined)[]>();

  constructor(private readonly manifest: Manifest, private readonly baseUrl: string) {}

  private chunk(stream: StreamName, index: number): Uint8Array | Promise<Uint8Array> {
    let list = this.cache.get(stream);
    if (!list) this.cache.set(stream, (list = []));
    const cached = list[index];
    if (cached) return cached;
    const info = this.manifest.streams[stream]!;
    const name = info.chunks[index]!;
    const expected = Math.min(this.manifest.chunkSize, info.size - index * this.manifest.chunkSize);
    const loading = fetchBytes(new URL(name, this.baseUrl)).then(
      (bytes) => {
        if (bytes.length !== expected) throw crunchError('EIO', `chunk ${name} has ${bytes.length} bytes, expected ${expected}: regenerate the module`);
        list[index] = bytes;
        return bytes;
      },
      (err: unknown) => {
        list[index] = undefined;
        throw crunchError('EIO', `cannot load chunk ${name}: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    list[index] = loading;
    return loading;
  }

  async bytes(stream: StreamName, offset: number, length: number, fresh: boolean): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    const size = this.manifest.chunkSize;
    const first = chunkSpan(size, offset, length)[0];
    const chunks = await this.span(stream, offset, length);
    // A chunk is shared by every reader: a caller that will own the bytes gets a copy.
    const parts = gather(size, offset, length, (i, from, to) => chunks[i - first]!.subarray(from, to));
    return parts.length === 1 && fresh ? new Uint8Array(parts[0]!) : concat(parts, length, false);
  }

  bytesSync(stream: StreamName, offset: number, length: number, fresh: boolean): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const parts = gather(this.manifest.chunkSize, offset, length, (i, from, to) => {
      const chunk = this.cache.get(stream)?.[i];
      if (!(chunk instanceof Uint8Array)) throw crunchError('EAGAIN', 'content not loaded yet: await preload() before readSync()');
      return chunk.subarray(from, to);
    });
    return parts.length === 1 && fresh ? new Uint8Array(parts[0]!) : concat(parts, length, false);
  }

  async load(stream: StreamName, offset: number, length: number): Promise<void> {
    if (length > 0) await this.span(stream, offset, length);
  }

  private span(stream: StreamName, offset: number, length: number): Promise<Uint8Array[]> {
    const [first, last] = chunkSpan(this.manifest.chunkSize, offset, length);
    const loads: (Uint8Array | Promise<Uint8Array>)[] = [];
    for (let i = first; i <= last; i++) loads.push(this.chunk(stream, i));
    return Promise.all(loads);
  }
}

/**
 * Inline mode: each read decodes just the base64 it needs (chunkSize is a multiple of 3, so any
 * byte offset maps to a 4-character boundary), so nothing but the literals stays resident.
 */
export class InlineChunks implements ByteSource {
  constructor(private readonly manifest: Manifest, private readonly data: InlineData) {}

  bytesSync(stream: StreamName, offset: number, length: number, fresh: boolean): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const parts = gather(this.manifest.chunkSize, offset, length, (i, from, to) => {
      const head = Math.floor(from / 3);
      const decoded = decodeBase64(this.data[stream]![i]!.substring(head * 4, Math.ceil(to / 3) * 4));
      return decoded.subarray(from - head * 3, to - head * 3);
    });
    // Decoding made these bytes: they are the caller's unless they sit in Buffer's shared pool.
    return concat(parts, length, fresh);
  }

  bytes(stream: StreamName, offset: number, length: number, fresh: boolean): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.bytesSync(stream, offset, length, fresh));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  load(): Promise<void> {
    return Promise.resolve();
  }
}
