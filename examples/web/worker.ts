/**
 * The worker that holds the image: every read and write of the volume happens here, so the page
 * stays responsive whatever the image's size. An opened file is read in place (BlobDevice: one
 * slice per read); the first change copies it into the origin private file system (OpfsDevice), or
 * into memory when OPFS is unavailable and the image is small. See README.md for why.
 */
import {
  BlobDevice, FatError, MemoryDevice, OpfsDevice, Volume, addTree, findFatVolume, isFatError, planBuild, planImageBytes,
  readPartitionTable, writeBuild, type BlockDevice, type BuildEntry, type BuildOptions, type SyncAccessHandle,
} from 'fatkit/core';
import type { Entry, Item, Op, Reply, Request, Requests, Summary } from './protocol.js';

/** Without OPFS, images up to this size are edited in memory. */
const MEMORY_LIMIT = 512 << 20;
const COPY_CHUNK = 8 << 20;
const PREFIX = 'fatkit-web-';

interface OpfsFile {
  name: string;
  getFile(): Promise<File>;
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}
interface OpfsDir {
  getFileHandle(name: string, options?: { create?: boolean }): Promise<OpfsFile>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}

interface Current {
  name: string;
  /** The file as opened, while it is read in place. */
  source?: File;
  disk: BlockDevice;
  vol: Volume;
  storage: Summary['storage'];
  partition: string | null;
  /** The OPFS file holding the writable copy. */
  opfs?: OpfsFile;
}

let current: Current | undefined;
const reader = new FileReaderSync();
const readBlob = (blob: Blob): Uint8Array => new Uint8Array(reader.readAsArrayBuffer(blob));
const say = (progress: string): void => postMessage({ progress } satisfies Reply);

let opfsRoot: Promise<OpfsDir | undefined> | undefined;
/** The OPFS root, or undefined where there is none (an old browser, some private windows). */
function opfs(): Promise<OpfsDir | undefined> {
  opfsRoot ??= (async () => {
    try {
      const root = (await (navigator.storage as unknown as { getDirectory(): Promise<OpfsDir> }).getDirectory());
      // Copies left by earlier visits; one another tab still holds stays (removeEntry fails).
      for await (const name of root.keys()) if (name.startsWith(PREFIX)) await root.removeEntry(name).catch(() => undefined);
      return root;
    } catch {
      return undefined;
    }
  })();
  return opfsRoot;
}

async function newOpfsFile(root: OpfsDir, what: string): Promise<OpfsFile> {
  return root.getFileHandle(`${PREFIX}${what}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.img`, { create: true });
}

function close(): void {
  if (!current) return;
  const { vol, disk, opfs: file } = current;
  current = undefined;
  try {
    vol.close();
  } finally {
    disk.close();
  }
  if (file) void opfs().then((root) => root?.removeEntry(file.name).catch(() => undefined));
}

/** Mount the volume on `c.disk` (its partition on a disk) as the current image; closes the disk if it cannot. */
function mount(c: Omit<Current, 'vol' | 'partition'>): Summary {
  try {
    return mountOrThrow(c);
  } catch (e) {
    c.disk.close();
    throw e;
  }
}

function mountOrThrow(c: Omit<Current, 'vol' | 'partition'>): Summary {
  const table = safely(() => readPartitionTable(c.disk));
  const volDev = findFatVolume(c.disk);
  let partition: string | null = null;
  if (volDev !== c.disk && table) {
    const start = (volDev as { startLba?: number }).startLba;
    const p = table.partitions.find((q) => q.startLba === start);
    partition = `partition ${p?.index ?? '?'} of ${table.partitions.length} (${table.scheme.toUpperCase()})`;
  }
  const vol = Volume.open(volDev, { readOnly: c.storage === 'file' });
  current = { ...c, vol, partition };
  return summary();
}

function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function summary(): Summary {
  const c = need();
  const info = c.vol.info();
  return {
    name: c.name, size: c.disk.sectorCount * c.disk.sectorSize, fatType: info.fatType, label: info.label ?? null,
    volumeIdHex: info.volumeIdHex, clusterSize: info.clusterSize, totalBytes: info.totalBytes, freeBytes: info.freeBytes,
    partition: c.partition, storage: c.storage, problems: c.vol.problems.length,
  };
}

function need(): Current {
  if (!current) throw new FatError('EINVAL', 'no image is open');
  return current;
}

