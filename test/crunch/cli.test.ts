import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir, writeTree } from './helpers.js';

let work: ReturnType<typeof tempDir>;
let site: string;

beforeAll(() => {
  work = tempDir();
  site = path.join(work.dir, 'site');
  writeTree(site, { 'index.html': '<h1>hi</h1>', 'a/b.txt': 'b', 'drafts/x.txt': 'x' });
});
afterAll(() => work.remove());
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/**
 * `fat crunch ...` through the built CLI (the command writes its report to fd 1 directly, which
 * an in-process spy on process.stdout would not see): stdout, stderr, status.
 */
async function fat(...args: string[]): Promise<{ out: string; err: string; status: number }> {
  const r = spawnSync(process.execPath, [path.resolve('dist/cli/main.js'), ...args], { env: process.env, encoding: 'utf8' });
  return { out: r.stdout, err: r.stderr, status: r.status ?? -1 };
}

describe('fat crunch', () => {
  it('runs from the built CLI (dist/cli/main.js), and the module it writes works', () => {
    const out = path.join(work.dir, 'from-dist');
    const main = path.resolve('dist/cli/main.js');
    const env = { ...process.env, SOURCE_DATE_EPOCH: '0' };
    const made = spawnSync(process.execPath, [main, 'crunch', site, '-o', out], { env, encoding: 'utf8' });
    expect([made.status, made.stderr]).toEqual([0, '']);
    expect(made.stdout).toBe(`crunched 3 files (13 B, 3 distinct) into ${out} + 1 chunk file\n`);
    const probe = `const m = await import(${JSON.stringify(`file://${out}/index.js`)}); console.log(await m.readText('index.html'));`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' })).toBe('<h1>hi</h1>\n');
    expect(spawnSync(process.execPath, [main, 'crunch', site, '-o', out, '--check', '-q'], { env }).status).toBe(0);
  });

  it('writes a module, reports it, and --check passes then fails when the tree changes', async () => {
    const out = path.join(work.dir, 'out');
    vi.stubEnv('SOURCE_DATE_EPOCH', '1600000000');
    const made = await fat('crunch', site, '-o', out, '--exclude', 'drafts');
    expect(made).toMatchObject({ status: 0, err: '' });
    expect(made.out).toMatch(/^crunched 2 files .* into .*out/);
    expect(readFileSync(path.join(out, 'index.d.ts'), 'utf8')).toContain('| "a/b.txt"');
    expect(await fat('crunch', site, '-o', out, '--exclude', 'drafts', '--check')).toMatchObject({ status: 0, err: '' });
    const stale = await fat('crunch', site, '-o', out, '--check');
    expect(stale.status).toBe(1);
    expect(stale.err).toMatch(/^fat: .*out is stale \(differs: index\.d\.ts, index\.js, 2 chunk files\)/);
    expect(stale.err.trim().split('\n')).toHaveLength(1);
    vi.unstubAllEnvs();
  });

  it('writes one inline module for a .js output, quietly with -q', async () => {
    const made = await fat('-q', 'crunch', site, '-o', path.join(work.dir, 'inline.mjs'), '--inline', '--no-compress', '--include', '**/*.txt');
    expect(made).toEqual({ out: '', err: '', status: 0 });
    const text = readFileSync(path.join(work.dir, 'inline.mjs'), 'utf8');
    expect(text).toContain('const __CRUNCH_DATA__ = {');
    expect(readFileSync(path.join(work.dir, 'inline.d.mts'), 'utf8')).toMatch(/"a\/b\.txt"\n {2}\| "drafts\/x\.txt";/);
  });

  it('refuses a FIFO, and leaves it out with one warning under --skip-special', async () => {
    const w = tempDir();
    try {
      writeTree(path.join(w.dir, 's'), { 'a.txt': 'a' });
      if (spawnSync('mkfifo', [path.join(w.dir, 's', 'pipe')]).status !== 0) return;
      const bad = await fat('crunch', path.join(w.dir, 's'), '-o', path.join(w.dir, 'o'));
      expect(bad.status).toBe(1);
      expect(bad.err).toBe(`fat: cannot read ${path.join(w.dir, 's')}: pipe (not a regular file or directory)\n`);
      const ok = await fat('-q', 'crunch', path.join(w.dir, 's'), '-o', path.join(w.dir, 'o'), '--skip-special');
      expect(ok).toEqual({ out: '', err: `fat: skipped ${path.join(w.dir, 's', 'pipe')}: a FIFO\n`, status: 0 });
    } finally {
      w.remove();
    }
  });

  it('reports errors in one line: missing directory, bad flag values, missing -o', async () => {
    const missing = await fat('crunch', path.join(work.dir, 'nope'), '-o', path.join(work.dir, 'o2'));
    expect(missing.status).toBe(1);
    expect(missing.err).toMatch(/^fat: .*nope: no such directory\n$/);
    const quality = await fat('crunch', site, '-o', path.join(work.dir, 'o3'), '--brotli-quality', '12');
    expect(quality).toMatchObject({ status: 2 });
    expect(quality.err).toMatch(/^fat: --brotli-quality must be/);
    expect((await fat('crunch', site)).status).toBe(2);
  });
});
