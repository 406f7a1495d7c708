/**
 * Issue 18, against mtools: files written by mcopy and removed with mdel (and a directory by
 * mdeltree) come back byte for byte through undelete, on FAT12, FAT16 and FAT32 images made by
 * mkfs.fat, fragmented ones included; fsck.fat -n finds nothing afterwards, and mtools reads them.
 * A file mtools fragmented around a live one is refused (its run from the first cluster is in use).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../../../src/host/open-image.js';
import { listDeleted, undelete } from '../../../src/fat/volume/undelete.js';
import { fsckProblems, haveOracles, mkfsImage, oracleEnv } from '../oracle-helpers.js';

const bytes = (n: number, seed: number): Buffer => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed * 101 + (i >> 9)) & 0xff));
const m = (tool: string, ...args: string[]): Buffer => execFileSync(tool, args, { env: oracleEnv, maxBuffer: 1 << 28 });

describe.skipIf(!haveOracles).each([
  { fat: 12, kib: 1440, cs: 512 },
  { fat: 16, kib: 16384, cs: 2048 },
  { fat: 32, kib: 40000, cs: 512 },
] as const)('FAT$fat images from mkfs.fat and mcopy', ({ fat, kib, cs }) => {
  let dir: string;
  let img: string;
  const host = (name: string, data: Uint8Array): string => {
    const p = nodePath.join(dir, name);
    fs.writeFileSync(p, data);
    return p;
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'fatkit-undelete-'));
    img = nodePath.join(dir, 'm.img');
    mkfsImage(img, kib, ['-F', String(fat)]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('mdel, then undelete: byte for byte, fsck.fat -n silent; a fragmented file is refused, a contiguous one on the fragmented image comes back', () => {
    const long = bytes(7 * cs + 100, 1);
    const short = bytes(3 * cs, 2);
    m('mcopy', '-i', img, host('Long name of a file.bin', long), '::/');
    m('mcopy', '-i', img, host('SHORT.DAT', short), '::/');
    // Fragmentation: a hole of 2 clusters left by `hole`, then `frag` (5 clusters) fills it and goes on after `wall`.
    m('mcopy', '-i', img, host('hole', bytes(2 * cs, 3)), '::/');
    m('mcopy', '-i', img, host('wall', bytes(cs, 4)), '::/');
    m('mdel', '-i', img, '::/hole');
    if (fat === 32) {
      // mtools allocates from FSInfo's next-free hint (past the hole): point it at the start, as after a remount.
      const fd = fs.openSync(img, 'r+');
      fs.writeSync(fd, Uint8Array.of(2, 0, 0, 0), 0, 4, 512 + 492);
      fs.closeSync(fd);
    }
    m('mcopy', '-i', img, host('frag.bin', bytes(5 * cs, 5)), '::/');
    m('mcopy', '-i', img, host('after.bin', bytes(4 * cs + 1, 6)), '::/');
    m('mmd', '-i', img, '::/sub');
    m('mcopy', '-i', img, host('inner.txt', bytes(cs + 5, 7)), '::/sub/');
    for (const p of ['::/Long name of a file.bin', '::/SHORT.DAT', '::/frag.bin', '::/after.bin']) m('mdel', '-i', img, p);
    m('mdeltree', '-i', img, '::/sub');

    const vol = openImage(img, { readOnly: false });
    try {
      const found = listDeleted(vol);
      const byName = new Map(found.map((e) => [e.name.toLowerCase(), e]));
      expect(byName.get('long name of a file.bin')).toMatchObject({ recoverable: true, firstCharKnown: true, size: long.length });
      expect(byName.get('?hort.dat')).toMatchObject({ recoverable: true, firstCharKnown: false });
      expect(byName.get('?rag.bin')?.recoverable).toBe(false);
      expect(byName.get('?rag.bin')?.problem).toMatch(/is in use by another file/);
      expect(() => undelete(vol, '/?rag.bin', { firstChar: 'f' })).toThrow(/cannot undelete \/\?rag\.bin: cluster \d+ is in use by another file/);
      undelete(vol, '/long name of a file.bin');
      undelete(vol, '/?hort.dat', { firstChar: 's' });
      undelete(vol, '/?fter.bin', { firstChar: 'a' });
      undelete(vol, '/?ub', { firstChar: 's' });
      undelete(vol, '/sub/?nner.txt', { firstChar: 'I' });
    } finally {
      vol.close();
    }
    expect(fsckProblems(img).problems).toEqual([]);
    expect(m('mtype', '-i', img, '::/Long name of a file.bin')).toEqual(long);
    expect(m('mtype', '-i', img, '::/SHORT.DAT')).toEqual(short);
    expect(m('mtype', '-i', img, '::/after.bin')).toEqual(bytes(4 * cs + 1, 6));
    expect(m('mtype', '-i', img, '::/sub/inner.txt')).toEqual(bytes(cs + 5, 7));
    expect(m('mdir', '-i', img, '-/', '-b', '::/').toString().split('\n').filter(Boolean).sort()).toEqual(
      ['::/Long name of a file.bin', '::/after.bin', '::/SHORT.DAT', '::/sub/', '::/sub/inner.txt', '::/wall'].sort());
  });
});
