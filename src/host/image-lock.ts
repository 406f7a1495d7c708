import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FatError } from '../fat/errors.js';

/*
 * One writer per image file. Node has no flock(), so the lock is a file beside the image,
 * `IMG.lock`, made exclusively (written in full to a temporary name, then hard-linked into place,
 * so it never exists half-written) and holding the owner's PID, host name and process start time.
 * Readers never look at it. A lock whose owner is gone (same host, `kill(pid, 0)` says ESRCH, or
 * the PID now belongs to a process that started at another time) is stale and is taken over. A
 * lock from another host cannot be checked and counts as held. See README, "Locking".
 */

/** A held lock on an image file; release() removes it (once). */
export interface ImageLock {
  /** The lock file. */
  readonly path: string;
  release(): void;
}

interface Owner {
  pid: number;
  host: string;
  /** The owner's start time as /proc/PID/stat gives it (clock ticks after boot), when known. */
  start?: string;
}

/** Lock files this process holds, with the content it wrote (only those are ever removed). */
const held = new Map<string, string>();

/** The lock file of an image: `IMG.lock` beside the real image (symbolic links resolved). */
export function lockPathFor(image: string): string {
  const abs = path.resolve(image);
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch {
    // Not there yet (fat make): the real directory, the given name.
    let dir = path.dirname(abs);
    try {
      dir = fs.realpathSync(dir);
    } catch {
      /* reported when the image is created */
    }
    real = path.join(dir, path.basename(abs));
  }
  return `${real}.lock`;
}

/** A process's start time, from /proc (Linux); undefined elsewhere or when it is gone. */
function processStart(pid: number | 'self'): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let self: string | undefined;
function selfContent(): string {
  if (self === undefined) {
    const owner: Owner = { pid: process.pid, host: os.hostname() };
    const start = processStart('self');
    if (start !== undefined) owner.start = start;
    self = `${JSON.stringify(owner)}\n`;
  }
  return self;
}

function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (typeof o.pid === 'number' && Number.isInteger(o.pid) && o.pid > 0 && typeof o.host === 'string') return o as Owner;
  } catch {
    /* not ours, or half-written by a tool that does not link */
  }
  return undefined;
}

/** Whether the owner may still be running (other hosts cannot be checked: assume so). */
function ownerAlive(o: Owner): boolean {
  if (o.host !== os.hostname()) return true;
  // Our own PID: ours when the start time matches (this process holds it), else a process before
  // us had the same PID (PID 1 of a container that was killed) and the lock is stale.
  if (o.pid === process.pid) return o.start === undefined || o.start === processStart('self');
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The PID is in use: by the owner, or by a process that took its number after it died.
  if (o.start !== undefined) {
    const now = processStart(o.pid);
    if (now !== undefined && now !== o.start) return false;
  }
  return true;
}

/** An unreadable lock file is stale once it is this old (a writer crashed before filling it). */
const UNREADABLE_STALE_MS = 10_000;

function busy(lockPath: string, o: Owner | undefined): FatError {
  const who = o ? `PID ${o.pid}${o.host !== os.hostname() ? ` on ${o.host}` : ''}` : 'another process';
  const hint = o && o.host !== os.hostname() ? `; remove it if fat no longer runs on ${o.host}` : '';
  return new FatError('EBUSY', `image is in use by ${who} (lock file ${lockPath}${hint})`, { path: lockPath });
}

function lockError(lockPath: string, e: unknown): FatError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code.toLowerCase();
  return new FatError('EIO', `cannot lock the image: cannot create ${lockPath} (${why})`, { path: lockPath, cause: e });
}

/**
 * A temporary name beside the lock, `.IMG.t1234abcd`: no longer than the image's own temporary
 * name (image-file.ts), so an image whose name fits a directory entry can be locked.
 */
function sideName(lockPath: string, tag: string): string {
  const image = path.basename(lockPath).slice(0, -'.lock'.length);
  const hex = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return path.join(path.dirname(lockPath), `.${image}.${tag}${hex}`);
}

/** Whether `name`, beside the lock file `lockPath`, is that lock file or one of its side files. */
export function isLockFileName(lockPath: string, name: string): boolean {
  const lock = path.basename(lockPath);
  if (name === lock) return true;
  const image = lock.slice(0, -'.lock'.length);
  return name.length === image.length + 11 && name.startsWith(`.${image}.`) && /^[a-z][0-9a-f]{8}$/.test(name.slice(image.length + 2));
}

