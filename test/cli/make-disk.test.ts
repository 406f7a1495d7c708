/**
 * `fat make --partition gpt|mbr [--esp] [--disk-size]`: whole disks, checked with sgdisk, sfdisk,
 * fdisk, mtools, fsck.fat and 7-Zip at 512- and 4096-byte sectors.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fatCli, haveOracles, oracleEnv, scratchDir, sha256, writeHostTree } from './cli-helpers.js';
import { fsckProblems } from '../fat/oracle-helpers.js';
import { BASIC_DATA, EFI_SYSTEM, mbr, writeGpt } from '../fat/disk/tables.js';
import { describeRun, runFat } from '../fixtures/run-fat.js';

const haveDiskTools = (() => {
  const ok = ['sgdisk', 'sfdisk', 'fdisk', '7zz'].every((t) => spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${t}`]).status === 0);
  if (!ok && process.env.CI === 'true') throw new Error('sgdisk (gdisk), sfdisk and fdisk (fdisk) and 7zz (7zip) must be installed under CI=true');
  return ok && haveOracles;
})();

const dir = scratchDir('fatkit-make-disk-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (...p: string[]): string => path.join(dir, ...p);
const SDE = { SOURCE_DATE_EPOCH: '1700000000' };
writeHostTree(at('esp'), { 'EFI/BOOT/hello.txt': 'hello from the ESP\n', 'loader/entries/a.conf': 'title a\n' });

function make(args: string[], env: Record<string, string> = SDE): { stdout: string; stderr: string } {
  const r = fatCli(['make', ...args], { env });
  expect(r.status, `fat make ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

const tool = (cmd: string, args: string[]): { status: number; out: string } => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: oracleEnv });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
};

/** The bytes of the image from `offset` for `length`, as a file of their own. */
function extract(img: string, offset: number, length: number, out: string): string {
  const fd = fs.openSync(img, 'r');
  const b = Buffer.alloc(length);
  fs.readSync(fd, b, 0, length, offset);
  fs.closeSync(fd);
  fs.writeFileSync(out, b);
  return out;
}

interface InfoJson {
  clusterCount: number;
  fatType: number;
  partition: { number: number; scheme: string; type: string } | null;
  table: { scheme: string; sectorSize: number; diskGuid?: string; partitions: { number: number; type: string; typeName: string | null; guid?: string; start: number; size: number; name?: string }[] } | null;
  notes: string[];
}
const info = (img: string): InfoJson => JSON.parse(fatCli(['info', img, '--json']).stdout) as InfoJson;

