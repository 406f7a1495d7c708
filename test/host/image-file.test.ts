import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createImageFile, createImageFileAsync, removeStaleTemps } from '../../src/host/image-file.js';
import { tempImageName, tempImageOwner } from '../../src/host/temp-name.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-image-file-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const temps = (): string[] => fs.readdirSync(dir).filter((n) => n.includes('.tmp')).sort();

/** A process id that ran and is gone (a child that already exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('temporary image names', () => {
  it('name their process, stay as long as the older random names, and are told apart from other files', () => {
    const name = tempImageName('site.img', 4_194_303);
    expect(name).toMatch(/^\.site\.img\.tmp-2hwcf-[0-9a-z]{2}$/);
    expect(name.length).toBe('.site.img.tmp-00000000'.length);
    expect(tempImageName('site.img', 42)).toMatch(/^\.site\.img\.tmp-16-[0-9a-z]{5}$/);
    expect(tempImageOwner(name, 'site.img')).toEqual({ pid: 4_194_303 });
    expect(tempImageOwner('.site.img.tmp-0badf00d', 'site.img')).toEqual({});
    for (const other of ['site.img', '.site.img.tmp', '.site.img.tmp-', '.site.img.tmp-xyz', '.other.img.tmp-16-abcde', '.site.img.tmp-16-ab/../x']) {
      expect(tempImageOwner(other, 'site.img'), other).toBeUndefined();
    }
  });
});

describe('removeStaleTemps', () => {
  it('removes the temporary files of dead makes and old ownerless ones, never a live make\'s', () => {
    const image = path.join(dir, 'site.img');
    const dead = tempImageName('site.img', deadPid());
    const liveOther = tempImageName('site.img', process.ppid); // the test runner's parent: running
    const oldOwnerless = '.site.img.tmp-0badf00d';
    const freshOwnerless = '.site.img.tmp-12345678';
    const otherImage = tempImageName('other.img', deadPid());
    for (const n of [dead, liveOther, oldOwnerless, freshOwnerless, otherImage, 'site.img']) fs.writeFileSync(path.join(dir, n), 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(path.join(dir, oldOwnerless), twoHoursAgo, twoHoursAgo);
    expect(removeStaleTemps(image).map((f) => path.basename(f)).sort()).toEqual([dead, oldOwnerless].sort());
    expect(fs.readdirSync(dir).sort()).toEqual([liveOther, freshOwnerless, otherImage, 'site.img'].sort());
  });

  it('runs before each make, which keeps a concurrent make\'s file and its own while it fills it', () => {
    const image = path.join(dir, 'site.img');
    const stale = tempImageName('site.img', deadPid());
    const live = tempImageName('site.img', process.ppid);
    fs.writeFileSync(path.join(dir, stale), '');
    fs.writeFileSync(path.join(dir, live), '');
    createImageFile(image, 4096, {}, () => {
      const mine = temps().filter((n) => n !== live && n !== stale);
      expect(temps()).toEqual([live, ...mine].sort());
      expect(mine).toHaveLength(1);
      expect(tempImageOwner(mine[0]!, 'site.img')).toEqual({ pid: process.pid });
      removeStaleTemps(image); // its own file, in use, is not stale
      expect(temps()).toContain(mine[0]);
    });
    expect(temps()).toEqual([live]);
    expect(fs.statSync(image).size).toBe(4096);
  });
});

describe('createImageFile', () => {
  it('removes its temporary file when the fill fails, and keeps the old image', () => {
    const image = path.join(dir, 'keep.img');
    fs.writeFileSync(image, 'old');
    expect(() => createImageFile(image, 4096, {}, () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(temps()).toEqual([]);
    expect(fs.readFileSync(image, 'utf8')).toBe('old');
  });

  it('removes the empty temporary file when the size cannot be set', () => {
    // ext4 and xfs refuse a 100 TiB file (EFBIG); a file system that takes it has nothing to show.
    const image = path.join(dir, 'huge.img');
    let failed = false;
    try {
      createImageFile(image, 100 * 2 ** 40, {}, () => undefined);
    } catch (e) {
      failed = true;
      expect((e as { code?: string }).code).toBe('EFBIG');
    }
    if (!failed) fs.rmSync(image);
    expect(temps()).toEqual([]);
  });

  it('stops an async fill at the abort, removing the temporary file', async () => {
    const image = path.join(dir, 'a.img');
    const abort = new AbortController();
    const made = createImageFileAsync(image, 4096, { signal: abort.signal }, async () => {
      expect(temps()).toHaveLength(1);
      abort.abort('SIGINT');
      await new Promise((r) => setImmediate(r));
      return 1;
    });
    await expect(made).rejects.toBe('SIGINT');
    expect(temps()).toEqual([]);
    expect(fs.existsSync(image)).toBe(false);
  });
});
