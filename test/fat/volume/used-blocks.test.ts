/**
 * Issue 18: the blocks an image uses (what fat bmap maps and fat sparse stores). The codecs are
 * tested in test/fat/format/flash-codecs.test.ts, the interop with bmaptool and simg2img in
 * test/cli/flash.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MemoryDevice, Volume, mkfs, imageBlockMap, type FatError } from '../../../src/core.js';

const T = Date.UTC(2024, 0, 1);
const B = 4096;

describe('imageBlockMap', () => {
  it('a volume: reserved sectors, FATs and root, then the clusters in use; free and bad clusters left out', () => {
    const dev = new MemoryDevice(8 << 20);
    mkfs(dev, { fatType: 12, clusterSize: 4096, time: T, volumeId: 1 });
    const vol = Volume.open(dev);
    vol.writeFile('/a', new Uint8Array(3 * B).fill(1)); // clusters 2..4
    vol.writeFile('/b', new Uint8Array(B).fill(2)); // cluster 5
    vol.rm('/a');
    vol.writeFile('/c', new Uint8Array(B).fill(3)); // cluster 2
    vol.fat.set(20, 0xff7); // bad
    vol.close();
    const g = Volume.open(dev).geo;
    expect(g.dataStart * 512 % B).toBe(0);
    const d = (g.dataStart * 512) / B;
    const map = imageBlockMap(dev);
    expect(map).toMatchObject({ blockSize: B, imageBytes: 8 << 20, blockCount: 2048 });
    expect(map.ranges).toEqual([{ first: 0, last: d }, { first: d + 3, last: d + 3 }]);
    expect(map.mappedBlocks).toBe(d + 2);
    expect(map.notes).toEqual([`volume: FAT12, 2 of ${g.clusterCount} clusters in use`]);
  });

  it('a partitioned disk: the table, the FAT partition\'s used parts, GPT headers and arrays at both ends; non-zero gap blocks', () => {
    const dev = new MemoryDevice(8 << 20);
    mkfs(dev, { partition: 'gpt', time: T, volumeId: 1 });
    const blocks = dev.bytes.length / B;
    const map = imageBlockMap(dev);
    // LBA 0-33 (protective MBR, header, 16 KiB array) in blocks 0-4; the backup array and header (33 sectors) in the last 5.
    expect(map.ranges[0]).toEqual({ first: 0, last: 4 });
    expect(map.ranges[map.ranges.length - 1]).toEqual({ first: blocks - 5, last: blocks - 1 });
    expect(map.ranges[1].first).toBe(256); // the volume at 1 MiB
    expect(map.notes[0]).toBe('GPT partition table');
    dev.bytes[5 * B + 7] = 1; // boot code in the gap before the partition
    expect(imageBlockMap(dev).ranges.slice(0, 2)).toEqual([{ first: 0, last: 5 }, map.ranges[1]]); // merged with the table's blocks
  });

  it('non-FAT partitions whole; boot code before the first partition mapped, nothing after it; an image that is not FAT is FAT_NOT_FAT', () => {
    const dev = new MemoryDevice(4 << 20);
    const mbr = dev.bytes;
    const entry = (i: number, type: number, start: number, count: number): void => {
      const o = 446 + 16 * i;
      mbr[o + 4] = type;
      new DataView(mbr.buffer).setUint32(o + 8, start, true);
      new DataView(mbr.buffer).setUint32(o + 12, count, true);
    };
    entry(0, 0x83, 2048, 1024);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    mbr[100 * 512 + 3] = 9; // before the partition: boot code
    mbr[6000 * 512 + 3] = 9; // after it: unused by the table's account
    const map = imageBlockMap(dev);
    expect(map.ranges).toEqual([{ first: 0, last: 0 }, { first: 12, last: 12 }, { first: 256, last: 383 }]);
    expect(map.notes).toContain('partition 1 (type 0x83): mapped whole');
    const err = (() => {
      try {
        imageBlockMap(new MemoryDevice(1 << 20));
      } catch (e) {
        return e as FatError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('FAT_NOT_FAT');
  });

  it('an extended partition: its boot records, each logical partition', () => {
    const dev = new MemoryDevice(4 << 20);
    const b = dev.bytes;
    const dv = new DataView(b.buffer);
    const entry = (sector: number, i: number, type: number, start: number, count: number): void => {
      const o = sector * 512 + 446 + 16 * i;
      b[o + 4] = type;
      dv.setUint32(o + 8, start, true);
      dv.setUint32(o + 12, count, true);
      b[sector * 512 + 510] = 0x55;
      b[sector * 512 + 511] = 0xaa;
    };
    entry(0, 0, 0x05, 2048, 6000);
    entry(2048, 0, 0x83, 2048, 1024); // logical 5 at 4096
    entry(2048, 1, 0x05, 4000, 2000); // the next EBR at 6048
    entry(6048, 0, 0x83, 8, 100); // logical 6 at 6056
    const map = imageBlockMap(dev);
    expect(map.ranges).toEqual([{ first: 0, last: 0 }, { first: 256, last: 256 }, { first: 512, last: 639 }, { first: 756, last: 769 }]);
  });

  it('an image that ends inside a sector keeps its tail', () => {
    const dev = new MemoryDevice(1 << 20);
    mkfs(dev, { time: T, volumeId: 1 });
    const map = imageBlockMap(dev, { imageBytes: (1 << 20) + 100 });
    expect(map.blockCount).toBe(257);
    expect(map.ranges[map.ranges.length - 1]).toEqual({ first: 256, last: 256 });
  });
});