describe.each([
  ['gpt', 512], ['gpt', 4096], ['mbr', 512], ['mbr', 4096],
] as const)('fat make --from esp/ --partition %s --esp at %i-byte sectors', (scheme, ss) => {
  const img = at(`${scheme}-${ss}.img`);
  const args = [img, '--from', at('esp'), '--partition', scheme, '--esp', ...(ss === 4096 ? ['--sector-size', '4096'] : [])];

  it('makes a FAT32 ESP of at least 65525 clusters at 1 MiB, that fat info describes', () => {
    const r = make(args);
    expect(r.stdout).toMatch(new RegExp(`FAT32, .* in ${scheme.toUpperCase()} partition 1 \\((EFI System|type 0xEF)\\) at 1 MiB`));
    expect(r.stderr).toBe('');
    const size = fs.statSync(img).size;
    // About 33 MiB at 512-byte sectors, 260 MiB at 4096.
    expect(size).toBeLessThan(ss === 512 ? 36 << 20 : 262 << 20);
    const i = info(img);
    expect(i.fatType).toBe(32);
    expect(i.clusterCount).toBeGreaterThanOrEqual(65525);
    expect(i.table).toMatchObject({ scheme, sectorSize: ss, partitions: [{ number: 1, typeName: 'EFI System', start: 1 << 20 }] });
    expect(i.notes).toEqual([]);
    if (scheme === 'gpt') {
      const p = i.table!.partitions[0];
      // The partition ends on a MiB boundary; the backup GPT takes the last 33 (512) or 5 (4096) sectors.
      expect((p.start + p.size) % (1 << 20)).toBe(0);
      expect(size - p.start - p.size).toBe(ss === 512 ? (1 << 20) - 512 + 33 * 512 - (1 << 20) + 512 : 5 * 4096);
      expect(p).toMatchObject({ type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', name: 'EFI System' });
    }
  });

  it.runIf(haveDiskTools)('passes sgdisk/sfdisk/fdisk, mtools, fsck.fat and 7-Zip', () => {
    if (!fs.existsSync(img)) make(args);
    if (ss === 512) {
      const v = tool('sfdisk', ['--verify', img]);
      expect(v.status, v.out).toBe(0);
      expect(v.out).toMatch(/No errors detected/);
      const l = tool('fdisk', ['-l', img]);
      expect(l.out).toMatch(/\s2048\s+\d+\s+\d+\s+[\d.]+M\s+(ef\s+)?EFI/);
      // 7-Zip opens the disk, finds the partition and the FAT volume in it.
      const z = tool('7zz', ['l', img]);
      expect(z.out).toMatch(/Type = (GPT|MBR)/);
    } else {
      // sfdisk and sgdisk read image files in 512-byte sectors only; fdisk -b 4096 reads the 4Kn table.
      const l = tool('fdisk', ['-b', '4096', '-l', img]);
      expect(l.out).toMatch(new RegExp(`Disklabel type: ${scheme === 'gpt' ? 'gpt' : 'dos'}`));
      expect(l.out).toMatch(/\s256\s+\d+\s+\d+\s+[\d.]+M\s+(ef\s+)?EFI/);
    }
    if (scheme === 'gpt' && ss === 512) {
      const g = tool('sgdisk', ['-v', img]);
      expect(g.status, g.out).toBe(0);
      expect(g.out).toMatch(/No problems found/);
      expect(g.out).not.toMatch(/Caution|Warning|Problem:/i);
    }
    const d = tool('mdir', ['-i', `${img}@@1M`, '-b', '::/EFI/BOOT']);
    expect(d.out).toContain('hello.txt');
    const part = extract(img, 1 << 20, info(img).table!.partitions[0].size, at(`part-${scheme}-${ss}.bin`));
    expect(fsckProblems(part)).toMatchObject({ status: 0 });
    const z = tool('7zz', ['l', part]);
    expect(z.out).toContain(path.join('EFI', 'BOOT', 'hello.txt'));
  });

  it('is byte-identical across builds with the same SOURCE_DATE_EPOCH, GPT included', () => {
    if (!fs.existsSync(img)) make(args);
    const again = at(`again-${scheme}-${ss}.img`);
    make([again, ...args.slice(1)]);
    expect(sha256(again)).toBe(sha256(img));
    if (scheme === 'gpt') {
      make([again, ...args.slice(1), '--force'], { SOURCE_DATE_EPOCH: '1700000001' });
      expect(info(again).table!.diskGuid).not.toBe(info(img).table!.diskGuid);
    }
    fs.rmSync(again);
  });
});

/**
 * sgdisk and sfdisk read image files in 512-byte sectors; a loop device of 4096-byte logical
 * sectors (root, and a kernel with loop devices: this machine and its CI) lets them verify the
 * 4Kn disks too. Where loop devices cannot be set up this test reports itself skipped.
 */
const loop4k = (() => {
  if (process.getuid?.() !== 0 || !haveDiskTools) return false;
  return spawnSync('sh', ['-c', 'PATH="$PATH:/usr/sbin:/sbin" losetup -f'], { encoding: 'utf8' }).status === 0;
})();

describe.runIf(loop4k)('4Kn disks through a loop device of 4096-byte sectors', () => {
  for (const scheme of ['gpt', 'mbr'] as const) {
    it(`${scheme.toUpperCase()}: sfdisk --verify${scheme === 'gpt' ? ' and sgdisk -v' : ''} find no problems`, () => {
      const img = at(`loop-${scheme}.img`);
      make([img, '--from', at('esp'), '--partition', scheme, '--esp', '--sector-size', '4096']);
      const attach = tool('losetup', ['-f', '--show', '--read-only', '--sector-size', '4096', img]);
      expect(attach.status, attach.out).toBe(0);
      const dev = attach.out.trim();
      try {
        expect(tool('blockdev', ['--getss', dev]).out.trim()).toBe('4096');
        const v = tool('sfdisk', ['--verify', dev]);
        expect(v.status, v.out).toBe(0);
        expect(v.out).toMatch(/No errors detected/);
        if (scheme === 'gpt') {
          const g = tool('sgdisk', ['-v', dev]);
          expect(g.status, g.out).toBe(0);
          expect(g.out).toMatch(/No problems found/);
          expect(g.out).not.toMatch(/Caution|Warning|Problem:/i);
        }
      } finally {
        tool('losetup', ['-d', dev]);
      }
    });
  }
});

describe('make --partition gpt', () => {
  it('makes a disk of --size with the volume filling its MiB-aligned partition', () => {
    const img = at('plain.img');
    const r = make([img, '--size', '64M', '--partition', 'gpt']);
    expect(r.stdout).toBe(`made ${img}: 64 MiB image, FAT16, 62 MiB, 31673 clusters of 2 KiB in GPT partition 1 (Microsoft basic data) at 1 MiB\n`);
    expect(info(img).table!.partitions).toMatchObject([{ start: 1 << 20, size: 62 << 20, typeName: 'Microsoft basic data', name: 'Microsoft basic data' }]);
  });

  it('takes the GUIDs and the name it is given; without SOURCE_DATE_EPOCH or --volume-id they are random', () => {
    const img = at('guids.img');
    make([img, '--size', '64M', '--partition', 'gpt', '--disk-guid', '01234567-89ab-4cde-8f01-23456789abcd',
      '--partition-guid', 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE', '--partition-name', 'data']);
    expect(info(img).table).toMatchObject({ diskGuid: '01234567-89AB-4CDE-8F01-23456789ABCD', partitions: [{ guid: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE', name: 'data' }] });
    const a = at('r1.img'), b = at('r2.img');
    make([a, '--size', '64M', '--partition', 'gpt'], {});
    make([b, '--size', '64M', '--partition', 'gpt'], {});
    expect(info(a).table!.diskGuid).not.toBe(info(b).table!.diskGuid);
    const c = at('r3.img'), d = at('r4.img');
    make([c, '--size', '64M', '--partition', 'gpt', '--volume-id', '1234-5678'], {});
    make([d, '--size', '64M', '--partition', 'gpt', '--volume-id', '1234-5678'], {});
    expect(info(c).table!.diskGuid).toBe(info(d).table!.diskGuid);
  });

  it('--json names the table, its type GUID and both GUIDs', () => {
    const img = at('json.img');
    const r = make([img, '--size', '64M', '--partition', 'gpt', '--esp', '--json', '--disk-guid', '01234567-89ab-4cde-8f01-23456789abcd']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      imageSize: 64 << 20, fatType: 32,
      partition: { table: 'gpt', index: 1, type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', start: 2048, diskGuid: '01234567-89AB-4CDE-8F01-23456789ABCD', guid: info(img).table!.partitions[0].guid },
    });
    const text = fatCli(['info', img]).stdout;
    expect(text).toContain('table:            GPT in 512-byte sectors, disk GUID 01234567-89AB-4CDE-8F01-23456789ABCD\n');
    expect(text).toMatch(/\n  1: +EFI System \(C12A7328-F81F-11D2-BA4B-00A0C93EC93B\), 62 MiB at 1 MiB \(byte 1048576\), GUID [0-9A-F-]{36}, "EFI System"\n/);
  });

  it('refuses options that do not go together, in one line', () => {
    for (const [args, message] of [
      [['--size', '64M', '--partition', 'mbr', '--disk-guid', '01234567-89ab-4cde-8f01-23456789abcd'], /go with --partition gpt/],
      [['--size', '64M', '--esp'], /--esp and --disk-size go with --partition gpt or --partition mbr/],
      [['--size', '64M', '--partition', 'gpt', '--disk-guid', 'nope'], /"nope" is not a GUID/],
      [['--size', '64M', '--partition', 'gpt', '--partition-name', 'x'.repeat(37)], /longer than 36 characters/],
      [['--size', '64M', '--disk-size', '32M', '--partition', 'gpt'], /cannot hold a partition of 64 MiB/],
      [['--size', '20M', '--partition', 'gpt', '--esp'], /FAT32 needs at least 65525 clusters/],
    ] as const) {
      const r = fatCli(['make', at('bad.img'), ...args]);
      expect(r.status, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('make --esp', () => {
  it('without --size makes the smallest FAT32 ESP firmware accepts', () => {
    const img = at('min.img');
    make([img, '--partition', 'gpt', '--esp']);
    const i = info(img);
    expect(i.fatType).toBe(32);
    expect(i.clusterCount).toBeGreaterThanOrEqual(65525);
    expect(i.clusterCount).toBeLessThan(65525 + 2048);
  });

  it('makes a FAT16 ESP when asked, with a one-line warning', () => {
    const img = at('esp16.img');
    const r = make([img, '--from', at('esp'), '--partition', 'mbr', '--esp', '--fat', '16']);
    expect(r.stderr).toBe('fat: warning: a FAT16 EFI System Partition: some UEFI firmware only boots from FAT32\n');
    expect(info(img)).toMatchObject({ fatType: 16, table: { partitions: [{ type: '0xef', typeName: 'EFI System' }] } });
  });
});

describe('make --disk-size', () => {
  it('leaves the rest of the disk free, the backup GPT at its very end', () => {
    const img = at('big.img');
    make([img, '--size', '64M', '--disk-size', '200M', '--partition', 'gpt', '--fat', '32']);
    expect(fs.statSync(img).size).toBe(200 << 20);
    expect(info(img).table!.partitions).toMatchObject([{ start: 1 << 20, size: 64 << 20 }]);
    const from = at('big-from.img');
    make([from, '--from', at('esp'), '--disk-size', '300M', '--partition', 'gpt', '--esp']);
    expect(fs.statSync(from).size).toBe(300 << 20);
    expect(info(from).table!.partitions[0].size).toBeLessThan(40 << 20);
    if (haveDiskTools) {
      const g = tool('sgdisk', ['-v', img]);
      expect(g.out).toMatch(/No problems found\. \d+ free sectors \(13[56]\.\d MiB\)/);
      expect(tool('sgdisk', ['-v', from]).out).toMatch(/No problems found/);
    }
  });
});

describe('make --partition N: format a partition of an existing disk in place', () => {
  const MiB = 1 << 20;
  /** A 48 MiB disk of random bytes with partitions 1 (1..17 MiB) and 2 (17..41 MiB), tables written by hand. */
  function disk(scheme: 'gpt' | 'mbr', ss: number, name: string): string {
    const d = new Uint8Array(crypto.getRandomValues(new Uint8Array(65536)).buffer.slice(0));
    const bytes = new Uint8Array(48 * MiB);
    for (let o = 0; o < bytes.length; o += d.length) bytes.set(d, o);
    bytes.fill(0, 0, MiB); // the table's area
    bytes.fill(0, bytes.length - 64 * 1024);
    const lba = (b: number): number => b / ss;
    if (scheme === 'gpt') {
      writeGpt(bytes, [{ type: EFI_SYSTEM, first: lba(MiB), last: lba(17 * MiB) - 1 }, { type: BASIC_DATA, first: lba(17 * MiB), last: lba(41 * MiB) - 1, name: 'data' }], { unit: ss });
    } else {
      bytes.set(mbr([{ type: 0xef, start: lba(MiB), count: lba(16 * MiB) }, { type: 0x0c, start: lba(17 * MiB), count: lba(24 * MiB) }]), 0);
    }
    const img = at(name);
    fs.writeFileSync(img, bytes);
    return img;
  }
  const outside = (img: string): string => {
    const b = fs.readFileSync(img);
    return createHash('sha256').update(b.subarray(0, 17 * MiB)).update(b.subarray(41 * MiB)).digest('hex');
  };

  for (const scheme of ['gpt', 'mbr'] as const) {
    for (const ss of [512, 4096]) {
      it(`formats partition 2 of a ${scheme.toUpperCase()} disk of ${ss}-byte sectors, leaving every other byte as it was`, () => {
        const img = disk(scheme, ss, `inplace-${scheme}-${ss}.img`);
        const before = outside(img);
        // A 4Kn MBR disk whose partitions hold no FAT yet does not say its sector size: --sector-size does.
        const sector = scheme === 'mbr' && ss === 4096 ? ['--sector-size', '4096'] : [];
        const r = make([img, '--partition', '2', '--from', at('esp'), '--label', 'DATA', ...sector]);
        expect(r.stdout).toMatch(new RegExp(`^formatted partition 2 of .* \\(${scheme.toUpperCase()}, .*, at 17 MiB\\): FAT(12|16|32), 24 MiB, .*label DATA; 2 files`));
        expect(outside(img)).toBe(before);
        const i = info(`${img}`);
        expect(i).toMatchObject({ fatType: expect.any(Number), partition: { number: 2, scheme } });
        const list = fatCli(['list', img, '--partition', '2']);
        expect(list.stdout).toContain('hello.txt');
        if (haveOracles) {
          const part = extract(img, 17 * MiB, 24 * MiB, at(`inplace-${scheme}-${ss}.bin`));
          expect(fsckProblems(part)).toMatchObject({ status: 0, problems: [] });
          expect(tool('mtype', ['-i', `${img}@@${17 * MiB}`, '::/EFI/BOOT/hello.txt']).out).toBe('hello from the ESP\n');
        }
        // Without --from: an empty volume, the same bytes outside.
        make([img, '--partition', '2', ...sector]);
        expect(outside(img)).toBe(before);
        expect(fatCli(['list', img, '--partition', '2']).stdout).toBe('');
      });
    }
  }

  it('refuses a partition that is not there, an image without a table, and size options, in one line', () => {
    const img = disk('gpt', 512, 'refuse.img');
    const plain = at('plain-fat.img');
    make([plain, '--size', '4M']);
    for (const [args, status, message] of [
      [[img, '--partition', '3'], 1, 'fat: no partition 3: the image has partitions 1, 2\n'],
      [[plain, '--partition', '1'], 1, 'fat: no partition 1: the image has no partition table: it is a FAT volume without partitions\n'],
      [[at('missing.img'), '--partition', '1'], 1, /^fat: .*missing\.img.*\n$/],
      [[img, '--partition', '2', '--size', '8M'], 2, /takes no --size/],
      [[img, '--partition', '2', '--esp'], 2, /its table is left as it is/],
    ] as const) {
      const before = sha256(img);
      const r = fatCli(['make', ...args]);
      expect(r.status, r.stderr).toBe(status);
      if (typeof message === 'string') expect(r.stderr).toBe(message);
      else expect(r.stderr).toMatch(message);
      expect(sha256(img)).toBe(before);
    }
  });

  it('refuses to guess the sector size of an MBR disk that only a 4096-byte reading aligns', () => {
    // fdisk -b 4096 puts partition 1 at LBA 256 (1 MiB); read as 512-byte sectors it would be at 128 KiB.
    const img = disk('mbr', 4096, 'ambiguous.img');
    const before = sha256(img);
    const r = fatCli(['make', img, '--partition', '1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('fat: cannot tell whether the MBR counts 512- or 4096-byte sectors (no partition holds a FAT volume yet): give --sector-size 512 or 4096\n');
    expect(sha256(img)).toBe(before);
  });

  it('refuses a partition that overlaps the partition table or another partition, changing nothing', () => {
    const gpt = new Uint8Array(8 * MiB);
    writeGpt(gpt, [{ type: BASIC_DATA, first: 1, last: 4095 }]); // over the GPT header and entries
    const mbrDisk = new Uint8Array(8 * MiB);
    mbrDisk.set(mbr([{ type: 0x0c, start: 2048, count: 8192 }, { type: 0x0c, start: 4096, count: 8192 }]), 0);
    for (const [name, bytes, n, why] of [
      ['over-gpt.img', gpt, '1', /^fat: partition 1 overlaps the partition table \(it starts at byte 512\): refusing to format it\n$/],
      ['overlap-mbr.img', mbrDisk, '2', /^fat: partition 2 overlaps partition 1: refusing to format it\n$/],
    ] as const) {
      const img = at(name);
      fs.writeFileSync(img, bytes);
      const before = sha256(img);
      const r = fatCli(['make', img, '--partition', n]);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(why);
      expect(sha256(img)).toBe(before);
    }
  });

  it('holds SIGINT until the partition is consistent, then exits 130', async () => {
    const img = disk('gpt', 512, 'sigint.img');
    const tree = at('sigint-tree');
    const big = new Uint8Array(4 * MiB).fill(7);
    for (let i = 0; i < 5; i++) writeHostTree(tree, { [`f${i}.bin`]: big });
    const args = ['make', img, '--partition', '2', '--from', tree];
    // SIGINT once the image's lock file exists: formatting has begun.
    const onSpawn = (c: ChildProcess): void => {
      const poll = setInterval(() => {
        if (!fs.existsSync(`${img}.lock`)) return;
        clearInterval(poll);
        c.kill('SIGINT');
      }, 2);
      c.on('close', () => clearInterval(poll));
    };
    const r = await runFat(args, { timeoutMs: 60_000, onSpawn });
    // Either the signal came while formatting (held, then 130) or after it (the run had finished).
    if (r.status === 130) expect(r.stderr).toContain('fat: finishing partition 2 before stopping');
    else expect(r.status, describeRun(args, r)).toBe(0);
    const check = fatCli(['check', img, '--partition', '2']);
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('takes the image lock like every writer (EBUSY while another process holds it)', () => {
    const img = disk('gpt', 512, 'locked.img');
    fs.writeFileSync(`${img}.lock`, `${JSON.stringify({ pid: process.pid, host: os.hostname() })}\n`);
    try {
      const r = fatCli(['make', img, '--partition', '2']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/in use by PID/);
    } finally {
      fs.rmSync(`${img}.lock`);
    }
  });
});

describe('an ESP that firmware may reject', () => {
  it.runIf(haveDiskTools)('fat info notes and fat check warns (without failing) on a FAT32 ESP of fewer than 65525 clusters', () => {
    const img = at('small-esp.img');
    fs.writeFileSync(img, new Uint8Array(40 << 20));
    tool('mkfs.fat', ['-F', '32', '--offset', '2048', img, '19456']);
    const r = spawnSync('sfdisk', [img], { input: 'label: gpt\nstart=2048, size=38912, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n', env: oracleEnv });
    expect(r.status, String(r.stderr)).toBe(0);
    const warning = 'the EFI System Partition holds a FAT32 volume of 38280 clusters, fewer than 65525: some firmware (and Windows) read it as FAT16 and reject it';
    expect(info(img).notes).toEqual([`warning: ${warning}`]);
    const c = fatCli(['check', img, '--json']);
    expect(c.status).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ clean: true, problems: [{ code: 'ESP_CLUSTERS', severity: 'warning', message: warning }] });
    // The same volume in a basic-data partition is no ESP: nothing to say.
    tool('sgdisk', ['-t', '1:0700', img]);
    expect(info(img).notes).toEqual([]);
  });
});
