/**
 * `fat attrib` (issue 18) against mtools' mattrib on FAT12, FAT16 and FAT32 images written by
 * mtools and by fatkit: mattrib shows what fat attrib set, fat attrib shows what mattrib set, and
 * both print the same lines. Then the argument handling: `+x`/`-x` words anywhere, `-h` is not
 * help there, usage errors.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleGate, tool, describeGate } from '../fixtures/oracle.js';
import { describeRun, runFat } from '../fixtures/run-fat.js';
import { fatCli, freshImage, fsckClean, populate, scratchDir, sha256 } from './cli-helpers.js';
import { MTOOLS, describeEachImage, mattribLines } from './mtools-images.js';

const gate = oracleGate([...MTOOLS, 'fsck.fat']);
const work = scratchDir('fatkit-attrib-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Entry {
  path: string;
  type: 'file' | 'directory';
  attributes: number;
}

/** mattrib's letters as bits: A 0x20, S 0x04, H 0x02, R 0x01. */
function mattribBits(lines: string[]): Map<string, number> {
  return new Map(lines.map((l) => {
    const m = /^  ([A ])  ([S ])([H ])([R ])     (\/.*)$/.exec(l);
    if (!m) throw new Error(`mattrib line: ${JSON.stringify(l)}`);
    return [m[5], (m[1] === 'A' ? 0x20 : 0) | (m[2] === 'S' ? 4 : 0) | (m[3] === 'H' ? 2 : 0) | (m[4] === 'R' ? 1 : 0)];
  }));
}

