/**
 * Why the library keeps a few small objects alive for good (issue #16). V8 forgets the layout
 * (hidden class) of a class's objects once a full garbage collection finds none of them alive, and
 * throws away the optimized code built on it. A program that opens a volume, works and closes it,
 * again and again with full collections in between (a server, a build step, the benchmarks), then
 * ran the volume and directory code unoptimized after each: writing 2,000 small files took 4x as
 * long right after one (`node --trace-deopt` says "reason: weak objects"). So each hot class keeps
 * one small instance of itself: the Volume below (made on the first Volume.open), and the
 * Directory, FatStats, FatTable, SectorIO and MemoryDevice beside their classes.
 * test/fat/volume/shape-keepers.test.ts checks that each has the layout of the real objects.
 */

/** A four-sector FAT12 volume (boot sector, one FAT sector, a 16-entry root, one cluster): what the kept Volume mounts. */
export function tinyVolumeImage(): Uint8Array {
  const b = new Uint8Array(4 * 512);
  b.set([0xeb, 0x3c, 0x90], 0);
  // 512-byte sectors, 1 per cluster, 1 reserved, 1 FAT, 16 root entries, 4 sectors, media F8, 1 sector per FAT.
  b.set([0x00, 0x02, 1, 1, 0, 1, 16, 0, 4, 0, 0xf8, 1, 0], 11);
  b.set([0x55, 0xaa], 510);
  b.set([0xf8, 0xff, 0xff], 512);
  return b;
}
