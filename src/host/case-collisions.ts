import { FatError } from '../fat/errors.js';
import { foldName } from '../fat/dir/directory.js';
import { listPaths } from './host-tree-error.js';
import { comparePaths } from './paths.js';

/**
 * Upper-case one code point at a time, keeping code points whose upper case is longer (`ß`
 * stays `ß`, not `SS`): the one-to-one folding of the up-case tables of FAT, exFAT and NTFS.
 * The same folding the volume uses for lookups.
 */
export const foldCase = foldName;

/**
 * Groups of paths that name the same entry on a case-insensitive file system: siblings whose
 * names differ only in case. Each group is sorted and the groups are sorted by their first path.
 * Only the topmost collision is reported (`A/x` and `a/x` are covered by `A` and `a`).
 * Platform-neutral: takes POSIX relative paths, touches no file system.
 */
export function findCaseCollisions(paths: Iterable<string>): string[][] {
  const groups = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const p of paths) {
    if (seen.has(p)) continue;
    seen.add(p);
    const slash = p.lastIndexOf('/');
    const key = `${p.slice(0, slash + 1)}${foldCase(p.slice(slash + 1))}`;
    const group = groups.get(key);
    if (group) group.push(p);
    else groups.set(key, [p]);
  }
  const collisions = [...groups.values()].filter((g) => g.length > 1).map((g) => g.sort(comparePaths));
  return collisions.sort((a, b) => comparePaths(a[0]!, b[0]!));
}

/** The one-line error (code EEXIST) for the groups findCaseCollisions returned. */
export function caseCollisionError(groups: string[][]): FatError {
  const listed = listPaths(groups.map((g) => g.join(' = ')));
  return new FatError('EEXIST', `names that differ only in case cannot share a directory: ${listed}`, { path: groups[0]?.[0] });
}
