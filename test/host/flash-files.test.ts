/** Issue 18: the Node writers of bmap and sparse files: written beside OUT and renamed; nothing left behind on failure. */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDevice, mkfs, writeBmapFile, writeSparseImage, bmapOf } from '../../src/index.js';
import { writeAtomically } from '../../src/host/flash-files.js';

describe('writeBmapFile, writeSparseImage', () => {
  let dir: string;
  const at = (n: string): string => nodePath.join(dir, n);
  beforeAll(() => {
    dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'fatkit-flash-files-'));
    const dev = new MemoryDevice(1 << 20);
    mkfs(dev, { time: Date.UTC(2024, 0, 1), volumeId: 1 });
    fs.writeFileSync(at('a.img'), dev.bytes);
    fs.writeFileSync(at('odd.img'), Buffer.concat([dev.bytes, Buffer.from('tail')])); // not a whole sector
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replace OUT in one rename, and leave nothing beside it when they fail', () => {
    fs.writeFileSync(at('out.bmap'), 'old');
    const map = writeBmapFile(at('a.img'), at('out.bmap'));
    expect(fs.readFileSync(at('out.bmap'), 'utf8')).toBe(bmapOf(at('a.img')).text);
    expect(map.mappedBlocks).toBeGreaterThan(0);
    const r = writeSparseImage(at('a.img'), at('out.simg'));
    expect(fs.statSync(at('out.simg')).size).toBe(r.outputBytes);
    expect(() => writeAtomically(at('x.out'), () => { throw new Error('disk full'); })).toThrow('disk full');
    expect(() => writeSparseImage(at('a.img'), at('a.img'))).toThrow(/is the image itself/);
    expect(() => writeBmapFile(at('a.img'), at('no/such/dir.bmap'))).toThrow(expect.objectContaining({ code: 'ENOENT', path: at('no/such/dir.bmap') }));
    expect(fs.readdirSync(dir).sort()).toEqual(['a.img', 'odd.img', 'out.bmap', 'out.simg']);
  });

  it('an image that ends inside a block: its size in the bmap, its tail mapped and padded in the sparse image', () => {
    const { text, map } = bmapOf(at('odd.img'));
    expect(text).toContain(`<ImageSize> ${(1 << 20) + 4} </ImageSize>`);
    expect(map.blockCount).toBe(257);
    expect(map.ranges[map.ranges.length - 1].last).toBe(256);
    const r = writeSparseImage(at('odd.img'), at('odd.simg'));
    expect(r.rawBlocks + r.fillBlocks + r.dontCareBlocks).toBe(257);
  });
});
