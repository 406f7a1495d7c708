import * as fs from 'node:fs';
import * as nodePath from 'node:path';

/** One file or directory found below a host directory. */
export interface HostItem {
  /** Name components below the walked root (`[]` for the root itself). */
  parts: string[];
  /** Where to read it on the host (through symbolic links). */
  abs: string;
  type: 'file' | 'directory';
  /** Bytes for files, 0 for directories. */
  size: number;
  /** Modification time (of a link's target), in milliseconds. */
  mtimeMs: number;
  dev: number;
  ino: number;
}

export interface HostProblem {
  /** The host path, as the user would type it (the root joined with the components). */
  path: string;
  reason: string;
}

export interface HostWalk {
  /** The root first, then every entry below it, depth first, children sorted by name. */
  items: HostItem[];
  /** What cannot be copied: symbolic-link loops, dangling links, unreadable entries. */
  problems: HostProblem[];
  /** What is deliberately left out: sockets, FIFOs and devices. */
  skipped: HostProblem[];
}

/** `a < b` on UTF-16 code units: the order every listing in fatkit uses. */
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? 'error';
}

function reasonOf(code: string): string {
  switch (code) {
    case 'ELOOP': return 'symbolic link loop';
    case 'ENOENT': return 'dangling symbolic link';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return code.toLowerCase();
  }
}

/** Sockets, FIFOs and devices: what a FAT volume cannot hold. */
export function specialKind(st: fs.Stats): string | undefined {
  if (st.isFile() || st.isDirectory()) return undefined;
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'a device';
  return 'not a regular file or directory';
}

/**
 * Walk the host directory `root` synchronously and deterministically, like `cp -r` reads it:
 * pre-order, children sorted by name; symbolic links are followed (to files and to directories);
 * a link back to a directory on its own path is a loop and reported; special files are skipped.
 * Only metadata is read, and files are checked to be readable, so that a copy can fail before it
 * writes anything.
 */
export function walkHost(root: string): HostWalk {
  const out: HostWalk = { items: [], problems: [], skipped: [] };
  const key = (st: fs.Stats): string => `${st.dev}:${st.ino}`;
  const shown = (parts: string[]): string => nodePath.join(root, ...parts);
  const push = (parts: string[], abs: string, st: fs.Stats): void => {
    const dir = st.isDirectory();
    out.items.push({ parts, abs, type: dir ? 'directory' : 'file', size: dir ? 0 : st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino });
  };

  const visit = (abs: string, parts: string[], ancestors: Set<string>): void => {
    let names: string[];
    try {
      names = fs.readdirSync(abs).sort(byName);
    } catch (e) {
      out.problems.push({ path: shown(parts), reason: reasonOf(errno(e)) });
      return;
    }
    for (const name of names) {
      const childAbs = nodePath.join(abs, name);
      const childParts = [...parts, name];
      let st: fs.Stats;
      try {
        st = fs.statSync(childAbs);
      } catch (e) {
        out.problems.push({ path: shown(childParts), reason: reasonOf(errno(e)) });
        continue;
      }
      const special = specialKind(st);
      if (special) {
        out.skipped.push({ path: shown(childParts), reason: special });
      } else if (st.isDirectory()) {
        if (ancestors.has(key(st))) {
          out.problems.push({ path: shown(childParts), reason: 'symbolic link loop' });
          continue;
        }
        push(childParts, childAbs, st);
        visit(childAbs, childParts, new Set([...ancestors, key(st)]));
      } else {
        try {
          fs.accessSync(childAbs, fs.constants.R_OK);
        } catch (e) {
          out.problems.push({ path: shown(childParts), reason: reasonOf(errno(e)) });
          continue;
        }
        push(childParts, childAbs, st);
      }
    }
  };

  const rootStat = fs.statSync(root);
  push([], root, rootStat);
  visit(root, [], new Set([key(rootStat)]));
  return out;
}
