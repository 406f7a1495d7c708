/**
 * Issue 12, library details: the root is a directory to every file-making call (EISDIR, as
 * node:fs says), and an invalid time is EINVAL everywhere a TimeLike is taken, before anything is
 * written (it used to be stored as 1980-01-01 without a word).
 */
import { describe, expect, it } from 'vitest';
import { MemoryDevice, Volume, mkfs, writeItems, type FatError } from '../../../src/core.js';

function fresh(): { dev: MemoryDevice; vol: Volume } {
  const dev = new MemoryDevice(2 << 20);
  mkfs(dev, { time: Date.UTC(2020, 0, 1), volumeId: 1 });
  const vol = Volume.open(dev, { now: () => new Date(Date.UTC(2021, 5, 1)) });
  return { dev, vol };
}

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as FatError).code;
  }
  return undefined;
};

describe('the root directory', () => {
  it('is EISDIR to openFile, writeFile, appendFile, truncate and createWriteStream, whatever the flags', () => {
    const { vol } = fresh();
    for (const flags of ['r', 'r+', 'w', 'w+', 'wx', 'a', 'a+'] as const) expect(code(() => vol.openFile('/', flags)), flags).toBe('EISDIR');
    expect(code(() => vol.writeFile('/', 'x'))).toBe('EISDIR');
    expect(code(() => vol.writeFile('//', 'x', { flag: 'wx' }))).toBe('EISDIR');
    expect(code(() => vol.appendFile('/', 'x'))).toBe('EISDIR');
    expect(code(() => vol.truncate('/', 0))).toBe('EISDIR');
    expect(code(() => vol.createWriteStream('/'))).toBe('EISDIR');
    expect(code(() => vol.mkdir('/'))).toBe('EEXIST');
    vol.close();
  });
});

describe('invalid times', () => {
  const bad: unknown[] = [new Date(NaN), NaN, Infinity, -Infinity, 'yesterday', {}];

  it('are EINVAL in utimes, writeFile, appendFile, mkdir and writeItems, and change nothing', () => {
    const { dev, vol } = fresh();
    vol.writeFile('/a.txt', 'a', { mtime: Date.UTC(2019, 0, 1) });
    vol.flush();
    const before = dev.bytes.slice();
    for (const t of bad) {
      const tl = t as Date;
      expect(code(() => vol.utimes('/a.txt', new Date(), tl)), `utimes mtime ${String(t)}`).toBe('EINVAL');
      expect(code(() => vol.utimes('/a.txt', tl, new Date())), `utimes atime ${String(t)}`).toBe('EINVAL');
      expect(code(() => vol.writeFile('/b.txt', 'b', { mtime: tl })), `writeFile mtime ${String(t)}`).toBe('EINVAL');
      expect(code(() => vol.writeFile('/a.txt', 'b', { atime: tl })), `writeFile atime ${String(t)}`).toBe('EINVAL');
      expect(code(() => vol.appendFile('/a.txt', 'b', { birthtime: tl })), `appendFile ${String(t)}`).toBe('EINVAL');
      expect(code(() => vol.mkdir('/d', { mtime: tl })), `mkdir ${String(t)}`).toBe('EINVAL');
      expect(code(() => writeItems(vol, [{ dest: '/e', type: 'directory', size: 0, times: { mtime: tl } }])), `writeItems ${String(t)}`).toBe('EINVAL');
    }
    vol.flush();
    expect(Buffer.compare(dev.bytes, before)).toBe(0);
    expect(vol.readdir('/')).toEqual(['a.txt']);
    expect(vol.stat('/a.txt').mtime.toISOString()).toBe('2019-01-01T00:00:00.000Z');
    vol.close();
  });

  it('still accepts dates and numbers, clamping them to the FAT range as before', () => {
    const { vol } = fresh();
    vol.writeFile('/old.txt', 'x', { mtime: Date.UTC(1970, 0, 1) });
    vol.utimes('/old.txt', 0, new Date(Date.UTC(2024, 1, 29, 12, 0, 2)));
    expect(vol.stat('/old.txt').mtime.toISOString()).toBe('2024-02-29T12:00:02.000Z');
    vol.mkdir('/d', { mtime: Date.UTC(1975, 0, 1) });
    expect(vol.stat('/d').mtime.toISOString()).toBe('1980-01-01T00:00:00.000Z');
    vol.close();
  });
});
