/**
 * cleanName: the name a new entry is stored under (FAT-NOTES.md section 6, issue #4 "names as
 * Windows and Linux write them"): leading spaces and trailing dots/spaces stripped; control
 * characters and `"*\/:<>?\|` rejected with EINVAL; at most 255 UTF-16 units (non-BMP characters
 * count two) else ENAMETOOLONG; unpaired surrogates rejected. Also checked through the Volume: a
 * rejected name changes nothing, a cleaned one is what is stored.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cleanName } from '../../../src/fat/format/name-rules.js';
import { FatError } from '../../../src/fat/errors.js';
import { MemoryDevice, Volume, mkfs } from '../../../src/core.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof FatError) return e.code;
    throw e;
  }
  return undefined;
}

describe('cleanName keeps legal names as they are', () => {
  it.each([
    'readme.txt', 'README.TXT', 'ReadMe.txt', 'name.with.many.dots.tar.gz', 'a', 'x y z', 'a+b,c;d=e[f]g',
    '.bashrc', '..hidden', 'ünïcödé.txt', '日本語のファイル', '😀', 'music 𝄞.mid', "it's (1) {2} #3 $4 %5 &6 @7 ^8 `9 ~0 !",
    'trailing.dot.inside.x',
  ])('%j', (name) => {
    expect(cleanName(name)).toBe(name);
  });
});

describe('cleanName strips what Windows strips', () => {
  it.each([
    ['name.', 'name'],
    ['name...', 'name'],
    ['name   ', 'name'],
    ['name. . .  ', 'name'],
    ['  lead', 'lead'],
    ['  both. ', 'both'],
    ['a.b.', 'a.b'],
    ['...x', '...x'],
    ['x . y', 'x . y'],
  ])('%j -> %j', (input, out) => {
    expect(cleanName(input)).toBe(out);
  });

  it.each(['', ' ', '.', '..', '...', ' . . ', '   ...'])('%j is empty once cleaned: EINVAL', (name) => {
    expect(codeOf(() => cleanName(name))).toBe('EINVAL');
  });
});

describe('cleanName rejects illegal characters with EINVAL', () => {
  it.each([...'"*/:<>?\\|'])('%j', (ch) => {
    expect(codeOf(() => cleanName(`a${ch}b.txt`))).toBe('EINVAL');
    expect(codeOf(() => cleanName(`${ch}`))).toBe('EINVAL');
  });

  it('every control character 0x00-0x1F (and DEL)', () => {
    for (let c = 0; c < 0x20; c++) expect(codeOf(() => cleanName(`bad${String.fromCharCode(c)}name`)), `0x${c.toString(16)}`).toBe('EINVAL');
    expect(codeOf(() => cleanName('bad\u007fname'))).toBe('EINVAL');
  });

  it('the message names the offending character', () => {
    try {
      cleanName('what?.txt');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FatError);
      expect((e as FatError).message).toContain('"?"');
    }
  });

  it('unpaired surrogates', () => {
    expect(codeOf(() => cleanName('a\ud83d.txt'))).toBe('EINVAL');
    expect(codeOf(() => cleanName('a\ude00.txt'))).toBe('EINVAL');
    expect(codeOf(() => cleanName('\ude00\ud83d'))).toBe('EINVAL');
    expect(cleanName('a\ud83d\ude00.txt')).toBe('a😀.txt');
  });
});

