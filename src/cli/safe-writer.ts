import * as fs from 'node:fs';
import * as nodePath from 'node:path';

/**
 * Where extracted entries go on the host: names the host cannot hold are refused or replaced,
 * and nothing is written outside the output directory.
 */

/** The longest name, in UTF-8 bytes, that Linux and macOS file systems hold (NAME_MAX). */
export const HOST_NAME_MAX = 255;

/** Why a name must not become a host path component, or undefined when it may. */
export function hostUnsafeReason(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `name is "${name}"`;
  if (/[/\\\0]/.test(name)) return 'name contains "/", "\\" or NUL';
  return undefined;
}

/**
 * Extraction never writes outside `root`: every component is checked, the resolved path must stay
 * below root, and nothing is written through a symbolic link that already exists there.
 */
export class SafeWriter {
  private readonly root: string;
  private readonly seen = new Set<string>();
  /** Directories below root already seen to be real directories (not links): not looked at again. */
  private readonly realDirs = new Set<string>();
  /**
   * Directories this writer created (root too, when it did): empty when made, so a name in one
   * exists only if this writer put it there (`seen` refuses a second entry of a name), and is
   * not looked up before it is written (one lstat fewer per file).
   */
  private readonly fresh = new Set<string>();

  constructor(root: string) {
    const made = fs.mkdirSync(root, { recursive: true });
    this.root = fs.realpathSync(root);
    if (made !== undefined) this.created(this.root);
  }

  /** Record a directory this writer has just created (mkdir succeeded): a real, empty directory. */
  created(path: string): void {
    this.realDirs.add(path);
    this.fresh.add(path);
  }

  /** The host path for volume path components, or a reason to skip. */
  target(components: string[]): { path: string } | { skip: string } {
    for (const c of components) {
      const why = hostUnsafeReason(c);
      if (why) return { skip: why };
    }
    const p = nodePath.resolve(this.root, ...components);
    const rel = nodePath.relative(this.root, p);
    if (rel === '' || rel.startsWith('..') || nodePath.isAbsolute(rel)) return { skip: 'path leaves the output directory' };
    const key = p.toLowerCase();
    if (this.seen.has(key)) return { skip: 'a second entry with the same name (differing only in case)' };
    this.seen.add(key);
    // No existing component below root may be a symbolic link. A directory found real once (one
    // lstat) is not looked at again for every file below it.
    let cur = this.root;
    for (const c of components) {
      if (this.fresh.has(cur)) break;
      cur = nodePath.join(cur, c);
      if (this.realDirs.has(cur)) continue;
      // throwIfNoEntry: a missing entry (every new file) costs no exception and stack trace.
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(cur, { throwIfNoEntry: false });
      } catch {
        break;
      }
      if (st === undefined) break;
      if (st.isSymbolicLink()) return { skip: `refusing to write through the symbolic link ${cur}` };
      if (st.isDirectory()) this.realDirs.add(cur);
    }
    return { path: p };
  }
}

/** FNV-1a over UTF-16 units: a stable 32-bit digest of a name, as 8 hex digits. */
function digest(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

const encoder = new TextEncoder();
/** UTF-8 bytes of `s` (a UTF-16 unit takes at most 3). */
const utf8Length = (s: string): number => (s.length * 3 <= HOST_NAME_MAX ? utf8Fast(s) : encoder.encode(s).length);
function utf8Fast(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
      n += 4; // a surrogate pair: one 4-byte character
      i++;
    } else n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3; // a lone surrogate is encoded as U+FFFD (3)
  }
  return n;
}

/**
 * A stand-in for a name longer than `max` UTF-8 bytes (FAT allows 255 UTF-16 units; 236
 * three-byte characters are 708 bytes): the name cut at a character boundary, `~` and a stable
 * digest of the whole name, then its extension. The same name always gives the same stand-in.
 */
export function shortenedName(name: string, max = HOST_NAME_MAX): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && utf8Length(name.slice(dot)) <= 32 ? name.slice(dot) : '';
  const suffix = `~${digest(name)}${ext}`;
  let budget = max - utf8Length(suffix);
  let base = '';
  for (const ch of ext ? name.slice(0, dot) : name) {
    const n = utf8Length(ch);
    if (n > budget) break;
    base += ch;
    budget -= n;
  }
  return base + suffix;
}

/** The host name for an entry's name: itself, or a shortened stand-in and why. */
export function hostName(name: string): { name: string; renamed?: string } {
  const bytes = utf8Length(name);
  if (bytes <= HOST_NAME_MAX) return { name };
  return { name: shortenedName(name), renamed: `name is ${bytes} bytes in UTF-8, more than the host's ${HOST_NAME_MAX}` };
}
