/**
 * Issue 18: `fat bmap` and `fat sparse` against the tools that read them. On FAT12/16/32 images
 * written by mtools (fragmented, with deleted files' bytes left in free clusters) and by fatkit
 * (plain, MBR and GPT disks): `bmaptool copy --bmap` verifies every range's checksum and the file's
 * own, and its copy equals the image in every mapped block; `simg2img` turns the sparse image back
 * into the image's bytes in every mapped block (the whole image when its free space was zeros);
 * fsck.fat and mtools read both results, every file identical. Then `make --bmap`, and refusals.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fatCli, freshImage, fsckClean, haveOracles, hostDigest, mtoolsExtract, oracleEnv, scratchDir, writeHostTree } from './cli-helpers.js';

const have = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
/** bmaptool (bmap-tools) and simg2img (android-sdk-libsparse-utils); under CI=true their absence is an error. */
const haveFlashTools = (() => {
  const ok = haveOracles && have('bmaptool') && have('simg2img');
  if (!ok && process.env.CI === 'true') throw new Error('bmaptool and simg2img (and mtools, dosfstools) must be installed under CI=true');
  return ok;
})();

const B = 4096;
const run = (tool: string, args: string[]): void => {
  const r = spawnSync(tool, args, { encoding: 'utf8', env: oracleEnv, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')}: ${r.stderr}`);
};
const rangesOf = (bmap: string): [number, number][] =>
  [...bmap.matchAll(/<Range chksum="[0-9a-f]{64}"> (\d+)(?:-(\d+))? <\/Range>/g)].map((m) => [Number(m[1]), Number(m[2] ?? m[1])]);
const bytes = (n: number, seed: number): Buffer => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed * 53 + (i >> 10)) & 0xff));

/** `copy` equals `img` in every mapped block and holds zeros elsewhere (within the image's size). */
function sameWhereMapped(img: Buffer, copy: Buffer, ranges: [number, number][]): void {
  expect(copy.length).toBeGreaterThanOrEqual(img.length);
  let pos = 0;
  for (const [a, b] of ranges) {
    expect(copy.subarray(pos * B, Math.min(a * B, img.length)).every((x) => x === 0), `zeros before block ${a}`).toBe(true);
    expect(Buffer.compare(copy.subarray(a * B, Math.min((b + 1) * B, img.length)), img.subarray(a * B, (b + 1) * B)), `blocks ${a}-${b}`).toBe(0);
    pos = b + 1;
  }
  expect(copy.subarray(pos * B).every((x) => x === 0)).toBe(true);
}

