import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fatCli, freshImage, fsckClean, haveOracles, oracleEnv, populate, scratchDir, sha256, withImage } from './cli-helpers.js';

let dir: string;
let img: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The label as mtools (`mlabel -s`, the root entry) and dosfstools (`fatlabel`, the boot sector) see it. */
function oracleLabels(image: string): { mlabel: string; fatlabel: string } {
  const m = spawnSync('mlabel', ['-i', image, '-s', '::'], { encoding: 'utf8', env: oracleEnv });
  const f = spawnSync('fatlabel', [image], { encoding: 'utf8', env: oracleEnv });
  return { mlabel: m.stdout.trim(), fatlabel: f.stdout.trim() };
}

describe.each([12, 16, 32] as const)('fat label on FAT%i', (fat) => {
  beforeEach(() => {
    dir = scratchDir();
    img = path.join(dir, 'disk.img');
    freshImage(img, fat === 32 ? 66 * 1024 : fat === 16 ? 16 * 1024 : 4 * 1024, fat);
    populate(img, { '/a.txt': 'a' });
  });

  it('prints nothing without a label, sets one in the boot sector(s) and the root, and removes it', () => {
    expect(fatCli(['label', img])).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(fatCli(['label', img, 'My Disk'])).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(fatCli(['label', img])).toMatchObject({ status: 0, stdout: 'MY DISK\n' });
    withImage(img, (vol) => {
      expect(vol.info().label).toBe('MY DISK');
      expect(vol.info().bootSectorLabel).toBe('MY DISK');
      expect(vol.readdir('/')).toEqual(['a.txt']);
    });
    if (haveOracles) {
      expect(fsckClean(img)).toEqual([]); // on FAT32 this also compares the backup boot sector
      expect(oracleLabels(img)).toEqual({ mlabel: 'Volume label is MY DISK', fatlabel: 'MY DISK' });
    }
    expect(fatCli(['label', img, 'OTHER'])).toMatchObject({ status: 0 });
    expect(fatCli(['label', img])).toMatchObject({ stdout: 'OTHER\n' });
    expect(fatCli(['label', img, '--remove'])).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(fatCli(['label', img])).toMatchObject({ status: 0, stdout: '' });
    if (haveOracles) {
      expect(fsckClean(img)).toEqual([]);
      expect(oracleLabels(img).mlabel).toBe('Volume has no label');
    }
    expect(fatCli(['label', img, 'again']).status).toBe(0);
    expect(fatCli(['label', img, '']).status).toBe(0);
    expect(fatCli(['label', img])).toMatchObject({ status: 0, stdout: '' });
  });
});

describe('fat label: checks', () => {
  beforeEach(() => {
    dir = scratchDir();
    img = path.join(dir, 'disk.img');
    freshImage(img, 4 * 1024);
  });

  it('reads a label made by mkfs.fat', () => {
    if (!haveOracles) return;
    freshImage(img, 4 * 1024, undefined, ['-n', 'MKFSLABEL']);
    expect(fatCli(['label', img])).toMatchObject({ status: 0, stdout: 'MKFSLABEL\n' });
  });

  it('refuses invalid labels with one line as usage errors (as make --label), and LABEL with --remove', () => {
    const before = sha256(img);
    const star = fatCli(['label', img, 'bad*']);
    expect(star.status).toBe(2);
    expect(star.stderr).toMatch(/^fat: invalid volume label "bad\*": it cannot contain "\*".*\n$/);
    const long = fatCli(['label', img, 'twelve chars']);
    expect(long.status).toBe(2);
    expect(long.stderr).toBe('fat: invalid volume label "twelve chars": it is 12 characters long (at most 11)\n');
    expect(fatCli(['label', img, 'x', '--remove']).status).toBe(2);
    expect(sha256(img)).toBe(before);
  });

  it('stamps the label entry with SOURCE_DATE_EPOCH, reproducibly', () => {
    const other = path.join(dir, 'other.img');
    fs.copyFileSync(img, other);
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    expect(fatCli(['label', img, 'SAME'], { env }).status).toBe(0);
    expect(fatCli(['label', other, 'SAME'], { env }).status).toBe(0);
    expect(sha256(other)).toBe(sha256(img));
  });

  // Issue item 13: one label rule for fat make, fat label and fat check.
  it('make and label refuse a non-ASCII label alike; check reports one written by another tool', () => {
    const why = 'invalid volume label "\u00c4\u00d6": "\u00c4" is not printable ASCII (fsck.fat removes labels with other bytes)';
    const made = fatCli(['make', path.join(dir, 'm.img'), '--size', '1M', '--label', '\u00c4\u00d6']);
    expect(made).toMatchObject({ status: 2, stderr: `fat: ${why}\n` });
    const before = sha256(img);
    expect(fatCli(['label', img, '\u00c4\u00d6'])).toMatchObject({ status: 2, stderr: `fat: ${why}\n` });
    expect(sha256(img)).toBe(before);
    // What Windows would store (CP437 bytes in both places): fsck.fat removes it, and check reports it.
    expect(fatCli(['label', img, 'AB']).status).toBe(0);
    const labelled = fs.readFileSync(img);
    for (let i = 0; i < labelled.length - 11; i++) {
      if (labelled.toString('latin1', i, i + 11) === 'AB         ') labelled.set([0x8e, 0x99], i);
    }
    fs.writeFileSync(img, labelled);
    const r = fatCli(['check', img]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^\/: the root directory label "\u00c4\u00d6" is not valid \(it has bytes outside printable ASCII\); removed \(BAD_LABEL\)$/m);
    expect(fatCli(['check', img, '--repair']).status).toBe(1);
    expect(fatCli(['check', img])).toMatchObject({ status: 0 });
    if (haveOracles) expect(fsckClean(img)).toEqual([]);
  });
});