const fatOk = (args: string[]): string => {
  const r = fatCli(args);
  if (r.status !== 0) throw new Error(`fat ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
};

describeGate(gate);

describeEachImage('fat attrib against mattrib', gate.run, work, (image, fat, maker) => {
  it(`${maker} FAT${fat}: mattrib shows what fat attrib set, and fat attrib what mattrib set`, () => {
    const img = image();
    const before = mattribBits(mattribLines(img.path));
    // fat attrib changes: recursive on a tree, attribute words before and after the paths.
    expect(fatOk(['attrib', img.path, '/A', '-R', '+h', '+s'])).toBe('');
    expect(fatOk(['attrib', img.path, '-a', '/top.bin', '/Many/entry number 3 with a long name.txt', '+r'])).toBe('');
    const afterFat = mattribBits(mattribLines(img.path));
    for (const [p, bits] of before) {
      let want = bits;
      if (p === '/A' || p.startsWith('/A/')) want |= 0x06;
      if (p === '/top.bin' || p === '/Many/entry number 3 with a long name.txt') want = (want & ~0x20) | 0x01;
      expect(afterFat.get(p), p).toBe(want);
    }
    // The same lines as mattrib's, in the same order.
    expect(fatOk(['attrib', img.path, '/', '-R']).split('\n').filter(Boolean)).toEqual(mattribLines(img.path));
    expect(fatOk(['attrib', img.path, '/A/B', '/top.bin']).split('\n').filter(Boolean)).toEqual(
      tool('mattrib', ['-i', img.path, '::/A/B', '::/top.bin']).split('\n').filter(Boolean).map((l) => l.replace('::/', '/')),
    );

    // mattrib changes, fat attrib --json shows them.
    tool('mattrib', ['-i', img.path, '+r', '-h', '-/', '::/A/B']);
    tool('mattrib', ['-i', img.path, '+a', '+s', '::/Many']);
    const mine = JSON.parse(fatOk(['attrib', img.path, '/', '-R', '--json'])) as Entry[];
    const theirs = mattribBits(mattribLines(img.path));
    expect(mine.map((e) => e.path)).toEqual([...theirs.keys()]);
    for (const e of mine) expect(e.attributes & 0x27, e.path).toBe(theirs.get(e.path));
    const deep = mine.find((e) => e.path === '/A/B/C/deep.txt')!;
    expect(deep).toEqual({ path: '/A/B/C/deep.txt', type: 'file', attributes: 0x20 | 0x04 | 0x01 });
    expect(mine.find((e) => e.path === '/A/B')!.attributes).toBe(0x10 | 0x04 | 0x01);
    expect(mine.find((e) => e.path === '/Many')!.attributes).toBe(0x10 | 0x20 | 0x04);
    expect(fsckClean(img.path)).toEqual([]);
  });
});

describe('fat attrib arguments', () => {
  let img = '';
  beforeAll(() => {
    img = nodePath.join(work, 'args.img');
    freshImage(img, 1440);
    populate(img, { '/f.txt': 'f', '/d/g.txt': 'g', '/d/e/': null });
    fatOk(['label', img, 'KEEP']);
  });
  const attrs = (p: string): number => (JSON.parse(fatOk(['attrib', img, p, '--json'])) as Entry[])[0].attributes;

  it('shows as mattrib does; without changes the image is not written', () => {
    const sum = sha256(img);
    expect(fatOk(['attrib', img, '/f.txt', '/d'])).toBe('  A          /f.txt\n             /d\n');
    expect(fatOk(['attrib', img, '/d', '-R'])).toBe('             /d\n  A          /d/g.txt\n             /d/e\n');
    expect(fatOk(['attrib', img, '/'])).toBe('             /\n');
    expect(JSON.parse(fatOk(['attrib', img, '/d', '--json']))).toEqual([{ path: '/d', type: 'directory', attributes: 0x10 }]);
    expect(sha256(img)).toBe(sum);
    expect(fs.existsSync(`${img}.lock`)).toBe(false);
  });

  it('takes -r, -h, -s, -a and +x anywhere, combined too; -h is not help there', () => {
    expect(fatOk(['attrib', img, '/f.txt', '+r', '+h'])).toBe('');
    expect(attrs('/f.txt')).toBe(0x20 | 0x02 | 0x01);
    const r = fatCli(['attrib', img, '/f.txt', '-r', '-h']);
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(attrs('/f.txt')).toBe(0x20);
    fatOk(['attrib', img, '+sh', '/f.txt']);
    expect(attrs('/f.txt')).toBe(0x20 | 0x04 | 0x02);
    fatOk(['attrib', '-sha', img, '/f.txt']);
    expect(attrs('/f.txt')).toBe(0);
    fatOk(['attrib', img, '/f.txt', '+a']);
    // --json after a change prints the entries as they are now.
    expect(JSON.parse(fatOk(['attrib', img, '-R', '/d', '+s', '--json'])).map((e: Entry) => e.attributes)).toEqual([0x14, 0x24, 0x14]);
    fatOk(['attrib', img, '/d', '-s', '-R']);
  });

  it('never changes the directory bit, the root or the label', () => {
    fatOk(['attrib', img, '/', '-R', '+r', '+h', '+s', '+a']);
    const all = JSON.parse(fatOk(['attrib', img, '/', '-R', '--json'])) as Entry[];
    expect(all.map((e) => [e.path, e.attributes])).toEqual([
      ['/', 0x10], ['/f.txt', 0x27], ['/d', 0x37], ['/d/g.txt', 0x27], ['/d/e', 0x37],
    ]);
    expect(fatOk(['label', img])).toBe('KEEP\n');
    expect(fatOk(['list', img])).toBe('/f.txt\n/d/\n/d/g.txt\n/d/e/\n');
    fatOk(['attrib', img, '/', '-R', '-r', '-h', '-s', '-a']);
  });

  it('--help prints help; mistakes are usage errors (exit 2, one line), nothing is changed', async () => {
    const sum = sha256(img);
    const cases: [string[], number, RegExp][] = [
      [['attrib', '--help'], 0, /^$/],
      [['attrib', img, '/f.txt', '+r', '-r'], 2, /^fat: both \+r and -r given\n$/],
      [['attrib', img, '/f.txt', '--frob'], 2, /^fat: unknown option '--frob'/],
      [['attrib', img, '/f.txt', '-x'], 2, /^fat: unknown option '-x'/],
      [['attrib', img, '/f.txt', '+z'], 2, /^fat: unknown attribute '\+z' \(attributes are/],
      [['attrib', img, '/f.txt', '+hz'], 2, /^fat: unknown attribute '\+hz'/],
      [['attrib', img, '+h'], 2, /^fat: missing required argument 'path'\n$/],
      [['attrib', '-h'], 2, /^fat: missing required argument 'image'\n$/],
      [['attrib', img, '/f.txt', '+r', '-r', '--json'], 2, /^fat: both/],
      [['attrib', img, '/f.txt', '/nope', '+h'], 1, /^fat: no such file or directory: \/nope\n$/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runFat(args)));
    runs.forEach((r, i) => {
      const [args, status, message] = cases[i];
      expect(r.status, describeRun(args, r)).toBe(status);
      expect(r.stderr).toMatch(message);
      const out = r.stdout.toString('utf8');
      if (i === 0) expect(out).toMatch(/^Usage: fat attrib /);
      else if (args.includes('--json')) expect(JSON.parse(out)).toEqual({ error: { code: 'USAGE', message: 'both +r and -r given' } });
      else expect(out).toBe('');
    });
    expect(sha256(img)).toBe(sum);
  });
});
