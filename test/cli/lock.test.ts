import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FAT_MAIN, fatCli, freshImage, fsckClean, haveOracles, libraryListing, populate, scratchDir, writeHostTree } from './cli-helpers.js';

/* Two writers on one image (issue 12, item 1): racing real CLI processes. */

let dir: string;
beforeAll(() => {
  dir = scratchDir('fatkit-lock-');
  const tree: Record<string, string> = {};
  for (let i = 0; i < 40; i++) {
    tree[`a/fa${i}.txt`] = `a${i}`.repeat(50);
    tree[`b/fb${i}.txt`] = `b${i}`.repeat(50);
  }
  writeHostTree(dir, tree);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Run { status: number | null; stderr: string }

/** Start the CLI without waiting for it. */
function start(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FAT_MAIN, ...args], { env: { ...process.env, TZ: 'UTC', FATKIT_DEBUG: '', SOURCE_DATE_EPOCH: '' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

const IN_USE = /^fat: image is in use by PID \d+ \(lock file .*\.lock\)\n$/;

/** Each run succeeded quietly or failed at once with the in-use message (exit 1). */
function succeededOrBusy(r: Run): boolean {
  if (r.status === 0) {
    expect(r.stderr).toBe('');
    return true;
  }
  expect([r.status, r.stderr]).toEqual([1, expect.stringMatching(IN_USE)]);
  return false;
}

const ROUNDS = 20;
const aFiles = Array.from({ length: 40 }, (_, i) => `/a/fa${i}.txt`);
const bFiles = Array.from({ length: 40 }, (_, i) => `/b/fb${i}.txt`);

describe('one writer at a time', () => {
  it(`fat add racing fat add (${ROUNDS} rounds): each tree is added whole or refused as in use, never lost or cross-linked`, async () => {
    let refused = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const img = path.join(dir, `add${round}.img`);
      freshImage(img, 2048, 12);
      const [ra, rb] = await Promise.all([start(['add', img, path.join(dir, 'a')]), start(['add', img, path.join(dir, 'b')])]);
      const okA = succeededOrBusy(ra);
      const okB = succeededOrBusy(rb);
      expect(okA || okB).toBe(true);
      if (!okA || !okB) refused++;
      const list = libraryListing(img);
      for (const f of aFiles) expect(list.includes(f), `${f} after round ${round}`).toBe(okA);
      for (const f of bFiles) expect(list.includes(f), `${f} after round ${round}`).toBe(okB);
      if (haveOracles) expect(fsckClean(img)).toEqual([]);
      expect(fs.existsSync(`${img}.lock`)).toBe(false);
    }
    // How many rounds overlapped depends on timing (both outcomes are right): shown, not asserted.
    console.log(`fat add racing fat add: ${refused} of ${ROUNDS} rounds refused one writer`);
  }, 240_000);

  it(`fat rm -r racing fat mv (${ROUNDS} rounds): whichever ran, its change is in the image`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const img = path.join(dir, `rmmv${round}.img`);
      freshImage(img, 2048, 12);
      populate(img, { '/d/x.txt': 'x', '/d/y/z.txt': 'z', '/m.txt': 'moved' });
      const [rr, rm] = await Promise.all([start(['rm', '-r', img, '/d']), start(['mv', img, '/m.txt', '/n.txt'])]);
      const removed = succeededOrBusy(rr);
      const moved = succeededOrBusy(rm);
      const list = libraryListing(img);
      expect(list.includes('/d/'), `round ${round}`).toBe(!removed);
      expect(list.includes('/n.txt'), `round ${round}`).toBe(moved);
      expect(list.includes('/m.txt'), `round ${round}`).toBe(!moved);
      if (haveOracles) expect(fsckClean(img)).toEqual([]);
    }
  }, 240_000);

  it('with --wait every writer runs, one after the other: the image holds everything and is clean', async () => {
    for (let round = 0; round < 10; round++) {
      const img = path.join(dir, `wait${round}.img`);
      freshImage(img, 2048, 12);
      populate(img, { '/d/x.txt': 'x', '/m.txt': 'moved' });
      const runs = await Promise.all([
        start(['--wait', 'add', img, path.join(dir, 'a')]),
        start(['add', '--wait', '30', img, path.join(dir, 'b')]),
        start(['--wait', 'rm', '-r', img, '/d']),
        start(['mv', '--wait', img, '/m.txt', '/n.txt']),
      ]);
      expect(runs).toEqual(runs.map(() => ({ status: 0, stderr: '' })));
      const list = libraryListing(img);
      for (const f of [...aFiles, ...bFiles, '/n.txt']) expect(list).toContain(f);
      expect(list).not.toContain('/d/');
      expect(list).not.toContain('/m.txt');
      if (haveOracles) expect(fsckClean(img)).toEqual([]);
    }
  }, 240_000);

  it('readers do not wait for the writer', async () => {
    const img = path.join(dir, 'read.img');
    freshImage(img, 2048, 12);
    fs.writeFileSync(`${img}.lock`, `${JSON.stringify({ pid: process.pid, host: os.hostname() })}\n`);
    try {
      expect(fatCli(['list', img]).status).toBe(0);
      expect(fatCli(['info', img]).status).toBe(0);
      expect(fatCli(['check', img]).status).toBe(0);
      // Every command that writes is refused at once, before it writes anything.
      const before = fs.readFileSync(img);
      for (const args of [['add', img, path.join(dir, 'a')], ['mkdir', img, '/x'], ['rm', img, '/x'], ['mv', img, '/x', '/y'], ['label', img, 'NEW'], ['check', '--repair', img], ['make', img, '--size', '1M', '-f']]) {
        const r = fatCli(args);
        expect([args[0], r.status, r.stderr]).toEqual([args[0], 1, expect.stringMatching(IN_USE)]);
      }
      expect(fs.readFileSync(img).equals(before)).toBe(true);
      const w = fatCli(['--wait', '0.3', 'mkdir', img, '/x']);
      expect([w.status, w.stderr]).toEqual([1, expect.stringMatching(IN_USE)]);
      expect(fatCli(['--wait', 'soon', 'mkdir', img, '/x']).status).toBe(2);
    } finally {
      fs.rmSync(`${img}.lock`);
    }
  });

  it('takes over a lock left by a process that is gone; an unreadable one counts as held', async () => {
    const img = path.join(dir, 'stale.img');
    freshImage(img, 2048, 12);
    // A PID that is not running (a child that has exited).
    const dead = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, ['-e', '']);
      c.on('close', () => resolve(c.pid!));
    });
    fs.writeFileSync(`${img}.lock`, `${JSON.stringify({ pid: dead, host: os.hostname() })}\n`);
    expect(fatCli(['mkdir', img, '/x'])).toMatchObject({ status: 0, stderr: '' });
    expect(fs.existsSync(`${img}.lock`)).toBe(false);
    expect(libraryListing(img)).toContain('/x/');

    // A lock file that is not fatkit's (or half-written) counts as held until it is old.
    fs.writeFileSync(`${img}.lock`, 'garbage');
    expect(fatCli(['mkdir', img, '/y'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/^fat: image is in use by another process/) });
    fs.rmSync(`${img}.lock`);
  });

  it('takes over a lock left under its own PID by an earlier process (PID 1 of a restarted container)', () => {
    const img = path.join(dir, 'ownpid.img');
    freshImage(img, 2048, 12);
    // The shell writes a lock naming its own PID with another start time, then becomes fat (exec).
    const script = `printf '{"pid":%s,"host":"%s","start":"1"}\\n' "$$" "$3" > "$0.lock"; exec "$1" "$2" mkdir "$0" /z`;
    const r = spawnSync('sh', ['-c', script, img, process.execPath, FAT_MAIN, os.hostname()], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.existsSync(`${img}.lock`)).toBe(false);
    expect(libraryListing(img)).toContain('/z/');
  });

  it('a lock is released when its process exits, and on SIGINT/SIGTERM when fat asked for it', () => {
    const img = path.join(dir, 'exit.img');
    freshImage(img, 2048, 12);
    const index = path.join(path.dirname(FAT_MAIN), '..', 'index.js');
    const script = (tail: string): string => `import(${JSON.stringify(index)}).then((f) => { f.releaseImageLocksOnSignals(); f.lockImage(${JSON.stringify(img)}); ${tail} });`;
    for (const [tail, status] of [['process.exitCode = 0;', 0], ['process.exit(3);', 3], ["process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 5000);", 143], ["process.kill(process.pid, 'SIGINT'); setTimeout(() => {}, 5000);", 130], ["throw new Error('boom');", 1]] as const) {
      const r = spawnSync(process.execPath, ['-e', script(tail)], { encoding: 'utf8', timeout: 20_000 });
      expect([tail, r.status]).toEqual([tail, status]);
      expect(fs.existsSync(`${img}.lock`), tail).toBe(false);
    }
  });
});
