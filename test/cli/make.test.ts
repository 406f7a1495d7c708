import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSize } from '../../src/cli/size.js';
import { describeRun, runFat } from '../fixtures/run-fat.js';

const K = 1024;
const M = 1024 * K;
const G = 1024 * M;

describe('parseSize', () => {
  it('reads bytes and binary units', () => {
    expect(parseSize('512')).toBe(512);
    expect(parseSize('1440K')).toBe(1440 * K);
    expect(parseSize('1440KiB')).toBe(1440 * K);
    expect(parseSize('64m')).toBe(64 * M);
    expect(parseSize('64 MiB')).toBe(64 * M);
    expect(parseSize('8G')).toBe(8 * G);
    expect(parseSize('8GiB')).toBe(8 * G);
    expect(parseSize('1.5M')).toBe(1.5 * M);
    expect(parseSize('2T')).toBe(2 * 1024 * G);
    expect(parseSize('0x200')).toBe(512);
  });

  it('refuses junk with a usage error naming the option', () => {
    for (const bad of ['', 'abc', '12Q', '-5', '1e6', '8 G B', 'M']) {
      expect(() => parseSize(bad, '--size'), bad).toThrow(/^--size: invalid size/);
    }
    expect(() => parseSize('1.3K', '--size')).toThrow('--size: "1.3K" is not a whole number of bytes');
    try {
      parseSize('x');
    } catch (e) {
      expect((e as { exitCode?: number }).exitCode).toBe(2);
    }
  });
});