describe('cleanName enforces 255 UTF-16 units', () => {
  it('255 units are fine, 256 are ENAMETOOLONG', () => {
    expect(cleanName('a'.repeat(255))).toHaveLength(255);
    expect(codeOf(() => cleanName('a'.repeat(256)))).toBe('ENAMETOOLONG');
  });

  it('non-BMP characters count two units each', () => {
    const e127 = '😀'.repeat(127); // 254 units
    expect(cleanName(`${e127}a`)).toBe(`${e127}a`); // 255
    expect(codeOf(() => cleanName('😀'.repeat(128)))).toBe('ENAMETOOLONG'); // 256
    expect(codeOf(() => cleanName(`${e127}ab`))).toBe('ENAMETOOLONG'); // 256
  });

  it('the limit applies after stripping', () => {
    expect(cleanName(`${'a'.repeat(255)}. . .`)).toHaveLength(255);
    expect(cleanName(`   ${'b'.repeat(255)}`)).toHaveLength(255);
  });

  it('property: accepted names are at most 255 units, keep their inner text, and never end in a dot or space', () => {
    const alphabet = fc.constantFrom('a', 'Z', '.', ' ', 'é', '日', '😀', '𝄞', '-', '~', '+', '[');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 300 }).map((a) => a.join('')), (name) => {
        let out: string;
        try {
          out = cleanName(name);
        } catch (e) {
          const code = (e as FatError).code;
          const stripped = name.replace(/^ +/, '').replace(/[. ]+$/, '');
          if (stripped === '') expect(code).toBe('EINVAL');
          else {
            expect(code).toBe('ENAMETOOLONG');
            expect(stripped.length).toBeGreaterThan(255);
          }
          return;
        }
        expect(out.length).toBeLessThanOrEqual(255);
        expect(out).not.toMatch(/[. ]$/);
        expect(out).not.toMatch(/^ /);
        expect(name).toContain(out);
      }),
      { seed: 4242, numRuns: 500 },
    );
  });
});

describe('through the Volume', () => {
  function fresh(): { dev: MemoryDevice; vol: Volume } {
    const dev = new MemoryDevice(2 * 1024 * 1024);
    mkfs(dev, { volumeId: 0x1234abcd, time: Date.UTC(2024, 0, 1) });
    return { dev, vol: Volume.open(dev, { now: () => new Date(Date.UTC(2024, 0, 2)) }) };
  }

  it('rejected names fail writeFile, mkdir and rename with EINVAL/ENAMETOOLONG and create nothing', () => {
    const { dev, vol } = fresh();
    vol.writeFile('/ok.txt', 'ok');
    const free = vol.info().freeClusters;
    for (const bad of ['a*b', 'a:b', 'a<b', 'a>b', 'a?b', 'a|b', 'a"b', 'a\\b', 'tab\there', 'nl\nx', '...', ' ']) {
      expect(codeOf(() => vol.writeFile(`/${bad}`, 'data')), bad).toBe('EINVAL');
      expect(codeOf(() => vol.mkdir(`/${bad}`)), bad).toBe('EINVAL');
      expect(codeOf(() => vol.rename('/ok.txt', `/${bad}`)), bad).toBe('EINVAL');
    }
    expect(codeOf(() => vol.writeFile(`/${'n'.repeat(256)}`, 'data'))).toBe('ENAMETOOLONG');
    expect(codeOf(() => vol.mkdir(`/${'😀'.repeat(128)}`))).toBe('ENAMETOOLONG');
    vol.close();
    const again = Volume.open(new MemoryDevice(dev.bytes), { readOnly: true });
    expect(again.readdir('/')).toEqual(['ok.txt']);
    expect(again.info().freeClusters).toBe(free);
  });

  it('a name with trailing dots and spaces is stored without them', () => {
    const { dev, vol } = fresh();
    vol.writeFile('/report. . ', 'r');
    vol.mkdir('/folder...');
    vol.writeFile('/folder/  inner ', 'i');
    vol.close();
    const again = Volume.open(new MemoryDevice(dev.bytes), { readOnly: true });
    expect(again.readdir('/')).toEqual(['report', 'folder']);
    expect(again.readdir('/folder')).toEqual(['inner']);
    expect(again.readFile('/report', 'utf8')).toBe('r');
  });

  it('255-unit names (and 127 emoji + 1) are stored and read back exactly', () => {
    const { dev, vol } = fresh();
    const long = `${'L'.repeat(250)}x.txt`;
    const emoji = `${'😀'.repeat(127)}z`;
    vol.writeFile(`/${long}`, 'long');
    vol.writeFile(`/${emoji}`, 'emoji');
    vol.close();
    const again = Volume.open(new MemoryDevice(dev.bytes), { readOnly: true });
    expect(again.readdir('/').sort()).toEqual([long, emoji].sort());
    expect(again.readFile(`/${emoji}`, 'utf8')).toBe('emoji');
  });
});
