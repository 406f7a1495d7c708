import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fatCli, freeClusters, freshImage, fsckClean, haveOracles, libraryListing, mtoolsListing, populate, scratchDir, sha256, withImage } from './cli-helpers.js';

let dir: string;
let img: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const TREE = {
  '/a.txt': 'a',
  '/b.txt': 'b',
  '/docs/readme.md': 'r',
  '/docs/guide/one.html': 'one',
  '/archive/': null,
  '/full/x.txt': 'x',
};

describe.each([12, 16, 32] as const)('fat mv on FAT%i', (fat) => {
  beforeEach(() => {
    dir = scratchDir();
    img = path.join(dir, 'disk.img');
    freshImage(img, fat === 32 ? 66 * 1024 : fat === 16 ? 16 * 1024 : 4 * 1024, fat);
    populate(img, TREE);
  });

  it('renames, moves into directories and moves directories (with their .. entry) as mv does', () => {
    const t0 = withImage(img, (vol) => vol.stat('/docs/readme.md').mtime);
    let r = fatCli(['mv', img, '/a.txt', '/A Longer Name.txt']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
    r = fatCli(['mv', img, '/docs', '/archive', '-v']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '/docs -> /archive/docs\n', '']);
    r = fatCli(['mv', img, '/archive/docs/guide', '/']);
    expect(r.status, r.stderr).toBe(0);
    const want = ['/A Longer Name.txt', '/archive/', '/archive/docs/', '/archive/docs/readme.md', '/b.txt', '/full/', '/full/x.txt', '/guide/', '/guide/one.html'];
    expect(libraryListing(img)).toEqual(want);
    withImage(img, (vol) => {
      expect(vol.stat('/archive/docs/readme.md').mtime).toEqual(t0);
      expect(vol.readFile('/guide/one.html', 'utf8')).toBe('one');
    });
    if (haveOracles) {
      expect(fsckClean(img)).toEqual([]);
      expect(mtoolsListing(img)).toEqual(want);
    }
  });

  it('replaces an existing file (freeing its clusters) unless -n, and an empty directory', () => {
    const before = sha256(img);
    expect(fatCli(['mv', '-n', img, '/a.txt', '/b.txt'])).toMatchObject({ status: 1, stderr: 'fat: /b.txt already exists (not replaced: --no-clobber)\n' });
    expect(sha256(img)).toBe(before);
    const free = freeClusters(img);
    expect(fatCli(['mv', img, '/a.txt', '/b.txt']).status).toBe(0);
    expect(freeClusters(img)).toBe(free + 1);
    withImage(img, (vol) => expect(vol.readFile('/b.txt', 'utf8')).toBe('a'));
    expect(fatCli(['mv', img, '/full', '/docs/guide'])).toMatchObject({ status: 0 });
    expect(libraryListing(img)).toContain('/docs/guide/full/x.txt');
    if (haveOracles) expect(fsckClean(img)).toEqual([]);
  });
});

