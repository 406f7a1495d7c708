import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fatCli, freeClusters, freshImage, fsckClean, haveOracles, libraryListing, mtoolsListing, populate, scratchDir, sha256, withImage } from './cli-helpers.js';

let dir: string;
let img: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const TREE = {
  '/keep.txt': 'keep',
  '/A Long File Name.txt': 'long name, several slots',
  '/docs/readme.md': 'r',
  '/docs/guide/one.html': 'x'.repeat(70_000),
  '/docs/guide/two.html': 'two',
  '/docs/empty/': null,
};

describe.each([12, 16, 32] as const)('fat rm on FAT%i', (fat) => {
  beforeEach(() => {
    dir = scratchDir();
    img = path.join(dir, 'disk.img');
    freshImage(img, fat === 32 ? 66 * 1024 : fat === 16 ? 16 * 1024 : 4 * 1024, fat);
  });

  it('removes files and, with -r, directories with everything in them, freeing their clusters', () => {
    const free = freeClusters(img);
    populate(img, TREE);
    let r = fatCli(['rm', img, '/a long file name.TXT', '/docs/guide/one.html']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
    expect(libraryListing(img)).toEqual(['/docs/', '/docs/empty/', '/docs/guide/', '/docs/guide/two.html', '/docs/readme.md', '/keep.txt']);
    r = fatCli(['rm', '-r', img, '/docs', '-v']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '/docs\n', '']);
    expect(libraryListing(img)).toEqual(['/keep.txt']);
    r = fatCli(['rm', img, '/keep.txt']);
    expect(r.status).toBe(0);
    expect(libraryListing(img)).toEqual([]);
    expect(freeClusters(img)).toBe(free);
    withImage(img, (vol) => expect(vol.info().dirty).toBe(false));
    if (haveOracles) {
      expect(fsckClean(img)).toEqual([]);
      expect(mtoolsListing(img)).toEqual([]);
    }
  });
});

describe('fat rm: checks', () => {
  beforeEach(() => {
    dir = scratchDir();
    img = path.join(dir, 'disk.img');
    freshImage(img, 4 * 1024);
    populate(img, TREE);
  });

  it('refuses a directory without -r, even an empty one', () => {
    const before = sha256(img);
    expect(fatCli(['rm', img, '/docs'])).toMatchObject({ status: 1, stderr: 'fat: /docs: is a directory (use -r)\n' });
    expect(fatCli(['rm', img, '/docs/empty'])).toMatchObject({ status: 1, stderr: 'fat: /docs/empty: is a directory (use -r)\n' });
    expect(sha256(img)).toBe(before);
  });

  it('removes nothing when one of the paths is missing, unless -f', () => {
    const before = sha256(img);
    const r = fatCli(['rm', img, '/keep.txt', '/nope.txt']);
    expect([r.status, r.stderr]).toEqual([1, 'fat: no such file or directory: /nope.txt\n']);
    expect(sha256(img)).toBe(before);
    const two = fatCli(['rm', img, '/nope.txt', '/keep.txt/x', '/docs']);
    expect(two.status).toBe(1);
    expect(two.stderr).toBe('fat: no such file or directory: /nope.txt (and 2 more problems; nothing was removed)\n');
    expect(fatCli(['rm', '-f', img, '/keep.txt', '/nope.txt']).status).toBe(0);
    expect(libraryListing(img)).not.toContain('/keep.txt');
  });

  it('refuses to remove the root directory', () => {
    expect(fatCli(['rm', '-r', img, '/'])).toMatchObject({ status: 1, stderr: 'fat: refusing to remove the root directory\n' });
    expect(fatCli(['rm', '-r', img, '/docs/..'])).toMatchObject({ status: 1 });
    expect(libraryListing(img)).toContain('/keep.txt');
  });

  it('accepts paths inside other paths being removed, and the same path twice', () => {
    const r = fatCli(['rm', '-r', img, '/docs/guide/one.html', '/docs', '/DOCS/guide', '/keep.txt', '/KEEP.TXT']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(libraryListing(img)).toEqual(['/A Long File Name.txt']);
    if (haveOracles) expect(fsckClean(img)).toEqual([]);
  });

  it('is a usage error without a path', () => {
    expect(fatCli(['rm', img]).status).toBe(2);
  });

  it('reports a missing image in one line', () => {
    const r = fatCli(['rm', path.join(dir, 'missing.img'), '/x']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^fat: .*missing\.img: no such file or directory\n$/);
  });
});
