import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findCaseCollisions, foldCase } from '../../src/host/case-collisions.js';
import { collectTree, describeSkip, type SkippedEntry } from '../../src/host/collect.js';
import { HostTreeError } from '../../src/host/host-tree-error.js';
import { clampMtime, sourceDateEpochMs } from '../../src/host/mtime.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

/** A temp tree: strings are files, null directories, { link } symbolic links. */
function tree(spec: Record<string, string | null | { link: string }>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fatkit-host-'));
  made.push(root);
  for (const [rel, v] of Object.entries(spec)) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (v === null) mkdirSync(abs, { recursive: true });
    else if (typeof v === 'string') writeFileSync(abs, v);
    else symlinkSync(v.link, abs);
  }
  return root;
}

/** Listing lines (directories with a trailing slash) in the walker's order: by path, code units. */
const inPathOrder = (lines: string[]): string[] => [...lines].sort((a, b) => (a.replace(/\/$/, '') < b.replace(/\/$/, '') ? -1 : 1));

const paths = async (root: string, options = {}): Promise<string[]> =>
  (await collectTree(root, options)).entries.map((e) => `${e.path}${e.type === 'directory' ? '/' : ''}`);

describe('collectTree', () => {
  it('lists files and empty directories sorted by code units, with sizes, modes and mtimes', async () => {
    const root = tree({ 'a/b': 'xy', 'a-c': '', B: 'b', 'e/': null, 'é.txt': 'e', '.hidden/x': '1' });
    utimesSync(path.join(root, 'B'), 1000, 1234.5);
    const t = await collectTree(root);
    expect(t.root).toBe(root);
    expect(t.entries.map((e) => e.path)).toEqual(['.hidden', '.hidden/x', 'B', 'a', 'a-c', 'a/b', 'e', 'é.txt']);
    const b = t.entries.find((e) => e.path === 'B')!;
    expect(b).toMatchObject({ type: 'file', size: 1, mtimeMs: 1234500, absPath: path.join(root, 'B') });
    expect(b.mode & 0o170000).toBe(0o100000);
    expect(t.entries.find((e) => e.path === 'e')).toMatchObject({ type: 'directory', size: 0 });
    expect(t.skipped).toEqual([]);
  });

  it('applies include (with the directories above), exclude (pruning) and dot', async () => {
    const root = tree({ 'docs/a.md': '', 'docs/img/p.png': '', 'docs/drafts/d.md': '', 'empty/': null, 'x.md': '', '.git/config': '' });
    expect(await paths(root, { include: ['**/*.md'] })).toEqual(['docs/', 'docs/a.md', 'docs/drafts/', 'docs/drafts/d.md', 'x.md']);
    expect(await paths(root, { exclude: ['docs/drafts', '.git'] })).toEqual(['docs/', 'docs/a.md', 'docs/img/', 'docs/img/p.png', 'empty/', 'x.md']);
    expect(await paths(root, { dot: false, include: ['**'] })).not.toContain('.git/');
    expect(await paths(root, { exclude: ['**/*.png'], include: ['docs/**'] })).toEqual(['docs/', 'docs/a.md', 'docs/drafts/', 'docs/drafts/d.md', 'docs/img/']);
  });

  it('follows links to files and directories (under the link path), or skips them', async () => {
    const root = tree({ 'real/sub/f': 'f', 'real/g': 'g', 'tolink': { link: 'real' }, 'file-link': { link: 'real/g' }, 'odd [1] (x)': { link: 'real/sub' } });
    expect(await paths(root)).toEqual([
      'file-link', 'odd [1] (x)/', 'odd [1] (x)/f', 'real/', 'real/g', 'real/sub/', 'real/sub/f', 'tolink/', 'tolink/g', 'tolink/sub/', 'tolink/sub/f',
    ]);
    const t = await collectTree(root, { include: ['tolink/**/f'] });
    expect(t.entries.map((e) => e.path)).toEqual(['tolink', 'tolink/sub', 'tolink/sub/f']);
    expect(t.entries[2]!.absPath).toBe(path.join(root, 'tolink', 'sub', 'f'));
    const noFollow = await collectTree(root, { followSymlinks: false });
    expect(noFollow.entries.map((e) => e.path)).toEqual(['real', 'real/g', 'real/sub', 'real/sub/f']);
    expect(noFollow.skipped).toEqual([
      { path: 'file-link', reason: 'symlink' }, { path: 'odd [1] (x)', reason: 'symlink' }, { path: 'tolink', reason: 'symlink' },
    ]);
  });

  it('reports every loop, dangling link and special file in one error', async () => {
    const root = tree({ 'a/b/up': { link: '../..' }, 'a/self': { link: '.' }, 'x/y': { link: '../z' }, 'z/back': { link: '../x' }, 'gone': { link: 'nowhere' }, ok: 'fine' });
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    const err = await collectTree(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostTreeError);
    const e = err as HostTreeError;
    expect(e.code).toBe('EIO');
    expect(e.problems).toEqual([
      { path: 'a/b/up', reason: 'symlink loop' },
      { path: 'a/self', reason: 'symlink loop' },
      { path: 'gone', reason: 'dangling symlink' },
      { path: 'pipe', reason: 'not a regular file or directory' },
      { path: 'x/y/back', reason: 'symlink loop' },
      { path: 'z/back/y', reason: 'symlink loop' },
    ]);
    expect(e.message).toBe(`cannot read ${root}: a/b/up (symlink loop), a/self (symlink loop), gone (dangling symlink), pipe (not a regular file or directory), x/y/back (symlink loop), z/back/y (symlink loop)`);
    // Excluding the offenders makes the tree readable.
    expect(await paths(root, { exclude: ['a', 'gone', 'pipe', 'x', 'z'] })).toEqual(['ok']);
  });

  it('leaves special files out under skipSpecial, listing each and telling onSkip in path order', async () => {
    const root = tree({ ok: 'fine', 'sub/x': 'x' });
    execFileSync('mkfifo', [path.join(root, 'sub/pipe')]);
    execFileSync('mkfifo', [path.join(root, 'a-pipe')]);
    await expect(collectTree(root)).rejects.toThrow(/a-pipe \(not a regular file or directory\), sub\/pipe \(not a regular file or directory\)$/);
    const told: SkippedEntry[] = [];
    const t = await collectTree(root, { skipSpecial: true, onSkip: (s) => told.push(s) });
    expect(t.entries.map((e) => e.path)).toEqual(['ok', 'sub', 'sub/x']);
    expect(t.skipped).toEqual([{ path: 'a-pipe', reason: 'special', kind: 'FIFO' }, { path: 'sub/pipe', reason: 'special', kind: 'FIFO' }]);
    expect(told).toEqual(t.skipped);
    expect(told.map(describeSkip)).toEqual(['a FIFO', 'a FIFO']);
    // An excluded special file is neither a problem nor a skip.
    expect((await collectTree(root, { exclude: ['**/*pipe'] })).skipped).toEqual([]);
  });

  it('leaves out the image being written (by inode, also through a link) and its temporary files', async () => {
    const root = tree({ 'a.txt': 'a', 'self.img': 'old image', '.self.img.tmp-abc-12': 'a temp', '.self.img.tmp-0badf00d': 'an old temp', '.self.img.tmpx': 'not a temp', 'd/self.img': 'same name, elsewhere' });
    const viaLink = tree({ 'to-root': { link: root } });
    const t = await collectTree(root, { image: path.join(viaLink, 'to-root', 'self.img') });
    expect(t.entries.map((e) => e.path)).toEqual(['.self.img.tmpx', 'a.txt', 'd', 'd/self.img']);
    expect(t.skipped).toEqual([
      { path: '.self.img.tmp-0badf00d', reason: 'image' }, { path: '.self.img.tmp-abc-12', reason: 'image' }, { path: 'self.img', reason: 'image' },
    ]);
    expect(describeSkip(t.skipped[2]!)).toBe('it is the image being written');
    // An image that does not exist yet: only its temporary files are left out.
    const fresh = await collectTree(root, { image: path.join(root, 'new.img') });
    expect(fresh.entries.map((e) => e.path)).toContain('self.img');
  });

  describe('include and exclude (one set of rules for make --from, crunch and the walker)', () => {
    const site = (): string => tree({ 'posts/a.md': '', 'posts/sub/b.md': '', 'posts/sub/c.js.map': '', 'index.html': '', 'top.map': '', 'js/x.js.map': '', 'js/x.js': '', 'postscript.txt': '' });
    const cases: [string, string[]][] = [
      // posts/*: what is in posts goes (subdirectories with their contents); posts stays, empty.
      ['posts/*', ['index.html', 'js/', 'js/x.js', 'js/x.js.map', 'postscript.txt', 'posts/', 'top.map']],
      ['posts', ['index.html', 'js/', 'js/x.js', 'js/x.js.map', 'postscript.txt', 'top.map']],
      ['posts/', ['index.html', 'js/', 'js/x.js', 'js/x.js.map', 'postscript.txt', 'top.map']],
      ['posts/**', ['index.html', 'js/', 'js/x.js', 'js/x.js.map', 'postscript.txt', 'top.map']],
      ['./posts', ['index.html', 'js/', 'js/x.js', 'js/x.js.map', 'postscript.txt', 'top.map']],
      ['**/*.map', ['index.html', 'js/', 'js/x.js', 'postscript.txt', 'posts/', 'posts/a.md', 'posts/sub/', 'posts/sub/b.md']],
      ['*.map', ['index.html', 'js/', 'js/x.js', 'js/x.js.map', 'postscript.txt', 'posts/', 'posts/a.md', 'posts/sub/', 'posts/sub/b.md', 'posts/sub/c.js.map']],
      // A trailing slash matches directories only.
      ['postscript.txt/', ['index.html', 'js/', 'js/x.js', 'js/x.js.map', 'postscript.txt', 'posts/', 'posts/a.md', 'posts/sub/', 'posts/sub/b.md', 'posts/sub/c.js.map', 'top.map']],
    ];
    it.each(cases)('--exclude %s', async (pattern, want) => {
      expect(await paths(site(), { exclude: [pattern] })).toEqual(inPathOrder(want));
    });

    const includes: [string, string[]][] = [
      ['posts', ['posts/', 'posts/a.md', 'posts/sub/', 'posts/sub/b.md', 'posts/sub/c.js.map']],
      ['posts/', ['posts/', 'posts/a.md', 'posts/sub/', 'posts/sub/b.md', 'posts/sub/c.js.map']],
      ['posts/**', ['posts/', 'posts/a.md', 'posts/sub/', 'posts/sub/b.md', 'posts/sub/c.js.map']],
      ['posts/*', ['posts/', 'posts/a.md', 'posts/sub/', 'posts/sub/b.md', 'posts/sub/c.js.map']],
      ['**/*.map', ['js/', 'js/x.js.map', 'posts/', 'posts/sub/', 'posts/sub/c.js.map', 'top.map']],
      ['*.map', ['top.map']],
    ];
    it.each(includes)('--include %s', async (pattern, want) => {
      expect(await paths(site(), { include: [pattern] })).toEqual(inPathOrder(want));
    });

    it('exclude wins over include; what is not included is never a problem; empty patterns are refused', async () => {
      const root = site();
      expect(await paths(root, { include: ['posts'], exclude: ['**/*.map', 'posts/sub/'] })).toEqual(['posts/', 'posts/a.md']);
      symlinkSync('nowhere', path.join(root, 'js/dangling'));
      expect(await paths(root, { include: ['posts/*.md'] })).toEqual(['posts/', 'posts/a.md']);
      await expect(collectTree(root, { include: ['js/*'] })).rejects.toThrow(/js\/dangling \(dangling symlink\)/);
      await expect(collectTree(root, { exclude: ['./'] })).rejects.toMatchObject({ code: 'EINVAL', message: 'exclude pattern "./": a pattern must name something below the directory' });
    });
  });

  it.skipIf(process.getuid?.() === 0)('reports unreadable files and directories', async () => {
    const root = tree({ 'secret.txt': 's', 'locked/f': 'f' });
    chmodSync(path.join(root, 'secret.txt'), 0);
    chmodSync(path.join(root, 'locked'), 0);
    try {
      await expect(collectTree(root)).rejects.toThrow(/locked \(permission denied\), secret\.txt \(permission denied\)/);
    } finally {
      chmodSync(path.join(root, 'locked'), 0o755);
    }
  });

  it('refuses names that differ only in case unless allowed, naming every group', async () => {
    const root = tree({ 'README.md': '', 'readme.md': '', 'Docs/a': '', 'docs/b': '', 'x/É': '', 'x/é': '', 'straße': '', 'STRASSE': '' });
    await expect(collectTree(root)).rejects.toMatchObject({
      code: 'EEXIST',
      message: 'names that differ only in case cannot share a directory: Docs = docs, README.md = readme.md, x/É = x/é',
    });
    expect((await collectTree(root, { allowCaseCollisions: true })).entries).toHaveLength(11);
  });

  it('fails clearly for a missing root or a file as root', async () => {
    const root = tree({ f: '' });
    await expect(collectTree(path.join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(collectTree(path.join(root, 'f'))).rejects.toMatchObject({ code: 'ENOTDIR', message: `${path.join(root, 'f')}: not a directory` });
  });
});

describe('findCaseCollisions', () => {
  it('folds one code point at a time and reports only the topmost collision', () => {
    expect(foldCase('straße.txt')).toBe('STRAßE.TXT');
    expect(findCaseCollisions(['A', 'a', 'A/x', 'a/x', 'b', 'c/D', 'c/d', 'c/d'])).toEqual([['A', 'a'], ['c/D', 'c/d']]);
    expect(findCaseCollisions(['ß', 'SS', 'ss'])).toEqual([['SS', 'ss']]);
    expect(findCaseCollisions([])).toEqual([]);
  });
});

describe('SOURCE_DATE_EPOCH', () => {
  it('clamps later mtimes only, from the argument or the environment', () => {
    expect(clampMtime(5000, 3)).toBe(3000);
    expect(clampMtime(2000, '3')).toBe(2000);
    expect(clampMtime(5000, null)).toBe(5000);
    vi.stubEnv('SOURCE_DATE_EPOCH', '4');
    expect(clampMtime(5000)).toBe(4000);
    vi.stubEnv('SOURCE_DATE_EPOCH', '');
    expect(clampMtime(5000)).toBe(5000);
    expect(sourceDateEpochMs(undefined)).toBeUndefined();
  });

  it('rejects values that are not whole seconds', () => {
    for (const bad of ['1.5', '-1', 'yesterday', '1e9']) expect(() => clampMtime(0, bad)).toThrow(/SOURCE_DATE_EPOCH must be a whole number/);
  });
});
