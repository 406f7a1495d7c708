import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  FAT_MAIN, fatCli, freshImage, fsckClean, haveOracles, hostDigest, libraryListing, mtoolsExtract, mtoolsListing, scratchDir, sha256, withImage, writeHostTree,
} from './cli-helpers.js';

let dir: string;
let img: string;
beforeEach(() => {
  dir = scratchDir();
  img = path.join(dir, 'disk.img');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const at = (iso: string): Date => new Date(iso);
const SITE = {
  'site/index.html': '<h1>hello</h1>\n',
  'site/css/style.css': 'body { margin: 0 }\n',
  'site/Read Me First.txt': 'a long name with spaces\n',
  'site/lower.txt': 'an all-lower-case 8.3 name\n',
  'site/UPPER.TXT': 'an upper-case 8.3 name\n',
  'site/name.with.many.dots.tar.gz': 'dots\n',
  'site/café/menü.html': 'code page and long names\n',
  'site/empty.bin': '',
  'site/empty-dir/': null,
  'site/deep/a/b/c/d/e/f.txt': 'deep\n',
  'site/big.bin': new Uint8Array(300_000).map((_, i) => (i * 7 + (i >> 9)) & 0xff),
};

/** Every file of a host tree (relative paths, sorted) next to the image's listing of the same tree. */
function expectedListing(root: string, prefix: string): string[] {
  return hostDigest(root).map((l) => `${prefix}/${l.replace(/ [0-9a-f]{64}$/, '')}`).sort();
}

describe.each([12, 16, 32] as const)('fat add on FAT%i', (fat) => {
  const kib = fat === 32 ? 66 * 1024 : fat === 16 ? 16 * 1024 : 4 * 1024;

  it('copies a directory as itself, recursively, with contents, names and times that mtools and fsck.fat agree with', () => {
    freshImage(img, kib, fat);
    writeHostTree(dir, SITE);
    fs.utimesSync(path.join(dir, 'site/index.html'), at('2021-06-15T12:34:56Z'), at('2021-06-15T12:34:56Z'));
    fs.utimesSync(path.join(dir, 'site/css'), at('2019-02-03T04:05:06Z'), at('2019-02-03T04:05:06Z'));
    const r = fatCli(['add', img, path.join(dir, 'site')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);

    const want = ['/site/', ...expectedListing(path.join(dir, 'site'), '/site')].sort();
    expect(libraryListing(img)).toEqual(want);
    withImage(img, (vol) => {
      expect(vol.readFile('/site/big.bin')).toEqual(new Uint8Array(fs.readFileSync(path.join(dir, 'site/big.bin'))));
      expect(vol.readFile('/site/café/menü.html', 'utf8')).toBe('code page and long names\n');
      expect(vol.stat('/site/index.html').mtime).toEqual(at('2021-06-15T12:34:56Z'));
      expect(vol.stat('/site/css').mtime).toEqual(at('2019-02-03T04:05:06Z'));
      expect(vol.stat('/site/lower.txt').shortName).toBe('LOWER.TXT');
      expect(vol.stat('/site/name.with.many.dots.tar.gz').shortName).toMatch(/^NAMEWI~\d\.GZ$/);
      expect(vol.info().dirty).toBe(false);
    });
    if (!haveOracles) return;
    expect(fsckClean(img)).toEqual([]);
    expect(mtoolsListing(img)).toEqual(want);
    const out = mtoolsExtract(img);
    try {
      expect(hostDigest(path.join(out, 'site'))).toEqual(hostDigest(path.join(dir, 'site')));
      // mcopy -m keeps the modification time it reads from the image.
      expect(fs.statSync(path.join(out, 'site/index.html')).mtime).toEqual(at('2021-06-15T12:34:56Z'));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('fat add: targets', () => {
  beforeEach(() => freshImage(img, 8 * 1024));

  it('copies files and directories into --to, creating it with its parents', () => {
    writeHostTree(dir, { 'a.txt': 'a', 'b/c.txt': 'c' });
    const r = fatCli(['add', img, path.join(dir, 'a.txt'), path.join(dir, 'b'), '--to', '/x/y']);
    expect(r.status, r.stderr).toBe(0);
    expect(libraryListing(img)).toEqual(['/x/', '/x/y/', '/x/y/a.txt', '/x/y/b/', '/x/y/b/c.txt']);
  });

  it('copies the contents of SRC/. and of a trailing-slash SRC as cp -r does', () => {
    writeHostTree(dir, { 'site/a.txt': 'a', 'site/sub/b.txt': 'b' });
    expect(fatCli(['add', img, `${path.join(dir, 'site')}/.`]).status).toBe(0);
    expect(fatCli(['add', img, `${path.join(dir, 'site')}/`, '--to', '/t']).status).toBe(0);
    expect(libraryListing(img)).toEqual(['/a.txt', '/sub/', '/sub/b.txt', '/t/', '/t/site/', '/t/site/a.txt', '/t/site/sub/', '/t/site/sub/b.txt']);
  });

  it('merges directories with ones already in the image', () => {
    writeHostTree(dir, { 'one/site/a.txt': 'a', 'two/site/b.txt': 'b', 'two/site/sub/c.txt': 'c' });
    expect(fatCli(['add', img, path.join(dir, 'one/site')]).status).toBe(0);
    const r = fatCli(['add', img, path.join(dir, 'two/site')]);
    expect(r.status, r.stderr).toBe(0);
    expect(libraryListing(img)).toEqual(['/site/', '/site/a.txt', '/site/b.txt', '/site/sub/', '/site/sub/c.txt']);
    // Two sources with the same directory name merge too.
    const img2 = path.join(dir, 'two.img');
    freshImage(img2, 8 * 1024);
    expect(fatCli(['add', img2, path.join(dir, 'one/site'), path.join(dir, 'two/site')]).status).toBe(0);
    expect(libraryListing(img2)).toEqual(['/site/', '/site/a.txt', '/site/b.txt', '/site/sub/', '/site/sub/c.txt']);
  });

  it('recreates source paths with --parents', () => {
    writeHostTree(dir, { 'src/lib/x.js': 'x' });
    const r = fatCli(['add', img, 'src/lib/x.js', '--parents', '--to', '/out'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(libraryListing(img)).toEqual(['/out/', '/out/src/', '/out/src/lib/', '/out/src/lib/x.js']);
    expect(fatCli(['add', img, '../x', '--parents'], { cwd: path.join(dir, 'src') }).status).toBe(2);
  });

  it('prints nothing on success, one line per entry with -v', () => {
    writeHostTree(dir, { 'd/a.txt': 'a', 'd/e/b.txt': 'b' });
    const quiet = fatCli(['add', img, path.join(dir, 'd')]);
    expect([quiet.status, quiet.stdout, quiet.stderr]).toEqual([0, '', '']);
    const loud = fatCli(['add', img, path.join(dir, 'd'), '--to', '/n/m', '-v']);
    expect(loud.status).toBe(0);
    expect(loud.stdout.split('\n').filter(Boolean)).toEqual(['/n/', '/n/m/', '/n/m/d/', '/n/m/d/a.txt', '/n/m/d/e/', '/n/m/d/e/b.txt']);
  });

  it('works on a volume at an offset in a whole-disk image', () => {
    const vol = path.join(dir, 'vol.img');
    freshImage(vol, 4 * 1024);
    fs.writeFileSync(img, Buffer.concat([Buffer.alloc(1 << 20), fs.readFileSync(vol)]));
    writeHostTree(dir, { 'a.txt': 'offset' });
    const r = fatCli(['--offset', '1M', 'add', img, path.join(dir, 'a.txt')]);
    expect(r.status, r.stderr).toBe(0);
    expect(libraryListing(img, { offset: 1 << 20 })).toEqual(['/a.txt']);
    expect(fs.readFileSync(img).subarray(0, 1 << 20).every((b) => b === 0)).toBe(true);
    if (haveOracles) expect(spawnSync('mtype', ['-i', `${img}@@1M`, '::/a.txt'], { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } }).stdout).toBe('offset');
  });
});

describe('fat add: existing entries', () => {
  beforeEach(() => freshImage(img, 8 * 1024));

  it('refuses to replace a file without --overwrite, before writing anything', () => {
    writeHostTree(dir, { 'x.txt': 'one', 'new.txt': 'new' });
    expect(fatCli(['add', img, path.join(dir, 'x.txt')]).status).toBe(0);
    const before = sha256(img);
    const r = fatCli(['add', img, path.join(dir, 'new.txt'), path.join(dir, 'x.txt')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('fat: /x.txt already exists (use --overwrite)\n');
    expect(sha256(img)).toBe(before);
  });

  it('finds existing files whatever their case, and names every one', () => {
    writeHostTree(dir, { 'a/README.TXT': 'old', 'a/b.txt': 'old', 'b/readme.txt': 'new', 'b/B.TXT': 'new' });
    expect(fatCli(['add', img, `${path.join(dir, 'a')}/.`]).status).toBe(0);
    const r = fatCli(['add', img, `${path.join(dir, 'b')}/.`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('fat: /b.txt, /README.TXT already exist (use --overwrite)\n');
  });

  it('replaces files with --overwrite, keeping their stored name', () => {
    writeHostTree(dir, { 'a/Data.txt': 'old contents', 'b/data.txt': 'new' });
    expect(fatCli(['add', img, `${path.join(dir, 'a')}/.`]).status).toBe(0);
    const r = fatCli(['add', img, `${path.join(dir, 'b')}/.`, '--overwrite']);
    expect(r.status, r.stderr).toBe(0);
    withImage(img, (vol) => {
      expect(vol.readdir('/')).toEqual(['Data.txt']);
      expect(vol.readFile('/Data.txt', 'utf8')).toBe('new');
    });
    if (haveOracles) expect(fsckClean(img)).toEqual([]);
  });

  it('never replaces a directory with a file or a file with a directory', () => {
    writeHostTree(dir, { 'a/thing/x.txt': 'x', 'a/file': 'f', 'b/thing': 'a file now', 'b/file/y.txt': 'y' });
    expect(fatCli(['add', img, `${path.join(dir, 'a')}/.`]).status).toBe(0);
    const before = sha256(img);
    const r = fatCli(['add', img, `${path.join(dir, 'b')}/.`, '--overwrite']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^fat: cannot overwrite file \/file with directory .*b\/file, cannot overwrite directory \/thing with file .*b\/thing\n$/);
    expect(sha256(img)).toBe(before);
  });

  it('refuses a --to that is a file', () => {
    writeHostTree(dir, { 'f.txt': 'f' });
    expect(fatCli(['add', img, path.join(dir, 'f.txt')]).status).toBe(0);
    const r = fatCli(['add', img, path.join(dir, 'f.txt'), '--to', '/f.txt/sub']);
    expect([r.status, r.stderr]).toEqual([1, 'fat: --to /f.txt: not a directory\n']);
  });
});

describe('fat add: sources it cannot copy', () => {
  beforeEach(() => freshImage(img, 8 * 1024));

  it('lists names FAT cannot hold and writes nothing', () => {
    writeHostTree(dir, { 'site/ok.txt': 'ok', 'site/what?.txt': 'q', 'site/a:b': 'colon', 'site/.../x': 'dots' });
    const before = sha256(img);
    const r = fatCli(['add', img, path.join(dir, 'site')]);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').length).toBe(2);
    expect(r.stderr).toMatch(/^fat: names FAT cannot hold: /);
    for (const bad of ['site/...', 'site/a:b', 'site/what?.txt']) expect(r.stderr).toContain(bad);
    expect(r.stderr).not.toContain('ok.txt');
    expect(sha256(img)).toBe(before);
  });

  it('refuses sources whose names differ only in case in one target directory', () => {
    writeHostTree(dir, { 'a/README.md': '1', 'b/readme.md': '2', 'c/Docs/x': 'x', 'c/docs/y': 'y' });
    const before = sha256(img);
    const r = fatCli(['add', img, path.join(dir, 'a/README.md'), path.join(dir, 'b/readme.md')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^fat: sources would be the same entry \(FAT names ignore case\): .*a\/README\.md, .*b\/readme\.md -> \/README\.md\n$/);
    const r2 = fatCli(['add', img, path.join(dir, 'c')]);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toContain('c/Docs');
    expect(r2.stderr).toContain('c/docs');
    expect(r2.stderr).not.toContain('/x');
    // The same file name twice is refused too (cp: "will not overwrite just-created").
    fs.mkdirSync(path.join(dir, 'd'));
    fs.writeFileSync(path.join(dir, 'd/README.md'), '3');
    expect(fatCli(['add', img, path.join(dir, 'a/README.md'), path.join(dir, 'd/README.md')]).status).toBe(1);
    expect(sha256(img)).toBe(before);
  });

  it('follows symbolic links to files and directories, and refuses loops and dangling links', () => {
    writeHostTree(dir, { 'real/data.txt': 'data', 'site/index.html': 'i' });
    fs.symlinkSync(path.join(dir, 'real/data.txt'), path.join(dir, 'site/link.txt'));
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'site/linked-dir'));
    const r = fatCli(['add', img, path.join(dir, 'site')]);
    expect(r.status, r.stderr).toBe(0);
    expect(libraryListing(img)).toEqual(['/site/', '/site/index.html', '/site/link.txt', '/site/linked-dir/', '/site/linked-dir/data.txt']);
    withImage(img, (vol) => expect(vol.readFile('/site/link.txt', 'utf8')).toBe('data'));

    const before = sha256(img);
    fs.symlinkSync('.', path.join(dir, 'real/self'));
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'real/dangling'));
    const bad = fatCli(['add', img, path.join(dir, 'real'), '--to', '/other']);
    expect(bad.status).toBe(1);
    // The walker's words, as make --from and crunch say them; every offender named, host paths.
    expect(bad.stderr).toMatch(/^fat: cannot read .*real\/dangling \(dangling symlink\), .*real\/self \(symlink loop\)\n$/);
    expect(sha256(img)).toBe(before);
  });

  it('refuses FIFOs, naming each, and skips them with a warning each under --skip-special', () => {
    writeHostTree(dir, { 'site/a.txt': 'a', 'site/sub/b.txt': 'b' });
    if (spawnSync('mkfifo', [path.join(dir, 'site/pipe')]).status !== 0) return;
    spawnSync('mkfifo', [path.join(dir, 'site/sub/fifo')]);
    const before = sha256(img);
    const bad = fatCli(['add', img, path.join(dir, 'site')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^fat: cannot read .*site\/pipe \(not a regular file or directory\), .*site\/sub\/fifo \(not a regular file or directory\)\n$/);
    expect(sha256(img)).toBe(before);
    const r = fatCli(['add', img, path.join(dir, 'site'), '--skip-special']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^fat: skipped .*site\/pipe: a FIFO\nfat: skipped .*site\/sub\/fifo: a FIFO\n$/);
    expect(libraryListing(img)).toEqual(['/site/', '/site/a.txt', '/site/sub/', '/site/sub/b.txt']);
    // Named as a source, the same policy.
    const named = fatCli(['add', img, path.join(dir, 'site/pipe'), '--to', '/other']);
    expect(named.status).toBe(1);
    expect(named.stderr).toMatch(/^fat: cannot read .*site\/pipe \(not a regular file or directory\)\n$/);
    const skipped = fatCli(['add', img, path.join(dir, 'site/pipe'), path.join(dir, 'site/a.txt'), '--to', '/other', '--skip-special']);
    expect(skipped.status).toBe(0);
    expect(skipped.stderr).toMatch(/^fat: skipped .*site\/pipe: a FIFO\n$/);
  });

  it('skips the image itself when it lies inside a source directory', () => {
    writeHostTree(dir, { 'a.txt': 'a' });
    const r = fatCli(['add', img, '.'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`fat: skipped ${path.join('.', 'disk.img')}: it is the image being written\n`);
    expect(libraryListing(img)).toEqual(['/a.txt']);
  });

  it('reports a missing source in one line and writes nothing', () => {
    writeHostTree(dir, { 'a.txt': 'a' });
    const before = sha256(img);
    const r = fatCli(['add', img, path.join(dir, 'a.txt'), path.join(dir, 'missing')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^fat: cannot read .*missing \(no such file or directory\)\n$/);
    expect(sha256(img)).toBe(before);
  });

  it('is a usage error without a source', () => {
    expect(fatCli(['add', img]).status).toBe(2);
  });
});

describe('fat add: space', () => {
  it('refuses, before writing, what cannot fit', () => {
    freshImage(img, 1440);
    writeHostTree(dir, { 'big.bin': new Uint8Array(2 * 1024 * 1024), 'small.txt': 's' });
    const before = sha256(img);
    const r = fatCli(['add', img, path.join(dir, 'small.txt'), path.join(dir, 'big.bin')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^fat: no space left on the volume: .* needed \(\d+ clusters of 512 bytes for files, 0 for directories\), .* free\n$/);
    expect(sha256(img)).toBe(before);
  });

  it('refuses, before writing, more names than the FAT12 root holds: nothing is added', () => {
    freshImage(img, 1440);
    const tree: Record<string, string> = {};
    for (let i = 0; i < 300; i++) tree[`many/file-${String(i).padStart(3, '0')}.txt`] = `${i}`;
    writeHostTree(dir, tree);
    const before = sha256(img);
    const r = fatCli(['add', img, `${path.join(dir, 'many')}/.`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('fat: cannot add: the root directory cannot hold the new names: they need 300 entries, 224 of its 224 are free (FAT12/16 roots cannot grow)\n');
    expect(sha256(img)).toBe(before);
  });
});

describe('fat add -v: output', () => {
  it('a reader that goes away (| head -1) leaves the volume closed and clean', () => {
    freshImage(img, 8192, 32);
    const tree: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) tree[`many/file-${String(i).padStart(4, '0')}.txt`] = `${i}`;
    writeHostTree(dir, tree);
    const r = spawnSync('sh', ['-c', `"$0" "$1" add -v "$2" "$3" | head -1`, process.execPath, FAT_MAIN, img, path.join(dir, 'many')], { encoding: 'utf8' });
    expect(r.stdout).toBe('/many/\n');
    const check = fatCli(['check', img]);
    expect(check.stdout + check.stderr).not.toMatch(/DIRTY|FSInfo/);
    expect(check.status).toBe(0);
    expect(libraryListing(img)).toHaveLength(3001);
  });
});

describe('fat add: times', () => {
  beforeEach(() => freshImage(img, 8 * 1024));
  const SDE = 1_700_000_000; // 2023-11-14T22:13:20Z

  it('clamps modification times to SOURCE_DATE_EPOCH and stamps new entries with it', () => {
    writeHostTree(dir, { 'site/old.txt': 'old', 'site/new.txt': 'new' });
    fs.utimesSync(path.join(dir, 'site/old.txt'), at('2001-01-01T00:00:00Z'), at('2001-01-01T00:00:00Z'));
    fs.utimesSync(path.join(dir, 'site/new.txt'), at('2030-01-01T00:00:00Z'), at('2030-01-01T00:00:00Z'));
    const r = fatCli(['add', img, path.join(dir, 'site'), '--to', '/t'], { env: { SOURCE_DATE_EPOCH: String(SDE) } });
    expect(r.status, r.stderr).toBe(0);
    const epoch = new Date(SDE * 1000);
    withImage(img, (vol) => {
      expect(vol.stat('/t/site/old.txt').mtime).toEqual(at('2001-01-01T00:00:00Z'));
      expect(vol.stat('/t/site/new.txt').mtime).toEqual(epoch);
      expect(vol.stat('/t/site/old.txt').birthtime).toEqual(epoch);
      expect(vol.stat('/t').mtime).toEqual(epoch);
      expect(vol.stat('/t').birthtime).toEqual(epoch);
    });
  });

  it('makes byte-identical images from the same inputs under SOURCE_DATE_EPOCH', () => {
    writeHostTree(dir, SITE);
    const other = path.join(dir, 'other.img');
    fs.copyFileSync(img, other);
    const env = { SOURCE_DATE_EPOCH: String(SDE) };
    expect(fatCli(['add', img, path.join(dir, 'site'), '--to', '/www'], { env }).status).toBe(0);
    // Later host times clamp to the same value; the second run happens at another wall-clock time.
    fs.utimesSync(path.join(dir, 'site/index.html'), new Date(), new Date());
    expect(fatCli(['add', other, path.join(dir, 'site'), '--to', '/www'], { env }).status).toBe(0);
    expect(sha256(other)).toBe(sha256(img));
  });

  it('refuses a malformed SOURCE_DATE_EPOCH', () => {
    writeHostTree(dir, { 'a.txt': 'a' });
    const r = fatCli(['add', img, path.join(dir, 'a.txt')], { env: { SOURCE_DATE_EPOCH: 'yesterday' } });
    expect([r.status, r.stderr]).toEqual([1, 'fat: SOURCE_DATE_EPOCH must be a whole number of seconds, not "yesterday"\n']);
  });
});