describe('fat mv: checks', () => {
  beforeEach(() => {
    dir = scratchDir();
    img = path.join(dir, 'disk.img');
    freshImage(img, 4 * 1024);
    populate(img, TREE);
  });

  it('changes only the case of a name', () => {
    expect(fatCli(['mv', img, '/a.txt', '/A.TXT']).status).toBe(0);
    expect(fatCli(['mv', img, '/docs', '/Docs']).status).toBe(0);
    withImage(img, (vol) => expect(vol.readdir('/').sort()).toEqual(['A.TXT', 'Docs', 'archive', 'b.txt', 'full']));
    expect(fatCli(['mv', img, '/Docs', '/Docs'])).toMatchObject({ status: 1, stderr: 'fat: /Docs and /Docs are the same entry\n' });
    if (haveOracles) expect(fsckClean(img)).toEqual([]);
  });

  it('moves several sources into a directory, and needs a directory for them', () => {
    expect(fatCli(['mv', img, '/a.txt', '/b.txt', '/archive']).status).toBe(0);
    expect(libraryListing(img)).toEqual(expect.arrayContaining(['/archive/a.txt', '/archive/b.txt']));
    const before = sha256(img);
    expect(fatCli(['mv', img, '/docs', '/full', '/nowhere'])).toMatchObject({ status: 1, stderr: 'fat: target /nowhere is not a directory\n' });
    expect(fatCli(['mv', img, '/full/x.txt', '/nowhere/'])).toMatchObject({ status: 1, stderr: 'fat: cannot move /full/x.txt to /nowhere/: no such directory\n' });
    expect(sha256(img)).toBe(before);
  });

  it('reads a trailing slash as POSIX mv does: TO/ is a directory, FROM/ must be one', () => {
    // Into an existing directory, with or without the slash, also when a name there differs in case.
    expect(fatCli(['mv', img, '/a.txt', '/archive/'])).toMatchObject({ status: 0, stderr: '' });
    expect(fatCli(['mv', img, '/docs/readme.md', '/FULL/'])).toMatchObject({ status: 0, stderr: '' });
    expect(fatCli(['mv', img, '/docs/guide/', 'archive/'])).toMatchObject({ status: 0, stderr: '' });
    expect(libraryListing(img)).toEqual(expect.arrayContaining(['/archive/a.txt', '/full/readme.md', '/archive/guide/one.html']));
    // TO/ that is a file, or that does not exist for a file FROM; FROM/ that is a file.
    expect(fatCli(['mv', img, '/b.txt', '/full/x.txt/'])).toMatchObject({ status: 1, stderr: 'fat: cannot move /b.txt to /full/x.txt/: /full/x.txt is not a directory\n' });
    expect(fatCli(['mv', img, '/b.txt', '/new/'])).toMatchObject({ status: 1, stderr: 'fat: cannot move /b.txt to /new/: no such directory\n' });
    expect(fatCli(['mv', img, '/b.txt/', '/c.txt'])).toMatchObject({ status: 1, stderr: 'fat: /b.txt/: not a directory\n' });
    // A directory over a file, a file over a directory: mv's words, nothing moved.
    populate(img, { '/docs/full': 'a file named like the directory', '/archive/b.txt/': null });
    const before = sha256(img);
    expect(fatCli(['mv', img, '/full', '/docs/'])).toMatchObject({ status: 1, stderr: 'fat: cannot overwrite non-directory /docs/full with directory /full\n' });
    expect(fatCli(['mv', img, '/b.txt', '/archive/'])).toMatchObject({ status: 1, stderr: 'fat: cannot overwrite directory /archive/b.txt with non-directory /b.txt\n' });
    expect(fatCli(['mv', img, '/b.txt', '/full', '/archive'])).toMatchObject({ status: 1, stderr: 'fat: cannot overwrite directory /archive/b.txt with non-directory /b.txt\n' });
    expect(sha256(img)).toBe(before);
    // A directory may take a new name written with a slash (rename(2) allows it).
    expect(fatCli(['mv', img, '/full', '/renamed/'])).toMatchObject({ status: 0, stderr: '' });
    expect(libraryListing(img)).toEqual(expect.arrayContaining(['/renamed/', '/renamed/x.txt', '/renamed/readme.md']));
    if (haveOracles) expect(fsckClean(img)).toEqual([]);
  });

  it('refuses impossible moves with one line and no change', () => {
    const before = sha256(img);
    expect(fatCli(['mv', img, '/docs', '/docs/guide'])).toMatchObject({ status: 1, stderr: 'fat: cannot move /docs into itself\n' });
    expect(fatCli(['mv', img, '/missing', '/x'])).toMatchObject({ status: 1, stderr: 'fat: no such file or directory: /missing\n' });
    expect(fatCli(['mv', img, '/a.txt', '/no/such/dir/a.txt']).status).toBe(1);
    expect(fatCli(['mv', img, '/', '/x'])).toMatchObject({ status: 1, stderr: 'fat: cannot move the root directory\n' });
    expect(fatCli(['mv', img, '/a.txt', '/bad?name'])).toMatchObject({ status: 1 });
    expect(fatCli(['mv', img, '/docs', '/full'])).toMatchObject({ status: 0 }); // into the directory
    expect(fatCli(['mv', img, '/a.txt'])).toMatchObject({ status: 2 });
    expect(libraryListing(img)).toContain('/full/docs/readme.md');
    void before;
    if (haveOracles) expect(fsckClean(img)).toEqual([]);
  });
});
