/** `fat serve`: spawned like a user runs it, its URL read from stdout, fetched, stopped with SIGINT. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crunch } from '../../src/crunch/index.js';
import { tempDir } from '../crunch/helpers.js';
import { cli, makeImage, page, writeSite } from '../serve/helpers.js';

let work: ReturnType<typeof tempDir>;
let site: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  work = tempDir('fatkit-serve-cli-');
  site = path.join(work.dir, 'site');
  writeSite(site);
  makeImage(site, path.join(work.dir, 'site.img'));
  await crunch(site, path.join(work.dir, 'mod'), { compress: false });
  await crunch(site, path.join(work.dir, 'single.mjs'), { compress: false, inline: true });
}, 60_000);

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  work.remove();
});

interface Served {
  child: ChildProcess;
  url: string;
  lines: string[];
  exit: Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

async function start(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [cli, 'serve', ...args, '--port', '0'], { cwd: work.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    void exit.then((e) => reject(new Error(`fat serve exited ${e.code}: ${e.stderr}`)));
  });
  rl.on('line', (l) => lines.push(l));
  const url = /(http:\/\/127\.0\.0\.1:\d+\/)$/.exec(first)?.[1];
  if (!url) throw new Error(`no URL in ${first}`);
  return { child, url, lines, exit };
}

describe('fat serve', () => {
  it.each([['site.img', 'image'], ['site', 'directory'], ['mod', 'crunch'], ['single.mjs', 'crunch']])('serves %s (%s), logs each request, stops on SIGINT with 0', async (source, kind) => {
    const s = await start([source]);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(s.url);
    expect([res.status, await res.text()]).toEqual([200, page]);
    expect((await fetch(`${s.url}nope`)).status).toBe(404);
    s.child.kill('SIGINT');
    const e = await s.exit;
    expect([e.code, e.stderr]).toEqual([0, '']);
    expect(s.lines).toEqual([expect.stringMatching(/^GET \/ 200 [\d.]+ ms$/), expect.stringMatching(/^GET \/nope 404 [\d.]+ ms$/)]);
    void kind;
  });

  it('--quiet logs nothing; --spa and --cache-control reach the server; SIGTERM stops it too', async () => {
    const s = await start(['site.img', '--quiet', '--spa', '--cache-control', 'public, max-age=600']);
    const res = await fetch(`${s.url}some/route`);
    expect([res.status, res.headers.get('cache-control'), await res.text()]).toEqual([200, 'public, max-age=600', page]);
    s.child.kill('SIGTERM');
    expect((await s.exit).code).toBe(0);
    expect(s.lines).toEqual([]);
  });

  it('reopens the image when it changes while served (fat add), between requests', async () => {
    const img = path.join(work.dir, 'live.img');
    fs.copyFileSync(path.join(work.dir, 'site.img'), img);
    const s = await start(['live.img', '--quiet']);
    expect((await fetch(`${s.url}new.txt`)).status).toBe(404);
    fs.writeFileSync(path.join(work.dir, 'new.txt'), 'fresh');
    const add = spawnSync(process.execPath, [cli, 'add', img, path.join(work.dir, 'new.txt')], { encoding: 'utf8' });
    expect([add.status, add.stderr]).toEqual([0, '']);
    const res = await fetch(`${s.url}new.txt`);
    expect([res.status, await res.text()]).toEqual([200, 'fresh']);
    expect(await (await fetch(s.url)).text()).toBe(page);
    s.child.kill('SIGINT');
    expect((await s.exit).code).toBe(0);
  });

  it('one-line errors: a bad --port is a usage error, a missing source or a busy port a failure', async () => {
    const bad = spawnSync(process.execPath, [cli, 'serve', 'site.img', '--port', 'http'], { cwd: work.dir, encoding: 'utf8' });
    expect([bad.status, bad.stderr]).toEqual([2, 'fat: --port takes a port number from 0 to 65535, not "http"\n']);
    const missing = spawnSync(process.execPath, [cli, 'serve', 'nothing.img'], { cwd: work.dir, encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^fat: nothing\.img: .*\n$/);
    const s = await start(['site']);
    const port = new URL(s.url).port;
    const busy = spawnSync(process.execPath, [cli, 'serve', 'site', '--port', port], { cwd: work.dir, encoding: 'utf8' });
    expect([busy.status, busy.stderr]).toEqual([1, `fat: 127.0.0.1:${port} is already in use (choose another --port)\n`]);
    s.child.kill('SIGINT');
    await s.exit;
  });
});
