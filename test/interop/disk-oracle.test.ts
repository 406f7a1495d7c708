/**
 * Whole disks made by standard tools: util-linux fdisk writes MBR and GPT tables for a disk with
 * 4096-byte logical sectors (`-b 4096`, a 4Kn drive or an ESP-IDF FatFs image), mkfs.fat formats
 * the partition with 4096-byte sectors and mtools fills it. fatkit must open the partition without
 * --offset, read and write it, and the result must be what fsck.fat and mtools read at that offset.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fatCli, scratchDir } from '../cli/cli-helpers.js';
import { oracleGate, runTool, tool } from '../fixtures/oracle.js';
import { oracleEnv } from '../fat/oracle-helpers.js';

const gate = oracleGate(['fdisk', 'mkfs.fat', 'fsck.fat', 'mcopy', 'mdir']);
const dir = gate.run ? scratchDir('fatkit-4kn-') : '';
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const START = 256; // 4096-byte sectors: 1 MiB
const PART_SECTORS = 8192; // 32 MiB

/** A 64 MiB disk whose table (fdisk -b 4096) holds one FAT partition formatted by mkfs.fat -S 4096. */
function makeDisk(name: string, scheme: 'mbr' | 'gpt'): { disk: string; files: Record<string, string> } {
  const disk = path.join(dir, `${name}.img`);
  fs.writeFileSync(disk, '');
  fs.truncateSync(disk, 64 << 20);
  const script = scheme === 'mbr'
    ? `o\nn\np\n1\n${START}\n+${PART_SECTORS - 1}\nt\nc\nw\n`
    : `g\nn\n1\n${START}\n+${PART_SECTORS - 1}\nt\n11\nw\n`;
  const r = spawnSync('fdisk', ['-b', '4096', disk], { input: script, env: oracleEnv, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const part = path.join(dir, `${name}.part`);
  fs.writeFileSync(part, '');
  fs.truncateSync(part, PART_SECTORS * 4096);
  tool('mkfs.fat', ['-S', '4096', '-n', 'FOURK', part]);
  const files = { 'hello.txt': 'hello from mtools\n', 'Long file name.md': '# 4Kn\n' };
  for (const [n, text] of Object.entries(files)) {
    const src = path.join(dir, n);
    fs.writeFileSync(src, text);
    tool('mcopy', ['-i', part, src, `::${n}`]);
  }
  const fd = fs.openSync(disk, 'r+');
  fs.writeSync(fd, fs.readFileSync(part), 0, PART_SECTORS * 4096, START * 4096);
  fs.closeSync(fd);
  return { disk, files };
}

describe.runIf(gate.run)('4Kn disks made by fdisk -b 4096 open without --offset', () => {
  gate.assertUnderCi();

  for (const scheme of ['mbr', 'gpt'] as const) {
    it(`${scheme.toUpperCase()}: list, cat, info, then a write that fsck.fat and mtools accept`, () => {
      const { disk, files } = makeDisk(`disk-${scheme}`, scheme);
      const list = fatCli(['list', disk]);
      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout.trim().split('\n').sort()).toEqual(Object.keys(files).map((n) => `/${n}`).sort());
      for (const [n, text] of Object.entries(files)) expect(fatCli(['cat', disk, `/${n}`]).stdout).toBe(text);

      const info = JSON.parse(fatCli(['info', disk, '--json']).stdout) as { sectorSize: number; label: string; partition: { number: number; scheme: string; tableSectorSize: number } };
      expect([info.sectorSize, info.label]).toEqual([4096, 'FOURK']);
      expect(info.partition).toMatchObject({ number: 1, scheme, tableSectorSize: 4096 });
      expect(fatCli(['info', disk]).stdout).toMatch(new RegExp(`^partition: +1 of ${scheme.toUpperCase()} .*table in 4096-byte sectors`, 'm'));

      const src = path.join(dir, 'added.bin');
      fs.writeFileSync(src, Buffer.alloc(100_000, 7));
      const add = fatCli(['add', disk, src]);
      expect(add.status, add.stderr).toBe(0);
      const at = `${disk}@@${START * 4096}`;
      const mdir = runTool('mdir', ['-i', at, '-b', '::/'], {});
      expect(mdir.status, mdir.stderr).toBe(0);
      expect(mdir.stdout).toContain('::/added.bin');
      // fsck.fat on the partition's bytes, copied out.
      const part = path.join(dir, `check-${scheme}.part`);
      const whole = fs.readFileSync(disk);
      fs.writeFileSync(part, whole.subarray(START * 4096, (START + PART_SECTORS) * 4096));
      const fsck = runTool('fsck.fat', ['-n', part], {});
      expect(fsck.status, fsck.stdout + fsck.stderr).toBe(0);
      // Nothing outside the partition changed but what fdisk wrote.
      expect(whole.subarray((START + PART_SECTORS) * 4096, (START + PART_SECTORS) * 4096 + 65536).every((b) => b === 0)).toBe(true);
    });
  }
});
