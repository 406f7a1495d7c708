/** Cluster extents and fragmentation (issue 18: fat map, fat info, fat list --fragmented). */
import { describe, expect, it } from 'vitest';
import { FatError, Volume, clusterMap, extentsOf, fragmentation, isFragmentedFile, type FatType, type MemoryDevice, type Problem } from '../../../src/index.js';
import { fragment, freshVolume, setFat12 } from './fragment-helpers.js';

describe('extentsOf', () => {
  it('joins consecutive clusters into runs, in chain order', () => {
    expect(extentsOf([])).toEqual([]);
    expect(extentsOf([7])).toEqual([{ first: 7, last: 7 }]);
    expect(extentsOf([5, 6, 7, 9, 10, 3])).toEqual([{ first: 5, last: 7 }, { first: 9, last: 10 }, { first: 3, last: 3 }]);
    // A chain that runs backwards is not contiguous.
    expect(extentsOf([9, 8])).toEqual([{ first: 9, last: 9 }, { first: 8, last: 8 }]);
  });
});

describe('clusterMap', () => {
  for (const fat of [12, 16, 32] as FatType[]) {
    it(`FAT${fat}: a file written at once is one run; empty files and the root`, () => {
      const { vol } = freshVolume(fat);
      const cs = vol.geo.clusterSize;
      vol.writeFile('/a.bin', new Uint8Array(5 * cs - 1));
      vol.writeFile('/empty', '');
      vol.mkdir('/d');
      const a = clusterMap(vol, '/A.BIN');
      expect(a.path).toBe('/a.bin');
      expect(a.clusters).toBe(5);
      expect(a.extents).toHaveLength(1);
      expect(a.extents[0].last - a.extents[0].first).toBe(4);
      expect(a.fragmented).toBe(false);
      expect(clusterMap(vol, '/empty')).toEqual({ path: '/empty', extents: [], fragmented: false, clusters: 0, fixedRoot: false });
      expect(clusterMap(vol, '/d').clusters).toBe(1);
      const root = clusterMap(vol, '/');
      if (fat === 32) expect(root).toEqual({ path: '/', extents: [{ first: vol.geo.rootCluster, last: vol.geo.rootCluster }], fragmented: false, clusters: 1, fixedRoot: false });
      else expect(root).toEqual({ path: '/', extents: [], fragmented: false, clusters: 0, fixedRoot: true });
      vol.close();
    });

    it(`FAT${fat}: a file written into holes is fragmented, and counted`, () => {
      const { vol } = freshVolume(fat);
      vol.mkdir('/sub');
      vol.writeFile('/sub/small', 'x');
      const { big, holeClusters } = fragment(vol);
      const m = clusterMap(vol, big);
      expect(m.fragmented).toBe(true);
      expect(m.extents.length).toBeGreaterThanOrEqual(2);
      expect(m.clusters).toBe(2 * holeClusters + 1);
      expect(m.extents.reduce((n, x) => n + x.last - x.first + 1, 0)).toBe(m.clusters);
      const walked = [...vol.walk('/')];
      expect(walked.filter((e) => isFragmentedFile(vol, e)).map((e) => e.path)).toEqual(['/big']);
      // Directories never count, whatever their chains.
      expect(isFragmentedFile(vol, walked.find((e) => e.path === '/sub')!)).toBe(false);
      expect(fragmentation(vol)).toEqual({ files: 5, fragmentedFiles: 1 });
      expect(fragmentation(vol, '/sub')).toEqual({ files: 1, fragmentedFiles: 0 });
      vol.close();
    });
  }

  it('shows the whole chain as linked, beyond the size (as mshowfat)', () => {
    const { dev, vol } = freshVolume(12);
    vol.writeFile('/f', 'x');
    const c = vol.stat('/f').firstCluster;
    vol.close();
    // Link the file's cluster to a second one, which ends the chain.
    setFat12(dev, vol, c, c + 5);
    setFat12(dev, vol, c + 5, 0xfff);
    const v = Volume.open(dev, { readOnly: true });
    expect(clusterMap(v, '/f').extents).toEqual([{ first: c, last: c }, { first: c + 5, last: c + 5 }]);
    v.close();
  });
});

describe('hostile chains', () => {
  /** A FAT12 volume with /a (3 clusters) and /b; `damage` changes /a's chain. */
  function damaged(damage: (dev: MemoryDevice, vol: Volume, first: number) => void): { dev: MemoryDevice; problems: Problem[]; vol: Volume } {
    const { dev, vol } = freshVolume(12);
    vol.writeFile('/a', new Uint8Array(3 * vol.geo.clusterSize));
    vol.writeFile('/b', 'b');
    const first = vol.stat('/a').firstCluster;
    vol.close();
    damage(dev, vol, first);
    const problems: Problem[] = [];
    return { dev, problems, vol: Volume.open(dev, { readOnly: true, onProblem: (p) => problems.push(p) }) };
  }

  const cases: [string, (dev: MemoryDevice, vol: Volume, first: number) => void, RegExp][] = [
    ['a loop', (dev, vol, c) => setFat12(dev, vol, c + 2, c), /loops back to cluster/],
    ['a link to itself', (dev, vol, c) => setFat12(dev, vol, c, c), /loops/],
    ['a link out of range', (dev, vol, c) => setFat12(dev, vol, c + 1, 0xf00), /outside 2\.\./],
    ['a link to a free cluster', (dev, vol, c) => setFat12(dev, vol, c + 1, 0x200), /free cluster/],
  ];
  for (const [what, damage, message] of cases) {
    it(`${what}: map is a one-line FAT_CORRUPT error; counting reports it and goes on`, () => {
      const { vol, problems } = damaged(damage);
      let err: unknown;
      try {
        clusterMap(vol, '/a');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FatError);
      expect((err as FatError).code).toBe('FAT_CORRUPT');
      expect((err as FatError).message).toMatch(message);
      expect((err as FatError).message).not.toContain('\n');
      expect(clusterMap(vol, '/b').clusters).toBe(1);
      expect(fragmentation(vol)).toEqual({ files: 2, fragmentedFiles: 0 });
      expect(problems).toEqual([{ path: '/a', message: expect.stringMatching(/^fragmentation unknown: corrupt cluster chain: file \/a /), skipped: true }]);
      vol.close();
    });
  }
});
