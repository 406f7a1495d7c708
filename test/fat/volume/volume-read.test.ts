import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Volume } from '../../../src/fat/volume/volume.js';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { FatError } from '../../../src/fat/errors.js';
import { mkfs } from '../../../src/fat/mkfs/mkfs.js';

const haveTools = (() => {
  try {
    execFileSync('mkfs.fat', ['--help'], { stdio: 'ignore' });
    execFileSync('mcopy', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!haveTools && process.env.CI === 'true') throw new Error('mkfs.fat and mtools are required under CI=true');

const env = { ...process.env, MTOOLS_SKIP_CHECK: '1', TZ: 'UTC' };
let dir: string;

function makeImage(name: string, kib: number, mkfsArgs: string[], populate: (img: string) => void): Volume {
  const img = path.join(dir, name);
  execFileSync('mkfs.fat', ['-C', '--invariant', ...mkfsArgs, img, String(kib)], { stdio: 'ignore' });
  populate(img);
  return Volume.open(new MemoryDevice(new Uint8Array(fs.readFileSync(img))));
}

function hostFile(rel: string, content: string | Uint8Array, mtime = new Date('2021-06-15T12:34:56Z')): string {
  const p = path.join(dir, 'src', rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  fs.utimesSync(p, mtime, mtime);
  return p;
}

const mcopy = (img: string, src: string, dest: string): void => {
  execFileSync('mcopy', ['-i', img, '-m', '-o', src, dest], { env, stdio: 'ignore' });
};
const mmd = (img: string, d: string): void => {
  execFileSync('mmd', ['-i', img, d], { env, stdio: 'ignore' });
};

describe.skipIf(!haveTools)('reading images made by mkfs.fat and mtools', () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-read-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [label, kib, args] of [
    ['FAT12', 1440, ['-F', '12']],
    ['FAT16', 32 * 1024, ['-F', '16']],
    ['FAT32', 64 * 1024, ['-F', '32', '-s', '1']],
    ['FAT16 4096-byte sectors', 64 * 1024, ['-F', '16', '-S', '4096']],
  ] as const) {
    it(`${label}: names, sizes, bytes, times, lookup`, () => {
      const big = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
      const vol = makeImage(`${label.replace(/\W/g, '')}.img`, kib, [...args, '-n', 'MYLABEL'], (img) => {
        mcopy(img, hostFile('readme.txt', 'lower case 8.3\n'), '::/readme.txt');
        mcopy(img, hostFile('UPPER.TXT', 'upper\n'), '::/UPPER.TXT');
        mcopy(img, hostFile('A long name with spaces.html', '<p>hi</p>'), '::/A long name with spaces.html');
        mcopy(img, hostFile('Ünïcödé ünd ß.txt', 'unicode'), '::/Ünïcödé ünd ß.txt');
        mmd(img, '::/docs');
        mmd(img, '::/docs/deeper');
        mcopy(img, hostFile('big.bin', big), '::/docs/deeper/big.bin');
        mcopy(img, hostFile('empty', ''), '::/docs/empty');
      });
      expect(vol.readdir('/')).toEqual(['readme.txt', 'UPPER.TXT', 'A long name with spaces.html', 'Ünïcödé ünd ß.txt', 'docs']);
      expect(vol.readdir('/docs')).toEqual(['deeper', 'empty']);
      expect(vol.readFile('/readme.txt', 'utf8')).toBe('lower case 8.3\n');
      expect(vol.readFile('/README.TXT', 'utf8')).toBe('lower case 8.3\n');
      expect(vol.readFile('/a LONG name with SPACES.html', 'utf8')).toBe('<p>hi</p>');
      expect(vol.readFile('/ÜNÏCÖDÉ ÜND ß.TXT', 'utf8')).toBe('unicode');
      expect(Buffer.from(vol.readFile('/docs/deeper/big.bin')).equals(Buffer.from(big))).toBe(true);
      expect(vol.readFile('/docs/empty').length).toBe(0);
      const s = vol.stat('/docs/deeper/big.bin');
      expect(s.size).toBe(200_000);
      expect(s.isFile()).toBe(true);
      expect(s.mtime.toISOString()).toBe('2021-06-15T12:34:56.000Z');
      expect(vol.stat('/readme.txt').shortName).toBe('README.TXT');
      const long = vol.stat('/A long name with spaces.html');
      expect(long.shortName).toMatch(/^ALONGN~1\.HTM$/);
      expect(vol.stat('/docs').isDirectory()).toBe(true);
      expect(vol.info().label).toBe('MYLABEL');
      expect([...vol.walk('/')].map((e) => e.path)).toEqual([
        '/readme.txt', '/UPPER.TXT', '/A long name with spaces.html', '/Ünïcödé ünd ß.txt', '/docs',
        '/docs/deeper', '/docs/deeper/big.bin', '/docs/empty',
      ]);
      expect(() => vol.readFile('/nope')).toThrowError(expect.objectContaining({ code: 'ENOENT' }));
      expect(() => vol.readFile('/docs')).toThrowError(expect.objectContaining({ code: 'EISDIR' }));
      expect(() => vol.readdir('/readme.txt')).toThrowError(expect.objectContaining({ code: 'ENOTDIR' }));
      expect(() => vol.stat('/readme.txt/x')).toThrowError(expect.objectContaining({ code: 'ENOTDIR' }));
      const info = vol.info();
      expect(info.fatType).toBe(label.startsWith('FAT12') ? 12 : label.startsWith('FAT32') ? 32 : 16);
      expect(info.dirty).toBe(false);
      expect(info.volumeIdHex).toBe('1234-ABCD');
      expect(vol.problems).toEqual([]);
      vol.close();
    });
  }

  it('reads a fragmented file and skips deleted entries', () => {
    const vol = makeImage('frag.img', 1440, ['-F', '12'], (img) => {
      mcopy(img, hostFile('a.bin', new Uint8Array(5000).fill(1)), '::/a.bin');
      mcopy(img, hostFile('b.bin', new Uint8Array(5000).fill(2)), '::/b.bin');
      mcopy(img, hostFile('c.bin', new Uint8Array(5000).fill(3)), '::/c.bin');
      execFileSync('mdel', ['-i', img, '::/b.bin'], { env });
      mcopy(img, hostFile('d.bin', new Uint8Array(20000).map((_, i) => i & 0xff)), '::/d.bin');
    });
    expect(vol.readdir('/')).toEqual(['a.bin', 'd.bin', 'c.bin']);
    const d = vol.readFile('/d.bin');
    expect(d.length).toBe(20000);
    expect(d.every((v, i) => v === (i & 0xff))).toBe(true);
    // d.bin really is fragmented: its chain is not one run.
    const first = vol.stat('/d.bin').firstCluster;
    const chain = vol.fat.chain(first, 'd');
    expect(chain.some((c, i) => i > 0 && c !== chain[i - 1] + 1)).toBe(true);
    vol.close();
  });
});

describe('hostile input', () => {
  it('rejects an image that is not FAT with FAT_NOT_FAT', () => {
    const junk = new Uint8Array(4096).map((_, i) => (i * 31 + 7) & 0xff);
    expect(() => Volume.open(new MemoryDevice(junk))).toThrowError(FatError);
    try {
      Volume.open(new MemoryDevice(junk));
    } catch (e) {
      expect((e as FatError).code).toBe('FAT_NOT_FAT');
      expect((e as FatError).message).not.toContain('\n');
    }
  });
  it('rejects an all-zero image', () => {
    expect(() => Volume.open(new MemoryDevice(new Uint8Array(1024)))).toThrowError(/not a FAT/);
  });
});

describe('short-name lookups', () => {
  it('find an entry whose stored 8.3 name holds an OEM letter with no upper case in the code page', () => {
    // FatFs (CP437) stores 'αβγδε.dat' as E0 5F 5F EB EE '~1 DAT': α (0xE0) has no upper case in
    // CP437, so the decoded short name 'α__δε~1.DAT' is not upper case; looking it up must still work.
    const dev = new MemoryDevice(1 << 20);
    mkfs(dev, { time: 0, volumeId: 1 });
    let vol = Volume.open(dev);
    vol.writeFile('/αβγδε.dat', 'x');
    expect(vol.stat('/αβγδε.dat').shortName).toMatch(/^.{5}~1\.DAT$/);
    vol.close();
    // Its short entry: five name bytes, '~1 DAT'.
    const img = dev.bytes;
    const at = Buffer.from(img.buffer, img.byteOffset, img.length).indexOf(Buffer.from('~1 DAT')) - 5;
    expect(at).toBeGreaterThan(0);
    const patched = [0xe0, 0x5f, 0x5f, 0xeb, 0xee, 0x7e, 0x31, 0x20, 0x44, 0x41, 0x54];
    img.set(patched, at);
    let sum = 0;
    for (const b of patched) sum = ((sum & 1 ? 0x80 : 0) + (sum >> 1) + b) & 0xff;
    for (let o = at - 32; o >= 0 && img[o + 11] === 0x0f; o -= 32) img[o + 13] = sum;
    vol = Volume.open(new MemoryDevice(img));
    expect(vol.stat('/αβγδε.dat').shortName).toBe('α__δε~1.DAT');
    expect(vol.realpath('/α__δε~1.DAT')).toBe('/αβγδε.dat');
    expect(vol.realpath('/Α__ΔΕ~1.dat')).toBe('/αβγδε.dat');
    expect(vol.readFile('/α__δε~1.DAT', 'utf8')).toBe('x');
    vol.close();
  });
});
