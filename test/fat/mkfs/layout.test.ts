import { describe, expect, it } from 'vitest';
import { planLayout, validSizeRange, guessGeometry, formatSize, type LayoutOptions } from '../../../src/fat/mkfs/layout.js';

const K = 1024;
const M = 1024 * K;
const G = 1024 * M;

/** What mkfs.fat 4.2 (`mkfs.fat -C --invariant [args] IMG KiB`) wrote, read back from its boot sectors. */
const ORACLE: Array<{ kib: number; args: string; fatType: number; sectorsPerCluster: number; reservedSectors: number; fatSize: number; rootEntries: number; clusterCount: number; totalSectors: number; sectorsPerTrack: number; heads: number; media: number; backup: number }> = [
  {kib: 160, args: "", fatType: 12, sectorsPerCluster: 4, reservedSectors: 1, fatSize: 1, rootEntries: 512, clusterCount: 71, totalSectors: 320, sectorsPerTrack: 16, heads: 2, media: 248, backup: 0},
  {kib: 360, args: "", fatType: 12, sectorsPerCluster: 2, reservedSectors: 1, fatSize: 2, rootEntries: 112, clusterCount: 354, totalSectors: 720, sectorsPerTrack: 9, heads: 2, media: 253, backup: 0},
  {kib: 720, args: "", fatType: 12, sectorsPerCluster: 2, reservedSectors: 1, fatSize: 3, rootEntries: 112, clusterCount: 713, totalSectors: 1440, sectorsPerTrack: 9, heads: 2, media: 249, backup: 0},
  {kib: 1200, args: "", fatType: 12, sectorsPerCluster: 1, reservedSectors: 1, fatSize: 7, rootEntries: 224, clusterCount: 2371, totalSectors: 2400, sectorsPerTrack: 15, heads: 2, media: 249, backup: 0},
  {kib: 1440, args: "", fatType: 12, sectorsPerCluster: 1, reservedSectors: 1, fatSize: 9, rootEntries: 224, clusterCount: 2847, totalSectors: 2880, sectorsPerTrack: 18, heads: 2, media: 240, backup: 0},
  {kib: 2880, args: "", fatType: 12, sectorsPerCluster: 2, reservedSectors: 1, fatSize: 9, rootEntries: 224, clusterCount: 2863, totalSectors: 5760, sectorsPerTrack: 36, heads: 2, media: 240, backup: 0},
  {kib: 4100, args: "", fatType: 12, sectorsPerCluster: 4, reservedSectors: 1, fatSize: 6, rootEntries: 512, clusterCount: 2036, totalSectors: 8192, sectorsPerTrack: 32, heads: 2, media: 248, backup: 0},
  {kib: 4112, args: "", fatType: 12, sectorsPerCluster: 4, reservedSectors: 4, fatSize: 8, rootEntries: 512, clusterCount: 2043, totalSectors: 8224, sectorsPerTrack: 32, heads: 2, media: 248, backup: 0},
  {kib: 16384, args: "", fatType: 16, sectorsPerCluster: 4, reservedSectors: 4, fatSize: 32, rootEntries: 512, clusterCount: 8167, totalSectors: 32768, sectorsPerTrack: 32, heads: 2, media: 248, backup: 0},
  {kib: 32768, args: "", fatType: 16, sectorsPerCluster: 4, reservedSectors: 4, fatSize: 64, rootEntries: 512, clusterCount: 16343, totalSectors: 65536, sectorsPerTrack: 32, heads: 4, media: 248, backup: 0},
  {kib: 102400, args: "", fatType: 16, sectorsPerCluster: 4, reservedSectors: 4, fatSize: 200, rootEntries: 512, clusterCount: 51091, totalSectors: 204800, sectorsPerTrack: 32, heads: 8, media: 248, backup: 0},
  {kib: 262144, args: "", fatType: 16, sectorsPerCluster: 8, reservedSectors: 8, fatSize: 256, rootEntries: 512, clusterCount: 65467, totalSectors: 524288, sectorsPerTrack: 32, heads: 16, media: 248, backup: 0},
  {kib: 524287, args: "", fatType: 16, sectorsPerCluster: 16, reservedSectors: 16, fatSize: 256, rootEntries: 512, clusterCount: 65500, totalSectors: 1048572, sectorsPerTrack: 63, heads: 32, media: 248, backup: 0},
  {kib: 524288, args: "", fatType: 32, sectorsPerCluster: 8, reservedSectors: 32, fatSize: 1024, rootEntries: 0, clusterCount: 130811, totalSectors: 1048572, sectorsPerTrack: 63, heads: 32, media: 248, backup: 6},
  {kib: 1048576, args: "", fatType: 32, sectorsPerCluster: 8, reservedSectors: 32, fatSize: 2048, rootEntries: 0, clusterCount: 261627, totalSectors: 2097144, sectorsPerTrack: 63, heads: 64, media: 248, backup: 6},
  {kib: 8388608, args: "", fatType: 32, sectorsPerCluster: 8, reservedSectors: 32, fatSize: 16360, rootEntries: 0, clusterCount: 2093057, totalSectors: 16777215, sectorsPerTrack: 63, heads: 255, media: 248, backup: 6},
  {kib: 65536, args: "-F 12", fatType: 12, sectorsPerCluster: 64, reservedSectors: 64, fatSize: 64, rootEntries: 1024, clusterCount: 2044, totalSectors: 131072, sectorsPerTrack: 32, heads: 8, media: 248, backup: 0},
  {kib: 1048576, args: "-F 16", fatType: 16, sectorsPerCluster: 32, reservedSectors: 32, fatSize: 256, rootEntries: 512, clusterCount: 65517, totalSectors: 2097144, sectorsPerTrack: 63, heads: 64, media: 248, backup: 0},
  {kib: 102400, args: "-F 32", fatType: 32, sectorsPerCluster: 1, reservedSectors: 32, fatSize: 1576, rootEntries: 0, clusterCount: 201616, totalSectors: 204800, sectorsPerTrack: 32, heads: 8, media: 248, backup: 6},
  {kib: 262144, args: "-S 4096", fatType: 16, sectorsPerCluster: 4, reservedSectors: 4, fatSize: 8, rootEntries: 512, clusterCount: 16378, totalSectors: 65536, sectorsPerTrack: 32, heads: 4, media: 248, backup: 0},
  {kib: 8388608, args: "-S 4096", fatType: 32, sectorsPerCluster: 8, reservedSectors: 32, fatSize: 256, rootEntries: 0, clusterCount: 262075, totalSectors: 2097144, sectorsPerTrack: 63, heads: 64, media: 248, backup: 6},
  {kib: 65536, args: "-s 16", fatType: 16, sectorsPerCluster: 16, reservedSectors: 16, fatSize: 32, rootEntries: 512, clusterCount: 8185, totalSectors: 131072, sectorsPerTrack: 32, heads: 8, media: 248, backup: 0},
  {kib: 1440, args: "-f 1", fatType: 12, sectorsPerCluster: 1, reservedSectors: 1, fatSize: 9, rootEntries: 224, clusterCount: 2856, totalSectors: 2880, sectorsPerTrack: 18, heads: 2, media: 240, backup: 0},
  {kib: 32768, args: "-r 1000", fatType: 16, sectorsPerCluster: 4, reservedSectors: 4, fatSize: 64, rootEntries: 1024, clusterCount: 16335, totalSectors: 65536, sectorsPerTrack: 32, heads: 4, media: 248, backup: 0},
  {kib: 8192, args: "-a", fatType: 12, sectorsPerCluster: 4, reservedSectors: 1, fatSize: 12, rootEntries: 512, clusterCount: 4081, totalSectors: 16384, sectorsPerTrack: 32, heads: 2, media: 248, backup: 0},
  {kib: 1048576, args: "-F 32 -R 5 -s 1", fatType: 32, sectorsPerCluster: 1, reservedSectors: 5, fatSize: 16132, rootEntries: 0, clusterCount: 2064875, totalSectors: 2097144, sectorsPerTrack: 63, heads: 64, media: 248, backup: 3},
];

