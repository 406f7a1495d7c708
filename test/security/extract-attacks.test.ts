/**
 * `fat extract` against path attacks, one test per attack (issue #7). hostile-read.test.ts covers
 * `../` long names, `/` and `\` in long names, `.`/`..` long names and `..`/`/` short names on
 * the checked-in images; these add absolute paths, NUL, control characters, Windows reserved
 * device names, a symbolic link planted in the target, names that differ only in case, very deep
 * trees and directory cycles. Every run: exit 0 or 1, only one-line `fat:` messages, nothing
 * written outside the output directory, nothing inside it is a link.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDevice, Volume, mkfs } from '../../src/index.js';
import { encodeLongName } from '../../src/fat/format/long-name.js';
import { shortNameChecksum } from '../../src/fat/format/short-name.js';
import { describeRun, runFat, stderrLines, type FatRun } from '../fixtures/run-fat.js';

const NOW = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));
const PLACEHOLDER = 'placeholder long name to be rewritten by the attack.txt';

let work = '';
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-extract-attacks-'));
});
afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** A FAT16 image holding /SAFE.TXT and whatever `fill` adds. */
function image(fill: (v: Volume) => void): Uint8Array {
  const dev = new MemoryDevice(8 * 1024 * 1024);
  mkfs(dev, { fatType: 16, sectorsPerCluster: 1, volumeId: 0x1234abcd } as Parameters<typeof mkfs>[1]);
  const v = Volume.open(dev, { now: NOW });
  v.writeFile('/SAFE.TXT', 'safe\n');
  fill(v);
  v.close();
  return dev.bytes;
}

/** Rewrite the long name of the entry now named PLACEHOLDER (in the root) to `name` (any UTF-16, NUL and `/` included). */
function withLongName(name: string): Uint8Array {
  const bytes = image((v) => v.writeFile(`/${PLACEHOLDER}`, 'attack payload\n'));
  const v = Volume.open(new MemoryDevice(bytes), { readOnly: true });
  const g = v.geo;
  const rec = v.dirAt('/').dir.find(PLACEHOLDER)!;
  v.close();
  const root = g.rootDirStart * g.sectorSize;
  const short = bytes.subarray(root + rec.index * 32, root + rec.index * 32 + 11);
  const slots = encodeLongName(name, shortNameChecksum(short));
  const have = rec.index - rec.firstSlot;
  if (slots.length / 32 > have) throw new Error(`attack name needs ${slots.length / 32} slots, ${have} available`);
  // The run keeps its place right before the short entry; unused leading slots are deleted.
  for (let i = rec.firstSlot; i < rec.index; i++) bytes[root + i * 32] = 0xe5;
  bytes.set(slots, root + (rec.index - slots.length / 32) * 32);
  return bytes;
}

function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const n of fs.readdirSync(d)) {
      const p = path.join(d, n);
      const r = rel ? `${rel}/${n}` : n;
      out.push(r);
      const st = fs.lstatSync(p);
      if (st.isDirectory() && !st.isSymbolicLink()) walk(p, r);
    }
  };
  walk(dir, '');
  return out.sort();
}

interface Extracted {
  r: FatRun;
  out: string;
  sandbox: string;
  args: string[];
}

/** Extract into sandbox/a/b/out (cwd sandbox/a/b); `plant` may prepare the output directory first. */
async function extract(name: string, bytes: Uint8Array, plant?: (out: string, sandbox: string) => void): Promise<Extracted> {
  const sandbox = fs.mkdtempSync(path.join(work, `${name}-`));
  const cwd = path.join(sandbox, 'a', 'b');
  const out = path.join(cwd, 'out');
  fs.mkdirSync(cwd, { recursive: true });
  const img = path.join(sandbox, 'image.img');
  fs.writeFileSync(img, bytes);
  plant?.(out, sandbox);
  const before = snapshot(sandbox).filter((p) => !p.startsWith('a/b/out'));
  const args = ['extract', img, '-o', out];
  const r = await runFat(args, { cwd, timeoutMs: 60_000 });
  const what = describeRun(args, r);
  expect(r.timedOut, `hang: ${what}`).toBe(false);
  expect([0, 1], what).toContain(r.status);
  expect(r.stderr, `stack trace: ${what}`).not.toMatch(/^\s+at /m);
  expect(r.stderr, what).not.toMatch(/internal error/i);
  for (const line of stderrLines(r)) expect(line, what).toMatch(/^fat: \S/);
  const after = snapshot(sandbox).filter((p) => !p.startsWith('a/b/out'));
  expect(after, `nothing written outside the output directory: ${what}`).toEqual(before);
  return { r, out, sandbox, args };
}

const outFiles = (out: string): string[] => (fs.existsSync(out) ? snapshot(out) : []);

