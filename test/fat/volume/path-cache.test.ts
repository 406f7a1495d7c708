/**
 * The volume's path cache (issue #16): a directory resolved once is found again by the path the
 * caller wrote, without resolving it from the root. These tests pin what must forget it: renaming
 * or removing a directory (then writing under its old and new paths), removing and recreating one,
 * a repair under the open volume, and reopening the volume; and that a cached path gives the same
 * answers and errors as resolving from the root.
 */
import { describe, expect, it } from 'vitest';
import { FatError, MemoryDevice, Volume, check, mkfs, type FatType } from '../../../src/core.js';

const NOW = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));

function fresh(fatType: FatType = 16): { dev: MemoryDevice; vol: Volume } {
  const dev = new MemoryDevice(fatType === 32 ? 34 << 20 : 16 << 20);
  mkfs(dev, { fatType, volumeId: 0x1234abcd, time: NOW().getTime() });
  return { dev, vol: Volume.open(dev, { now: NOW }) };
}

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof FatError)) throw e;
    return e.code;
  }
};

/** What fsck-like checking finds, beyond nothing. */
const problems = (dev: MemoryDevice): string[] => check(new MemoryDevice(dev.bytes.slice(), { readOnly: true })).problems.map((p) => `${p.code} ${p.path ?? ''}`);