/** Make the open image writable: copy it into OPFS (or memory) and mount the copy. */
async function writable(): Promise<Volume> {
  const c = need();
  if (c.storage !== 'file') return c.vol;
  const file = c.source!;
  const root = await opfs();
  let disk: BlockDevice;
  let opfsFile: OpfsFile | undefined;
  if (root) {
    opfsFile = await newOpfsFile(root, 'edit');
    const dev = await OpfsDevice.openFile(opfsFile, { create: Math.floor(file.size / 512) * 512, name: c.name });
    try {
      const bytes = dev.sectorCount * dev.sectorSize;
      for (let at = 0; at < bytes; at += COPY_CHUNK) {
        const chunk = readBlob(file.slice(at, Math.min(bytes, at + COPY_CHUNK)));
        dev.write(at / 512, chunk);
        if (bytes > 64 * COPY_CHUNK) say(`copying the image for editing: ${Math.round((100 * (at + chunk.length)) / bytes)}%`);
      }
      dev.flush();
    } catch (e) {
      // A full quota (ENOSPC) or a file changed since it was picked: the image stays open read-only.
      dev.close();
      await root.removeEntry(opfsFile.name).catch(() => undefined);
      say('');
      throw e;
    }
    disk = dev;
  } else if (file.size <= MEMORY_LIMIT) {
    disk = new MemoryDevice(readBlob(file.slice(0, Math.floor(file.size / 512) * 512)));
  } else {
    throw new FatError('FAT_UNSUPPORTED', `this browser has no origin private file system: images over ${MEMORY_LIMIT >> 20} MiB can be read, not changed`);
  }
  const { name } = c;
  close();
  mount({ name, disk, storage: opfsFile ? 'opfs' : 'memory', opfs: opfsFile });
  say('');
  return need().vol;
}

/** BuildEntries for items: parents added where missing, sorted so each directory comes first. */
function entries(items: Item[]): BuildEntry[] {
  const byPath = new Map<string, BuildEntry>();
  for (const it of items) {
    const path = it.path.split('/').filter((s) => s !== '' && s !== '.').join('/');
    if (path === '' || path.split('/').includes('..')) throw new FatError('FAT_UNSAFE_PATH', `unsafe path: ${it.path}`);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!byPath.has(dir)) byPath.set(dir, { path: dir, type: 'directory', size: 0, mtimeMs: it.mtimeMs });
    }
    if (it.type === 'directory' || !it.file) {
      byPath.set(path, { path, type: 'directory', size: 0, mtimeMs: it.mtimeMs });
      continue;
    }
    const file = it.file;
    byPath.set(path, {
      path, type: 'file', size: file.size, mtimeMs: it.mtimeMs,
      read: (position, into) => {
        const got = readBlob(file.slice(position, position + into.length));
        into.set(got);
        return got.length;
      },
    });
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function build(args: Requests['build']['args']): Promise<Summary> {
  const options: BuildOptions = { size: 'auto', ...(args.fatType ? { fatType: args.fatType } : {}), ...(args.label ? { label: args.label } : {}) };
  const tree = entries(args.items);
  const plan = planBuild(tree, options);
  const bytes = planImageBytes(plan, options);
  const root = await opfs();
  let disk: BlockDevice;
  let opfsFile: OpfsFile | undefined;
  if (root) {
    opfsFile = await newOpfsFile(root, 'new');
    disk = await OpfsDevice.openFile(opfsFile, { create: bytes, name: args.name });
  } else if (bytes <= MEMORY_LIMIT) {
    disk = new MemoryDevice(bytes);
  } else {
    throw new FatError('FAT_UNSUPPORTED', `this browser has no origin private file system: images over ${MEMORY_LIMIT >> 20} MiB cannot be made`);
  }
  try {
    writeBuild(disk, plan, {
      ...options,
      onProgress: (p) => say(`writing ${p.files} of ${p.totalFiles} files (${Math.round((100 * p.bytes) / Math.max(1, p.totalBytes))}%)`),
    });
    disk.flush();
  } catch (e) {
    disk.close();
    if (opfsFile) await root?.removeEntry(opfsFile.name).catch(() => undefined);
    throw e;
  }
  close();
  say('');
  return mount({ name: args.name, disk, storage: opfsFile ? 'opfs' : 'memory', opfs: opfsFile });
}

/** The whole image as a File to download: the picked file, or a snapshot of the writable copy. */
async function image(): Promise<File> {
  const c = need();
  if (c.storage === 'file') return c.source!;
  // Closing the volume writes FSInfo and clears the dirty bit (the device stays open): the image
  // downloaded is clean, as after an unmount. It is mounted again below.
  c.vol.close();
  c.disk.flush();
  try {
    return await snapshot(c);
  } finally {
    mount({ name: c.name, disk: c.disk, storage: c.storage, opfs: c.opfs });
  }
}