/** mkfs.fat's short options, as layout options. */
function fromArgs(kib: number, args: string): LayoutOptions {
  const o: LayoutOptions = { size: kib * K };
  const a = args.split(' ').filter(Boolean);
  for (let i = 0; i < a.length; i++) {
    const v = Number(a[i + 1]);
    switch (a[i]) {
      case '-F': o.fatType = v as 12 | 16 | 32; i++; break;
      case '-S': o.sectorSize = v; i++; break;
      case '-s': o.sectorsPerCluster = v; i++; break;
      case '-R': o.reservedSectors = v; i++; break;
      case '-f': o.numFats = v; i++; break;
      case '-r': o.rootEntries = v; i++; break;
      case '-a': o.align = false; break;
      default: throw new Error(`unknown ${a[i]}`);
    }
  }
  return o;
}

describe('planLayout matches mkfs.fat 4.2', () => {
  for (const row of ORACLE) {
    it(`${row.kib} KiB ${row.args}`.trim(), () => {
      const l = planLayout(fromArgs(row.kib, row.args));
      expect({
        fatType: l.fatType, sectorsPerCluster: l.sectorsPerCluster, reservedSectors: l.reservedSectors, fatSize: l.fatSize,
        rootEntries: l.rootEntries, clusterCount: l.clusterCount, totalSectors: l.totalSectors,
        sectorsPerTrack: l.sectorsPerTrack, heads: l.heads, media: l.media, backup: l.backupBootSector,
      }).toEqual({
        fatType: row.fatType, sectorsPerCluster: row.sectorsPerCluster, reservedSectors: row.reservedSectors, fatSize: row.fatSize,
        rootEntries: row.rootEntries, clusterCount: row.clusterCount, totalSectors: row.totalSectors,
        sectorsPerTrack: row.sectorsPerTrack, heads: row.heads, media: row.media, backup: row.backup,
      });
      expect(l.dataStart).toBe(l.reservedSectors + l.numFats * l.fatSize + l.rootDirSectors);
    });
  }
});