describe('extraction attacks', () => {
  it('absolute path in a long name ("/tmp/evil-abs.txt") is refused', async () => {
    const target = path.join(os.tmpdir(), `fatkit-evil-abs-${process.pid}.txt`);
    const e = await extract('absolute', withLongName(target));
    expect(fs.existsSync(target)).toBe(false);
    expect(e.r.status, describeRun(e.args, e.r)).toBe(1);
    expect(e.r.stderr).toMatch(/skipped/);
    expect(outFiles(e.out)).toEqual(['SAFE.TXT']);
  });

  it('dot-dot traversal to an absolute-looking place ("../../../../../../tmp/evil") is refused', async () => {
    const e = await extract('dotdot-deep', withLongName('../../../../../../../../tmp/fatkit-evil-dotdot.txt'));
    expect(fs.existsSync('/tmp/fatkit-evil-dotdot.txt')).toBe(false);
    expect(e.r.status).toBe(1);
    expect(outFiles(e.out)).toEqual(['SAFE.TXT']);
  });

  it('backslash traversal ("..\\\\..\\\\evil.txt") is refused', async () => {
    const e = await extract('backslash', withLongName('..\\..\\evil-backslash.txt'));
    expect(e.r.status).toBe(1);
    expect(outFiles(e.out)).toEqual(['SAFE.TXT']);
  });

  it('NUL inside a long name ("innocent.jpg\\0../../evil.txt") ends the name there, as in every FAT driver', async () => {
    const e = await extract('nul', withLongName('innocent.jpg\u0000../../evil-nul.txt'));
    expect(e.r.status, describeRun(e.args, e.r)).toBe(0);
    expect(outFiles(e.out)).toEqual(['SAFE.TXT', 'innocent.jpg']);
  });

  it('control characters in a long name (newline, escape) do not reach the terminal raw or break the report', async () => {
    const e = await extract('control', withLongName('line\nbreak\u001b[31mred.txt'));
    // Either written under its name inside out/ or skipped; the report stays one line per problem.
    for (const p of outFiles(e.out)) expect(p.startsWith('..')).toBe(false);
    expect(e.r.stderr).not.toMatch(/\u001b/);
  });

  it.each(['CON', 'PRN', 'AUX', 'NUL', 'COM1', 'LPT1', 'con.txt', 'Nul.tar.gz', 'COM9.log'])(
    'Windows reserved device name %s stays a plain file inside the output directory',
    async (name) => {
      const e = await extract(`device-${name}`, image((v) => v.writeFile(`/${name}`, 'device payload\n')));
      const files = outFiles(e.out);
      if (process.platform === 'win32') {
        expect(files).not.toContain(name);
      } else {
        expect(files).toContain(name);
        expect(fs.lstatSync(path.join(e.out, name)).isFile()).toBe(true);
        expect(fs.readFileSync(path.join(e.out, name), 'utf8')).toBe('device payload\n');
      }
    },
  );

  it('a symbolic link planted in the output directory is not written through', async () => {
    const bytes = image((v) => {
      v.mkdir('/SUB');
      v.writeFile('/SUB/INNER.TXT', 'inner\n');
    });
    let outside = '';
    const e = await extract('symlink', bytes, (out, sandbox) => {
      outside = path.join(sandbox, 'outside');
      fs.mkdirSync(outside);
      fs.mkdirSync(out, { recursive: true });
      fs.symlinkSync(outside, path.join(out, 'SUB'));
    });
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(e.r.status).toBe(1);
    expect(e.r.stderr).toMatch(/symbolic link/);
  });

  it('names that differ only in case are not merged into one host file (the second is skipped)', async () => {
    // Two entries, README.TXT and readme.txt: made by renaming the short name of a second file.
    const bytes = image((v) => {
      v.writeFile('/README.TXT', 'first\n');
      v.writeFile('/Readme2.txt', 'second\n');
    });
    const v = Volume.open(new MemoryDevice(bytes), { readOnly: true });
    const g = v.geo;
    const rec = v.dirAt('/').dir.find('Readme2.txt')!;
    v.close();
    const root = g.rootDirStart * g.sectorSize;
    for (let i = rec.firstSlot; i < rec.index; i++) bytes[root + i * 32] = 0xe5;
    bytes.set(Uint8Array.from('README  TXT', (c) => c.charCodeAt(0)), root + rec.index * 32);
    bytes[root + rec.index * 32 + 12] = 0x18; // lower-case base and extension: "readme.txt"
    const e = await extract('case', bytes);
    const files = outFiles(e.out).filter((f) => f.toLowerCase() === 'readme.txt');
    expect(files.length).toBe(1);
    expect(fs.readFileSync(path.join(e.out, files[0]), 'utf8')).toBe('first\n');
  });

  it('a very deep tree (200 levels, paths past PATH_MAX) ends in a clean error or a complete extraction', async () => {
    const bytes = image((v) => {
      let p = '';
      for (let i = 0; i < 200; i++) p += `/level-${String(i).padStart(3, '0')}-of-a-very-deep-tree`;
      v.mkdir(p, { recursive: true });
      v.writeFile(`${p}/BOTTOM.TXT`, 'bottom\n');
    });
    const e = await extract('deep', bytes);
    if (e.r.status === 0) {
      expect(outFiles(e.out).some((f) => f.endsWith('/BOTTOM.TXT'))).toBe(true);
    } else {
      expect(stderrLines(e.r).length).toBeGreaterThan(0);
    }
  });

  it('a directory cycle (a subdirectory pointing to its ancestor) is not followed forever', async () => {
    const bytes = image((v) => {
      v.mkdir('/A/B', { recursive: true });
      v.writeFile('/A/B/FILE.TXT', 'x\n');
    });
    // Point /A/B/LOOP (a new directory entry) at /A's cluster.
    const v = Volume.open(new MemoryDevice(bytes), { now: NOW });
    v.mkdir('/A/B/LOOP');
    const a = v.stat('/A').firstCluster;
    const dir = v.dirAt('/A/B').dir;
    const loop = dir.find('LOOP')!;
    loop.raw.cluster = a;
    dir.update(loop);
    dir.flush();
    v.close();
    const e = await extract('cycle', bytes);
    expect(e.r.status).toBe(1);
    expect(outFiles(e.out).length).toBeLessThan(50);
  });
});
