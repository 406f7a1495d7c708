/** Messages between the page (app.ts) and the worker (worker.ts) that holds the image. */

export interface Summary {
  /** The image's file name. */
  name: string;
  /** Bytes of the whole image (disk). */
  size: number;
  fatType: 12 | 16 | 32;
  label: string | null;
  volumeIdHex: string;
  clusterSize: number;
  totalBytes: number;
  freeBytes: number;
  /** "partition 1 of 2 (MBR)" for a disk, null for a bare volume. */
  partition: string | null;
  /** How the image is held: read-only over the file, or a writable copy (OPFS or memory). */
  storage: 'file' | 'opfs' | 'memory';
  /** Problems met while reading (skipped entries), for a note. */
  problems: number;
}

export interface Entry {
  name: string;
  path: string;
  type: 'file' | 'directory';
  size: number;
  /** ISO 8601, UTC. */
  mtime: string;
}

/** A file or folder to add or build from, relative to where it goes. */
export interface Item {
  path: string;
  type: 'file' | 'directory';
  file?: File;
  mtimeMs: number;
}

export interface Requests {
  open: { args: { file: File }; result: Summary };
  list: { args: { path: string }; result: Entry[] };
  /** Up to `max` bytes from the start, and the file's size. */
  head: { args: { path: string; max: number }; result: { bytes: Uint8Array; size: number } };
  file: { args: { path: string }; result: Blob };
  add: { args: { to: string; items: Item[] }; result: Summary };
  mkdir: { args: { path: string }; result: Summary };
  rm: { args: { path: string }; result: Summary };
  rename: { args: { from: string; to: string }; result: Summary };
  build: { args: { items: Item[]; fatType: 12 | 16 | 32 | null; label: string; name: string }; result: Summary };
  image: { args: Record<string, never>; result: File };
}

export type Op = keyof Requests;

export interface Request<K extends Op = Op> {
  id: number;
  op: K;
  args: Requests[K]['args'];
}

export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: string; message: string } }
  | { progress: string };
