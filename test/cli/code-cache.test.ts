import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { codeCacheDir } from '../../src/cli/code-cache.js';

// Node 20 compiles a command's runner through V8's code cache kept in the user's cache directory
// (src/cli/code-cache.ts); Node >= 22.1 uses its own compile cache instead.
const root = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const nodeHasCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-code-cache-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('where the code cache lives', () => {
  it('the user cache directory of the platform; FATKIT_CODE_CACHE=0 turns it off', () => {
    const home = os.homedir();
    expect(codeCacheDir({}, 'linux')).toBe(path.join(home, '.cache', 'fatkit', 'code'));
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x/cache' }, 'linux')).toBe(path.join('/x/cache', 'fatkit', 'code'));
    expect(codeCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux')).toBe(path.join(home, '.cache', 'fatkit', 'code'));
    expect(codeCacheDir({}, 'darwin')).toBe(path.join(home, 'Library', 'Caches', 'fatkit', 'code'));
    expect(codeCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32')).toBe(path.join('C:\\Users\\u\\AppData\\Local', 'fatkit', 'Cache', 'code'));
    expect(codeCacheDir({}, 'win32')).toBeUndefined();
    expect(codeCacheDir({ FATKIT_CODE_CACHE: '0' }, 'linux')).toBeUndefined();
  });
});

describe('a start with the code cache', () => {
  fs.mkdirSync(path.join(work, 'site'));
  fs.writeFileSync(path.join(work, 'site', 'a.txt'), 'a\n');
  const made = spawnSync(process.execPath, [cli, 'make', 'site.img', '--from', 'site', '--quiet'], { cwd: work, encoding: 'utf8', env: { ...process.env, FATKIT_CODE_CACHE: '0' } });
  let n = 0;
  /** `fat list site.img` with XDG_CACHE_HOME in a directory of its own; the cache directory and its files after the run. */
  const list = (prepare?: (dir: string) => void, cacheHome = path.join(work, `home-${n++}`)) => {
    const dir = path.join(cacheHome, 'fatkit', 'code');
    prepare?.(dir);
    const r = spawnSync(process.execPath, [cli, 'list', 'site.img'], { cwd: work, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cacheHome, FATKIT_CODE_CACHE: '' } });
    const files = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).sort() : [];
    return { status: r.status, stderr: r.stderr, stdout: r.stdout, dir, cacheHome, files };
  };

  it.skipIf(nodeHasCache)('is written after the first run, used as it is by the next (Node 20)', () => {
    expect([made.status, made.stderr]).toEqual([0, '']);
    const first = list();
    expect([first.status, first.stderr, first.stdout]).toEqual([0, '', '/a.txt\n']);
    expect(first.files).toHaveLength(1);
    expect(first.files[0]).toMatch(new RegExp(`^list-[A-Z0-9]+-${process.version.replace(/\./g, '\\.')}-${process.arch}-\\d+-\\d+\\.v8$`));
    expect((fs.statSync(first.dir).mode & 0o777).toString(8)).toBe('700');
    const file = path.join(first.dir, first.files[0]!);
    const before = fs.statSync(file);
    const second = list(undefined, first.cacheHome);
    expect([second.status, second.stderr, second.stdout, second.files]).toEqual([0, '', '/a.txt\n', first.files]);
    // Accepted: not written again.
    const after = fs.statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it.skipIf(nodeHasCache)('a corrupt, truncated or foreign cache is ignored and replaced', () => {
    const good = list();
    const name = good.files[0]!;
    const valid = fs.readFileSync(path.join(good.dir, name));
    const make = spawnSync(process.execPath, [cli, 'info', 'site.img'], { cwd: work, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: good.cacheHome } });
    expect(make.status).toBe(0);
    const foreign = fs.readdirSync(good.dir).find((f) => f.startsWith('info-'))!;
    const bad: Record<string, Buffer> = {
      garbage: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 255)),
      truncated: valid.subarray(0, valid.length >> 1),
      empty: Buffer.alloc(0),
      foreign: fs.readFileSync(path.join(good.dir, foreign)),
    };
    for (const [kind, bytes] of Object.entries(bad)) {
      const r = list((dir) => {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        fs.writeFileSync(path.join(dir, name), bytes);
      });
      expect({ kind, status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ kind, status: 0, stderr: '', stdout: '/a.txt\n' });
      expect({ kind, replaced: !fs.readFileSync(path.join(r.dir, name)).equals(bytes) }).toEqual({ kind, replaced: true });
    }
  });

  it.skipIf(nodeHasCache)('a runner changed in place (same name, same length) does not run its old cached code', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-edited-runner-'));
    try {
      fs.cpSync(path.join(root, 'dist', 'cli'), path.join(copy, 'dist', 'cli'), { recursive: true });
      fs.copyFileSync(path.join(root, 'package.json'), path.join(copy, 'package.json'));
      const runner = path.join(copy, 'dist', 'cli', 'run', fs.readdirSync(path.join(copy, 'dist', 'cli', 'run')).find((f) => /^list-.*\.cjs$/.test(f))!);
      const home = path.join(work, 'edited');
      const run = () => spawnSync(process.execPath, [path.join(copy, 'dist', 'cli', 'main.js'), 'list', 'site.img'], { cwd: work, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: home, FATKIT_CODE_CACHE: '' } });
      expect(run().stdout).toBe('/a.txt\n');
      // The line list prints for a file, edited to print it with a marker: as long as before.
      const text = fs.readFileSync(runner, 'utf8');
      const edited = text.replace('`${e.path}/` : e.path}', '`${e.path}/`:e.path+1}');
      expect(edited.length).toBe(text.length);
      expect(edited).not.toBe(text);
      fs.writeFileSync(runner, edited);
      fs.utimesSync(runner, new Date(), new Date(Date.now() + 5000));
      const r = run();
      expect([r.status, r.stderr, r.stdout]).toEqual([0, '', '/a.txt1\n']);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it.skipIf(nodeHasCache)('a cache directory that cannot be made, or that others may write, is not used', () => {
    // A file where the directory goes: nothing to read, nothing written, no message.
    const blocked = list((dir) => {
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      fs.writeFileSync(dir, 'not a directory');
    });
    expect([blocked.status, blocked.stderr, blocked.stdout, blocked.files]).toEqual([0, '', '/a.txt\n', []]);
    // World-writable (someone else could plant code there): neither read nor written.
    const open = list((dir) => {
      fs.mkdirSync(dir, { recursive: true });
      fs.chmodSync(dir, 0o777);
    });
    expect([open.status, open.stderr, open.stdout, open.files]).toEqual([0, '', '/a.txt\n', []]);
    // Turned off.
    const off = spawnSync(process.execPath, [cli, 'list', 'site.img'], { cwd: work, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: path.join(work, 'off'), FATKIT_CODE_CACHE: '0' } });
    expect([off.status, off.stderr, off.stdout, fs.existsSync(path.join(work, 'off'))]).toEqual([0, '', '/a.txt\n', false]);
  });

  it.skipIf(!nodeHasCache)('Node >= 22.1 keeps to its own compile cache', () => {
    const r = list();
    expect([r.status, r.stderr, r.stdout, fs.existsSync(r.cacheHome)]).toEqual([0, '', '/a.txt\n', false]);
  });
});
