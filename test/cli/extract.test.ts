/**
 * `fat extract` of names the host cannot hold: Windows allows 255 UTF-16 units in a long name,
 * Linux 255 UTF-8 bytes, so 236 Hiragana characters (708 bytes) fit FAT but not the host. Such an
 * entry is extracted under a stand-in name, reported on one line, and the rest of the tree is
 * extracted; the exit status is 1. mcopy crashes on such a name and 7-Zip skips it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryDevice, Volume, mkfs } from '../../src/index.js';
import { HOST_NAME_MAX, hostName, shortenedName } from '../../src/cli/safe-writer.js';
import { fatCli, scratchDir } from './cli-helpers.js';

const work = scratchDir('fatkit-extract-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const HIRAGANA = Array.from({ length: 236 }, (_, i) => String.fromCharCode(0x3041 + (i % 80))).join('');
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function image(): string {
  const dev = new MemoryDevice(4 << 20);
  mkfs(dev, { volumeId: 0x12345678, time: Date.UTC(2024, 0, 1) });
  const v = Volume.open(dev, { now: () => new Date(Date.UTC(2024, 0, 2)) });
  v.writeFile('/before.txt', 'before\n');
  v.writeFile(`/${HIRAGANA}.txt`, 'long file\n');
  v.mkdir(`/${HIRAGANA}`);
  v.writeFile(`/${HIRAGANA}/inside.txt`, 'inside a long-named directory\n');
  v.writeFile('/zafter.txt', 'after\n');
  v.close();
  const img = path.join(work, `img-${Math.random().toString(36).slice(2)}.img`);
  fs.writeFileSync(img, dev.bytes);
  return img;
}

describe('host names for entries the host cannot hold', () => {
  it('shortens to at most 255 UTF-8 bytes at a character boundary, keeping the extension and a stable suffix', () => {
    const s = shortenedName(`${HIRAGANA}.txt`);
    expect(bytes(s)).toBeLessThanOrEqual(HOST_NAME_MAX);
    expect(s).toMatch(/~[0-9a-f]{8}\.txt$/);
    expect(HIRAGANA.startsWith(s.slice(0, s.indexOf('~')))).toBe(true);
    expect(shortenedName(`${HIRAGANA}.txt`)).toBe(s);
    // Two long names that share the kept prefix still get different stand-ins.
    expect(shortenedName(`${HIRAGANA}x.txt`)).not.toBe(s);
    expect(hostName('short.txt')).toEqual({ name: 'short.txt' });
    expect(hostName(`${HIRAGANA}.txt`).renamed).toMatch(/712 bytes in UTF-8/);
  });

  it('extracts everything else, the long names under stand-ins, says so on one line each, exits 1', () => {
    const img = image();
    const out = path.join(work, 'out1');
    const r = fatCli(['extract', img, '-o', out]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^fat: \/\S+: name is \d+ bytes in UTF-8, more than the host's 255: extracted as \S+$/);
    const names = fs.readdirSync(out).sort();
    expect(names).toHaveLength(4);
    expect(names).toContain('before.txt');
    expect(names).toContain('zafter.txt');
    const file = names.find((n) => n.endsWith('.txt') && n.includes('~'))!;
    const dir = names.find((n) => !n.endsWith('.txt'))!;
    expect(fs.readFileSync(path.join(out, file), 'utf8')).toBe('long file\n');
    expect(fs.readFileSync(path.join(out, dir, 'inside.txt'), 'utf8')).toBe('inside a long-named directory\n');
    expect(fs.statSync(path.join(out, file)).mtime.toISOString()).toBe('2024-01-02T00:00:00.000Z');
    // The same image extracts to the same names.
    const again = path.join(work, 'out2');
    fatCli(['extract', img, '-o', again]);
    expect(fs.readdirSync(again).sort()).toEqual(names);
  });

  it('--json reports where every entry went and what was renamed', () => {
    const img = image();
    const out = path.join(work, 'out3');
    const r = fatCli(['extract', img, '-o', out, '--json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { path: string; type: string; hostPath?: string; renamed?: string; skipped?: string }[];
    expect(report.map((m) => m.path)).toEqual(['/before.txt', `/${HIRAGANA}.txt`, `/${HIRAGANA}`, `/${HIRAGANA}/inside.txt`, '/zafter.txt']);
    const real = fs.realpathSync(out);
    for (const m of report) {
      expect(m.skipped).toBeUndefined();
      expect(m.hostPath!.startsWith(real)).toBe(true);
      expect(fs.existsSync(m.hostPath!)).toBe(true);
    }
    expect(report.filter((m) => m.renamed).map((m) => m.path)).toEqual([`/${HIRAGANA}.txt`, `/${HIRAGANA}`]);
    expect(report[3].hostPath).toBe(path.join(report[2].hostPath!, 'inside.txt'));
  });

  it('a long-named directory extracted by itself lands under its stand-in', () => {
    const img = image();
    const out = path.join(work, 'out4');
    const r = fatCli(['extract', img, `/${HIRAGANA}`, '-o', out]);
    expect(r.status).toBe(1);
    const [dir] = fs.readdirSync(out);
    expect(bytes(dir)).toBeLessThanOrEqual(255);
    expect(fs.readdirSync(path.join(out, dir))).toEqual(['inside.txt']);
  });
});

describe('what is already in the output directory', () => {
  function tree(): string {
    const dev = new MemoryDevice(4 << 20);
    mkfs(dev, { volumeId: 0x12345678, time: Date.UTC(2024, 0, 1) });
    const v = Volume.open(dev, { now: () => new Date(Date.UTC(2024, 0, 2)) });
    v.mkdir('/d/e', { recursive: true });
    v.writeFile('/d/f.txt', 'f\n');
    v.writeFile('/d/e/g.txt', 'g\n');
    v.writeFile('/top.txt', 'top\n');
    v.close();
    const img = path.join(work, `tree-${Math.random().toString(36).slice(2)}.img`);
    fs.writeFileSync(img, dev.bytes);
    return img;
  }

  it('a link planted where a file or directory goes is not written through; directories it made need no look', () => {
    const img = tree();
    const outside = path.join(work, 'outside');
    fs.mkdirSync(path.join(outside, 'e'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'kept.txt'), 'kept\n');
    const out = path.join(work, 'planted');
    fs.mkdirSync(path.join(out, 'd'), { recursive: true });
    fs.symlinkSync(path.join(outside, 'kept.txt'), path.join(out, 'd', 'f.txt'));
    fs.symlinkSync(path.join(outside, 'e'), path.join(out, 'd', 'e'));
    const r = fatCli(['extract', img, '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').sort()).toEqual([
      `fat: /d/e: skipped: refusing to write through the symbolic link ${fs.realpathSync(out)}/d/e`,
      `fat: /d/f.txt: skipped: refusing to write through the symbolic link ${fs.realpathSync(out)}/d/f.txt`,
    ]);
    expect(fs.readFileSync(path.join(outside, 'kept.txt'), 'utf8')).toBe('kept\n');
    expect(fs.readdirSync(path.join(outside, 'e'))).toEqual([]);
    expect(fs.readFileSync(path.join(out, 'top.txt'), 'utf8')).toBe('top\n');
    // A fresh output directory: everything, with the files' times.
    const fresh = path.join(work, 'fresh', 'out');
    const f = fatCli(['extract', img, '-o', fresh]);
    expect([f.status, f.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(fresh, 'd', 'e', 'g.txt'), 'utf8')).toBe('g\n');
    expect(fs.statSync(path.join(fresh, 'd', 'e', 'g.txt')).mtime.toISOString()).toBe('2024-01-02T00:00:00.000Z');
  });
});
