/**
 * format/label.ts: the one label rule. fat make (mkfs, case kept) and fat label (setLabel, upper
 * case) accept and refuse the same labels, and every label either writes passes check's copy of
 * fsck.fat's rule (labelProblem). The issue: `fat make --label ÄÖ` was refused while `fat label
 * img ÄÖ` wrote bytes fsck.fat removes, and check called the result clean.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FatError, MemoryDevice, Volume, check, mkfs } from '../../../src/index.js';
import { LABEL_FORBIDDEN, encodeLabel, labelProblem } from '../../../src/fat/format/label.js';
import { thrown } from '../device/tmp.js';

const ascii = (s: string): string | undefined => {
  const b = encodeLabel(s);
  return b && String.fromCharCode(...b);
};
/** The code of the FatError `fn` throws (undefined when it does not throw). */
const codeOf = (fn: () => unknown): string | undefined => (thrown(fn) as FatError | undefined)?.code;
const bytes = (s: string | number[]): Uint8Array => (typeof s === 'string' ? Uint8Array.from(s.padEnd(11, ' '), (c) => c.charCodeAt(0)) : Uint8Array.from([...s, ...Array(11 - s.length).fill(0x20)]));

describe('encodeLabel', () => {
  it('pads, upper-cases (or keeps case), and treats blank and NO NAME as no label', () => {
    expect(ascii('My Disk')).toBe('MY DISK    ');
    expect(String.fromCharCode(...encodeLabel('My Disk', { keepCase: true })!)).toBe('My Disk    ');
    expect(ascii("A!#$%&'()-@")).toBe("A!#$%&'()-@");
    expect(ascii('^_`{}~ 0')).toBe('^_`{}~ 0   ');
    expect(ascii('ELEVEN CHRS   ')).toBe('ELEVEN CHRS'); // trailing spaces are padding
    for (const none of ['', '   ', 'NO NAME', 'no name']) expect(encodeLabel(none)).toBeUndefined();
  });

  it.each([
    ['\u00c4\u00d6', /"\u00c4" is not printable ASCII/],
    ['caf\u00e9', /not printable ASCII/],
    ['TAB\t', /not printable ASCII/],
    ['DEL\u007f', /not printable ASCII/],
    ['A*B', /cannot contain "\*"/],
    ['DISK.1', /cannot contain "\."/],
    [' LEAD', /cannot start with a space/],
    ['TWELVE CHARS', /it is 12 characters long \(at most 11\)/],
  ])('refuses %j with EINVAL, the same for both case policies', (label, why) => {
    for (const keepCase of [false, true]) expect(() => encodeLabel(label, { keepCase })).toThrow(why);
    expect(codeOf(() => encodeLabel(label))).toBe('EINVAL');
  });

  it('refuses every character fsck.fat forbids', () => {
    for (const ch of LABEL_FORBIDDEN) expect(codeOf(() => encodeLabel(`A${ch}B`))).toBe('EINVAL');
  });
});

describe('labelProblem (fsck.fat 4.2 validate_volume_label)', () => {
  it.each([
    ['GOOD LABEL', undefined],
    ['lower', undefined], // only fsck.fat -U rejects lower case
    ['A\u007fB', undefined], // DEL passes fsck.fat (fatkit does not write it)
    [[0x8e, 0x99], 'it has bytes outside printable ASCII'],
    [[0x05, 0x41], 'it has bytes outside printable ASCII'], // 0x05 stands for 0xE5
    [[0x41, 0x01], 'it has bytes outside printable ASCII'],
    ['A*B', 'it has the forbidden "*"'],
    [' AB', 'it has a leading space'],
    ['', 'it has only spaces'],
  ] as [string | number[], string | undefined][])('%j: %s', (raw, want) => {
    expect(labelProblem(bytes(raw))).toBe(want);
  });
});

describe('make, label and check agree (property)', () => {
  const anyChar = fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    fc.constantFrom('\u00c4', '\u00e9', '\t', '\u007f', '\u00e5'),
  );
  const label = fc.array(anyChar, { minLength: 1, maxLength: 13 }).map((cs) => cs.join(''));

  it('a label is accepted by both or refused by both, and what is accepted passes fsck.fat\'s rule', () => {
    fc.assert(
      fc.property(label, (l) => {
        const made = codeOf(() => encodeLabel(l, { keepCase: true }));
        const set = codeOf(() => encodeLabel(l));
        expect(set).toBe(made);
        if (made) return;
        for (const keepCase of [false, true]) {
          const raw = encodeLabel(l, { keepCase });
          if (raw) expect(labelProblem(raw)).toBeUndefined();
        }
      }),
      { numRuns: 2000, seed: 13 },
    );
  });

  it('through mkfs and setLabel: both refuse non-ASCII; what they write checks clean', () => {
    const dev = new MemoryDevice(1 << 20);
    expect(codeOf(() => mkfs(dev, { label: '\u00c4\u00d6' }))).toBe('EINVAL');
    mkfs(dev, { label: 'Make Me' });
    const vol = Volume.open(dev);
    expect(codeOf(() => vol.setLabel('\u00c4\u00d6'))).toBe('EINVAL');
    expect(vol.info().label).toBe('Make Me');
    vol.setLabel('Set Me');
    expect(vol.info().label).toBe('SET ME');
    expect(check(vol).problems).toEqual([]);
    vol.close();
  });
});
