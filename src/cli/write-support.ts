import { FatError, cleanName, foldName, sourceDateEpochMs, splitPath, type Volume } from '../index.js';

/* What the write commands (add, rm, mkdir, mv, label) share: the clock and volume-path helpers. */

/**
 * The times the write commands stamp: `now` is SOURCE_DATE_EPOCH when set (so that the same
 * inputs give the same image), else the current time; `clamp` caps a host modification time at
 * SOURCE_DATE_EPOCH (later times become it, earlier ones stay).
 */
export interface WriteClock {
  now: () => Date;
  clamp: (ms: number) => Date;
}

export function writeClock(): WriteClock {
  const sde = sourceDateEpochMs();
  return {
    now: () => (sde === undefined ? new Date() : new Date(sde)),
    clamp: (ms) => new Date(sde !== undefined && ms > sde ? sde : ms),
  };
}

// ---- volume paths ----

/** Volume path components (".." goes up, never above the root), as typed: the library's own split. */
export const components = splitPath;

export const volPath = (parts: string[]): string => `/${parts.join('/')}`;

/** The key under which FAT finds a path: every component folded to upper case. */
export const foldKey = (parts: string[]): string => parts.map(foldName).join('/');

export type Found = 'file' | 'directory' | 'none';

/** What the image holds at `parts` ('none' also when a parent is a file). */
export function probe(vol: Volume, parts: string[]): Found {
  try {
    return vol.stat(volPath(parts)).isDirectory() ? 'directory' : 'file';
  } catch (e) {
    if (e instanceof FatError && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return 'none';
    throw e;
  }
}

/** The reason a name cannot be stored, without the library's `invalid name "..."` prefix. */
export function nameProblem(name: string): string | undefined {
  try {
    cleanName(name);
    return undefined;
  } catch (e) {
    if (e instanceof FatError) return e.message.replace(/^invalid name ".*?": /, '');
    throw e;
  }
}

/** `a, b, c and 4 more`: a list that keeps a message to one line. */
export function listSome(items: string[], max = 10): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
