/**
 * `fat resize --partition N` on every partition a real disk has (issue #17): MBR logical
 * partitions (5 and up, inside the extended partition's EBR chain) grow, shrink and are refused
 * naming what is in the way; SIZE max takes the free space after an MBR primary, logical or GPT
 * partition. Disks are made by sfdisk/sgdisk and volumes by mkfs.fat --offset; sfdisk -d, sfdisk
 * -V, fdisk -l and sgdisk -v read the tables afterwards, mtools (IMG@@offset) the volumes, and
 * fsck.fat -n each volume cut out of the disk.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fatCli, haveOracles, libraryListing, oracleEnv, scratchDir, sha256 } from './cli-helpers.js';
import { fsckProblems, writeSparse } from '../fat/oracle-helpers.js';
import { openImage } from '../../src/index.js';

const MIB = 1024 * 1024;
const S = 512;
const tool = (t: string): boolean => spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t} || test -x /sbin/${t}`]).status === 0;
const haveTools = haveOracles && tool('sfdisk') && tool('fdisk') && tool('sgdisk');
if (!haveTools && process.env.CI === 'true') throw new Error('sfdisk, fdisk and sgdisk must be installed under CI=true');

const TREE: Record<string, string> = {
  '/index.html': '<h1>hi</h1>'.repeat(400),
  '/docs/a long name.txt': 'a'.repeat(70_000),
  '/docs/deep/b.bin': 'b'.repeat(200_000),
};

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: oracleEnv, ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A disk of `mib` MiB partitioned by sfdisk from `script` (lines `N : start=..., size=..., type=...`). */
function sfdiskDisk(img: string, mib: number, script: string[]): void {
  fs.rmSync(img, { force: true });
  fs.writeFileSync(img, '');
  fs.truncateSync(img, mib * MIB);
  run('sfdisk', ['--no-reread', '--no-tell-kernel', img], `label: dos\n${script.map((l) => `${img}${l}`).join('\n')}\n`);
}

/** mkfs.fat (FAT16 unless told) at sector `start`, `kib` KiB, then the tree through the library. */
function formatAt(img: string, start: number, kib: number, fat = '16', extra: string[] = []): void {
  run('mkfs.fat', ['-F', fat, ...extra, '--invariant', '--offset', String(start), img, String(kib)]);
  const vol = openImage(img, { offset: start * S, readOnly: false, now: () => new Date('2020-01-01T00:00:00Z') });
  try {
    for (const [p, data] of Object.entries(TREE)) {
      vol.mkdir(p.slice(0, p.lastIndexOf('/')) || '/', { recursive: true });
      vol.writeFile(p, data);
    }
  } finally {
    vol.close();
  }
}

/** sfdisk -d's partitions: node suffix -> [start, size] in sectors. */
function sfdiskDump(img: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const m of run('sfdisk', ['-d', img]).matchAll(/^(\S+) : start=\s*(\d+), size=\s*(\d+)/gm)) out.set(m[1].slice(img.length), [Number(m[2]), Number(m[3])]);
  return out;
}

/** fdisk -l's Sectors column per partition. */
function fdiskSectors(img: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of run('fdisk', ['-l', img]).matchAll(/^(\S+)\s+\*?\s*(\d+)\s+(\d+)\s+(\d+)\s/gm)) {
    if (m[1].startsWith(img)) out.set(m[1].slice(img.length), Number(m[4]));
  }
  return out;
}

/** The tables and volumes check out: sfdisk -V, mtools at the partition's offset, fsck.fat -n on the partition cut out. */
function verifyVolume(img: string, dir: string, start: number, sectors: number, listing: string[]): void {
  const v = spawnSync('sfdisk', ['-V', img], { encoding: 'utf8', env: oracleEnv });
  expect(v.stdout, v.stderr).toMatch(/No errors detected/);
  expect(libraryListing(img, { offset: start * S })).toEqual(listing);
  const m = spawnSync('mdir', ['-i', `${img}@@${start * S}`, '-/', '-b', '::/'], { encoding: 'utf8', env: oracleEnv });
  expect(m.status, m.stderr).toBe(0);
  expect(m.stdout).toMatch(/b\.bin/);
  const cut = nodePath.join(dir, 'cut.img');
  const fd = fs.openSync(img, 'r');
  const bytes = new Uint8Array(sectors * S);
  fs.readSync(fd, bytes, 0, bytes.length, start * S);
  fs.closeSync(fd);
  writeSparse(cut, bytes);
  expect(fsckProblems(cut).problems).toEqual([]);
  fs.rmSync(cut);
}