describe.skipIf(!haveFlashTools)('fat bmap and fat sparse against bmaptool and simg2img', () => {
  let dir: string;
  const at = (name: string): string => nodePath.join(dir, name);
  beforeAll(() => {
    dir = scratchDir('fatkit-flash-');
    writeHostTree(at('tree'), { 'index.html': 'hello', 'a/b/c.bin': bytes(70000, 1), 'Long file name.txt': 'long', 'empty/': null });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** An mtools image: files, a fragmented one, deleted ones whose bytes stay in the free clusters. */
  function mtoolsImage(name: string, fat: 12 | 16 | 32, kib: number): string {
    const img = at(name);
    freshImage(img, kib, fat);
    const put = (host: string, data: Uint8Array | string, to = '::/'): void => {
      fs.writeFileSync(at(host), data);
      run('mcopy', ['-i', img, at(host), to]);
    };
    put('one.bin', bytes(50000, 2));
    put('gone.bin', bytes(30000, 3));
    put('wall.txt', 'wall');
    run('mdel', ['-i', img, '::/gone.bin']);
    if (fat === 32) {
      const fd = fs.openSync(img, 'r+');
      fs.writeSync(fd, Uint8Array.of(2, 0, 0, 0), 0, 4, 512 + 492); // allocate from the start: into the hole
      fs.closeSync(fd);
    }
    put('fragmented.bin', bytes(90000, 4));
    run('mmd', ['-i', img, '::/dir']);
    put('Inner file name.dat', bytes(5000, 5), '::/dir/');
    put('deleted too', bytes(20000, 6));
    run('mdel', ['-i', img, '::/deleted too']);
    return img;
  }

  /** bmaptool copy and simg2img give back the image where it is mapped; fsck.fat and mtools read both copies alike. */
  function roundTrip(img: string, volume: (path: string) => string = (p) => p, zeroFree = false): void {
    const orig = fs.readFileSync(img);
    const map = at(`${nodePath.basename(img)}.bmap`);
    expect(fatCli(['bmap', img, '-o', map, '-q'])).toMatchObject({ status: 0, stderr: '', stdout: '' });
    const xml = fs.readFileSync(map, 'utf8');
    const ranges = rangesOf(xml);
    expect(ranges.length).toBeGreaterThan(0);
    expect(fatCli(['bmap', img]).stdout).toBe(xml); // standard output: the same file
    const copied = at(`${nodePath.basename(img)}.copy`);
    fs.rmSync(copied, { force: true });
    run('bmaptool', ['copy', '--bmap', map, img, copied]); // verifies the file's and every range's checksum
    sameWhereMapped(orig, fs.readFileSync(copied), ranges);

    const simg = at(`${nodePath.basename(img)}.simg`);
    const r = fatCli(['sparse', img, '-o', simg, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ output: simg, blockSize: B, mappedBlocksCount: ranges.reduce((n, [a, b]) => n + b - a + 1, 0) });
    const raw = at(`${nodePath.basename(img)}.raw`);
    run('simg2img', [simg, raw]);
    const back = fs.readFileSync(raw);
    expect(back.length).toBe(Math.ceil(orig.length / B) * B);
    sameWhereMapped(orig, back, ranges);
    if (zeroFree) expect(Buffer.compare(back.subarray(0, orig.length), orig)).toBe(0);
    expect(fs.statSync(simg).size).toBeLessThan(orig.length);

    const want = hostDigest(mtoolsExtract(volume(img)));
    for (const copy of [copied, raw]) {
      if (volume(copy) === copy) expect(fsckClean(copy)).toEqual([]);
      expect(hostDigest(mtoolsExtract(volume(copy)))).toEqual(want);
    }
  }

  it.each([[12, 1440], [16, 16384], [32, 40000]] as const)('FAT%i written by mtools, fragmented, deleted files in its free space', (fat, kib) => {
    roundTrip(mtoolsImage(`m${fat}.img`, fat, kib));
  });

  it('images fatkit made: from a tree, and MBR and GPT disks (table sectors, the volume\'s used parts)', () => {
    for (const [name, extra] of [['plain.img', []], ['mbr.img', ['--partition', 'mbr', '--size', '8M']], ['gpt.img', ['--partition', 'gpt', '--fat', '32', '--size', '40M']]] as const) {
      const img = at(name);
      expect(fatCli(['make', img, '--from', at('tree'), ...extra], { env: { SOURCE_DATE_EPOCH: '1700000000' } }).status).toBe(0);
      roundTrip(img, name === 'plain.img' ? (p) => p : (p) => `${p}@@1M`, true);
    }
  });

  it('make --bmap writes the map of the new image', () => {
    const img = at('made.img');
    const r = fatCli(['make', img, '--size', '4M', '--bmap', at('made.bmap'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).image).toBe(img);
    expect(fs.readFileSync(at('made.bmap'), 'utf8')).toBe(fatCli(['bmap', img]).stdout);
    fs.rmSync(at('made.copy'), { force: true });
    run('bmaptool', ['copy', '--bmap', at('made.bmap'), img, at('made.copy')]);
    expect(Buffer.compare(fs.readFileSync(at('made.copy')), fs.readFileSync(img))).toBe(0); // a fresh image: zeros where unmapped
  });
});

describe('fat bmap and fat sparse refuse clearly', () => {
  let dir: string;
  const at = (name: string): string => nodePath.join(dir, name);
  beforeAll(() => {
    dir = scratchDir('fatkit-flash-');
    freshImage(at('a.img'), 1024);
    fs.writeFileSync(at('junk.img'), Buffer.alloc(1 << 20, 0x41));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const oneLine = (r: { status: number | null; stderr: string }, status: number, msg: RegExp): void => {
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(/^fat: [^\n]+\n$/);
    expect(r.stderr).toMatch(msg);
  };

  it('not a FAT image, --partition, --json without -o, the image as its own output', () => {
    oneLine(fatCli(['bmap', at('junk.img')]), 1, /^fat: not a FAT image: /);
    oneLine(fatCli(['sparse', at('junk.img'), '-o', at('x.simg')]), 1, /^fat: not a FAT image: /);
    oneLine(fatCli(['--partition', '1', 'bmap', at('a.img')]), 2, /--partition does not apply/);
    oneLine(fatCli(['bmap', at('a.img'), '--json']), 2, /-o FILE/);
    oneLine(fatCli(['sparse', at('a.img'), '-o', at('a.img')]), 1, /is the image itself/);
    oneLine(fatCli(['make', at('n.img'), '--size', '1M', '--bmap', at('n.img')]), 2, /--bmap names the image itself/);
    expect(fs.existsSync(at('x.simg'))).toBe(false);
    expect(fs.existsSync(at('n.img'))).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.img', 'junk.img']);
  });

  // A file of 2^32 blocks of 4 KiB (16 TiB, sparse): tmpfs holds it where ext4 cannot.
  it.skipIf(!fs.existsSync('/dev/shm'))('an image that would need more than 2^32 - 1 sparse blocks', () => {
    const shm = fs.mkdtempSync('/dev/shm/fatkit-');
    try {
      const huge = nodePath.join(shm, 'huge.img');
      fs.closeSync(fs.openSync(huge, 'w'));
      try {
        fs.truncateSync(huge, 2 ** 32 * B);
      } catch {
        return; // no room for such a file here
      }
      const r = fatCli(['sparse', huge, '-o', nodePath.join(shm, 'h.simg'), '--json']);
      oneLine(r, 1, /^fat: a sparse image holds at most 4294967295 blocks; this one needs 4294967296 of 4096 bytes\n$/);
      expect(JSON.parse(r.stdout).error.code).toBe('EFBIG');
      expect(fs.readdirSync(shm)).toEqual(['huge.img']);
    } finally {
      fs.rmSync(shm, { recursive: true, force: true });
    }
  });
});
