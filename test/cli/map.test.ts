/**
 * `fat map`, `fat info`'s fragmented count and `fat list --fragmented` (issue 18), against mtools'
 * mshowfat on FAT12, FAT16 and FAT32 images written by mtools and by fatkit, each with a file
 * written into the holes left by deleting every other file of a full volume; and on hostile images.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterMap } from '../../src/index.js';
import { oracleGate, describeGate } from '../fixtures/oracle.js';
import { describeRun, runFat } from '../fixtures/run-fat.js';
import { fatCli, scratchDir, withImage } from './cli-helpers.js';
import { MTOOLS, describeEachImage, mshowfat } from './mtools-images.js';

const gate = oracleGate(MTOOLS);
const HOSTILE = nodePath.resolve(__dirname, '..', 'fixtures', 'hostile');
const work = scratchDir('fatkit-map-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** mshowfat's form of extents: `<5-14> <20>`. */
const runs = (extents: { first: number; last: number }[]): string => extents.map((x) => (x.first === x.last ? `<${x.first}>` : `<${x.first}-${x.last}>`)).join(' ');

describeGate(gate);

describeEachImage('fat map against mshowfat', gate.run, work, (image, fat, maker) => {
  it(`${maker} FAT${fat}: every file's and directory's extents are mshowfat's`, () => {
    const img = image();
    const paths = withImage(img.path, (vol) => ['/', ...[...vol.walk('/')].map((e) => e.path)]);
    const theirs = mshowfat(img.path, paths);
    const ours = withImage(img.path, (vol) => new Map(paths.map((p) => [p, clusterMap(vol, p).extents])));
    expect(theirs.size).toBe(paths.length);
    for (const p of paths) expect(ours.get(p), p).toEqual(theirs.get(p));
    expect(theirs.get(img.big)!.length, 'the big file is fragmented').toBeGreaterThan(1);
  });

  it(`${maker} FAT${fat}: fat map prints mshowfat's line; --json; info and list --fragmented agree`, async () => {
    const img = image();
    const files = withImage(img.path, (vol) => [...vol.walk('/')].filter((e) => e.stats.isFile()).map((e) => e.path));
    const all = mshowfat(img.path, [...files, '/']);
    const fragmented = files.filter((p) => all.get(p)!.length > 1);
    expect(fragmented).toContain(img.big);
    const oneFormat = fat === 12 || (fat === 32 && maker === 'mtools'); // the other forms, on two images
    const [mapText, mapJson, info, list, mapRoot, mapEmpty, infoText, listJson] = await Promise.all([
      ['map', img.path, img.big],
      ['map', img.path, '/A/one.txt', '--json'],
      ['info', img.path, '--json'],
      ['list', img.path, '-l', '--fragmented'],
      ...(oneFormat ? [['map', img.path, '/'], ['map', img.path, '/empty.txt'], ['info', img.path], ['list', img.path, '--json', '--fragmented']] : []),
    ].map((args) => runFat(args).then((r) => {
      expect(r.status, describeRun(args, r)).toBe(0);
      return r.stdout.toString('utf8');
    })));
    expect(mapText).toBe(`${img.big} ${runs(all.get(img.big)!)}\n`);
    expect(JSON.parse(mapJson)).toEqual({ path: '/A/one.txt', extents: all.get('/A/one.txt'), fragmented: false });
    expect(JSON.parse(info).fragmentedFiles).toBe(fragmented.length);
    expect(list.trim().split('\n').map((l) => l.replace(/^.*  /, ''))).toEqual(fragmented);
    if (!oneFormat) return;
    expect(mapRoot).toBe(fat === 32 ? `/ ${runs(all.get('/')!)}\n` : '/ the fixed root directory (FAT12/16): no clusters\n');
    expect(mapEmpty).toBe('/empty.txt no clusters\n');
    expect(infoText).toMatch(new RegExp(`^fragmented: +${fragmented.length} of ${files.length} files$`, 'm'));
    expect(JSON.parse(listJson).map((e: { path: string }) => e.path)).toEqual(fragmented);
    const big = await runFat(['map', img.path, img.big, '--json']);
    expect(JSON.parse(big.stdout.toString('utf8'))).toEqual({ path: img.big, extents: all.get(img.big), fragmented: true });
  });
});

describe('fat map usage and hostile images', () => {
  const hostile = (name: string): string => nodePath.join(HOSTILE, name);

  it('a missing path is one line, exit 1; --json prints the error', () => {
    const r = fatCli(['map', hostile('base.img'), '/nope']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^fat: no such file or directory: \/nope\n$/);
    expect(r.stdout).toBe('');
    const j = fatCli(['map', hostile('base.img'), '/nope', '--json']);
    expect(JSON.parse(j.stdout)).toEqual({ error: { code: 'ENOENT', message: expect.any(String) } });
  });

  for (const [name, why] of [['chain-cycle.img', /loops/], ['chain-self.img', /loops/], ['chain-out-of-range.img', /outside 2\.\./]] as const) {
    it(`${name}: map is one line, exit 1; info counts the rest; list --fragmented reports it (exit 1)`, () => {
      const r = fatCli(['map', hostile(name), '/MULTI.BIN'], { timeoutMs: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(why)]);
      expect(r.stderr).toMatch(/^fat: corrupt cluster chain: file \/MULTI\.BIN /);
      expect(fatCli(['map', hostile(name), '/HELLO.TXT']).stdout).toMatch(/^\/HELLO\.TXT <\d+>\n$/);
      const info = fatCli(['info', hostile(name), '--json']);
      expect(info.status).toBe(0);
      expect(JSON.parse(info.stdout).fragmentedFiles).toBe(0);
      expect(info.stderr).toMatch(/^fat: \/MULTI\.BIN: fragmentation unknown: corrupt cluster chain/);
      const list = fatCli(['list', hostile(name), '--fragmented']);
      expect(list.status).toBe(1);
      expect(list.stdout).toBe('');
      expect(list.stderr.trim().split('\n')).toHaveLength(1);
    });
  }

  it('dir-cycle.img: everything ends (the cycle is reported), no hang', () => {
    for (const args of [['map', hostile('dir-cycle.img'), '/SUB'], ['list', hostile('dir-cycle.img'), '--fragmented'], ['info', hostile('dir-cycle.img')]]) {
      const r = fatCli(args, { timeoutMs: 20_000 });
      expect(r.status, args.join(' ')).not.toBeNull();
      expect(r.stderr).not.toMatch(/\n.*\n.*\n.*\n/); // a few one-line reports at most, no stack
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('list --deleted with --fragmented is a usage error (exit 2, one line)', () => {
    const r = fatCli(['list', hostile('dir-cycle.img'), '--deleted', '--fragmented']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('fat: --deleted and --fragmented cannot be used together');
  });
});
