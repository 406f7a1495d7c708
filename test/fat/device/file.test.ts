import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileDevice } from '../../../src/fat/device/file.js';
import { FatError } from '../../../src/fat/errors.js';
import { expectBytes } from './bytes.js';
import { openFds, scratchDir, thrown } from './tmp.js';

const dir = scratchDir('file');
let n = 0;
const fresh = (): string => path.join(dir, `f${n++}.img`);

describe('FileDevice.open', () => {
  it('ignores a trailing partial sector', () => {
    const p = fresh();
    fs.writeFileSync(p, new Uint8Array(3 * 512 + 100).fill(7));
    const dev = FileDevice.open(p);
    expect(dev.sectorCount).toBe(3);
    expect(dev.path).toBe(p);
    expect(thrown(() => dev.read(3, new Uint8Array(512)))?.code).toBe('EIO');
    dev.close();
  });

  it('counts sectors in the chosen sector size', () => {
    const p = fresh();
    fs.writeFileSync(p, new Uint8Array(5 * 4096));
    const dev = FileDevice.open(p, { sectorSize: 4096, readOnly: true });
    expect([dev.sectorSize, dev.sectorCount, dev.readOnly]).toEqual([4096, 5, true]);
    dev.close();
  });

  it('refuses a file smaller than one sector, and leaks no descriptor', () => {
    const p = fresh();
    fs.writeFileSync(p, new Uint8Array(100));
    const before = openFds();
    const e = thrown(() => FileDevice.open(p));
    expect(e).toBeInstanceOf(FatError);
    expect(e?.code).toBe('FAT_NOT_FAT');
    expect(e?.message).toContain('100 bytes, smaller than one 512-byte sector');
    expect(openFds()).toBe(before);
  });

  it('says clearly when the file is missing or a directory', () => {
    const missing = thrown(() => FileDevice.open(path.join(dir, 'nope.img')));
    expect(missing).toBeInstanceOf(FatError);
    expect(missing?.code).toBe('ENOENT');
    expect(missing?.message).toMatch(/^cannot open .*nope\.img: no such file or directory$/);
    for (const readOnly of [true, false]) {
      const d = thrown(() => FileDevice.open(dir, { readOnly }));
      expect(d?.code).toBe('EISDIR');
      expect(d?.message).toMatch(/it is a directory$/);
    }
  });

  it('refuses sector sizes other than 512, 1024, 2048, 4096', () => {
    const p = fresh();
    fs.writeFileSync(p, new Uint8Array(4096));
    expect(thrown(() => FileDevice.open(p, { sectorSize: 256 }))?.code).toBe('EINVAL');
    expect(thrown(() => FileDevice.open(p, { sectorSize: 3000 }))?.code).toBe('EINVAL');
  });
});

describe('FileDevice.open of special files', () => {
  it('refuses a FIFO and a character device at once, in one line (a FIFO used to block the open)', () => {
    const dir = scratchDir('fatkit-fifo-');
    const fifo = path.join(dir, 'pipe.img');
    if (spawnSync('mkfifo', [fifo]).status !== 0) throw new Error('mkfifo failed');
    try {
      for (const [p, what] of [[fifo, 'a FIFO'], ['/dev/null', 'a character device']] as const) {
        const e = thrown(() => FileDevice.open(p, { readOnly: true }));
        expect(e).toBeInstanceOf(FatError);
        expect(e?.message).toBe(`cannot open ${p}: ${what}, not a regular file`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('FileDevice.create', () => {
  it('makes a sparse file of exactly the size asked', () => {
    const p = fresh();
    const dev = FileDevice.create(p, 256 * 2 ** 20);
    expect(dev.sectorCount).toBe(256 * 2048);
    const st = fs.statSync(p);
    expect(st.size).toBe(256 * 2 ** 20);
    expect(st.blocks * 512).toBeLessThan(2 ** 20); // sparse: (almost) nothing allocated
    dev.write(1000, new Uint8Array(512).fill(0x5a));
    dev.close();
    const fd = fs.openSync(p, 'r');
    const got = new Uint8Array(1024);
    fs.readSync(fd, got, 0, 1024, 999 * 512);
    fs.closeSync(fd);
    expect(got.subarray(0, 512).every((x) => x === 0)).toBe(true);
    expect(got.subarray(512).every((x) => x === 0x5a)).toBe(true);
  });

  it('truncates an existing file, or refuses it with exclusive', () => {
    const p = fresh();
    fs.writeFileSync(p, new Uint8Array(8192).fill(1));
    const e = thrown(() => FileDevice.create(p, 4096, { exclusive: true }));
    expect(e?.code).toBe('EEXIST');
    expect(fs.statSync(p).size).toBe(8192);
    const dev = FileDevice.create(p, 4096);
    dev.close();
    expectBytes(new Uint8Array(fs.readFileSync(p)), new Uint8Array(4096));
    const q = fresh();
    FileDevice.create(q, 1024, { exclusive: true }).close();
    expect(fs.statSync(q).size).toBe(1024);
  });

  it('refuses sizes that are not whole sectors', () => {
    const p = fresh();
    expect(thrown(() => FileDevice.create(p, 1000))?.code).toBe('EINVAL');
    expect(thrown(() => FileDevice.create(p, 4096 + 512, { sectorSize: 4096 }))?.code).toBe('EINVAL');
    expect(thrown(() => FileDevice.create(p, -512))?.code).toBe('EINVAL');
    expect(fs.existsSync(p)).toBe(false);
  });
});

describe('FileDevice.resize', () => {
  it('grows and shrinks the file and its sector count', () => {
    const p = fresh();
    const dev = FileDevice.create(p, 0);
    expect(dev.sectorCount).toBe(0);
    dev.resize(10);
    expect(dev.sectorCount).toBe(10);
    expect(fs.statSync(p).size).toBe(5120);
    dev.write(9, new Uint8Array(512).fill(9));
    dev.resize(4);
    expect(fs.statSync(p).size).toBe(2048);
    expect(thrown(() => dev.read(4, new Uint8Array(512)))?.code).toBe('EIO');
    dev.resize(10);
    const back = new Uint8Array(512);
    dev.read(9, back);
    expectBytes(back, new Uint8Array(512)); // the shrink really dropped the old sector
    dev.close();
    expect(thrown(() => dev.resize(1))?.code).toBe('EBADF');
  });

  it('is refused on a read-only device', () => {
    const p = fresh();
    fs.writeFileSync(p, new Uint8Array(1024));
    const dev = FileDevice.open(p, { readOnly: true });
    expect(thrown(() => dev.resize(4))?.code).toBe('EROFS');
    expect(fs.statSync(p).size).toBe(1024);
    dev.close();
  });
});
