import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fatCli, freshImage, fsckClean, haveOracles, libraryListing, scratchDir, sha256, withImage } from './cli-helpers.js';

/* fat add checks every directory's entries and the space before it writes (issue 12, items 3 and 4). */

let dir: string;
let img: string;
beforeEach(() => {
  dir = scratchDir();
  img = path.join(dir, 'disk.img');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function hostFiles(sub: string, n: number, name: (i: number) => string, content = (i: number): string => ''): string {
  const root = path.join(dir, sub);
  fs.mkdirSync(root, { recursive: true });
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(root, name(i)), content(i));
  return root;
}

describe('fat add: all or nothing', () => {
  it('600 files into a 512-entry FAT16 root: refused before anything is added', () => {
    freshImage(img, 16 * 1024, 16);
    const src = hostFiles('many', 600, (i) => `F${i}.TXT`, (i) => `${i}`);
    const before = sha256(img);
    const r = fatCli(['add', img, `${src}/.`]);
    expect([r.status, r.stderr]).toEqual([1, 'fat: cannot add: the root directory cannot hold the new names: they need 600 entries, 512 of its 512 are free (FAT12/16 roots cannot grow)\n']);
    expect(sha256(img)).toBe(before);
  });

  it('a directory past 65,536 entries: refused, naming it, before anything is added (also --to)', () => {
    freshImage(img, 40 * 1024, 32);
    // 21,845 names of 3 entries each: 65,535 with `.` and `..` over the limit.
    const src = hostFiles('d', 21845, (i) => `a long name ${String(i).padStart(5, '0')}`);
    const before = sha256(img);
    let r = fatCli(['add', img, src]);
    expect([r.status, r.stderr]).toEqual([1, 'fat: cannot add: directory /d would need 65537 entries (FAT allows 65536, counting long-name slots, . and ..)\n']);
    expect(sha256(img)).toBe(before);
    r = fatCli(['add', img, `${src}/.`, '--to', '/x/y']);
    expect([r.status, r.stderr]).toEqual([1, 'fat: cannot add: directory /x/y would need 65537 entries (FAT allows 65536, counting long-name slots, . and ..)\n']);
    expect(sha256(img)).toBe(before);
    fs.rmSync(path.join(src, 'a long name 00000'));
    r = fatCli(['add', img, src]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    withImage(img, (vol) => expect(vol.readdir('/d').length).toBe(21844));
  }, 120_000);

  it('--overwrite: a 950K file over a 900K one on a 1M image (the old clusters count as free)', () => {
    freshImage(img, 1024, 12);
    fs.writeFileSync(path.join(dir, 'big.bin'), new Uint8Array(900 << 10).fill(1));
    expect(fatCli(['add', img, path.join(dir, 'big.bin')]).status).toBe(0);
    const bigger = new Uint8Array(950 << 10).fill(2);
    fs.writeFileSync(path.join(dir, 'big.bin'), bigger);
    const r = fatCli(['add', '--overwrite', img, path.join(dir, 'big.bin')]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    withImage(img, (vol) => expect(Buffer.from(vol.readFile('/big.bin')).equals(Buffer.from(bigger))).toBe(true));
    expect(libraryListing(img)).toEqual(['/big.bin']);
    if (haveOracles) expect(fsckClean(img)).toEqual([]);
  });
});
