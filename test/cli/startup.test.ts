import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// What a start costs is measured in bench/; these tests pin down what it must not load. Node lists
// the built-in modules a process loaded in process.moduleLoadList; a preload script prints it at exit.
const root = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');

function loadedBuiltins(args: string[], cwd: string): { status: number | null; stderr: string; builtins: string[] } {
  const preload = path.join(cwd, 'report-loads.cjs');
  fs.writeFileSync(preload, `
const fs = require('node:fs');
process.on('exit', () => {
  fs.writeFileSync(${JSON.stringify(path.join(cwd, 'loads.json'))}, JSON.stringify({
    builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
  }));
});
`);
  const r = spawnSync(process.execPath, ['--require', preload, cli, ...args], { cwd, encoding: 'utf8' });
  const { builtins } = JSON.parse(fs.readFileSync(path.join(cwd, 'loads.json'), 'utf8')) as { builtins: string[] };
  return { status: r.status, stderr: r.stderr, builtins };
}

describe('a command loads only what it needs', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-startup-'));
  const site = path.join(work, 'site');
  fs.mkdirSync(path.join(site, 'css'), { recursive: true });
  fs.writeFileSync(path.join(site, 'index.html'), '<h1>hi</h1>\n');
  fs.writeFileSync(path.join(site, 'css', 'site.css'), 'h1 { color: red }\n');

  it('make --from and list load neither zlib nor crypto (crunch code waits for `fat crunch`)', () => {
    const made = loadedBuiltins(['make', 'site.img', '--from', 'site', '--quiet'], work);
    expect([made.status, made.stderr]).toEqual([0, '']);
    expect(made.builtins).toContain('fs');
    expect(made.builtins.filter((m) => /^(zlib|crypto|internal\/crypto\/|readline)/.test(m))).toEqual([]);
    const listed = loadedBuiltins(['list', 'site.img'], work);
    expect([listed.status, listed.stderr]).toEqual([0, '']);
    expect(listed.builtins.filter((m) => /^(zlib|crypto|internal\/crypto\/|readline)/.test(m))).toEqual([]);
    // fat serve's server waits for `fat serve`.
    expect([...made.builtins, ...listed.builtins].filter((m) => /^(https?|_http_)/.test(m))).toEqual([]);
  });

  it('crunch still works, loading its code on first use', () => {
    const r = loadedBuiltins(['crunch', 'site', '-o', 'out-mod', '--quiet'], work);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.builtins).toContain('zlib');
    expect(fs.existsSync(path.join(work, 'out-mod', 'index.js'))).toBe(true);
  });

  it('--include and --exclude still work, their glob matcher loaded on demand', () => {
    const r = spawnSync(process.execPath, [cli, 'make', 'css.img', '--from', 'site', '--include', 'css/**', '--quiet'], { cwd: work, encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const l = spawnSync(process.execPath, [cli, 'list', 'css.img'], { cwd: work, encoding: 'utf8' });
    expect(l.stdout).toContain('site.css');
    expect(l.stdout).not.toContain('index.html');
  });
});

it('importing the library loads neither zlib nor crypto until crunch is called', () => {
  const script = `
import(${JSON.stringify(path.join(root, 'dist', 'index.js'))}).then(() => {
  const b = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
  process.stdout.write(JSON.stringify(b.filter((m) => /^(zlib|crypto|internal\\/crypto\\/)/.test(m))));
});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect([r.status, r.stderr, r.stdout]).toEqual([0, '', '[]']);
});
