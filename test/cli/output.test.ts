/**
 * Issue 12 item 5: a failed standard output is a failure. Every command that writes to stdout,
 * run with stdout on /dev/full (every write fails with ENOSPC), exits 1 with one line; a reader
 * that goes away (EPIPE, `| head`) is still a quiet exit 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAT_MAIN, fatCli, freshImage, populate, scratchDir, writeHostTree } from './cli-helpers.js';

const FULL = 'fat: cannot write output: no space left on the host device\n';

describe('standard output that cannot be written', () => {
  let dir: string;
  let img: string;
  beforeAll(() => {
    dir = scratchDir();
    img = nodePath.join(dir, 'a.img');
    freshImage(img, 4096);
    populate(img, { '/big.bin': 'x'.repeat(1 << 20), '/d/': null, '/d/f.txt': 'f', '/mv-me.txt': 'm', '/rm-me.txt': 'r' });
    expect(fatCli(['label', img, 'LBL']).status).toBe(0);
    writeHostTree(nodePath.join(dir, 'tree'), { 'a.txt': 'a', 'sub/b.txt': 'b' });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Run the CLI with stdout on /dev/full. */
  const toFull = (args: string[]): { status: number | null; stderr: string } => {
    const fd = fs.openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [FAT_MAIN, ...args], {
        cwd: dir, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', fd, 'pipe'],
        env: { ...process.env, TZ: 'UTC', FATKIT_DEBUG: '', SOURCE_DATE_EPOCH: '' },
      });
      return { status: r.status, stderr: r.stderr };
    } finally {
      fs.closeSync(fd);
    }
  };

  const cases: string[][] = [
    ['cat', 'a.img', '/big.bin'],
    ['cat', 'a.img', '/d/f.txt'],
    ['list', 'a.img'],
    ['list', 'a.img', '-l'],
    ['list', 'a.img', '--json'],
    ['info', 'a.img'],
    ['info', 'a.img', '--json'],
    ['check', 'a.img'],
    ['check', 'a.img', '--json'],
    ['label', 'a.img'],
    ['attrib', 'a.img', '/', '-R'],
    ['du', 'a.img', '--json'],
    ['map', 'a.img', '/big.bin'],
    ['make', 'm1.img', '--size', '1M'],
    ['make', 'm2.img', '--size', '1M', '--json'],
    ['make', 'm3.img', '--from', 'tree'],
    ['make', 'm4.img', '--from', 'tree', '--json'],
    ['add', 'a.img', 'tree', '--to', '/added', '-v'],
    ['mkdir', 'a.img', '/new', '-v'],
    ['mv', 'a.img', '/mv-me.txt', '/moved.txt', '-v'],
    ['rm', 'a.img', '/rm-me.txt', '-v'],
    ['crunch', 'tree', '-o', 'crunched'],
    ['--help'],
    ['list', '--help'],
    ['--version'],
  ];

  it.each(cases.map((c) => [c.join(' '), c]))('fat %s exits 1 with one line', (_name, args) => {
    const r = toFull(args as string[]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: FULL });
  });

  it('stays a quiet exit 0 when the reader goes away (EPIPE)', async () => {
    for (const args of [['cat', 'a.img', '/big.bin'], ['list', 'a.img', '--json']]) {
      const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [FAT_MAIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.stdout.once('data', () => child.stdout.destroy());
        child.on('close', (status) => resolve({ status, stderr }));
      });
      expect({ args, ...r }).toEqual({ args, status: 0, stderr: '' });
    }
  });

  it('writes straight to fd 1, and through the stream when a non-blocking pipe is full (EAGAIN)', async () => {
    // A preload that creates process.stdout first makes fd 1 non-blocking (libuv's pipe handle);
    // the reader waits before reading, so the pipe fills and writeSync meets EAGAIN.
    const preload = nodePath.join(dir, 'nonblocking-stdout.cjs');
    fs.writeFileSync(preload, 'process.stdout;\n');
    for (const pre of [[], ['--require', preload]]) {
      const r = await new Promise<{ status: number | null; stderr: string; bytes: number; sample: string }>((resolve) => {
        const child = spawn(process.execPath, [...pre, FAT_MAIN, 'cat', 'a.img', '/big.bin'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        const chunks: Buffer[] = [];
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.stdout.pause();
        setTimeout(() => {
          child.stdout.on('data', (d: Buffer) => chunks.push(d));
          child.stdout.resume();
        }, 300);
        child.on('close', (status) => {
          const all = Buffer.concat(chunks);
          resolve({ status, stderr, bytes: all.length, sample: all.toString('latin1').replace(/x/g, '') });
        });
      });
      expect({ pre, ...r }).toEqual({ pre, status: 0, stderr: '', bytes: 1 << 20, sample: '' });
    }
  });
});
