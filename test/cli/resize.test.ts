/**
 * `fat resize` (issue #17): bare images through a temporary file or in place, ending exactly the
 * volume's size; --dry-run and refusals change nothing; partitions of MBR and GPT disks, whose
 * entry (and GPT backup header and disk file) follow, with sgdisk -v and fsck.fat as witnesses.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fatCli, haveOracles, libraryListing, oracleEnv, populate, scratchDir, sha256 } from './cli-helpers.js';
import { fsckProblems } from '../fat/oracle-helpers.js';

const MIB = 1024 * 1024;
const TREE: Record<string, string | null> = {
  '/index.html': '<h1>hi</h1>'.repeat(500),
  '/docs/a long name.txt': 'a'.repeat(70_000),
  '/docs/deep/b.bin': 'b'.repeat(300_000),
  '/empty.txt': '',
};
const haveSgdisk = spawnSync('sh', ['-c', 'command -v sgdisk || test -x /usr/sbin/sgdisk']).status === 0;
if (!haveSgdisk && process.env.CI === 'true') throw new Error('sgdisk (gdisk) must be installed under CI=true');

describe('fat resize', () => {
  let dir: string;
  let n = 0;
  const fresh = (args: string[]): string => {
    const img = nodePath.join(dir, `i${n++}.img`);
    expect(fatCli(['make', img, ...args]).status).toBe(0);
    return img;
  };
  beforeAll(() => {
    dir = scratchDir('fatkit-resize-cli-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('grows and shrinks a bare image through a temporary file; the file is the volume, nothing is left beside it', () => {
    const img = fresh(['--size', '8M']);
    populate(img, TREE);
    const listing = libraryListing(img);
    for (const size of ['40M', '700M', '3M']) {
      const r = fatCli(['resize', img, size, '--json']);
      expect(r.status, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(fs.statSync(img).size).toBe(j.to.bytes);
      expect(libraryListing(img)).toEqual(listing);
      if (haveOracles) expect(fsckProblems(img).problems, size).toEqual([]);
    }
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.') || f.endsWith('.lock'))).toEqual([]);
    expect(JSON.parse(fatCli(['info', img, '--json']).stdout).fatType).toBe(12);
  });

  it('--in-place and min --free; --dry-run writes nothing', () => {
    const img = fresh(['--size', '32M']);
    populate(img, TREE);
    const listing = libraryListing(img);
    const before = sha256(img);
    const dry = fatCli(['resize', img, 'min', '--free', '1M', '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run: nothing was written/);
    expect(sha256(img)).toBe(before);
    const r = fatCli(['resize', img, 'min', '--free', '1M', '--in-place', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.inPlace).toBe(true);
    expect(fs.statSync(img).size).toBe(j.to.bytes);
    const info = JSON.parse(fatCli(['info', img, '--json']).stdout);
    expect(info.freeBytes).toBeGreaterThanOrEqual(MIB);
    expect(info.freeBytes).toBeLessThan(MIB + 64 * 1024);
    expect(libraryListing(img)).toEqual(listing);
    if (haveOracles) expect(fsckProblems(img).problems).toEqual([]);
  });

  it('refusals are one line, exit 1, and change no byte', () => {
    const img = fresh(['--size', '16M']);
    populate(img, TREE);
    const before = sha256(img);
    const cases: [string[], RegExp][] = [
      [['resize', img, '300K'], /^fat: .*too small.*\d+ bytes\)/],
      [['resize', img, '200M', '--keep-type'], /^fat: 200 MiB is too large for FAT16 .*the largest is/],
      [['resize', img, '16M', '--cluster-size', '512', '--in-place'], /^fat: .*cannot be done in place/],
    ];
    for (const [args, message] of cases) {
      const r = fatCli(args);
      expect({ status: r.status, stdout: r.stdout }, args.join(' ')).toEqual({ status: 1, stdout: '' });
      expect(r.stderr).toMatch(message);
      expect(r.stderr.split('\n').length).toBe(2);
      expect(sha256(img), args.join(' ')).toBe(before);
    }
    const hostile = nodePath.join(dir, 'junk.img');
    fs.writeFileSync(hostile, Buffer.alloc(4096, 0x41));
    const r = fatCli(['resize', hostile, '8M']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^fat: [^\n]+\n$/);
    expect(fs.statSync(hostile).size).toBe(4096);
  });

  it('in place, a volume whose FATs end past sector 65535 and whose FAT #2 does too (or is not a spare copy) is refused naming that limit, and its own reason comes first', () => {
    // 128 GiB FAT32 of 32 KiB clusters (sparse): 2 x 32,768 FAT sectors after 40,000 reserved ones.
    const img = fresh(['--size', '128G', '--fat', '32', '--reserved-sectors', '40000']);
    // The metadata (the first 60 MiB) and the file's size and time stand for its bytes (too many to hash).
    const state = (file: string): [string, number, number] => {
      const fd = fs.openSync(file, 'r');
      const head = Buffer.alloc(60 * MIB);
      fs.readSync(fd, head, 0, head.length, 0);
      fs.closeSync(fd);
      const st = fs.statSync(file);
      return [createHash('sha256').update(head).digest('hex'), st.size, st.mtimeMs];
    };
    const before = state(img);
    const limit = fatCli(['resize', img, '200G', '--in-place']);
    expect(limit.status).toBe(1);
    expect(limit.stderr).toBe('fat: the old FATs end at sector 105536, past the 65535 reserved sectors a boot sector can name, and its FAT #2 starts at sector 72768, past that limit too, so the new ones cannot go where the old volume does not look: this volume cannot be resized in place safely (a bare image can be, through a temporary file: without --in-place)\n');
    // A size that no FAT32 volume of these clusters can have says so, not the in-place limit.
    const large = fatCli(['resize', img, '20T', '--in-place', '--keep-type']);
    expect(large.status).toBe(1);
    expect(large.stderr).toMatch(/^fat: 20 TiB is too large for FAT32 with 32768-byte clusters .*the largest is 2 TiB/);
    expect(state(img)).toEqual(before);
    // Through a temporary file it can be done.
    const dry = fatCli(['resize', img, '200G', '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/128 GiB -> 200 GiB/);
    // FATs not mirrored, FAT #2 the active one (ExtFlags 0x81, the backup boot sector too): FAT #2 is no spare copy.
    const solo = fresh(['--size', '128G', '--fat', '32']);
    const fd = fs.openSync(solo, 'r+');
    for (const at of [40, 6 * 512 + 40]) fs.writeSync(fd, Buffer.from([0x81]), 0, 1, at);
    fs.closeSync(fd);
    const soloBefore = state(solo);
    const r = fatCli(['resize', solo, '200G', '--in-place']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('fat: the old FATs end at sector 65600, past the 65535 reserved sectors a boot sector can name, and its FATs are not mirrored (FAT #2 is the active one), so FAT #2 may not be overwritten, so the new ones cannot go where the old volume does not look: this volume cannot be resized in place safely (a bare image can be, through a temporary file: without --in-place)\n');
    expect(state(solo)).toEqual(soloBefore);
  });

  it('in place, a mirrored FAT32 whose FATs end past sector 65535 gets its new FATs over the old FAT #2: 128 GiB grows to 200 GiB (fsck.fat -n and mtools agree)', () => {
    // mkfs.fat's layout of 128 GiB: 64 reserved sectors, 2 x 32,768 FAT sectors (they end at 65,600).
    const img = fresh(['--size', '128G', '--fat', '32']);
    populate(img, TREE);
    const listing = libraryListing(img);
    const dry = fatCli(['resize', img, '200G', '--in-place', '--dry-run', '--json']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, inPlace: true, from: { reservedSectors: 64, fatSize: 32768, dataStart: 65600 }, to: { bytes: 200 * 1024 * MIB, reservedSectors: 64 + 32768 } });
    const r = fatCli(['resize', img, '200G', '--in-place', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).to).toMatchObject({ reservedSectors: 32832, fatSize: 51200 });
    expect(libraryListing(img)).toEqual(listing);
    expect(fatCli(['check', img]).status).toBe(0);
    if (haveOracles) {
      expect(fsckProblems(img).problems).toEqual([]);
      for (const [p, data] of Object.entries(TREE)) {
        const m = spawnSync('mtype', ['-i', img, `::${p}`], { encoding: 'utf8', env: oracleEnv });
        expect(m.status, m.stderr).toBe(0);
        expect(m.stdout, p).toBe(data ?? '');
      }
    }
  });

  it('in place over the old FAT #2 on a volume of 512-byte clusters and 32,000 reserved sectors (FATs before the old ones do not fit): it grows, and it shrinks', () => {
    for (const [size, bytes] of [['1300M', 1300 * MIB], ['1040M', 1040 * MIB]] as const) {
      const img = fresh(['--size', '1082M', '--fat', '32', '--cluster-size', '512', '--reserved-sectors', '32000']);
      populate(img, TREE);
      const listing = libraryListing(img);
      const r = fatCli(['resize', img, size, '--in-place', '--json']);
      expect(r.status, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.to).toMatchObject({ bytes, reservedSectors: 48800 });
      expect(libraryListing(img)).toEqual(listing);
      if (haveOracles) {
        expect(fsckProblems(img).problems, size).toEqual([]);
        for (const [p, data] of Object.entries(TREE)) {
          const m = spawnSync('mtype', ['-i', img, `::${p}`], { encoding: 'utf8', env: oracleEnv });
          expect(m.status, m.stderr).toBe(0);
          expect(m.stdout, p).toBe(data ?? '');
        }
      }
    }
  });

  it('a GPT disk whose last partition grows: the entry, the backup header and the disk follow (sgdisk -v clean)', () => {
    const img = fresh(['--size', '20M', '--partition', 'gpt']);
    populate(img, TREE);
    const listing = libraryListing(img, { offset: MIB });
    const r = fatCli(['--partition', '1', 'resize', img, '64M', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.partition).toMatchObject({ index: 1, start: MIB, size: 64 * MIB });
    expect(fs.statSync(img).size).toBe(j.partition.diskSize);
    expect(libraryListing(img, { offset: MIB })).toEqual(listing);
    const info = JSON.parse(fatCli(['info', img, '--json']).stdout);
    expect(info.table.partitions[0].size).toBe(64 * MIB);
    if (haveSgdisk) {
      const v = spawnSync('sgdisk', ['-v', img], { encoding: 'utf8', env: oracleEnv });
      expect(v.stdout, v.stderr).toMatch(/No problems found/);
    }
    if (haveOracles) {
      const m = spawnSync('mdir', ['-i', `${img}@@1M`, '-/', '-b', '::/'], { encoding: 'utf8', env: oracleEnv });
      expect(m.status, m.stderr).toBe(0);
    }
    // And back down: the entry shrinks, the disk keeps its size.
    const s = fatCli(['--partition', '1', 'resize', img, '12M']);
    expect(s.status, s.stderr).toBe(0);
    expect(JSON.parse(fatCli(['info', img, '--json']).stdout).table.partitions[0].size).toBe(12 * MIB);
    expect(libraryListing(img, { offset: MIB })).toEqual(listing);
    if (haveSgdisk) expect(spawnSync('sgdisk', ['-v', img], { encoding: 'utf8', env: oracleEnv }).stdout).toMatch(/No problems found/);
  });

  it('an MBR partition grows with the disk; a partition in the way is refused, naming how far it can grow', () => {
    const img = fresh(['--size', '12M', '--partition', 'mbr']);
    populate(img, TREE);
    const listing = libraryListing(img, { offset: MIB });
    const r = fatCli(['--partition', '1', 'resize', img, '40M']);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.statSync(img).size).toBe(41 * MIB);
    expect(libraryListing(img, { offset: MIB })).toEqual(listing);
    if (haveOracles) {
      const v = spawnSync('sfdisk', ['--verify', img], { encoding: 'utf8', env: oracleEnv });
      expect(v.status, v.stdout + v.stderr).toBe(0);
    }
    if (!haveSgdisk) return;
    // Two partitions (sgdisk), the first formatted by fat make: it cannot grow past the second.
    const two = nodePath.join(dir, 'two.img');
    fs.writeFileSync(two, '');
    fs.truncateSync(two, 64 * MIB);
    expect(spawnSync('sgdisk', ['-n', '1:2048:+16M', '-t', '1:0700', '-n', '2:0:+8M', two], { env: oracleEnv }).status).toBe(0);
    expect(fatCli(['make', two, '--partition', '1']).status).toBe(0);
    const before = sha256(two);
    const refused = fatCli(['--partition', '1', 'resize', two, '32M']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^fat: partition 1 cannot grow to 32 MiB: partition 2 starts right after it; it can grow to at most 16 MiB/);
    expect(sha256(two)).toBe(before);
  });
});
