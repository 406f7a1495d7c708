/**
 * `fat resize` to the size the volume already has writes nothing (bare image through a temporary
 * file or in place, a partition) and says so; a file that is no FAT image gets the wording the
 * rest of the command line uses.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fatCli, populate, scratchDir, sha256 } from './cli-helpers.js';

const TREE: Record<string, string | null> = { '/index.html': '<h1>hi</h1>'.repeat(500), '/docs/a.txt': 'a'.repeat(70_000) };

describe('fat resize to the size it has', () => {
  let dir: string;
  let n = 0;
  const fresh = (args: string[]): string => {
    const img = nodePath.join(dir, `n${n++}.img`);
    expect(fatCli(['make', img, ...args]).status).toBe(0);
    return img;
  };
  beforeAll(() => {
    dir = scratchDir('fatkit-resize-noop-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Run resize; the image's bytes and modification time stay; nothing is left beside it. */
  const unchanged = (img: string, args: string[]): string => {
    const before = sha256(img);
    const old = new Date(2001, 0, 1);
    fs.utimesSync(img, old, old);
    const r = fatCli(args);
    expect(r.status, r.stderr).toBe(0);
    expect(sha256(img), args.join(' ')).toBe(before);
    expect(fs.statSync(img).mtimeMs, args.join(' ')).toBe(old.getTime());
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
    return r.stdout;
  };

  it('a bare image, through a temporary file and in place, FAT12/16/32: no write, and the output says so', () => {
    for (const [size, fat] of [['2M', '12'], ['16M', '16'], ['40M', '32']]) {
      const img = fresh(['--size', size, '--fat', fat]);
      populate(img, TREE);
      for (const extra of [[], ['--in-place']]) {
        const out = unchanged(img, ['resize', img, size, ...extra]);
        expect(out).toMatch(/^unchanged: the volume already has this size; nothing was written$/m);
        expect(out).not.toMatch(/^moved:/m);
      }
      const bytes = fs.statSync(img).size;
      const j = JSON.parse(unchanged(img, ['resize', img, String(bytes), '--in-place', '--json']));
      expect(j).toMatchObject({ dryRun: false, inPlace: true, unchanged: true, clustersToMove: 0, bytesToMove: 0, typeChange: null });
      expect(j.to).toEqual(j.from);
      expect(j.clustersUsed).toBeGreaterThan(0);
      const dry = unchanged(img, ['resize', img, size, '--dry-run']);
      expect(dry).toMatch(/^unchanged: the volume already has this size; nothing would be written$/m);
      expect(dry).toMatch(/^dry run: nothing was written$/m);
    }
  });

  it('min when the volume is already its smallest: no write', () => {
    const img = fresh(['--size', '16M', '--fat', '16']);
    populate(img, TREE);
    expect(fatCli(['resize', img, 'min']).status).toBe(0);
    const j = JSON.parse(unchanged(img, ['resize', img, 'min', '--json']));
    expect(j).toMatchObject({ unchanged: true, inPlace: false, clustersToMove: 0 });
  });

  it('a partition: neither the volume nor the table is written', () => {
    for (const scheme of ['mbr', 'gpt']) {
      const img = fresh(['--size', '20M', '--partition', scheme]);
      populate(img, TREE);
      const info = JSON.parse(fatCli(['info', img, '--json']).stdout);
      const bytes = String(info.totalSectors * info.sectorSize);
      const out = unchanged(img, ['--partition', '1', 'resize', img, bytes]);
      expect(out).toMatch(/^unchanged: the volume already has this size; nothing was written$/m);
    }
  });

  it('the input that is no FAT image: the wording of the rest of the command line', () => {
    const junk = nodePath.join(dir, 'junk.img');
    fs.writeFileSync(junk, Buffer.alloc(4096, 0x41));
    const r = fatCli(['resize', junk, '8M']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(fatCli(['list', junk]).stderr);
    expect(r.stderr).toMatch(/^fat: not a FAT image: no FAT boot sector \(.+\) and no partition table\n$/);
    expect(fatCli(['resize', junk, '8M', '--in-place']).stderr).toBe(r.stderr);
    expect(fatCli(['resize', junk, '8M', '--dry-run']).stderr).toBe(r.stderr);
    // A whole disk without --partition: the table is named.
    const disk = fresh(['--size', '20M', '--partition', 'mbr']);
    const d = fatCli(['resize', disk, '30M']);
    expect(d.status).toBe(1);
    expect(d.stderr).toMatch(/^fat: not a FAT image: no FAT boot sector \(.+\) but an MBR partition table: resize a partition of it \(--partition N\)\n$/);
  });
});
