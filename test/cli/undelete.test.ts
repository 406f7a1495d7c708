/**
 * Issue 18: `fat list --deleted` and `fat undelete` from the command line, on an image mtools
 * wrote and deleted from (fatkit's own when mtools is missing): what is listed, a file back byte
 * for byte (fsck.fat -n silent), the lost first character asked for (no terminal here: a usage
 * error that changes nothing), refusals one line with their JSON codes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAT_MAIN, fatCli, freshImage, fsckClean, haveOracles, oracleEnv, populate, scratchDir, sha256 } from './cli-helpers.js';
import { openImage } from '../../src/host/open-image.js';

const data = Buffer.from(Array.from({ length: 9000 }, (_, i) => (i * 17) & 0xff));

describe('fat list --deleted, fat undelete', () => {
  let dir: string;
  let img: string;
  beforeAll(() => {
    dir = scratchDir('fatkit-undelete-');
    img = nodePath.join(dir, 'a.img');
    freshImage(img, 16384, 16);
    fs.writeFileSync(nodePath.join(dir, 'My report.txt'), data);
    if (haveOracles) {
      for (const f of ['My report.txt']) spawnSync('mcopy', ['-i', img, nodePath.join(dir, f), '::/'], { env: oracleEnv });
      spawnSync('mmd', ['-i', img, '::/docs'], { env: oracleEnv });
      fs.writeFileSync(nodePath.join(dir, 'NOTES.TXT'), 'notes\n');
      spawnSync('mcopy', ['-i', img, nodePath.join(dir, 'NOTES.TXT'), '::/docs/'], { env: oracleEnv });
      spawnSync('mdel', ['-i', img, '::/My report.txt', '::/docs/NOTES.TXT'], { env: oracleEnv });
    } else {
      const vol = openImage(img, { readOnly: false });
      vol.writeFile('/My report.txt', data);
      vol.mkdir('/docs');
      vol.writeFile('/docs/NOTES.TXT', 'notes\n');
      vol.rm('/My report.txt');
      vol.rm('/docs/NOTES.TXT');
      vol.close();
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists them, as text and JSON, recursively or at one level', () => {
    const r = fatCli(['list', '--deleted', img]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^- {9}9000 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+ {2}recoverable {2}\/My report\.txt$/);
    expect(lines[1]).toMatch(/recoverable {2}\/docs\/\?OTES\.TXT$/);
    const json = JSON.parse(fatCli(['list', '--deleted', '--json', img, '/docs']).stdout);
    expect(json).toEqual([expect.objectContaining({ path: '/docs/?OTES.TXT', type: 'file', size: 6, shortName: '?OTES.TXT', longName: null, recoverable: true, problem: null, firstCharKnown: false })]);
    expect(JSON.parse(fatCli(['ls', '--deleted', '--json', '--depth', '1', img]).stdout).map((e: { path: string }) => e.path)).toEqual(['/My report.txt']);
  });

  it('without a terminal and without --first-char, a lost first character is a usage error that changes nothing', () => {
    const before = sha256(img);
    const r = fatCli(['undelete', img, '/docs/NOTES.TXT']);
    expect(r).toMatchObject({ status: 2, stdout: '' });
    expect(r.stderr).toBe('fat: /docs/?OTES.TXT: the first character of its short name ?OTES.TXT is lost: give it with --first-char C, or a new name with --to PATH\n');
    expect(sha256(img)).toBe(before);
    expect(fs.existsSync(`${img}.lock`)).toBe(false);
  });

  it('brings files back (long name from its slots; --first-char; --json), fsck.fat -n silent', () => {
    expect(fatCli(['undelete', img, '/my REPORT.txt'])).toMatchObject({ status: 0, stdout: 'undeleted /My report.txt (9000 bytes, 5 clusters, long name)\n', stderr: '' });
    const r = fatCli(['undelete', img, '/docs/?otes.txt', '--first-char', 'n', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ path: '/docs/NOTES.TXT', type: 'file', size: 6, clusters: 1, longName: false });
    expect(Buffer.from(fatCli(['cat', img, '/My report.txt']).stdout, 'latin1').length).toBeGreaterThan(0);
    const vol = openImage(img);
    expect(Buffer.from(vol.readFile('/My report.txt'))).toEqual(data);
    vol.close();
    expect(fatCli(['cat', img, '/docs/notes.txt']).stdout).toBe('notes\n');
    expect(fatCli(['check', img]).status).toBe(0);
    if (haveOracles) expect(fsckClean(img)).toEqual([]);
  });

  // script(1) gives the command a terminal: the lost first character is asked for there.
  it.skipIf(spawnSync('sh', ['-c', 'command -v script']).status !== 0)('on a terminal, the lost first character is asked for', () => {
    const img3 = nodePath.join(dir, 'c.img');
    freshImage(img3, 1440, 12);
    populate(img3, { '/ASKED.TXT': 'asked' });
    expect(fatCli(['rm', img3, '/ASKED.TXT']).status).toBe(0);
    const cmd = [process.execPath, FAT_MAIN, 'undelete', img3, '/?SKED.TXT'].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { input: 'a\n', encoding: 'utf8', timeout: 30_000, env: { ...process.env, TZ: 'UTC' } });
    expect(r.stdout).toMatch(/the first character of \?SKED\.TXT is lost; type it: /);
    expect(r.stdout).toMatch(/undeleted \/ASKED\.TXT \(5 bytes, 1 cluster\)/);
    expect(fatCli(['cat', img3, '/asked.txt']).stdout).toBe('asked');
  });

  it('refusals are one line, with their code under --json', () => {
    const img2 = nodePath.join(dir, 'b.img');
    freshImage(img2, 1440, 12);
    populate(img2, { '/x.bin': 'x'.repeat(3000), '/y.bin': 'y'.repeat(3000) });
    const vol = openImage(img2, { readOnly: false });
    vol.rm('/x.bin');
    vol.writeFile('/a longer name.bin', 'z'.repeat(600)); // takes x's first cluster; its 3 entries go past x's
    vol.close();
    const before = sha256(img2);
    const busy = fatCli(['undelete', img2, '/x.bin', '--first-char', 'x', '--json']);
    expect(busy.status).toBe(1);
    expect(busy.stderr).toMatch(/^fat: cannot undelete \/\?\.bin: cluster \d+ is in use by another file\n$/);
    expect(JSON.parse(busy.stdout).error.code).toBe('EBUSY');
    expect(fatCli(['undelete', img2, '/nothing.txt', '--first-char', 'n'])).toMatchObject({ status: 1, stderr: 'fat: no deleted entry named /nothing.txt\n' });
    expect(fatCli(['undelete', img2, '/x.bin', '--first-char', '*']).stderr).toBe('fat: --first-char: a short name cannot start with "*"\n');
    expect(sha256(img2)).toBe(before);
  });
});