describe('fat make', () => {
  let dir: string;
  const saved = process.env.SOURCE_DATE_EPOCH;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-make-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  });

  const img = (name: string): string => path.join(dir, name);
  const leftovers = (): string[] => fs.readdirSync(dir).filter((f) => f.includes('.tmp-'));
  const fat = async (...args: string[]) => {
    const r = await runFat(args);
    return { ...r, out: r.stdout.toString('utf8'), line: describeRun(args, r) };
  };

  it('makes an image and says what it made in one line', async () => {
    const r = await fat('make', img('a.img'), '--size', '1440K', '--label', 'FLOPPY');
    expect(r.status, r.line).toBe(0);
    expect(r.out).toBe(`made ${img('a.img')}: 1.4 MiB image, FAT12, 1.4 MiB, 2847 clusters of 512 bytes, label FLOPPY\n`);
    expect(fs.statSync(img('a.img')).size).toBe(1440 * K);
    expect(leftovers()).toEqual([]);
  });

  it('prints nothing with --quiet and a stable object with --json', async () => {
    const q = await fat('--quiet', 'make', img('q.img'), '--size', '4M');
    expect(q.status, q.line).toBe(0);
    expect(q.out).toBe('');
    const j = await fat('make', img('j.img'), '--size', '600M', '--volume-id', '0xDEADBEEF', '--json');
    expect(j.status, j.line).toBe(0);
    expect(JSON.parse(j.out)).toEqual({
      image: img('j.img'), imageSize: 600 * M, fatType: 32, sectorSize: 512, totalSectors: 1228752, volumeSize: 1228752 * 512,
      clusterSize: 4096, clusterCount: 153290, reservedSectors: 32, numFats: 2, fatSize: 1200, rootEntries: 0, media: 0xf8,
      volumeId: 'DEAD-BEEF', label: null, partition: null,
    });
  });

  it('refuses an existing file unless --force, and then replaces it', async () => {
    fs.writeFileSync(img('exists.img'), 'precious');
    const r = await fat('make', img('exists.img'), '--size', '1M');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`fat: ${img('exists.img')} already exists (use --force to replace it)\n`);
    expect(fs.readFileSync(img('exists.img'), 'utf8')).toBe('precious');
    const f = await fat('make', img('exists.img'), '--size', '1M', '--force');
    expect(f.status, f.line).toBe(0);
    expect(fs.statSync(img('exists.img')).size).toBe(1 * M);
    expect(leftovers()).toEqual([]);
  });

  it('never replaces a directory', async () => {
    fs.mkdirSync(img('adir'));
    const r = await fat('make', img('adir'), '--size', '1M', '--force');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`fat: ${img('adir')} exists and is not a regular file\n`);
  });

  it('leaves neither the image nor a temporary file behind when it fails', async () => {
    const r = await fat('make', img('bad.img'), '--size', '1M', '--fat', '16');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('fat: 1 MiB is too small for a FAT16 volume: FAT16 needs 4087 to 65524 clusters; with these options the size must be 8.1 MiB to 3.9 GiB\n');
    expect(fs.existsSync(img('bad.img'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('keeps the old image when making the replacement fails', async () => {
    fs.writeFileSync(img('keep.img'), 'old');
    const r = await fat('make', img('keep.img'), '--size', '300M', '--fat', '12', '--force');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^fat: 300 MiB is too large for a FAT12 volume: FAT12 holds at most 4084 clusters; with these options the size must be 50 KiB to 255.5 MiB\n$/);
    expect(fs.readFileSync(img('keep.img'), 'utf8')).toBe('old');
    expect(leftovers()).toEqual([]);
  });

  it('makes an 8 GiB FAT32 image in well under a second, sparse', async () => {
    const t0 = Date.now();
    const r = await fat('make', img('big.img'), '--size', '8G');
    const ms = Date.now() - t0;
    expect(r.status, r.line).toBe(0);
    expect(r.out).toBe(`made ${img('big.img')}: 8 GiB image, FAT32, 8 GiB, 2093057 clusters of 4 KiB\n`);
    const st = fs.statSync(img('big.img'));
    expect(st.size).toBe(8 * G);
    expect(st.blocks * 512).toBeLessThan(256 * K);
    // Includes starting node; the mkfs itself is a few milliseconds (see test/fat/mkfs.test.ts).
    expect(ms).toBeLessThan(5000);
    fs.rmSync(img('big.img'));
  });

  it('is reproducible under SOURCE_DATE_EPOCH: the volume id comes from it', async () => {
    process.env.SOURCE_DATE_EPOCH = '1426325213';
    const a = await fat('make', img('r1.img'), '--size', '2M', '--label', 'SAME', '--json');
    const b = await fat('make', img('r2.img'), '--size', '2M', '--label', 'SAME', '--json');
    expect(a.status, a.line).toBe(0);
    expect(b.status, b.line).toBe(0);
    expect(JSON.parse(a.out).volumeId).toBe('EDD0-0000');
    expect(fs.readFileSync(img('r1.img')).equals(fs.readFileSync(img('r2.img')))).toBe(true);
  });

  it('writes an MBR with --partition mbr', async () => {
    const r = await fat('make', img('p.img'), '--size', '64M', '--partition', 'mbr');
    expect(r.status, r.line).toBe(0);
    expect(r.out).toBe(`made ${img('p.img')}: 64 MiB image, FAT16, 63 MiB, 32183 clusters of 2 KiB in MBR partition 1 (type 0x0E) at 1 MiB\n`);
    const b = Buffer.alloc(512);
    const fd = fs.openSync(img('p.img'), 'r');
    fs.readSync(fd, b, 0, 512, 1 * M);
    fs.closeSync(fd);
    expect(b.readUInt32LE(28)).toBe(2048); // hidden sectors
    const info = await fat('info', img('p.img'), '--json');
    expect(info.status, info.line).toBe(0);
    expect(JSON.parse(info.out)).toMatchObject({ fatType: 16, hiddenSectors: 2048, clusterCount: 32183 });
  });

  it('passes the options through', async () => {
    const r = await fat('make', img('o.img'), '--size', '128M', '--fat', '32', '--cluster-size', '1K', '--sector-size', '1024',
      '--reserved-sectors', '8', '--fats', '1', '--media', 'F0', '--volume-id', '1234abcd', '--json');
    expect(r.status, r.line).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ fatType: 32, sectorSize: 1024, clusterSize: 1024, reservedSectors: 8, numFats: 1, media: 0xf0, volumeId: '1234-ABCD' });
    const n = await fat('make', img('n.img'), '--size', '8200K', '--no-align', '--root-entries', '100', '--json');
    expect(n.status, n.line).toBe(0);
    expect(JSON.parse(n.out)).toMatchObject({ totalSectors: 16400, rootEntries: 100 });
  });

  it('explains usage errors (exit 2) and impossible requests (exit 1)', async () => {
    const cases: Array<[string[], number, string]> = [
      [['make', img('u.img')], 2, 'fat: make needs --size SIZE (e.g. --size 64M), or --from DIR\n'],
      [['make', img('u.img'), '--size', 'lots'], 2, 'fat: --size: invalid size "lots" (use bytes, or a number with K, M, G or T: binary units, also written KiB or KB)\n'],
      [['make', img('u.img'), '--size', '1000'], 2, 'fat: --size 1000 is not a whole number of 512-byte sectors\n'],
      [['make', img('u.img'), '--size', '1M', '--fat', '13'], 2, 'fat: --fat must be 12, 16 or 32, not 13\n'],
      [['make', img('u.img'), '--size', '1M', '--sector-size', '8192'], 2, 'fat: --sector-size must be 512, 1024, 2048 or 4096, not 8192\n'],
      [['make', img('u.img'), '--size', '1M', '--fats', '3'], 2, 'fat: --fats must be 1 or 2, not 3\n'],
      [['make', img('u.img'), '--size', '1M', '--volume-id', 'xyz'], 2, 'fat: --volume-id: "xyz" is not a hexadecimal number of at most 8 digits\n'],
      [['make', img('u.img'), '--size', '1M', '--partition', '1'], 2, 'fat: make --partition N formats partition N of an existing disk: it takes no --size (the partition\'s size is the volume\'s)\n'],
      [['make', img('u.img'), '--size', '1M', '--label', 'BAD.NAME'], 2, 'fat: invalid volume label "BAD.NAME": it cannot contain "." (nor any of "*+,./:;<=>?[\\]|)\n'],
      [['make', img('u.img'), '--size', '1M', '--cluster-size', '3000'], 2, 'fat: cluster size 3000 must be a power of two from 512 (the sector size) to 65536 bytes\n'],
      [['make', img('u.img'), '--size', '20K'], 1, 'fat: 20 KiB is too small for a FAT volume: a volume needs its boot sector, FATs and root directory plus 32 KiB of data; with these options it must be at least 50 KiB\n'],
      [['make', img('u.img'), '--size', '300M', '--cluster-size', '4K'], 1, 'fat: 300 MiB is not possible for a FAT volume with 4096-byte clusters: FAT12 holds at most 4084 clusters and FAT16 4087 to 65524; try another cluster size\n'],
      [['make', img('u.img'), '--size', 'auto'], 2, 'fat: --size auto goes with --from DIR (it sizes the image for the tree)\n'],
    ];
    for (const [args, status, stderr] of cases) {
      const r = await fat(...args);
      expect({ args: args.slice(2), status: r.status, stderr: r.stderr }).toEqual({ args: args.slice(2), status, stderr });
    }
    expect(fs.existsSync(img('u.img'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });
});
