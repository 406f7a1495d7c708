/**
 * The files of a volume that have open handles, by their directory record: one shared state (and
 * chain) per file whatever the number of handles, kept right when the file is renamed, removed,
 * rewritten through a path, or found again after a repair.
 */
import type { Directory } from '../dir/dir-handle.js';
import type { DirRecord } from '../dir/directory.js';
import type { OpenFile } from './file-handle.js';
import { FatError } from '../errors.js';

export class OpenFiles {
  private readonly byRecord = new Map<DirRecord, OpenFile>();

  /** The shared state of a file (created on its first open with `chain()`), counted. */
  open(dir: Directory, rec: DirRecord, path: string, chain: () => number[]): OpenFile {
    let f = this.byRecord.get(rec);
    if (!f) {
      f = { dir, rec, path, chain: chain(), removed: false, refs: 0 };
      this.byRecord.set(rec, f);
    }
    f.refs++;
    return f;
  }

  /** A handle closed. */
  release(f: OpenFile): void {
    if (--f.refs <= 0 && this.byRecord.get(f.rec) === f) this.byRecord.delete(f.rec);
  }

  /** An entry moved to a new record (rename): its handles follow it. */
  moved(from: DirRecord, to: DirRecord, dir: Directory, path: string): void {
    const f = this.byRecord.get(from);
    if (!f) return;
    this.byRecord.delete(from);
    Object.assign(f, { rec: to, dir, path });
    this.byRecord.set(to, f);
  }

  /** An entry was removed: its handles fail from now on (its clusters are freed). */
  removed(rec: DirRecord): void {
    const f = this.byRecord.get(rec);
    if (!f) return;
    f.removed = true;
    this.byRecord.delete(rec);
  }

  /** A file's chain was replaced or extended by a path operation: reload the shared chain. */
  changed(rec: DirRecord, chain: (f: OpenFile) => number[]): void {
    const f = this.byRecord.get(rec);
    if (f) f.chain = chain(f);
  }

  /**
   * After the volume's directories were read again: each open file is found again through `find`
   * (its new directory, record, path and chain); one that `find` cannot place (a FatError) fails
   * as removed from now on.
   */
  reattach(find: (f: OpenFile) => Pick<OpenFile, 'dir' | 'rec' | 'path' | 'chain'>): void {
    const open = [...this.byRecord.values()];
    this.byRecord.clear();
    for (const f of open) {
      try {
        Object.assign(f, find(f));
        this.byRecord.set(f.rec, f);
      } catch (e) {
        if (!(e instanceof FatError)) throw e;
        f.removed = true;
      }
    }
  }
}
