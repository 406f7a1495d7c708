import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fatCli, freshImage, fsckClean, haveOracles, libraryListing, mtoolsListing, populate, scratchDir, sha256, withImage } from './cli-helpers.js';

let dir: string;
let img: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each([12, 16, 32] as const)('fat mkdir on FAT%i', (fat) => {
  beforeEach(() => {
    dir = scratchDir();
    img = path.join(dir, 'disk.img');
    freshImage(img, fat === 32 ? 66 * 1024 : fat === 16 ? 16 * 1024 : 4 * 1024, fat);
  });

  it('creates directories, with -p their parents, that mtools and fsck.fat accept', () => {
    let r = fatCli(['mkdir', img, '/a', '/a/b', '/Long Directory Name']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
    r = fatCli(['mkdir', '-p', img, '/x/y/z', '/a/b/c', '/a', '-v']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe('/x/\n/x/y/\n/x/y/z/\n/a/b/c/\n');
    const want = ['/Long Directory Name/', '/a/', '/a/b/', '/a/b/c/', '/x/', '/x/y/', '/x/y/z/'];
    expect(libraryListing(img)).toEqual(want);
    if (haveOracles) {
      expect(fsckClean(img)).toEqual([]);
      expect(mtoolsListing(img)).toEqual(want);
    }
  });

  it('grows a directory past one cluster', () => {
    const names = Array.from({ length: 200 }, (_, i) => `/d/sub directory ${i}`);
    const r = fatCli(['mkdir', '-p', img, ...names]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(libraryListing(img).length).toBe(201);
    if (haveOracles) expect(fsckClean(img)).toEqual([]);
  });
});

describe('fat mkdir: checks', () => {
  beforeEach(() => {
    dir = scratchDir();
    img = path.join(dir, 'disk.img');
    freshImage(img, 4 * 1024);
    populate(img, { '/file.txt': 'f', '/dir/': null });
  });

  it('refuses existing entries without -p, files even with -p, and creates nothing', () => {
    const before = sha256(img);
    expect(fatCli(['mkdir', img, '/new', '/DIR'])).toMatchObject({ status: 1, stderr: 'fat: /dir already exists\n' });
    expect(fatCli(['mkdir', '-p', img, '/new', '/file.txt'])).toMatchObject({ status: 1, stderr: 'fat: /file.txt already exists\n' });
    expect(fatCli(['mkdir', '-p', img, '/file.txt/sub'])).toMatchObject({ status: 1, stderr: 'fat: not a directory: /file.txt\n' });
    expect(fatCli(['mkdir', img, '/new', '/new'])).toMatchObject({ status: 1, stderr: 'fat: /new already exists\n' });
    expect(sha256(img)).toBe(before);
  });

  it('needs -p for missing parents', () => {
    const r = fatCli(['mkdir', img, '/a/b/c']);
    expect([r.status, r.stderr]).toEqual([1, 'fat: no such directory: /a (use -p to create it)\n']);
    expect(fatCli(['mkdir', img, '/a', '/a/b', '/a/b/c']).status).toBe(0);
  });

  it('refuses names FAT cannot hold before creating anything', () => {
    const before = sha256(img);
    const r = fatCli(['mkdir', '-p', img, '/ok', '/bad:name', '/what?/x']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('fat: names FAT cannot hold: /bad:name (FAT names cannot contain ":"), /what?/x (FAT names cannot contain "?")\n');
    expect(sha256(img)).toBe(before);
  });

  it('stamps new directories with SOURCE_DATE_EPOCH', () => {
    expect(fatCli(['mkdir', img, '/t'], { env: { SOURCE_DATE_EPOCH: '1700000000' } }).status).toBe(0);
    withImage(img, (vol) => {
      expect(vol.stat('/t').mtime).toEqual(new Date(1_700_000_000_000));
      expect(vol.stat('/t').birthtime).toEqual(new Date(1_700_000_000_000));
    });
  });

  it('accepts the root with -p only', () => {
    expect(fatCli(['mkdir', '-p', img, '/']).status).toBe(0);
    expect(fatCli(['mkdir', img, '/'])).toMatchObject({ status: 1, stderr: 'fat: the root directory already exists\n' });
  });
});
