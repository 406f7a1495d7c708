/** Space per directory (issue 18: fat du), counted as mdu counts it, directories' own clusters included. */
import { describe, expect, it } from 'vitest';
import { FatError, Volume, diskUsage, type FatType, type Problem } from '../../../src/index.js';
import { freshVolume, setFat12 } from './fragment-helpers.js';

/** /a (2 clusters), /d/b (1), /d/e/c (3), /d/empty (0): every directory one cluster. */
function tree(fat: FatType): Volume {
  const { vol } = freshVolume(fat);
  const cs = vol.geo.clusterSize;
  vol.writeFile('/a', new Uint8Array(cs + 1));
  vol.mkdir('/d/e', { recursive: true });
  vol.writeFile('/d/b', 'b');
  vol.writeFile('/d/e/c', new Uint8Array(3 * cs));
  vol.writeFile('/d/empty', '');
  return vol;
}

describe('diskUsage', () => {
  for (const fat of [12, 16, 32] as FatType[]) {
    it(`FAT${fat}: every directory, children first, with its own clusters and everything below`, () => {
      const vol = tree(fat);
      const cs = vol.geo.clusterSize;
      const root = fat === 32 ? 1 : 0; // the FAT32 root's own cluster; the FAT12/16 root region has none
      const rows = (list: { path: string; clusters: number }[]) => list.map((r) => ({ ...r, bytes: r.clusters * cs }));
      expect(diskUsage(vol)).toEqual(rows([
        { path: '/d/e', clusters: 1 + 3 },
        { path: '/d', clusters: 1 + 1 + 4 },
        { path: '/', clusters: root + 2 + 6 },
      ]));
      expect(diskUsage(vol, '/D')).toEqual(rows([{ path: '/d/e', clusters: 4 }, { path: '/d', clusters: 6 }]));
      expect(diskUsage(vol, '/', { summary: true })).toEqual(rows([{ path: '/', clusters: root + 8 }]));
      expect(diskUsage(vol, '/d/e/c')).toEqual(rows([{ path: '/d/e/c', clusters: 3 }]));
      expect(diskUsage(vol, '/d/empty')).toEqual(rows([{ path: '/d/empty', clusters: 0 }]));
      vol.close();
    });
  }

  it('counts a directory of several clusters by its chain', () => {
    const { vol } = freshVolume(16);
    vol.mkdir('/big dir');
    for (let i = 0; i < 40; i++) vol.writeFile(`/big dir/a long file name number ${i}.txt`, '');
    // Each name takes three long-name slots and its short entry; then . and ..
    const own = Math.ceil(((40 * 4 + 2) * 32) / vol.geo.clusterSize);
    expect(diskUsage(vol, '/big dir')).toEqual([{ path: '/big dir', clusters: own, bytes: own * vol.geo.clusterSize }]);
    vol.close();
  });

  it('a missing path is ENOENT', () => {
    const vol = tree(12);
    expect(() => diskUsage(vol, '/nope')).toThrow(FatError);
    vol.close();
  });

  it('a corrupt chain is reported and counts 0; the rest is counted', () => {
    const { dev, vol } = freshVolume(12);
    vol.writeFile('/a', new Uint8Array(2 * vol.geo.clusterSize));
    vol.writeFile('/b', 'b');
    const c = vol.stat('/a').firstCluster;
    vol.close();
    setFat12(dev, vol, c + 1, c); // a loop
    const problems: Problem[] = [];
    const v = Volume.open(dev, { readOnly: true, onProblem: (p) => problems.push(p) });
    expect(diskUsage(v)).toEqual([{ path: '/', clusters: 1, bytes: v.geo.clusterSize }]);
    expect(problems).toEqual([{ path: '/a', message: expect.stringMatching(/^not counted: corrupt cluster chain: file \/a has a chain that loops/), skipped: true }]);
    v.close();
  });
});