async function snapshot(c: Current): Promise<File> {
  const root = await opfs();
  const size = c.disk.sectorCount * c.disk.sectorSize;
  if (c.storage === 'memory' || !root) return new File([(c.disk as MemoryDevice).bytes.slice()], c.name);
  // A copy of its own, so that later edits cannot break a download still reading it.
  for await (const name of root.keys()) if (name.startsWith(`${PREFIX}export-`)) await root.removeEntry(name).catch(() => undefined);
  const out = await newOpfsFile(root, 'export');
  const dev = await OpfsDevice.openFile(out, { create: size });
  const buf = new Uint8Array(COPY_CHUNK);
  for (let at = 0; at < size; at += COPY_CHUNK) {
    const part = buf.subarray(0, Math.min(COPY_CHUNK, size - at));
    c.disk.read(at / c.disk.sectorSize, part);
    dev.write(at / 512, part);
    if (size > 64 * COPY_CHUNK) say(`preparing the download: ${Math.round((100 * (at + part.length)) / size)}%`);
  }
  say('');
  dev.close();
  const f = await out.getFile();
  return new File([f], c.name, { type: 'application/octet-stream' });
}

function list(path: string): Entry[] {
  const { vol } = need();
  return vol.readdir(path, { withFileTypes: true }).map((d) => ({
    name: d.name,
    path: `${d.parentPath === '/' ? '' : d.parentPath}/${d.name}`,
    type: d.isDirectory() ? 'directory' : 'file',
    size: d.stats.size,
    mtime: d.stats.mtime.toISOString(),
  }));
}

function head(path: string, max: number): { bytes: Uint8Array; size: number } {
  const { vol } = need();
  const size = vol.stat(path).size;
  const parts: Uint8Array[] = [];
  let got = 0;
  for (const chunk of vol.readChunks(path)) {
    parts.push(chunk.slice(0, Math.min(chunk.length, max - got)));
    got += parts[parts.length - 1].length;
    if (got >= max) break;
  }
  const bytes = new Uint8Array(got);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, size };
}

/** A file's bytes as a Blob, read a chunk at a time (the Blob keeps the parts, not one big copy). */
function fileBlob(path: string): Blob {
  const { vol } = need();
  const parts: Uint8Array[] = [];
  for (const chunk of vol.readChunks(path, 4 << 20)) parts.push(chunk.slice());
  return new Blob(parts as BlobPart[]);
}

async function handle(op: Op, args: Request['args']): Promise<unknown> {
  switch (op) {
    case 'open': {
      const { file } = args as Requests['open']['args'];
      close();
      return mount({ name: file.name, source: file, disk: new BlobDevice(file), storage: 'file' });
    }
    case 'list':
      return list((args as Requests['list']['args']).path);
    case 'head': {
      const a = args as Requests['head']['args'];
      return head(a.path, a.max);
    }
    case 'file':
      return fileBlob((args as Requests['file']['args']).path);
    case 'add': {
      const a = args as Requests['add']['args'];
      const vol = await writable();
      addTree(vol, entries(a.items), { to: a.to, onProgress: (p) => say(`adding ${p.files} of ${p.totalFiles} files`) });
      vol.flush();
      say('');
      return summary();
    }
    case 'mkdir': {
      const vol = await writable();
      vol.mkdir((args as Requests['mkdir']['args']).path);
      vol.flush();
      return summary();
    }
    case 'rm': {
      const vol = await writable();
      vol.rm((args as Requests['rm']['args']).path, { recursive: true });
      vol.flush();
      return summary();
    }
    case 'rename': {
      const a = args as Requests['rename']['args'];
      const vol = await writable();
      vol.rename(a.from, a.to);
      vol.flush();
      return summary();
    }
    case 'build':
      return build(args as Requests['build']['args']);
    case 'image':
      return image();
    default:
      throw new FatError('EINVAL', `unknown request ${String(op)}`);
  }
}

/** One request at a time, in order: the volume is synchronous and not re-entrant across awaits. */
let queue: Promise<unknown> = Promise.resolve();
self.onmessage = (e: MessageEvent<Request>) => {
  const { id, op, args } = e.data;
  queue = queue.then(async () => {
    try {
      const value = await handle(op, args);
      postMessage({ id, ok: true, value } satisfies Reply);
    } catch (err) {
      const code = isFatError(err) ? err.code : err instanceof Error ? err.name : 'INTERNAL';
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      postMessage({ id, ok: false, error: { code, message } } satisfies Reply);
    }
  });
};
