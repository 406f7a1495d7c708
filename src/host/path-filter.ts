/**
 * What `--include` and `--exclude` mean, for every command that walks a host tree (`fat make
 * --from`, `fat crunch`): glob patterns (picomatch, the matcher under fast-glob and micromatch)
 * against POSIX paths relative to the walked directory, as fast-glob and .gitignore users expect.
 *
 * - A pattern is anchored at the walked directory: `*.map` is a top-level file, `**\/*.map` any depth.
 *   A leading `./` or `/` is dropped; `*` and `**` match dot names too.
 * - A trailing `/` makes a pattern match directories only (`posts/`).
 * - A directory that matches takes everything below it along: excluding `posts`, `posts/` or
 *   `posts/**` leaves the directory out with its contents; including `posts` takes all of it.
 * - `posts/*` matches what is in `posts` (everything in it, subdirectories with their contents),
 *   not `posts` itself: excluded, `posts` stays, empty, as it exists on the host.
 * - With `--include`, an entry is kept when it or a directory above it matches; the directories
 *   above a kept entry are kept to hold it. `--exclude` wins over `--include`.
 */
import { FatError } from '../fat/errors.js';

/** Decides membership while the walk descends (a directory before what is in it). */
export interface PathFilter {
  /** Leave `path` out (a directory with everything in it). */
  excludes(path: string, isDirectory: boolean): boolean;
  /** `path` matches an include pattern itself (what is below a matching directory is in too). */
  includes(path: string, isDirectory: boolean): boolean;
  /** Whether there are include patterns at all (without, everything not excluded is in). */
  readonly hasInclude: boolean;
}

type Test = (path: string, isDirectory: boolean) => boolean;

/** picomatch is loaded on first use: most walks have no patterns. */
async function compile(patterns: string[], what: string): Promise<Test> {
  if (patterns.length === 0) return () => false;
  const { default: picomatch } = await import('picomatch');
  const any: string[] = [];
  const dirsOnly: string[] = [];
  for (const raw of patterns) {
    const dirOnly = /\/+$/.test(raw);
    const p = raw.replace(/\/+$/, '').replace(/^(?:\.\/)+/, '').replace(/^\/+/, '');
    if (p === '' || p === '.') throw new FatError('EINVAL', `${what} ${JSON.stringify(raw)}: a pattern must name something below the directory`);
    (dirOnly ? dirsOnly : any).push(p);
  }
  const options = { dot: true };
  const matchAny = any.length > 0 ? picomatch(any, options) : () => false;
  const matchDir = dirsOnly.length > 0 ? picomatch(dirsOnly, options) : () => false;
  return (path, isDirectory) => matchAny(path) || (isDirectory && matchDir(path));
}

/** The filter for these patterns, or undefined when there are none (everything is in). */
export async function pathFilter(include: string[] = [], exclude: string[] = []): Promise<PathFilter | undefined> {
  if (include.length === 0 && exclude.length === 0) return undefined;
  const [includes, excludes] = await Promise.all([compile(include, 'include pattern'), compile(exclude, 'exclude pattern')]);
  return { includes, excludes, hasInclude: include.length > 0 };
}
