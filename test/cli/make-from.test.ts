import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAT_CLI, describeRun, runFat } from '../fixtures/run-fat.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-make-from-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const at = (...p: string[]): string => path.join(dir, ...p);
const temps = (d = dir): string[] => fs.readdirSync(d).filter((f) => f.includes('.tmp-'));

function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
}

async function fat(...args: string[]) {
  const r = await runFat(args, { cwd: dir });
  return { ...r, out: r.stdout.toString('utf8'), line: describeRun(args, r) };
}

/** The image's paths, as `fat list` prints them. */
async function listing(image: string): Promise<string[]> {
  const r = await fat('list', image);
  expect(r.status, r.line).toBe(0);
  return r.out.split('\n').filter((l) => l !== '');
}

const POSTS = { 'posts/a.md': 'a', 'posts/sub/b.md': 'b', 'posts/sub/c.js.map': 'c', 'index.html': 'i', 'top.map': 't', 'js/x.js.map': 'x', 'js/x.js': 'j' };

describe('fat make --from: globs', () => {
  // The same rules as crunch (test/crunch/cli.test.ts) and the walker (test/host/collect.test.ts).
  const cases: [string[], string[]][] = [
    [['--exclude', 'posts/*'], ['/index.html', '/js/', '/js/x.js', '/js/x.js.map', '/posts/', '/top.map']],
    [['--exclude', 'posts/'], ['/index.html', '/js/', '/js/x.js', '/js/x.js.map', '/top.map']],
    [['--exclude', 'posts'], ['/index.html', '/js/', '/js/x.js', '/js/x.js.map', '/top.map']],
    [['--exclude', 'posts/**'], ['/index.html', '/js/', '/js/x.js', '/js/x.js.map', '/top.map']],
    [['--exclude', '**/*.map'], ['/index.html', '/js/', '/js/x.js', '/posts/', '/posts/a.md', '/posts/sub/', '/posts/sub/b.md']],
    [['--include', 'posts/'], ['/posts/', '/posts/a.md', '/posts/sub/', '/posts/sub/b.md', '/posts/sub/c.js.map']],
    [['--include', '**/*.map', '--exclude', 'posts/sub'], ['/js/', '/js/x.js.map', '/top.map']],
  ];
  it.each(cases)('%j', async (flags, want) => {
    writeTree(at('site'), POSTS);
    const r = await fat('make', 'out.img', '--from', 'site', ...flags);
    expect(r.status, r.line).toBe(0);
    expect(r.stderr).toBe('');
    expect((await listing('out.img')).sort()).toEqual(want.sort());
  });
});

describe('fat make --from: what the walker refuses or leaves out', () => {
  it('refuses special files, naming each, unless --skip-special (one warning each)', async () => {
    writeTree(at('site'), { 'a.txt': 'a' });
    if (spawnSync('mkfifo', [at('site', 'pipe')]).status !== 0) return;
    const bad = await fat('make', 'out.img', '--from', 'site');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(`fat: cannot read ${at('site')}: pipe (not a regular file or directory)\n`);
    expect(fs.existsSync(at('out.img'))).toBe(false);
    const ok = await fat('make', 'out.img', '--from', 'site', '--skip-special');
    expect(ok.status, ok.line).toBe(0);
    expect(ok.stderr).toBe(`fat: skipped ${path.join('site', 'pipe')}: a FIFO\n`);
    expect(await listing('out.img')).toEqual(['/a.txt']);
  });

  it('leaves the image out of its own tree: rebuilding in place does not grow it', async () => {
    writeTree(at('site'), { 'index.html': 'x'.repeat(10_000) });
    const sizes: number[] = [];
    for (let run = 0; run < 3; run++) {
      const r = await fat('make', path.join('site', 'self.img'), '--from', 'site', '-f', '-q');
      expect(r.status, r.line).toBe(0);
      expect(r.stderr).toBe(run === 0 ? '' : `fat: skipped ${path.join('site', 'self.img')}: it is the image being written\n`);
      sizes.push(fs.statSync(at('site', 'self.img')).size);
      expect(await listing(at('site', 'self.img'))).toEqual(['/index.html']);
    }
    expect(new Set(sizes).size).toBe(1);
  });
});

describe('fat make: temporary files', () => {
  it('leaves no temporary file when the size cannot be set (--size 100T)', async () => {
    const r = await fat('make', 'x.img', '--size', '100T');
    expect(r.status, r.line).toBe(1);
    expect(r.stderr).toMatch(/^fat: .*\n$/);
    expect(temps()).toEqual([]);
    expect(fs.existsSync(at('x.img'))).toBe(false);
  });

  /** Start `fat make big.img --from big`, wait for its temporary file, send `signal`; the child's end. */
  async function interrupt(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; tempSeen: string; stderr: string }> {
    const child = spawn(process.execPath, [FAT_CLI, 'make', 'big.img', '--from', 'big', '-q'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })));
    let tempSeen = '';
    let done = false;
    void ended.then(() => (done = true));
    while (!tempSeen && !done) {
      tempSeen = temps()[0] ?? '';
      if (!tempSeen) await new Promise((r) => setTimeout(r, 2));
    }
    child.kill(signal);
    return { ...(await ended), tempSeen, stderr };
  }

  // The build writes 1 GiB of a sparse file: long enough to be caught mid-write.
  const bigTree = (): void => {
    fs.mkdirSync(at('big'));
    fs.writeFileSync(at('big', 'small.txt'), 'small');
    fs.writeFileSync(at('big', 'huge.bin'), '');
    fs.truncateSync(at('big', 'huge.bin'), 1024 ** 3);
  };

  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('removes the temporary file on %s and exits %i', async (signal, status) => {
    bigTree();
    const r = await interrupt(signal);
    expect(r.tempSeen).toMatch(/^\.big\.img\.tmp-[0-9a-z]+-[0-9a-z]+$/);
    expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: status, signal: null, stderr: '' });
    expect(temps()).toEqual([]);
    expect(fs.existsSync(at('big.img'))).toBe(false);
  }, 60_000);

  it('removes the temporary file of a make killed outright at the next make of the same image', async () => {
    bigTree();
    const r = await interrupt('SIGKILL');
    expect(r.signal).toBe('SIGKILL');
    expect(temps()).toEqual([r.tempSeen]);
    fs.rmSync(at('big', 'huge.bin'));
    const again = await fat('make', 'big.img', '--from', 'big', '-q');
    expect(again.status, again.line).toBe(0);
    expect(temps()).toEqual([]);
  }, 60_000);
});
