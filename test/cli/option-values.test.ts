/**
 * Issue 12 item 14: a bad option value is a usage error, whatever the option: exit 2, one line
 * `fat: ...`, nothing on stdout, nothing created or changed. Table-driven over every option of every
 * command that takes a value: the first test fails when a command gains such an option that the
 * table does not cover. Each option also has a good value, accepted (exit 0).
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProgram } from '../../src/cli/program.js';

const program = await loadProgram();
import { fatCli, freshImage, populate, scratchDir, sha256, writeHostTree } from './cli-helpers.js';

/** Placeholders: IMG an image, PIMG one with an MBR, DIMG a fresh copy of one with a deleted /GONE.TXT, NEW a path to create, TREE a host tree, OUT a fresh output path. */
interface Row {
  /** The command line without the option; global options go before it. */
  base: string[];
  bad: string[];
  good: string;
  /** Another command line for the good value. */
  goodBase?: string[];
  /** A server that runs until stopped: its good values are tested in serve.test.ts. */
  serves?: true;
}

const MAKE = ['make', 'NEW', '--size', '4M'];
const MAKE_GPT = ['make', 'NEW', '--size', '4M', '--partition', 'gpt'];
const MAKE_FROM = ['make', 'NEW', '--from', 'TREE'];
const CRUNCH = ['crunch', 'TREE', '-o', 'OUT'];
const UNDELETE = ['undelete', 'DIMG', '/GONE.TXT'];

const TABLE: Record<string, Row> = {
  'fat --partition': { base: ['list', 'IMG'], bad: ['0', 'x', '1.5', '-1', ''], good: '1', goodBase: ['list', 'PIMG'] },
  'fat --offset': { base: ['list', 'IMG'], bad: ['x', '7', '-512', '1.3K', ''], good: '0' },
  'fat --wait': { base: ['mkdir', 'IMG', '/w'], bad: ['x', '-1', '', '1e3'], good: '5' },
  'fat --code-page': { base: ['list', 'IMG'], bad: ['cp1252', ''], good: 'cp850' },
  'make --size': { base: ['make', 'NEW'], bad: ['lots', '0', '1000', '-1', '1.3K', '8 G B', 'auto'], good: '1440K' },
  'make --from': { base: ['make', 'NEW'], bad: [''], good: 'TREE' },
  'make --free': { base: MAKE_FROM, bad: ['x', '100%', '-5%', ''], good: '10%' },
  'make --include': { base: MAKE_FROM, bad: ['', ' '], good: '**/*.txt' },
  'make --exclude': { base: MAKE_FROM, bad: [''], good: 'sub/**' },
  'make --fat': { base: MAKE, bad: ['13', 'x', ''], good: '12' },
  'make --cluster-size': { base: MAKE, bad: ['3000', '128K', '256', 'x', '0'], good: '1K' },
  'make --sector-size': { base: MAKE, bad: ['8192', '500', 'x'], good: '1024' },
  'make --label': { base: MAKE, bad: ['ABCDEFGHIJKL', 'BAD.NAME', 'ÆØÅ', ' LEAD', 'A\tB'], good: 'DATA' },
  'make --volume-id': { base: MAKE, bad: ['xyz', '123456789', '12-34', 'ABCD-12345'], good: 'ABCD-1234' },
  'make --reserved-sectors': { base: MAKE, bad: ['0', '65536', 'x', '-1'], good: '4' },
  'make --fats': { base: MAKE, bad: ['3', '0', 'two'], good: '1' },
  'make --root-entries': { base: MAKE, bad: ['5', '40000', 'x'], good: '16' },
  'make --media': { base: MAKE, bad: ['12', 'F1', 'x', '100'], good: 'F0' },
  'make --partition': { base: MAKE, bad: ['1', 'gpt2', 'x', ''], good: 'gpt' },
  'make --disk-size': { base: MAKE_GPT, bad: ['x', '1000', '0', '2M'], good: '8M' },
  'make --disk-guid': { base: MAKE_GPT, bad: ['x', '1234', '01234567-89ab-4cde-8f01-23456789abc'], good: '01234567-89ab-4cde-8f01-23456789abcd' },
  'make --partition-guid': { base: MAKE_GPT, bad: ['x', ''], good: '{01234567-89AB-4CDE-8F01-23456789ABCD}' },
  'make --partition-name': { base: MAKE_GPT, bad: ['x'.repeat(37)], good: 'data' },
  'list --depth': { base: ['list', 'IMG'], bad: ['0', 'x', '-1', '1.5'], good: '1' },
  'extract --output': { base: ['extract', 'IMG'], bad: [''], good: 'OUT' },
  'add --to': { base: ['add', 'IMG', 'TREE'], bad: ['a*b', '/x/a?b', '/con:'], good: '/added' },
  'crunch --out': { base: ['crunch', 'TREE'], bad: [''], good: 'OUT' },
  'crunch --include': { base: CRUNCH, bad: [''], good: '*.txt' },
  'crunch --exclude': { base: CRUNCH, bad: [''], good: 'sub/**' },
  'crunch --brotli-quality': { base: CRUNCH, bad: ['12', 'x', '-1', '1.5'], good: '5' },
  'make --bmap': { base: MAKE, bad: ['', 'NEW'], good: 'OUT' },
  'undelete --to': { base: UNDELETE, bad: ['', '/', '/a*b'], good: '/back.txt' },
  'undelete --first-char': { base: UNDELETE, bad: ['', 'ab', '*', ' '], good: 'g' },
  'undelete --entry': { base: [...UNDELETE, '--first-char', 'G'], bad: ['x', '-1', '65536', ''], good: '0' },
  'bmap --output': { base: ['bmap', 'IMG'], bad: [''], good: 'OUT' },
  'sparse --output': { base: ['sparse', 'IMG'], bad: [''], good: 'OUT' },
  'resize --free': { base: ['resize', 'IMG', 'min', '--dry-run'], bad: ['x', '-1', '', '10%'], good: '1M' },
  'resize --cluster-size': { base: ['resize', 'IMG', '8M', '--dry-run'], bad: ['3000', '128K', '256', 'x', '0'], good: '1K' },
  'serve --port': { base: ['serve', 'IMG'], bad: ['x', '-1', '65536', '1.5', ''], good: '0', serves: true },
  'serve --host': { base: ['serve', 'IMG'], bad: ['', ' '], good: '127.0.0.1', serves: true },
  'serve --cache-control': { base: ['serve', 'IMG'], bad: ['', 'a\nb'], good: 'no-cache', serves: true },
};