describe('planLayout rules', () => {
  it('derives regions consistently and never picks a type its cluster count contradicts', () => {
    for (let kib = 64; kib < 16 * 1024 * 1024; kib = Math.ceil(kib * 1.07)) {
      const l = planLayout({ size: kib * K });
      const clusters = Math.floor((l.totalSectors - l.dataStart) / l.sectorsPerCluster);
      expect(clusters).toBe(l.clusterCount);
      if (l.fatType === 12) expect(clusters).toBeLessThanOrEqual(4084);
      if (l.fatType === 16) expect(clusters).toBeGreaterThanOrEqual(4087);
      if (l.fatType === 16) expect(clusters).toBeLessThanOrEqual(65524);
      if (l.fatType === 32) expect(clusters).toBeGreaterThanOrEqual(65525);
      expect(l.fatType === 32).toBe(kib * K >= 512 * M);
      // The FAT holds an entry for every cluster (plus the two reserved ones).
      expect(l.fatSize * l.sectorSize * 8).toBeGreaterThanOrEqual((clusters + 2) * l.fatType);
      if (l.aligned) expect(l.dataStart % l.sectorsPerCluster).toBe(0);
    }
  });

  it('never makes 4085 or 4086 clusters, nor FAT32 under 65525, whatever the options', () => {
    for (let kib = 1000; kib < 300 * 1024; kib = Math.ceil(kib * 1.003)) {
      for (const o of [{ fatType: 12 }, { fatType: 16 }, { fatType: 32 }, { sectorsPerCluster: 1 }, { sectorsPerCluster: 2, numFats: 1 }, { align: false }] as Partial<LayoutOptions>[]) {
        let l;
        try {
          l = planLayout({ size: kib * K, ...o });
        } catch {
          continue;
        }
        expect([4085, 4086]).not.toContain(l.clusterCount);
        if (l.fatType === 12) expect(l.clusterCount).toBeLessThanOrEqual(4084);
        if (l.fatType === 16) expect(l.clusterCount).toBeGreaterThanOrEqual(4087);
        if (l.fatType === 32) expect(l.clusterCount).toBeGreaterThanOrEqual(65525);
      }
    }
  });

  it('uses the Microsoft FAT32 cluster table', () => {
    expect(planLayout({ size: 600 * M }).sectorsPerCluster).toBe(8);
    expect(planLayout({ size: 8 * G + 512 * M }).sectorsPerCluster).toBe(16);
    expect(planLayout({ size: 17 * G }).sectorsPerCluster).toBe(32);
    expect(planLayout({ size: 33 * G }).sectorsPerCluster).toBe(64);
    expect(planLayout({ size: 200 * M, fatType: 32 }).sectorsPerCluster).toBe(1);
    // Counted in the volume's own sectors: 20 GiB of 4096-byte sectors is 5 Mi sectors -> 8 per cluster.
    expect(planLayout({ size: 20 * G, sectorSize: 4096 }).sectorsPerCluster).toBe(8);
  });

  it('places FSInfo at 1 and the backup boot sector at 6 on FAT32, and backs off in small reserved areas', () => {
    const l = planLayout({ size: 1 * G });
    expect([l.fsInfoSector, l.backupBootSector, l.backupFsInfoSector, l.rootCluster]).toEqual([1, 6, 7, 2]);
    const r = (n: number) => planLayout({ size: 1 * G, reservedSectors: n, sectorsPerCluster: 1 });
    expect([r(2).backupBootSector, r(3).backupBootSector, r(4).backupBootSector, r(5).backupBootSector, r(7).backupBootSector]).toEqual([0, 2, 2, 3, 6]);
    expect([r(3).backupFsInfoSector, r(4).backupFsInfoSector, r(7).backupFsInfoSector]).toEqual([0, 3, 0]);
  });

  it('guesses CHS geometry like mkfs.fat for image files', () => {
    expect(guessGeometry(4096)).toEqual({ sectorsPerTrack: 16, heads: 2 });
    expect(guessGeometry(65536)).toEqual({ sectorsPerTrack: 32, heads: 4 });
    expect(guessGeometry(524288)).toEqual({ sectorsPerTrack: 32, heads: 16 });
    expect(guessGeometry(524289)).toEqual({ sectorsPerTrack: 63, heads: 16 });
    expect(guessGeometry(16 * 1024 * 1024)).toEqual({ sectorsPerTrack: 63, heads: 255 });
  });

  it('rounds to whole tracks only when aligning, and does not align 8192 sectors or fewer', () => {
    expect(planLayout({ size: 1441 * K }).totalSectors).toBe(2880);
    expect(planLayout({ size: 1441 * K, align: false }).totalSectors).toBe(2882);
    expect(planLayout({ size: 4100 * K }).aligned).toBe(false);
    expect(planLayout({ size: 4112 * K }).aligned).toBe(true);
  });

  it('stores hidden sectors and floppy media', () => {
    expect(planLayout({ size: 64 * M, hiddenSectors: 2048 }).hiddenSectors).toBe(2048);
    expect(planLayout({ size: 360 * K }).driveNumber).toBe(0);
    expect(planLayout({ size: 64 * M }).driveNumber).toBe(0x80);
    expect(planLayout({ size: 64 * M, media: 0xf0 }).driveNumber).toBe(0);
  });
});

