/** Issue 18: the bmap (bmaptool format 2.0) and Android sparse (simg 1.0) codecs. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderBmap, humanSize, sparseChunks, sparseHeader, CHUNK_DONT_CARE, CHUNK_FILL, CHUNK_RAW, type SparseStats } from '../../../src/core.js';

const B = 4096;

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
