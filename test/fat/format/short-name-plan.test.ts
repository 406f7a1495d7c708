/**
 * planShortName (issue #16 made it allocation-free) chooses exactly what the generator before it
 * chose, for any name and any set of names already taken: images stay byte-identical.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planShortName, shortKey } from '../../../src/fat/format/short-name.js';
import { codePage } from '../../../src/fat/format/code-page.js';
import { planShortNameReference } from './short-name-reference.js';

const pages = [codePage('cp437'), codePage('cp850')];

/** Plan every name in turn with both generators, each against its own growing set of taken names. */
function both(names: string[], pageIndex: number, preTaken: string[]): { got: string[]; want: string[] } {
  const page = pages[pageIndex];
  const run = (plan: typeof planShortName): string[] => {
    const taken = new Set(preTaken);
    return names.map((n) => {
      try {
        const p = plan(n, page, (k) => taken.has(k));
        taken.add(shortKey(p.raw));
        return `${shortKey(p.raw)}|${p.caseFlags}|${p.needsLongName}`;
      } catch (e) {
        return `throws ${(e as Error).message}`;
      }
    });
  };
  return { got: run(planShortName), want: run(planShortNameReference) };
}

const chars = fc.constantFrom(...'aAbBzZ09 ..-_~!#$%&()+,;=[]éÉßçÇñøÅæ€ÿ日本\u{1F600}\u00e5\u00c5'.match(/./gu)!);
const nameArb = fc.array(chars, { minLength: 1, maxLength: 20 }).map((a) => a.join(''));

describe('planShortName agrees with the reference generator', () => {
  it('on the names of the issue tree, one directory after another', () => {
    const words = ['index', 'about', 'release', 'notes', 'post', 'draft', 'Photo', 'style', 'main', 'vendor', 'data', 'README', 'summary'];
    const exts = ['.html', '.css', '.js', '.json', '.svg', '.png', '.txt', '.md', '.xml', ''];
    const names: string[] = [];
    for (let i = 0; i < 400; i++) names.push(`${words[i % 13]}-${words[(i * 7) % 13]} ${i % 37}${exts[i % 10]}`, `F${i}.TXT`, `f${i}.htm`, `Section ${i % 20} Archive`);
    const { got, want } = both(names, 0, []);
    expect(got).toEqual(want);
  });

  it('on colliding long names (tails ~1..~4, the hashed basis, then ~5 and on)', () => {
    const names = Array.from({ length: 40 }, (_, i) => `Long File Name ${i}.txt`).concat(Array.from({ length: 30 }, () => 'same base name.text'));
    const { got, want } = both(names, 0, []);
    expect(got).toEqual(want);
  });

  it('on random names, code pages and taken sets', () => {
    fc.assert(
      fc.property(fc.array(nameArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 1 }), fc.array(fc.constantFrom('LONGFI~1TXT', 'AB~1    C  ', '_~1        ', 'README  TXT', 'A       B  '), { maxLength: 3 }), (names, page, pre) => {
        const { got, want } = both(names, page, pre);
        expect(got).toEqual(want);
      }),
      { numRuns: 400 },
    );
  });

  it('on a name longer than 255 units (not cleaned) and on names of dots and spaces', () => {
    const { got, want } = both(['x'.repeat(300) + '.txt', ' . . ', '...', 'a. b .c', '.hidden', '..x..y', '\u00e5bc.def', 'å.txt'], 1, []);
    expect(got).toEqual(want);
  });
});