/** Create the lock file with `content`, or return false when it exists. */
function create(lockPath: string, content: string): boolean {
  const tmp = sideName(lockPath, 't');
  try {
    fs.writeFileSync(tmp, content, { flag: 'wx' });
  } catch (e) {
    throw lockError(lockPath, e);
  }
  try {
    fs.linkSync(tmp, lockPath);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw lockError(lockPath, e);
    // No hard links here (a FAT or exFAT stick): O_EXCL, then the content.
    try {
      fs.writeFileSync(lockPath, content, { flag: 'wx' });
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw lockError(lockPath, e2);
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Remove a stale lock, and only it: it is renamed aside and checked to be the same file (a lock
 * another process made in the meantime is put back).
 */
function breakStale(lockPath: string, stale: fs.Stats): void {
  const aside = sideName(lockPath, 's');
  try {
    fs.renameSync(lockPath, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw lockError(lockPath, e);
  }
  const moved = fs.statSync(aside);
  if (moved.ino !== stale.ino || moved.dev !== stale.dev) {
    try {
      fs.linkSync(aside, lockPath);
    } catch {
      /* its owner made another one meanwhile */
    }
  }
  fs.rmSync(aside, { force: true });
}

/**
 * Take the write lock on `image` now, or throw FatError EBUSY (`image is in use by PID N`). A
 * stale lock (its process is gone) is taken over. Release it with `release()`; it is also released
 * when the process exits.
 */
export function lockImage(image: string): ImageLock {
  const lockPath = lockPathFor(image);
  if (held.has(lockPath)) throw busy(lockPath, { pid: process.pid, host: os.hostname() });
  const content = selfContent();
  for (let tries = 0; ; tries++) {
    if (create(lockPath, content)) break;
    let text: string;
    let st: fs.Stats;
    try {
      st = fs.statSync(lockPath);
      text = fs.readFileSync(lockPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw lockError(lockPath, e);
    }
    const owner = parseOwner(text);
    const stale = owner ? !ownerAlive(owner) : Date.now() - st.mtimeMs > UNREADABLE_STALE_MS;
    if (!stale || tries >= 5) throw busy(lockPath, owner);
    breakStale(lockPath, st);
  }
  held.set(lockPath, content);
  watchExit();
  let released = false;
  return {
    path: lockPath,
    release: () => {
      if (released) return;
      released = true;
      releaseOne(lockPath);
    },
  };
}

/** Whether `err` is a lock held by another writer (worth waiting for). */
export function isImageBusy(err: unknown): boolean {
  return err instanceof FatError && err.code === 'EBUSY';
}

/**
 * Run `attempt` (which takes an image lock before doing anything else) until it does not fail
 * with EBUSY, waiting up to `seconds` (Infinity: as long as it takes) between tries.
 */
export async function retryWhileBusy<T>(attempt: () => T | Promise<T>, seconds: number): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      const left = deadline - Date.now();
      if (!isImageBusy(e) || left <= 0) throw e;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, left)));
    }
  }
}

function releaseOne(lockPath: string): void {
  const content = held.get(lockPath);
  if (content === undefined) return;
  held.delete(lockPath);
  try {
    // Only our own lock: one broken as stale and retaken by another process stays.
    if (fs.readFileSync(lockPath, 'utf8') === content) fs.rmSync(lockPath, { force: true });
  } catch {
    /* already gone */
  }
}

let exitWatched = false;
function watchExit(): void {
  if (!exitWatched) {
    exitWatched = true;
    process.on('exit', () => {
      for (const p of [...held.keys()]) releaseOne(p);
    });
  }
  if (signalsWanted) watchSignals();
}

// ---- signals (the CLI's choice: a library does not take over a process's signals) ----

let signalsWanted = false;
const onSignal = (signal: NodeJS.Signals): void => {
  // Another handler of this signal (fat make --from's, which stops its build at the next step,
  // removes the temporary image and releases the lock itself) has the last word.
  if (process.listenerCount(signal) > 1) return;
  process.exit(128 + (os.constants.signals[signal] ?? 1));
};
let signalsWatched = false;

function watchSignals(): void {
  if (signalsWatched) return;
  signalsWatched = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Once this process has taken an image lock, SIGINT and SIGTERM release it and exit (130, 143).
 * JavaScript cannot run while a synchronous write is in progress, so the signal takes effect when
 * it ends: an interrupt never leaves the image half-changed. Without this (the library's default)
 * a process killed by a signal leaves its lock file, which the next writer finds stale and takes over.
 */
export function releaseImageLocksOnSignals(): void {
  signalsWanted = true;
  if (held.size) watchSignals();
}