describe.runIf(haveTools)('fat resize --partition: logical partitions and max', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratchDir('fatkit-resize-part-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('MBR logical partitions grow, shrink, and the extended partition and the disk grow with the last one', () => {
    const img = nodePath.join(dir, 'logical.img');
    // 1 primary; extended 2 from sector 20480 (40 MiB) with logical 5 (10 MiB) and logical 6 at
    // 65536 (12 MiB), a gap of 10 MiB before 6's EBR at 63488.
    sfdiskDisk(img, 64, ['1 : start=2048, size=8M, type=c', '2 : start=20480, size=40M, type=5', '5 : start=22528, size=10M, type=e', '6 : start=65536, size=12M, type=e']);
    formatAt(img, 22528, 10 * 1024);
    formatAt(img, 65536, 12 * 1024);
    const listing = libraryListing(img, { offset: 22528 * S });
    expect(libraryListing(img, { offset: 65536 * S })).toEqual(listing);

    // 5 grows into the gap, up to 6's EBR, and no further.
    const before = sha256(img);
    const refused = fatCli(['--partition', '5', 'resize', img, '25M']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe('fat: partition 5 cannot grow to 25 MiB: the extended boot record of partition 6 (sector 63488) comes right after it; it can grow to at most 20 MiB (20971520 bytes)\n');
    expect(sha256(img)).toBe(before);
    const dry = fatCli(['--partition', '5', 'resize', img, 'max', '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/partition 5: 20 MiB at byte 11534336; disk 64 MiB\ndry run: nothing was written/);
    expect(sha256(img)).toBe(before);
    const g5 = fatCli(['--partition', '5', 'resize', img, 'max', '--json']);
    expect(g5.status, g5.stderr).toBe(0);
    expect(JSON.parse(g5.stdout).partition).toEqual({ index: 5, start: 22528 * S, size: 20 * MIB, diskSize: 64 * MIB });
    expect(sfdiskDump(img).get('5')).toEqual([22528, 40960]);
    verifyVolume(img, dir, 22528, 40960, listing);

    // 6, the last logical partition, grows past the extended partition's end and the disk's.
    const g6 = fatCli(['--partition', '6', 'resize', img, '100M']);
    expect(g6.status, g6.stderr).toBe(0);
    expect(fs.statSync(img).size).toBe(65536 * S + 100 * MIB);
    const dump = sfdiskDump(img);
    expect(dump.get('2')).toEqual([20480, 65536 + 204800 - 20480]);
    expect(dump.get('6')).toEqual([65536, 204800]);
    expect(fdiskSectors(img)).toEqual(new Map([['1', 16384], ['2', 249856], ['5', 40960], ['6', 204800]]));
    // The link to 6's EBR (63488) in 5's EBR counts to 6's new end, as sfdisk writes it.
    const ebr5 = fs.readFileSync(img).subarray(20480 * S, 20481 * S);
    expect(Buffer.from(ebr5).readUInt32LE(446 + 16 + 12)).toBe(65536 + 204800 - 63488);
    verifyVolume(img, dir, 65536, 204800, listing);

    // Both shrink; the extended partition and the disk keep their size (its space stays for logical partitions).
    for (const [n, start] of [['6', 65536], ['5', 22528]] as const) {
      const s = fatCli(['--partition', n, 'resize', img, '3M']);
      expect(s.status, s.stderr).toBe(0);
      expect(sfdiskDump(img).get(n)).toEqual([start, 6144]);
      verifyVolume(img, dir, start, 6144, listing);
    }
    expect(sfdiskDump(img).get('2')).toEqual([20480, 249856]);
    // And 6 grows again to what is free (the disk's end), with max.
    const m6 = fatCli(['--partition', '6', 'resize', img, 'max']);
    expect(m6.status, m6.stderr).toBe(0);
    expect(sfdiskDump(img).get('6')).toEqual([65536, 270336 - 65536]);
    verifyVolume(img, dir, 65536, 270336 - 65536, listing);
  });

  it('a last logical partition with a primary after its extended partition stops at that primary', () => {
    const img = nodePath.join(dir, 'boxed.img');
    sfdiskDisk(img, 64, ['1 : start=2048, size=8M, type=c', '2 : start=20480, size=20M, type=5', '3 : start=81920, size=8M, type=c', '5 : start=22528, size=10M, type=e']);
    formatAt(img, 22528, 10 * 1024);
    const listing = libraryListing(img, { offset: 22528 * S });
    const before = sha256(img);
    const refused = fatCli(['--partition', '5', 'resize', img, '40M']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^fat: partition 5 cannot grow to 40 MiB: partition 3 starts right after the extended partition it lies in; it can grow to at most 29 MiB \(30408704 bytes\)\n$/);
    expect(sha256(img)).toBe(before);
    const r = fatCli(['--partition', '5', 'resize', img, 'max']);
    expect(r.status, r.stderr).toBe(0);
    const dump = sfdiskDump(img);
    expect(dump.get('5')).toEqual([22528, 81920 - 22528]);
    expect(dump.get('2')).toEqual([20480, 81920 - 20480]);
    expect(dump.get('3')).toEqual([81920, 16384]);
    verifyVolume(img, dir, 22528, 81920 - 22528, listing);
    // A primary before the extended partition is stopped by it.
    formatAt(img, 2048, 8 * 1024, '12');
    const p1 = fatCli(['--partition', '1', 'resize', img, '20M']);
    expect(p1.status).toBe(1);
    expect(p1.stderr).toBe('fat: partition 1 cannot grow to 20 MiB: partition 2 (the extended partition) starts right after it; it can grow to at most 9 MiB (9437184 bytes)\n');
  });

  it('max: an MBR primary up to the next partition; a GPT partition up to the backup of a disk made larger', () => {
    const img = nodePath.join(dir, 'prim.img');
    sfdiskDisk(img, 48, ['1 : start=2048, size=12M, type=e', '2 : start=40960, size=8M, type=c']);
    formatAt(img, 2048, 12 * 1024);
    const listing = libraryListing(img, { offset: 2048 * S });
    const r = fatCli(['--partition', '1', 'resize', img, 'max', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).partition.size).toBe((40960 - 2048) * S);
    expect(sfdiskDump(img).get('1')).toEqual([2048, 40960 - 2048]);
    verifyVolume(img, dir, 2048, 40960 - 2048, listing);

    // GPT: the disk file grows (as a VM's disk does), then max fills it up to the new backup.
    const gpt = nodePath.join(dir, 'gpt.img');
    expect(fatCli(['make', gpt, '--size', '20M', '--partition', 'gpt']).status).toBe(0);
    const vol = openImage(gpt, { offset: MIB, readOnly: false });
    vol.writeFile('/x.txt', 'x'.repeat(5000));
    vol.close();
    const gl = libraryListing(gpt, { offset: MIB });
    fs.truncateSync(gpt, 64 * MIB);
    const g = fatCli(['--partition', '1', 'resize', gpt, 'max', '--json']);
    expect(g.status, g.stderr).toBe(0);
    const j = JSON.parse(g.stdout).partition;
    // The last usable sector: the disk's end minus the backup array (32 sectors) and header.
    expect(j).toEqual({ index: 1, start: MIB, size: 64 * MIB - MIB - 33 * S, diskSize: 64 * MIB });
    expect(fs.statSync(gpt).size).toBe(64 * MIB);
    expect(libraryListing(gpt, { offset: MIB })).toEqual(gl);
    expect(run('sgdisk', ['-v', gpt])).toMatch(/No problems found/);
    expect(run('sgdisk', ['-i', '1', gpt])).toMatch(new RegExp(`Last sector: ${131071 - 33} `));
    // Nothing left: max again changes nothing.
    const again = fatCli(['--partition', '1', 'resize', gpt, 'max', '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).partition.size).toBe(j.size);
  });

  it('a resize that converts the FAT type sets the MBR type byte to the new type (primary and logical)', () => {
    const types = (img: string): string => run('sfdisk', ['-d', img]).split('\n').filter((l) => / : /.test(l)).map((l) => `${/^\S+?(\d+) /.exec(l)![1]}=${/type=(\w+)/.exec(l)![1]}`).join(' ');
    // FAT16 volumes of 512-byte clusters: grown to 40 MiB they pass 65,524 clusters and become FAT32.
    const prim = nodePath.join(dir, 'type-primary.img');
    sfdiskDisk(prim, 8, ['1 : start=2048, size=3M, type=e']);
    formatAt(prim, 2048, 3 * 1024, '16', ['-s', '1']);
    const listing = libraryListing(prim, { offset: 2048 * S });
    const p1 = fatCli(['--partition', '1', 'resize', prim, '40M']);
    expect(p1.status, p1.stderr).toBe(0);
    expect(p1.stdout).toMatch(/FAT16 -> FAT32/);
    expect(types(prim)).toBe('1=c'); // the LBA form kept: 0x0e -> 0x0c
    verifyVolume(prim, dir, 2048, 40 * 2048, listing);

    const logical = nodePath.join(dir, 'type-logical.img');
    sfdiskDisk(logical, 8, ['2 : start=2048, size=4M, type=5', '5 : start=4096, size=3M, type=6']);
    formatAt(logical, 4096, 3 * 1024, '16', ['-s', '1']);
    expect(types(logical)).toBe('2=5 5=6');
    // 0x06 (FAT16, CHS) becomes 0x0b (FAT32, CHS) in the logical partition's EBR ...
    const p5 = fatCli(['--partition', '5', 'resize', logical, '40M']);
    expect(p5.status, p5.stderr).toBe(0);
    expect(p5.stdout).toMatch(/FAT16 -> FAT32/);
    expect(types(logical)).toBe('2=5 5=b');
    // ... 0x01 when it shrinks to FAT12, and 0x04 (FAT16 under 32 MiB) when it grows back to FAT16.
    for (const [size, type, want, sectors] of [['1M', 'FAT12', '5=1', 2048], ['8M', 'FAT16', '5=4', 16384]] as const) {
      const r = fatCli(['--partition', '5', 'resize', logical, size]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`-> ${type}`));
      expect(types(logical)).toBe(`2=5 ${want}`);
      verifyVolume(logical, dir, 4096, sectors, listing);
    }
  });

  it('max on a bare image is a usage error naming why', () => {
    const img = nodePath.join(dir, 'bare.img');
    expect(fatCli(['make', img, '--size', '4M']).status).toBe(0);
    const before = sha256(img);
    const r = fatCli(['resize', img, 'max']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^fat: SIZE max grows a partition into the free space after it \(--partition N\): a bare image has no such limit; give a size\n/);
    expect(sha256(img)).toBe(before);
  });
});
