import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { mkfs } from '../../../src/fat/mkfs/mkfs.js';
import { Volume } from '../../../src/fat/volume/volume.js';

/** A volume with /a/b/f1..f30 and /c/g.txt, reopened read-write. */
function volume(): Volume {
  const dev = new MemoryDevice(16 << 20);
  mkfs(dev, { fatType: 16, time: 1_700_000_000_000, volumeId: 0x1234abcd });
  const vol = Volume.open(dev, { now: () => new Date(1_700_000_000_000) });
  vol.mkdir('/a/b', { recursive: true });
  for (let i = 0; i < 30; i++) vol.writeFile(`/a/b/File number ${i}.txt`, `file ${i}`);
  vol.mkdir('/c');
  vol.writeFile('/c/g.txt', 'g');
  vol.close();
  return Volume.open(dev, { now: () => new Date(1_700_000_000_000) });
}

/** The cached directories, and whether each has built its lookup index. */
const indexed = (vol: Volume): Record<string, boolean> => {
  const cache = (vol as unknown as { dirCache: Map<string, { path: string; byNameMap?: unknown }> }).dirCache;
  return Object.fromEntries([...cache.values()].map((d) => [d.path, d.byNameMap !== undefined]));
};

describe('directory lookups build their index only when needed (issue #16)', () => {
  it('a walk decodes every directory and indexes none; a lookup indexes the directories on its path', () => {
    const vol = volume();
    expect([...vol.walk('/')].length).toBe(34);
    expect(indexed(vol)).toEqual({ '/': false, '/a': false, '/a/b': false, '/c': false });
    expect(vol.readFile('/A/B/file NUMBER 7.TXT', 'utf8')).toBe('file 7');
    expect(indexed(vol)).toEqual({ '/': true, '/a': true, '/a/b': true, '/c': false });
  });

  it('changes made before any lookup find the names that are there (short names too)', () => {
    const vol = volume();
    void [...vol.walk('/')];
    // Writes go through the index: it is built from the entries on disk, then kept up to date.
    vol.writeFile('/c/h.txt', 'h');
    vol.writeFile('/c/Another long name.txt', 'x');
    vol.writeFile('/c/another LONG name.TXT', 'replaced');
    expect(vol.readdir('/c')).toEqual(['g.txt', 'h.txt', 'Another long name.txt']);
    expect(vol.readFile('/c/ANOTHE~1.TXT', 'utf8')).toBe('replaced');
    vol.writeFile('/c/Another longer name.txt', 'y');
    expect(vol.stat('/c/Another longer name.txt').shortName).toBe('ANOTHE~2.TXT');
    vol.rm('/c/g.txt');
    expect(vol.exists('/c/G.TXT')).toBe(false);
    vol.close();
  });

  it('stats keep the times the entry had when they were taken (their Dates are made on first use)', () => {
    const vol = volume();
    const before = vol.stat('/c/g.txt');
    vol.utimes('/c/g.txt', new Date('2001-02-03T04:05:06Z'), new Date('2002-03-04T05:06:08Z'));
    const after = vol.stat('/c/g.txt');
    expect(before.mtime).toEqual(new Date(1_700_000_000_000));
    expect(after.mtime).toEqual(new Date('2002-03-04T05:06:08Z'));
    expect(after.atime).toEqual(new Date('2001-02-03T00:00:00Z'));
    expect(after.birthtime).toEqual(new Date(1_700_000_000_000));
    expect(after.mtime).toBe(after.mtime);
    expect(vol.stat('/').mtime).toEqual(new Date(Date.UTC(1980, 0, 1)));
    vol.close();
  });
});

describe('removing an entry re-indexes the others only when names collide', () => {
  /** A FAT16 volume whose root holds A.TXT ("first") and B.TXT ("second!") renamed on disk to A.TXT too. */
  function duplicates(): { dev: MemoryDevice; vol: Volume } {
    const dev = new MemoryDevice(16 << 20);
    mkfs(dev, { fatType: 16, time: 1_700_000_000_000, volumeId: 0x1234abcd });
    const w = Volume.open(dev, { now: () => new Date(1_700_000_000_000) });
    w.writeFile('/A.TXT', 'first');
    w.writeFile('/B.TXT', 'second!');
    const root = w.geo.rootDirStart * w.geo.sectorSize;
    w.close();
    const name = (i: number): string => String.fromCharCode(...dev.bytes.subarray(root + i * 32, root + i * 32 + 11));
    const b = [0, 1, 2, 3].find((i) => name(i) === 'B       TXT')!;
    dev.bytes[root + b * 32] = 'A'.charCodeAt(0);
    return { dev, vol: Volume.open(dev, { now: () => new Date(1_700_000_000_000) }) };
  }

  it('a corrupt directory with two A.TXT: removing the one a lookup finds leaves the other findable', () => {
    const { vol } = duplicates();
    const first = vol.readFile('/A.TXT', 'utf8');
    vol.rm('/A.TXT');
    expect(vol.readFile('/A.TXT', 'utf8')).toBe(first === 'first' ? 'second!' : 'first');
    vol.rm('/A.TXT');
    expect(vol.exists('/A.TXT')).toBe(false);
  });

  it('a healthy directory: removing 300 files one by one leaves every other name findable', () => {
    const dev = new MemoryDevice(16 << 20);
    mkfs(dev, { fatType: 16, time: 1_700_000_000_000, volumeId: 0x1234abcd });
    const vol = Volume.open(dev, { now: () => new Date(1_700_000_000_000) });
    vol.mkdir('/d');
    for (let i = 0; i < 300; i++) vol.writeFile(`/d/A long name ${i}.txt`, `${i}`);
    for (let i = 0; i < 300; i += 2) vol.rm(`/d/A long name ${i}.txt`);
    for (let i = 0; i < 300; i++) expect(vol.exists(`/d/a LONG name ${i}.TXT`), String(i)).toBe(i % 2 === 1);
    expect(vol.readdir('/d')).toHaveLength(150);
  });
});
