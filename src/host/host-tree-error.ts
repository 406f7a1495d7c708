import { FatError } from '../fat/errors.js';
import { comparePaths } from './paths.js';

export interface HostTreeProblem {
  /** POSIX path relative to the root. */
  path: string;
  /** `symlink loop`, `dangling symlink`, `permission denied`, `not a regular file or directory`. */
  reason: string;
}

/** How many offending paths a one-line message names before it says "and N more". */
const MAX_LISTED = 20;

/** Names the paths of a list in one line, cut after MAX_LISTED. */
export function listPaths(items: string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}

/**
 * Everything wrong with a host tree, found in one walk and reported at once (code EIO), so a
 * user fixes the whole list in one go. `problems` has the details, sorted by path.
 */
export class HostTreeError extends FatError {
  readonly problems: HostTreeProblem[];

  constructor(root: string, problems: HostTreeProblem[]) {
    const sorted = [...problems].sort((a, b) => comparePaths(a.path, b.path));
    super('EIO', `cannot read ${root}: ${listPaths(sorted.map((p) => `${p.path} (${p.reason})`))}`, { path: root });
    this.name = 'HostTreeError';
    this.problems = sorted;
  }
}