/** `make --size`, `fat --offset`: every option that takes a value, from the program itself. */
function valueOptions(): string[] {
  const of = (cmd: Command): string[] => cmd.options.filter((o) => o.required || o.optional).map((o) => o.long!);
  return [...of(program).map((l) => `fat ${l}`), ...program.commands.flatMap((c) => of(c).map((l) => `${c.name()} ${l}`))].sort();
}

describe('option values', () => {
  let dir: string;
  let n = 0;
  const at = (name: string): string => nodePath.join(dir, name);
  beforeAll(() => {
    dir = scratchDir();
    freshImage(at('a.img'), 4096);
    populate(at('a.img'), { '/f.txt': 'f', '/d/g.txt': 'g' });
    expect(fatCli(['make', at('p.img'), '--size', '4M', '--partition', 'mbr']).status).toBe(0);
    writeHostTree(at('tree'), { 'a.txt': 'a', 'sub/b.txt': 'b' });
    freshImage(at('d.img'), 1440);
    populate(at('d.img'), { '/GONE.TXT': 'gone' });
    expect(fatCli(['rm', at('d.img'), '/GONE.TXT']).status).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The command line for `key` with `value`, placeholders filled; NEW and OUT fresh each time. */
  function line(key: string, base: string[], value: string): { args: string[]; made: string[] } {
    n++;
    const fill: Record<string, string> = { IMG: at('a.img'), PIMG: at('p.img'), NEW: at(`new-${n}.img`), TREE: at('tree'), OUT: at(`out-${n}`), DIMG: at(`d-${n}.img`) };
    if (base.includes('DIMG')) fs.copyFileSync(at('d.img'), fill.DIMG);
    const filled = base.map((a) => fill[a] ?? a);
    const option = key.split(' ')[1];
    const v = fill[value] ?? value;
    return { args: key.startsWith('fat ') ? [option, v, ...filled] : [...filled, option, v], made: [fill.NEW, fill.OUT] };
  }

  it('the table covers every option that takes a value', () => {
    expect(Object.keys(TABLE).sort()).toEqual(valueOptions());
  });

  it.each(Object.keys(TABLE))('%s: bad values are usage errors (exit 2, one line, nothing changed)', (key) => {
    const row = TABLE[key];
    for (const value of row.bad) {
      const { args, made } = line(key, row.base, value);
      const before = sha256(at('a.img'));
      const r = fatCli(args);
      expect({ value, status: r.status, stdout: r.stdout }).toEqual({ value, status: 2, stdout: '' });
      expect(r.stderr, value).toMatch(/^fat: [^\n]+\n$/);
      expect(r.stderr, value).not.toMatch(/internal error/);
      expect(sha256(at('a.img')), value).toBe(before);
      for (const p of made) expect(fs.existsSync(p), `${value}: ${p}`).toBe(false);
    }
  });

  it('an empty IMAGE is a usage error, and nothing is created or locked', () => {
    const r = fatCli(['make', '', '--size', '1M'], { cwd: dir });
    expect(r).toMatchObject({ status: 2, stdout: '', stderr: 'fat: make needs a path, not ""\n' });
    expect(fs.readdirSync(nodePath.dirname(dir)).filter((n) => n.startsWith(`.${nodePath.basename(dir)}`) || n === `${nodePath.basename(dir)}.lock`)).toEqual([]);
  });

  it("commander's own usage errors (unknown option, missing argument or value) are one line, exit 2", () => {
    for (const args of [['make', at('x.img'), '--frob'], ['cat', at('a.img')], ['list', at('a.img'), '--depth'], ['frobnicate']]) {
      const r = fatCli(args);
      expect({ args, status: r.status, stdout: r.stdout }).toEqual({ args, status: 2, stdout: '' });
      expect(r.stderr, args.join(' ')).toMatch(/^fat: [^\n]+ \(see --help\)\n$/);
    }
  });

  it.each(Object.keys(TABLE).filter((k) => !TABLE[k]!.serves))('%s: a good value is taken', (key) => {
    const row = TABLE[key];
    const { args } = line(key, row.goodBase ?? row.base, row.good);
    const r = fatCli(args);
    expect({ args: args.join(' '), status: r.status, stderr: r.stderr }).toEqual({ args: args.join(' '), status: 0, stderr: '' });
  });
});
