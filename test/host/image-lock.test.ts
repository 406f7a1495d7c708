import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lockImage, lockPathFor } from '../../src/host/image-lock.js';
import { openImage } from '../../src/host/open-image.js';
import { createImageFile } from '../../src/host/image-file.js';
import { mkfs } from '../../src/fat/mkfs/mkfs.js';
import { MemoryDevice } from '../../src/fat/device/memory.js';
import { Volume } from '../../src/fat/volume/volume.js';
import { FatError } from '../../src/fat/errors.js';
import { scratchDir, thrown } from '../fat/device/tmp.js';

const dir = scratchDir('image-lock');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

function image(): string {
  const p = path.join(dir, `i${n++}.img`);
  const dev = new MemoryDevice(1 << 20);
  mkfs(dev, {});
  fs.writeFileSync(p, dev.bytes);
  return p;
}

const busy = (fn: () => unknown): FatError => {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(FatError);
  expect(e?.code).toBe('EBUSY');
  return e as FatError;
};

describe('image locks', () => {
  it('openImage for writing locks the image until close; readers do not lock', () => {
    const img = image();
    const w = openImage(img, { readOnly: false });
    expect(fs.existsSync(`${img}.lock`)).toBe(true);
    expect(JSON.parse(fs.readFileSync(`${img}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
    expect(busy(() => openImage(img, { readOnly: false })).message).toMatch(new RegExp(`^image is in use by PID ${process.pid} \\(lock file .*\\.lock\\)$`));
    // The same file under another name is the same lock.
    fs.symlinkSync(img, `${img}-link`);
    busy(() => openImage(`${img}-link`, { readOnly: false }));
    busy(() => createImageFile(img, 1 << 20, {}, () => undefined));
    const r = openImage(img);
    expect(r.readdir('/')).toEqual([]);
    r.close();
    w.writeFile('/a.txt', 'a');
    w.close();
    expect(fs.existsSync(`${img}.lock`)).toBe(false);
    const again = openImage(`${img}-link`, { readOnly: false });
    expect(again.readFile('/a.txt', 'utf8')).toBe('a');
    again.close();
  });

  it('a failed open releases the lock', () => {
    const p = path.join(dir, 'not-fat.img');
    fs.writeFileSync(p, new Uint8Array(4096));
    expect(thrown(() => openImage(p, { readOnly: false }))?.code).toBe('FAT_NOT_FAT');
    expect(fs.existsSync(`${p}.lock`)).toBe(false);
  });

  it('takes over a stale lock: a dead PID, or a PID now used by a process that started later', () => {
    const img = image();
    const lockPath = lockPathFor(img);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(lockPath, JSON.stringify({ pid: Number(gone.stdout), host: os.hostname() }));
    lockImage(img).release();
    expect(fs.existsSync(lockPath)).toBe(false);
    if (fs.existsSync('/proc/self/stat')) {
      // Our own parent's PID is alive, but was not started at the time the lock says.
      fs.writeFileSync(lockPath, JSON.stringify({ pid: process.ppid, host: os.hostname(), start: '1' }));
      lockImage(img).release();
      // With the right start time it is held.
      const stat = fs.readFileSync(`/proc/${process.ppid}/stat`, 'latin1');
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      fs.writeFileSync(lockPath, JSON.stringify({ pid: process.ppid, host: os.hostname(), start }));
      busy(() => lockImage(img));
    }
    // Another host's lock cannot be checked: it is held.
    fs.writeFileSync(lockPath, JSON.stringify({ pid: 1, host: `not-${os.hostname()}` }));
    expect(busy(() => lockImage(img)).message).toMatch(/in use by PID 1 on not-/);
    fs.rmSync(lockPath);
  });

  it('release removes only its own lock', () => {
    const img = image();
    const lock = lockImage(img);
    fs.writeFileSync(lock.path, JSON.stringify({ pid: 1, host: 'elsewhere' }));
    lock.release();
    expect(fs.readFileSync(lock.path, 'utf8')).toContain('elsewhere');
    fs.rmSync(lock.path);
  });
});

describe('one writable Volume per device', () => {
  it('refuses a second writable Volume on one device with EBUSY until the first is closed', () => {
    const dev = new MemoryDevice(1 << 20);
    mkfs(dev, {});
    const a = Volume.open(dev, { closeDevice: false });
    const e = busy(() => Volume.open(dev, { closeDevice: false }));
    expect(e.message).toMatch(/writable volume/);
    const r = Volume.open(dev, { readOnly: true, closeDevice: false });
    a.writeFile('/a.txt', 'a');
    a.close();
    const b = Volume.open(dev, { closeDevice: false });
    expect(b.readFile('/a.txt', 'utf8')).toBe('a');
    b.close();
    r.close();
  });
});