describe.each([16, 32] as FatType[])('the path cache on FAT%i', (fatType) => {
  it('a renamed directory: its old path is gone, writes under its new path land in it', () => {
    const { dev, vol } = fresh(fatType);
    vol.mkdir('/a/b', { recursive: true });
    vol.writeFile('/a/b/one.txt', 'one'); // /a/b is now remembered
    vol.rename('/a/b', '/a/c');
    expect(code(() => vol.writeFile('/a/b/two.txt', 'two'))).toBe('ENOENT');
    expect(code(() => vol.readFile('/a/b/one.txt'))).toBe('ENOENT');
    expect(vol.exists('/a/b/one.txt')).toBe(false);
    vol.writeFile('/a/c/two.txt', 'two');
    expect(vol.readdir('/a/c')).toEqual(['one.txt', 'two.txt']);
    // A new directory under the old name is a different directory.
    vol.mkdir('/a/b');
    vol.writeFile('/a/b/three.txt', 'three');
    expect(vol.readdir('/a/b')).toEqual(['three.txt']);
    expect(vol.readdir('/a/c')).toEqual(['one.txt', 'two.txt']);
    vol.close();
    expect(problems(dev)).toEqual([]);
  });

  it('a directory moved to another parent, and one whose parent is renamed', () => {
    const { dev, vol } = fresh(fatType);
    vol.mkdir('/p/q/r', { recursive: true });
    vol.mkdir('/other');
    vol.writeFile('/p/q/r/f.txt', 'f');
    vol.writeFile('/p/q/g.txt', 'g');
    vol.rename('/p', '/other/p2'); // the cached /p/q and /p/q/r lie below the moved directory
    expect(code(() => vol.writeFile('/p/q/r/h.txt', 'h'))).toBe('ENOENT');
    expect(code(() => vol.writeFile('/p/q/h.txt', 'h'))).toBe('ENOENT');
    vol.writeFile('/other/p2/q/r/h.txt', 'h');
    expect(vol.readdir('/other/p2/q/r')).toEqual(['f.txt', 'h.txt']);
    expect(vol.readFile('/other/p2/q/g.txt', 'utf8')).toBe('g');
    vol.close();
    expect(problems(dev)).toEqual([]);
  });

  it('a case-only rename of a directory: the canonical path follows', () => {
    const { vol } = fresh(fatType);
    vol.mkdir('/docs');
    vol.writeFile('/docs/a.txt', 'a');
    expect(vol.realpath('/DOCS/a.txt')).toBe('/docs/a.txt');
    vol.rename('/docs', '/Docs');
    expect(vol.realpath('/DOCS/a.txt')).toBe('/Docs/a.txt');
    vol.writeFile('/docs/b.txt', 'b');
    expect(vol.realpath('/docs/b.txt')).toBe('/Docs/b.txt');
    vol.close();
  });

  it('a directory removed and recreated: writes go to the new one, never into freed clusters', () => {
    const { dev, vol } = fresh(fatType);
    vol.mkdir('/d/e', { recursive: true });
    vol.writeFile('/d/e/x.txt', 'x');
    vol.rm('/d', { recursive: true });
    expect(code(() => vol.writeFile('/d/e/y.txt', 'y'))).toBe('ENOENT');
    // Something else takes the freed clusters.
    vol.writeFile('/filler.bin', new Uint8Array(8192).fill(0xaa));
    vol.mkdir('/d/e', { recursive: true });
    vol.writeFile('/d/e/y.txt', 'y');
    expect(vol.readdir('/d/e')).toEqual(['y.txt']);
    expect(vol.readFile('/filler.bin').every((b) => b === 0xaa)).toBe(true);
    vol.rm('/d/e/y.txt');
    vol.rmdir('/d/e');
    expect(code(() => vol.readFile('/d/e/y.txt'))).toBe('ENOENT');
    vol.mkdir('/d/e');
    expect(vol.readdir('/d/e')).toEqual([]);
    vol.close();
    expect(problems(dev)).toEqual([]);
  });

  it('a directory replaced by a rename onto it (an empty directory)', () => {
    const { dev, vol } = fresh(fatType);
    vol.mkdir('/src');
    vol.mkdir('/dst');
    vol.writeFile('/src/s.txt', 's');
    expect(vol.readdir('/dst')).toEqual([]);
    vol.writeFile('/dst/t.txt', 't');
    vol.rm('/dst/t.txt');
    vol.rename('/src', '/dst');
    vol.writeFile('/dst/u.txt', 'u');
    expect(vol.readdir('/dst')).toEqual(['s.txt', 'u.txt']);
    expect(code(() => vol.writeFile('/src/v.txt', 'v'))).toBe('ENOENT');
    vol.close();
    expect(problems(dev)).toEqual([]);
  });

  it('a file where a cached directory was: ENOTDIR, as from the root', () => {
    const { vol } = fresh(fatType);
    vol.mkdir('/x');
    vol.writeFile('/x/in.txt', 'in');
    vol.rm('/x', { recursive: true });
    vol.writeFile('/x', 'now a file');
    expect(code(() => vol.writeFile('/x/in.txt', 'again'))).toBe('ENOTDIR');
    expect(code(() => vol.readFile('/x/in.txt'))).toBe('ENOTDIR');
    vol.close();
  });

  it('another volume on the same device sees what this one wrote once it is reopened', () => {
    const { dev, vol } = fresh(fatType);
    vol.mkdir('/a');
    vol.writeFile('/a/1.txt', '1');
    vol.close();
    const other = Volume.open(dev, { now: NOW });
    other.rename('/a', '/b');
    other.mkdir('/a');
    other.close();
    const again = Volume.open(dev, { now: NOW });
    again.writeFile('/a/2.txt', '2');
    expect(again.readdir('/a')).toEqual(['2.txt']);
    expect(again.readdir('/b')).toEqual(['1.txt']);
    again.close();
    expect(problems(dev)).toEqual([]);
  });

  it('a repair under the open volume forgets the paths (the directories are read again)', () => {
    const { dev, vol } = fresh(fatType);
    vol.mkdir('/r');
    vol.writeFile('/r/1.txt', '1');
    vol.flush();
    const report = check(vol, { repair: true });
    expect(report.problems.filter((p) => p.code !== 'DIRTY')).toEqual([]);
    vol.writeFile('/r/2.txt', '2');
    expect(vol.readdir('/r')).toEqual(['1.txt', '2.txt']);
    vol.close();
    expect(problems(dev)).toEqual([]);
  });

  it('cached and uncached paths answer alike (names, errors, odd spellings)', () => {
    const { vol } = fresh(fatType);
    vol.mkdir('/Dir/Sub', { recursive: true });
    vol.writeFile('/Dir/Sub/File.txt', 'f');
    vol.writeFile('/Dir/plain', 'p');
    const ask = (p: string): string => {
      try {
        return `${vol.realpath(p)} ${vol.stat(p).isDirectory() ? 'd' : 'f'}`;
      } catch (e) {
        return `${(e as FatError).code} ${(e as FatError).message}`;
      }
    };
    const paths = ['/Dir/Sub/File.txt', 'dir/sub/FILE.TXT', '/dir//sub/./file.txt', '/dir/x/../sub/file.txt', '/dir/sub/file.txt.', '/dir/sub/ file.txt',
      '/dir/sub/missing', '/dir/missing/file.txt', '/dir/plain/file.txt', '/dir/sub/', '/dir/sub/.', '/dir/sub/..', '/', '', 'Dir', '/dir/sub/file.txt\0x'];
    const first = paths.map(ask);
    const second = paths.map(ask); // now through the cache
    expect(second).toEqual(first);
    expect(first.slice(0, 6)).toEqual(Array(6).fill('/Dir/Sub/File.txt f'));
    expect(first[6]).toBe('ENOENT no such file or directory: /Dir/Sub/missing');
    expect(first[7]).toBe('ENOENT no such file or directory: /Dir/missing');
    expect(first[8]).toBe('ENOTDIR not a directory: /Dir/plain');
    expect(first[15]).toMatch(/^EINVAL path contains a NUL/);
    vol.close();
    expect(code(() => vol.readFile('/Dir/Sub/File.txt'))).toBe('EBADF');
    expect(code(() => vol.writeFile('/Dir/Sub/new.txt', 'n'))).toBe('EBADF');
  });
});
