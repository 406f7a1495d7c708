/**
 * Issue 18: the blocks an image uses (what fat bmap maps and fat sparse stores), and the bmap and
 * Android sparse codecs. The interop with bmaptool and simg2img is in test/cli/flash.test.ts.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MemoryDevice, Volume, mkfs, imageBlockMap, renderBmap, humanSize, sparseChunks, sparseHeader, CHUNK_DONT_CARE, CHUNK_FILL, CHUNK_RAW, type FatError, type SparseStats,
} from '../../../src/core.js';

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

  it('non-FAT partitions whole; a gap block with data mapped; an image that is not FAT is FAT_NOT_FAT', () => {
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
    mbr[6000 * 512 + 3] = 9; // after the partition: a non-zero byte
    const map = imageBlockMap(dev);
    expect(map.ranges).toEqual([{ first: 0, last: 0 }, { first: 256, last: 383 }, { first: 750, last: 750 }]);
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

  it('an image that ends inside a sector keeps its tail', () => {
    const dev = new MemoryDevice(1 << 20);
    mkfs(dev, { time: T, volumeId: 1 });
    const map = imageBlockMap(dev, { imageBytes: (1 << 20) + 100 });
    expect(map.blockCount).toBe(257);
    expect(map.ranges[map.ranges.length - 1]).toEqual({ first: 256, last: 256 });
  });
});

describe('the bmap codec', () => {
  const sha = (d: Uint8Array): string => createHash('sha256').update(d).digest('hex');
  it('writes bmaptool\'s format 2.0 with the file checksum computed over the text with 64 zeros in its place', () => {
    const text = renderBmap({ imageBytes: 4 << 20, blockSize: B, blockCount: 1024, ranges: [{ first: 0, last: 3, sha256: 'a'.repeat(64) }, { first: 9, last: 9, sha256: 'b'.repeat(64) }] }, sha);
    expect(text).toContain('<bmap version="2.0">');
    expect(text).toContain('<MappedBlocksCount> 5    </MappedBlocksCount>');
    expect(text).toContain(`        <Range chksum="${'a'.repeat(64)}"> 0-3 </Range>\n        <Range chksum="${'b'.repeat(64)}"> 9 </Range>\n`);
    const sum = /<BmapFileChecksum> ([0-9a-f]{64}) </.exec(text)![1];
    expect(sha(new TextEncoder().encode(text.replace(sum, '0'.repeat(64))))).toBe(sum);
    expect([humanSize(1), humanSize(100), humanSize(4 << 20), humanSize(1536)]).toEqual(['1 byte', '100 bytes', '4.0 MiB', '1.5 KiB']);
  });
});

describe('the sparse codec', () => {
  it('DONT_CARE between mapped runs, FILL for uniform blocks, RAW for the rest', () => {
    const data = new Uint8Array(6 * B);
    data.fill(0xab, 2 * B, 3 * B);
    data[3 * B + 5] = 1;
    const stats: SparseStats = { chunks: 0, rawBlocks: 0, fillBlocks: 0, dontCareBlocks: 0, bytes: 0 };
    const pieces = [...sparseChunks(B, 10, [{ first: 1, last: 4 }], (first, count) => data.slice(first * B, (first + count) * B), stats)];
    const types = pieces.filter((p) => p.length === 12).map((p) => p[0] | (p[1] << 8));
    expect(types).toEqual([CHUNK_DONT_CARE, CHUNK_FILL, CHUNK_FILL, CHUNK_RAW, CHUNK_FILL, CHUNK_DONT_CARE]);
    expect(stats).toEqual({ chunks: 6, rawBlocks: 1, fillBlocks: 3, dontCareBlocks: 6, bytes: 6 * 12 + 3 * 4 + B });
    const h = sparseHeader(B, 10, 5);
    expect(Array.from(h.subarray(0, 12))).toEqual([0x3a, 0xff, 0x26, 0xed, 1, 0, 0, 0, 28, 0, 12, 0]);
  });

  it('more than 2^32 - 1 blocks is EFBIG, before anything is read', () => {
    const stats: SparseStats = { chunks: 0, rawBlocks: 0, fillBlocks: 0, dontCareBlocks: 0, bytes: 0 };
    expect(() => sparseChunks(B, 2 ** 32, [], () => { throw new Error('read'); }, stats).next()).toThrow(/at most 4294967295 blocks; this one needs 4294967296/);
    expect(() => sparseHeader(B, 2 ** 32, 1)).toThrow(expect.objectContaining({ code: 'EFBIG' }));
  });
});
