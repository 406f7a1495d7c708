/**
 * planShortName: the 8.3 name (and case bits, and whether long-name slots are needed) a new entry
 * gets, as Windows and Linux choose it (FAT-NOTES.md sections 5 and 6, fatgen103 "basis name" and
 * "numeric tail" algorithms):
 * - an upper-case 8.3 name is stored as is, without long-name slots;
 * - an 8.3 name whose base and/or extension is all lower case is stored upper case with the case
 *   bits 0x08 / 0x10 (as mtools and Windows NT store `readme.txt`);
 * - anything else gets long-name slots and a generated name: spaces, leading dots and embedded dots
 *   removed, upper-cased, mapped to the OEM code page or `_`, and a `~N` tail whenever the
 *   conversion was lossy or the name did not fit 8.3 (fatgen103: "the long name fits within the 8.3
 *   naming conventions"); after a few collisions a hashed basis; never a duplicate.
 * Plus the checksum, 0xE5 -> 0x05 and the property that no plan ever holds an illegal byte.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { directShortName, planShortName, rawShortName, decodeShortName, shortNameChecksum, shortKey, type ShortNamePlan } from '../../../src/fat/format/short-name.js';
import { codePage } from '../../../src/fat/format/code-page.js';

const cp437 = codePage('cp437');
const cp850 = codePage('cp850');

/** Plan `name` against (and record it in) a set of taken raw names. */
function plan(name: string, taken: Set<string> = new Set(), page = cp437): ShortNamePlan & { short: string } {
  const p = planShortName(name, page, (k) => taken.has(k));
  taken.add(shortKey(p.raw));
  return { ...p, short: rawShortName(p.raw, page) };
}

const raw11 = (s: string): string => {
  const dot = s.lastIndexOf('.');
  const base = dot >= 0 ? s.slice(0, dot) : s;
  const ext = dot >= 0 ? s.slice(dot + 1) : '';
  return base.padEnd(8, ' ') + ext.padEnd(3, ' ');
};

/** Bytes no short name may hold (FAT-NOTES.md section 5), besides lower-case ASCII. */
const ILLEGAL_SHORT = new Set([...'"*+,./:;<=>?[\\]|'].map((c) => c.charCodeAt(0)));

describe('names that are already 8.3', () => {
  it.each([
    ['README.TXT', 'README.TXT', '00'],
    ['README', 'README', '00'],
    ['A', 'A', '00'],
    ['AUTOEXEC.BAT', 'AUTOEXEC.BAT', '00'],
    ['12345678.123', '12345678.123', '00'],
    ['F-1_(2)!.~$#', 'F-1_(2)!.~$#', '00'],
    ['readme.txt', 'README.TXT', '18'],
    ['readme', 'README', '08'],
    ['readme.TXT', 'README.TXT', '08'],
    ['README.txt', 'README.TXT', '10'],
    ['a1.b2', 'A1.B2', '18'],
    ['123.txt', '123.TXT', '10'],
    ['123.456', '123.456', '00'],
  ])('%j -> %j, case bits 0x%s, no long name', (name, short, flagsHex) => {
    const flags = parseInt(flagsHex, 16);
    const p = plan(name);
    expect(p.short).toBe(short);
    expect(p.caseFlags).toBe(flags);
    expect(p.needsLongName).toBe(false);
    expect(shortKey(p.raw)).toBe(raw11(short));
    // The stored name with its case bits reads back as the name itself.
    expect(decodeShortName(p.raw, p.caseFlags, cp437)).toBe(name);
  });
});

