/**
 * Against the real tools: a volume made by mkfs.fat inside an MBR at 1 MiB is found by fatkit, and
 * a volume written through fatkit's partition slice is read by mtools. Runs when mkfs.fat and
 * mtools are installed, and always under CI (where .ci/run installs them).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openImageDevice } from '../../../src/host/open-image-device.js';
import { FileDevice } from '../../../src/fat/device/file.js';
import { decodeBootSector } from '../../../src/fat/format/boot-sector.js';
import { expectBytes } from './bytes.js';
import { ci, runMmap } from './mmap-env.js';
import { mbr } from '../disk/tables.js';
import { scratchDir } from './tmp.js';

function tool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin'];
  return dirs.map((d) => path.join(d, name)).find((p) => fs.existsSync(p));
}

const mkfs = tool('mkfs.fat');
const mtype = tool('mtype');
const mcopy = tool('mcopy');
const haveTools = mkfs !== undefined && mtype !== undefined && mcopy !== undefined;
const env = { ...process.env, MTOOLS_SKIP_CHECK: '1', TZ: 'UTC' };
const MiB = 2 ** 20;

function run(cmd: string | undefined, args: string[]): string {
  if (cmd === undefined) throw new Error(`tool missing for ${args.join(' ')}`);
  return execFileSync(cmd, args, { env, encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.runIf(haveTools || ci)('with mkfs.fat and mtools', () => {
  const dir = scratchDir('interop');

  /** A 1 MiB + `mib` MiB disk with an MBR holding one partition (type 0x0e) at 1 MiB. */
  function disk(name: string, mib: number): string {
    const p = path.join(dir, name);
    const dev = FileDevice.create(p, (1 + mib) * MiB);
    dev.write(0, mbr([{ type: 0x0e, start: 2048, count: mib * 2048 }]));
    dev.close();
    return p;
  }

  it('finds a mkfs.fat volume in an MBR partition at 1 MiB', () => {
    const p = disk('mkfs-offset.img', 16);
    run(mkfs, ['--offset', '2048', '-n', 'FATKIT', '--invariant', p, String(16 * 1024)]);
    const hello = path.join(dir, 'hello.txt');
    fs.writeFileSync(hello, 'hello from mtools\n');
    run(mcopy, ['-i', `${p}@@1M`, hello, '::/HELLO.TXT']);
    expect(run(mtype, ['-i', `${p}@@1M`, '::/HELLO.TXT'])).toBe('hello from mtools\n');

    const img = openImageDevice(p, { readOnly: true });
    try {
      expect(img.partition).toMatchObject({ index: 1, type: 0x0e, startLba: 2048, sectorCount: 32768, isFat: true });
      const head = new Uint8Array(512);
      img.device.read(0, head);
      const bs = decodeBootSector(head);
      expect(bs.volumeLabel).toBe('FATKIT     ');
      expect(bs.totalSectors16 || bs.totalSectors32).toBe(32768);
      const fd = fs.openSync(p, 'r');
      const raw = new Uint8Array(64 * 1024);
      fs.readSync(fd, raw, 0, raw.length, MiB);
      fs.closeSync(fd);
      const viaSlice = new Uint8Array(64 * 1024);
      img.device.read(0, viaSlice);
      expectBytes(viaSlice, raw, 'first 64 KiB of the partition');
    } finally {
      img.whole.close();
    }
  });

  for (const backend of ['file', 'mmap'] as const) {
    it.runIf(backend === 'file' || runMmap)(`writes a volume through a partition slice that mtools reads (${backend})`, () => {
      const part = path.join(dir, `part-${backend}.img`);
      fs.rmSync(part, { force: true });
      run(mkfs, ['-C', '--invariant', '-n', 'SLICED', part, String(8 * 1024)]);
      const hello = path.join(dir, 'hello2.txt');
      fs.writeFileSync(hello, `written through a ${backend} slice\n`);
      run(mcopy, ['-i', part, hello, '::/HELLO.TXT']);

      const p = disk(`sliced-${backend}.img`, 8);
      const target = openImageDevice(p, { offset: MiB, backend });
      target.device.write(0, new Uint8Array(fs.readFileSync(part)));
      target.device.flush();
      target.whole.close();

      expect(run(mtype, ['-i', `${p}@@1M`, '::/HELLO.TXT'])).toBe(`written through a ${backend} slice\n`);
      const found = openImageDevice(p, { readOnly: true });
      expect(found.partition?.index).toBe(1);
      expect(found.partition?.isFat).toBe(true);
      found.whole.close();
      // Nothing before the partition was touched: the MBR is intact and the gap is still empty.
      const bytes = fs.readFileSync(p);
      expectBytes(new Uint8Array(bytes.subarray(0, 512)), mbr([{ type: 0x0e, start: 2048, count: 8 * 2048 }]), 'MBR');
      expect(bytes.subarray(512, MiB).every((x) => x === 0)).toBe(true);
    });
  }
});
