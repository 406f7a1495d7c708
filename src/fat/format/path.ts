import { FatError } from '../errors.js';

/**
 * Split a volume path into components. `/` separates; empty and `.` components are dropped; `..`
 * goes up (never above the root). Absolute and relative paths both start at the root.
 */
export function splitPath(path: string): string[] {
  if (typeof path !== 'string') throw new FatError('EINVAL', 'path must be a string');
  if (path.includes('\0')) throw new FatError('EINVAL', 'path contains a NUL character', { path });
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

/** The canonical absolute form: `/a/b`, or `/` for the root. */
export function normalizePath(path: string): string {
  return `/${splitPath(path).join('/')}`;
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