describe('impossible requests name the valid range or rule', () => {
  const msg = (o: LayoutOptions): string => {
    try {
      planLayout(o);
    } catch (e) {
      expect((e as { code?: string }).code).toBe('EINVAL');
      return (e as Error).message;
    }
    throw new Error('planLayout did not fail');
  };

  it('FAT16 too small / too large', () => {
    expect(msg({ size: 1440 * K, fatType: 16 })).toBe('1.4 MiB is too small for a FAT16 volume: FAT16 needs 4087 to 65524 clusters; with these options the size must be 8.1 MiB to 3.9 GiB');
    expect(msg({ size: 5 * G, fatType: 16 })).toMatch(/^5 GiB is too large for a FAT16 volume: FAT16 needs 4087 to 65524 clusters; with these options the size must be 8.1 MiB to 3.9 GiB$/);
  });

  it('FAT12 too large', () => {
    expect(msg({ size: 300 * M, fatType: 12 })).toBe('300 MiB is too large for a FAT12 volume: FAT12 holds at most 4084 clusters; with these options the size must be 50 KiB to 255.5 MiB');
  });

  it('FAT32 under 65525 clusters is refused (mkfs.fat only warns)', () => {
    expect(msg({ size: 16 * M, fatType: 32 })).toBe('16 MiB is too small for a FAT32 volume: FAT32 needs at least 65525 clusters; with these options it must be at least 32.6 MiB');
    // 600 MiB is FAT32 by default: 64 KiB clusters give too few.
    // Bounds are rounded outwards, never to a size that fails: 1 GiB itself is too small here.
    expect(msg({ size: 1 * G, fatType: 32, sectorsPerCluster: 32 })).toBe('1 GiB is too small for a FAT32 volume with 16384-byte clusters: FAT32 needs at least 65525 clusters; with these options it must be at least 1024.4 MiB');
    expect(msg({ size: 600 * M, sectorsPerCluster: 128 })).toBe('600 MiB is too small for a FAT32 volume with 65536-byte clusters: FAT32 needs at least 65525 clusters; with these options it must be at least 4 GiB');
  });

  it('a cluster size that gives an invalid count says so', () => {
    expect(msg({ size: 300 * M, sectorsPerCluster: 8 })).toBe('300 MiB is not possible for a FAT volume with 4096-byte clusters: FAT12 holds at most 4084 clusters and FAT16 4087 to 65524; try another cluster size');
    expect(msg({ size: 40 * M, fatType: 12, sectorsPerCluster: 2 })).toMatch(/too large for a FAT12 volume with 1024-byte clusters: FAT12 holds at most 4084 clusters; with these options the size must be .* to .*; try another cluster size/);
  });

  it('too small for any FAT', () => {
    expect(msg({ size: 10 * K, fatType: 12 })).toBe('10 KiB is too small for a FAT12 volume: a volume needs its boot sector, FATs and root directory plus 32 KiB of data; with these options the size must be 50 KiB to 255.5 MiB');
    expect(msg({ size: 20 * K })).toBe('20 KiB is too small for a FAT volume: a volume needs its boot sector, FATs and root directory plus 32 KiB of data; with these options it must be at least 50 KiB');
  });

  it('invalid option values', () => {
    expect(msg({ size: 1 * M, sectorSize: 1000 })).toBe('sector size 1000 is not 512, 1024, 2048 or 4096');
    expect(msg({ size: 1 * M, sectorsPerCluster: 3 })).toBe('cluster size 1536 must be a power of two from 512 to 65536 bytes');
    expect(msg({ size: 1 * M, rootEntries: 8 })).toBe('root directory entries 8 must be from 16 to 32768');
    expect(msg({ size: 1 * M, numFats: 3 })).toBe('number of FATs 3 must be 1 or 2');
    expect(msg({ size: 1 * M, media: 0xe0 })).toBe('media byte 0xe0 must be 0xf0 or 0xf8 to 0xff');
    expect(msg({ size: 1 * M, reservedSectors: 0 })).toBe('reserved sectors 0 must be from 1 to 65535');
    expect(msg({ size: 1 * G, reservedSectors: 1 })).toBe('FAT32 needs at least 2 reserved sectors (this 1 GiB volume is FAT32)');
    expect(msg({ size: 3 * 1024 * G })).toBe('volume of 3 TiB is too large: at most 4294967295 sectors of 512 bytes');
  });

  it('validSizeRange brackets what works', () => {
    const r = validSizeRange({ size: 0, fatType: 16 });
    expect(r!.min).toBeGreaterThan(8 * M);
    expect(r!.min).toBeLessThan(8 * M + 64 * K);
    expect(r!.max).toBeGreaterThan(4 * G - 1 * M);
    expect(r!.max).toBeLessThan(4 * G);
    expect(() => planLayout({ size: r!.min, fatType: 16 })).not.toThrow();
    expect(() => planLayout({ size: r!.min - K, fatType: 16 })).toThrow();
    expect(() => planLayout({ size: r!.max, fatType: 16 })).not.toThrow();
    expect(() => planLayout({ size: r!.max + K, fatType: 16 })).toThrow();
  });

  it('formats sizes in binary units', () => {
    expect([formatSize(100), formatSize(1440 * K), formatSize(512 * M), formatSize(8 * G)]).toEqual(['100 bytes', '1.4 MiB', '512 MiB', '8 GiB']);
  });
});