describe('names that need a long name', () => {
  it.each([
    // Mixed case within a part: LFN, and the upper-cased name as is (Windows: ReadMe.txt -> README.TXT).
    ['ReadMe.txt', 'README.TXT'],
    ['Makefile', 'MAKEFILE'],
    ['readme.Txt', 'README.TXT'],
    // Too long: truncated base, ~1.
    ['verylongname.txt', 'VERYLO~1.TXT'],
    ['longfilename', 'LONGFI~1'],
    ['index.html', 'INDEX~1.HTM'],
    ['name.with.many.dots.tar.gz', 'NAMEWI~1.GZ'],
    // Spaces and leading dots removed, with a tail.
    ['foo bar.txt', 'FOOBAR~1.TXT'],
    ['a b', 'AB~1'],
    ['.bashrc', 'BASHRC~1'],
    ['..x.y', 'X~1.Y'],
    // Characters a short name cannot hold become '_'.
    ['a+b.txt', 'A_B~1.TXT'],
    ['x[1];y=2,z', 'X_1__Y~1'],
    ['日本語.txt', '___~1.TXT'],
  ])('%j -> %j', (name, short) => {
    const p = plan(name);
    expect(p.needsLongName).toBe(true);
    expect(p.caseFlags).toBe(0);
    expect(p.short).toBe(short);
  });

  it('embedded dots are not part of an 8.3 name: "a.b.c" gets AB~1.C, never the alias AB.C of "ab.c"', () => {
    // fatgen103: a tail is added unless the long name fits the 8.3 conventions; Linux (vfat
    // to_shortname_char: '.' makes the name invalid) and Windows both store AB~1.C. Storing AB.C
    // makes `ab.c` resolve to `a.b.c` (lookups match short names), so writing `ab.c` would
    // overwrite `a.b.c`.
    expect(plan('a.b.c').short).toBe('AB~1.C');
    expect(plan('v1.2.txt').short).toBe('V12~1.TXT');
    expect(plan('x.y.z', new Set([raw11('XY.Z')])).short).toBe('XY~1.Z');
  });

  it('characters the code page holds are kept upper-cased (é -> É in CP437 0x90)', () => {
    const p = plan('élan.txt');
    expect(p.needsLongName).toBe(true);
    expect(p.raw[0]).toBe(0x90);
    expect(p.short.startsWith('ÉLAN')).toBe(true);
  });

  it('non-BMP characters are mapped to "_" (never half a surrogate pair in the short name)', () => {
    const p = plan('😀 smile.txt');
    expect(p.needsLongName).toBe(true);
    expect(p.short).toMatch(/^_+SMILE~1\.TXT$|^_+SMIL~1\.TXT$/);
    for (const b of p.raw) expect(b).toBeLessThan(0x80);
  });

  it('a name that would start with a space never does', () => {
    const p = plan(' lead.txt');
    expect(p.raw[0]).not.toBe(0x20);
    expect(p.short).toBe('LEAD~1.TXT');
  });

  it('a name of nothing but dropped characters still gets a base', () => {
    const p = plan('...');
    expect(p.raw[0]).not.toBe(0x20);
    expect(p.needsLongName).toBe(true);
  });
});

describe('0xE5 as first byte is stored as 0x05', () => {
  it('cp850 Õ (0xE5) at the start of a generated name', () => {
    for (const name of ['Õnce upon.txt', 'õnce.txt']) {
      const p = plan(name, new Set(), cp850);
      expect(p.raw[0], name).toBe(0x05);
      expect(rawShortName(p.raw, cp850).startsWith('Õ'), name).toBe(true);
    }
  });

  it('not elsewhere in the name', () => {
    const p = plan('xÕ y.txt', new Set(), cp850);
    expect(p.raw[1]).toBe(0xe5);
    expect(p.raw[0]).toBe(0x58);
  });
});

