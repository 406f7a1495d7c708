/** `fat info` and an explicit --partition on a disk whose sector 0 reads two ways (issue 13). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryDevice, SliceDevice, Volume, mkfs } from '../../src/index.js';
import { mbr } from '../fat/disk/tables.js';
import { fatCli, scratchDir } from './cli-helpers.js';

const work = scratchDir('fatkit-info-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/**
 * 8 MiB: a 1 MiB FAT12 volume at sector 0 whose boot code area also holds an MBR entry for a
 * 4 MiB FAT16 partition at sector 2048 (each volume holds a file naming it).
 */
function dualDisk(): string {
  const dev = new MemoryDevice(8 << 20);
  mkfs(new SliceDevice(dev, 0, 2048), { volumeId: 1, label: 'OUTER' });
  mkfs(new SliceDevice(dev, 2048, 8192), { volumeId: 2, label: 'INNER' });
  for (const [start, count, name] of [[0, 2048, 'outer'], [2048, 8192, 'inner']] as const) {
    const v = Volume.open(new SliceDevice(dev, start, count));
    v.writeFile(`/${name}.txt`, name);
    v.close();
  }
  dev.bytes.set(mbr([{ type: 0x06, start: 2048, count: 8192 }]).subarray(446, 512), 446);
  const img = path.join(work, 'dual.img');
  fs.writeFileSync(img, dev.bytes);
  return img;
}

describe('a disk whose sector 0 is a FAT boot sector and an MBR', () => {
  it('opens the volume at sector 0 by default, and fat info says the other reading exists', () => {
    const img = dualDisk();
    expect(fatCli(['list', img]).stdout).toBe('/outer.txt\n');
    const info = fatCli(['info', img]);
    expect(info.status).toBe(0);
    expect(info.stdout).toMatch(/^note: +sector 0 is this volume's boot sector and also reads as an MBR partition table with FAT partition\(s\) 1: --partition N opens one of those$/m);
    expect(JSON.parse(fatCli(['info', img, '--json']).stdout).notes).toHaveLength(1);
  });

  it('--partition 1 reads the table (it was refused as "the image has no partition table")', () => {
    const img = dualDisk();
    const r = fatCli(['list', img, '--partition', '1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('/inner.txt\n');
    const info = JSON.parse(fatCli(['info', img, '--partition', '1', '--json']).stdout);
    expect([info.label, info.partition.number, info.partition.scheme, info.partition.tableSectorSize]).toEqual(['INNER', 1, 'mbr', 512]);
    expect(fatCli(['list', img, '--partition', '2']).stderr).toBe('fat: no partition 2: the image has only partition 1\n');
  });
});
