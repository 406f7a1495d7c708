/**
 * Show and change attributes as mtools' mattrib does (`fat attrib`): each path itself, with
 * `recursive` everything below it too, depth first. A function of a Volume; this file imports the
 * Volume type only (no run-time cycle).
 */
import type { Volume } from './volume.js';
import type { Attributes } from './write-ops.js';

/** An entry's attributes (after any change). */
export interface AttribEntry {
  path: string;
  /** The attribute byte (ATTR bits: 0x01 read-only, 0x02 hidden, 0x04 system, 0x10 directory, 0x20 archive). */
  attributes: number;
  isDirectory: boolean;
}

export interface AttribOptions {
  /** Also every entry below a directory (mattrib -/). */
  recursive?: boolean;
  /** Bits to set (true) or clear (false); the directory and volume-label bits are never touched. */
  change?: Attributes;
}

const changes = (c: Attributes | undefined): boolean =>
  c !== undefined && [c.readOnly, c.hidden, c.system, c.archive].some((v) => v !== undefined);

/**
 * The entries at `paths` (every path is resolved first: one that does not exist changes nothing),
 * with `recursive` those below them, in the order given, each directory followed by its contents.
 * With `change`, every listed entry but the root (which has no attributes, and is left alone as
 * mattrib leaves it) gets it; the result holds the attributes after the change.
 */
export function attrib(vol: Volume, paths: readonly string[], options: AttribOptions = {}): AttribEntry[] {
  const targets = paths.map((p) => vol.realpath(p));
  const listed: string[] = [];
  for (const t of targets) {
    listed.push(t);
    if (options.recursive && vol.stat(t).isDirectory()) for (const e of vol.walk(t)) listed.push(e.path);
  }
  if (changes(options.change)) {
    for (const p of listed) if (p !== '/') vol.setAttributes(p, options.change!);
  }
  return listed.map((p) => {
    const s = vol.stat(p);
    return { path: p, attributes: s.attributes, isDirectory: s.isDirectory() };
  });
}