describe('collisions', () => {
  it('an 8.3 name whose short form is taken gets a long name and a tail', () => {
    const taken = new Set([raw11('README.TXT')]);
    const p = plan('readme.txt', taken);
    expect(p.needsLongName).toBe(true);
    expect(p.short).toBe('README~1.TXT');
  });

  it('~1..~4, then a hashed basis (first two characters + 4 hex digits), never a duplicate', () => {
    const taken = new Set<string>();
    const shorts = Array.from({ length: 12 }, (_, i) => plan(`longfilename${i}.txt`, taken).short);
    expect(shorts.slice(0, 4)).toEqual(['LONGFI~1.TXT', 'LONGFI~2.TXT', 'LONGFI~3.TXT', 'LONGFI~4.TXT']);
    for (const s of shorts.slice(4)) expect(s).toMatch(/^LO[0-9A-F]{4}~[1-9]\.TXT$/);
    expect(new Set(shorts).size).toBe(shorts.length);
  });

  it('tails beyond 9 shorten the base: ~10 and ~100', () => {
    // Everything with a one-digit tail (plain or hashed) is taken.
    const base = (k: string): string => k.slice(0, 8).trimEnd();
    const taken = (k: string): boolean => /~[1-9]$/.test(base(k));
    const p10 = planShortName('longfilename.txt', cp437, taken);
    expect(rawShortName(p10.raw, cp437)).toMatch(/^LONGF~\d\d\.TXT$/);
    expect(rawShortName(p10.raw, cp437)).toBe('LONGF~10.TXT');
    const upTo99 = (k: string): boolean => taken(k) || /~\d\d$/.test(base(k));
    expect(rawShortName(planShortName('longfilename.txt', cp437, upTo99).raw, cp437)).toBe('LONG~100.TXT');
  });

  it('1000 similar names in one directory: 1000 distinct short names, each a legal 8.3 name with a tail', () => {
    const taken = new Set<string>();
    const shorts = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const p = plan(`Holiday photo ${i}.jpeg`, taken);
      expect(p.needsLongName).toBe(true);
      expect(rawShortName(p.raw, cp437)).toMatch(/~\d+\.JPE$/);
      shorts.add(shortKey(p.raw));
    }
    expect(shorts.size).toBe(1000);
  });

  it('1000 names that all upper-case to the same 8.3 name: distinct short names', () => {
    const taken = new Set<string>();
    const cases = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      // Every combination of case of "abcdefgh.ijk" (there are 2^11); take 1000 of them.
      const name = [...'abcdefgh.ijk'].map((c, j) => (c !== '.' && (i >> (j > 8 ? j - 1 : j)) & 1 ? c.toUpperCase() : c)).join('');
      cases.add(shortKey(plan(name, taken).raw));
    }
    expect(cases.size).toBe(1000);
  });
});

describe('properties over arbitrary names', () => {
  const ch = fc.constantFrom(
    'a', 'b', 'Z', 'Y', '0', '9', '.', ' ', '~', '-', '_', '+', ',', ';', '=', '[', ']', 'é', 'É', 'ß', 'ñ', '日', '😀', '𝄞', "'", '!', '{',
  );
  const name = fc
    .array(ch, { minLength: 1, maxLength: 40 })
    .map((a) => a.join('').replace(/^ +/, '').replace(/[. ]+$/, ''))
    .filter((s) => s.length > 0);
  /** Short names from letters, digits and dots (8.3-sized or a little more). */
  const shortish = fc
    .array(fc.constantFrom('a', 'B', '1', '.', 'é'), { minLength: 1, maxLength: 12 })
    .map((a) => a.join('').replace(/\.+$/, ''))
    .filter((s) => s.length > 0);

  it('every plan is a legal 8.3 name: upper case, legal bytes, no space inside or at the start', () => {
    fc.assert(
      fc.property(name, (n) => {
        const p = planShortName(n, cp437, () => false);
        const k = shortKey(p.raw);
        expect(p.raw).toHaveLength(11);
        expect(p.raw[0]).not.toBe(0x20);
        expect(p.raw[0]).not.toBe(0xe5);
        const bad = [...p.raw].filter((b) => b < 0x20 || ILLEGAL_SHORT.has(b) || (b >= 0x61 && b <= 0x7a));
        expect(bad, `illegal bytes in ${JSON.stringify(k)}`).toEqual([]);
        // Spaces only pad: base and extension are each "text then spaces".
        expect(k.slice(0, 8)).toMatch(/^[^ ]+ *$/);
        expect(k.slice(8)).toMatch(/^[^ ]* *$/);
      }),
      { seed: 7, numRuns: 1000 },
    );
  });

  it('no long name only when the 8.3 name (with case bits) reads back as the name itself', () => {
    fc.assert(
      fc.property(name, (n) => {
        const p = planShortName(n, cp437, () => false);
        if (!p.needsLongName) expect(decodeShortName(p.raw, p.caseFlags, cp437)).toBe(n);
        else expect(p.caseFlags).toBe(0);
        // A name whose short form reads back as the name needs no long name (Windows/Linux economy).
        if (/^[A-Z0-9~_-]{1,8}(\.[A-Z0-9~_-]{1,3})?$/.test(n)) expect(p.needsLongName).toBe(false);
      }),
      { seed: 8, numRuns: 2000 },
    );
  });

  it('a short name without a tail is the whole name, upper-cased (else lookups alias other names)', () => {
    fc.assert(
      fc.property(fc.oneof(name, shortish), (n) => {
        const p = planShortName(n, cp437, () => false);
        const s = rawShortName(p.raw, cp437);
        if (!s.includes('~')) expect(s).toBe(n.toUpperCase());
      }),
      { seed: 9, numRuns: 2000 },
    );
  });

  it('planning many names from a small alphabet into one directory never yields a duplicate', () => {
    const small = fc.array(fc.constantFrom('a', 'A', 'b', '.', ' ', 'é', '😀', 'x', 'X'), { minLength: 1, maxLength: 14 })
      .map((a) => a.join('').replace(/^ +/, '').replace(/[. ]+$/, ''))
      .filter((s) => s.length > 0);
    fc.assert(
      fc.property(fc.array(small, { minLength: 1, maxLength: 300 }), (names) => {
        const taken = new Set<string>();
        for (const n of names) {
          const p = planShortName(n, cp437, (k) => taken.has(k));
          const k = shortKey(p.raw);
          expect(taken.has(k)).toBe(false);
          taken.add(k);
        }
      }),
      { seed: 10, numRuns: 200 },
    );
  });
});

describe('shortNameChecksum', () => {
  const reference = (b: Uint8Array): number => {
    let sum = 0;
    for (let i = 0; i < 11; i++) sum = ((sum & 1 ? 0x80 : 0) + (sum >> 1) + b[i]) & 0xff;
    return sum;
  };

  it('matches the fatgen103 formula', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 11, maxLength: 11 }), (b) => {
        expect(shortNameChecksum(b)).toBe(reference(b));
      }),
      { seed: 11, numRuns: 1000 },
    );
  });

  it('known value: README  TXT', () => {
    const b = Uint8Array.from('README  TXT', (c) => c.charCodeAt(0));
    expect(shortNameChecksum(b)).toBe(reference(b));
    expect(shortNameChecksum(b)).toBe(0x73);
  });
});

describe('directShortName (the 8.3 check the builder and add run first)', () => {
  const page = codePage('cp437');

  it('takes 8.3 names of one case per part, and nothing else', () => {
    const raw = (n: string): string | undefined => {
      const p = directShortName(n);
      return p && `${String.fromCharCode(...p.raw)}/${p.caseFlags}`;
    };
    expect(raw('README.TXT')).toBe('README  TXT/0');
    expect(raw('readme.txt')).toBe('README  TXT/24');
    expect(raw('readme.TXT')).toBe('README  TXT/8');
    expect(raw('A')).toBe('A          /0');
    expect(raw('12345678.123')).toBe('12345678123/0');
    for (const n of ['ReadMe.txt', 'a.b.c', '.htaccess', 'abc.', '123456789.1', 'a.1234', 'a b.txt', 'é.txt', 'a+b.txt', '']) {
      expect(raw(n), n).toBeUndefined();
    }
  });

  it('agrees with planShortName on a free directory, for any name', () => {
    const chars = fc.constantFrom('a', 'B', 'z', '0', '.', ' ', '~', '!', '-', 'é', '+', '[', 'ß', 'x', 'Y');
    fc.assert(fc.property(fc.array(chars, { minLength: 1, maxLength: 14 }).map((a) => a.join('')), (name) => {
      const direct = directShortName(name);
      const plan = planShortName(name, page, () => false);
      if (direct) expect([direct.raw, direct.caseFlags, direct.needsLongName]).toEqual([plan.raw, plan.caseFlags, false]);
      else expect(plan.needsLongName).toBe(true);
    }), { seed: 5, numRuns: 3000 });
  });
});
