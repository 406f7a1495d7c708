import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as module from 'node:module';

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

/**
 * The sources a CLI run loaded: each file's own path and, for the bundle's chunks, the source files
 * esbuild put in it (its `// src/...` and `// node_modules/...` markers). A module hook (--import)
 * logs every file URL the process loads.
 */
function loadedSources(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string; files: string[]; sources: string[] } {
  const log = path.join(cwd, `esm-${Math.random().toString(36).slice(2)}.log`);
  const hook = `import fs from 'node:fs'; export async function load(url, ctx, next) { if (url.startsWith('file:')) fs.appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, ctx); }`;
  const preload = path.join(cwd, 'report-esm.mjs');
  fs.writeFileSync(preload, `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));\n`);
  // A command's runner is CommonJS, required or compiled as a script (src/cli/code-cache.ts): its
  // file is read with fs.readFileSync, which this preload watches.
  const cjs = path.join(cwd, 'report-cjs.cjs');
  fs.writeFileSync(cjs, `const fs = require('node:fs'); const url = require('node:url'); const read = fs.readFileSync;
fs.readFileSync = function (f, ...rest) { if (typeof f === 'string' && f.endsWith('.cjs') && f.includes('dist')) fs.appendFileSync(${JSON.stringify(log)}, url.pathToFileURL(f).href + '\\n'); return read.call(this, f, ...rest); };\n`);
  const r = spawnSync(process.execPath, ['--require', cjs, '--import', preload, cli, ...args], { cwd, encoding: 'utf8' });
  const files = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((u) => new URL(u).pathname);
  const sources = files.flatMap((f) => [path.relative(root, f), ...[...fs.readFileSync(f, 'utf8').matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm)].map((m) => m[1])]);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, files, sources };
}

describe('a start loads the code of the command it runs, and no other', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-startup-lazy-'));
  fs.mkdirSync(path.join(work, 'site'));
  fs.writeFileSync(path.join(work, 'site', 'a.txt'), 'a\n');
  const made = spawnSync(process.execPath, [cli, 'make', 'site.img', '--from', 'site', '--quiet'], { cwd: work, encoding: 'utf8' });
  const otherCommands = /(^|\/)(src\/cli\/commands\/(make|crunch|serve|check|add|extract|info)\.ts|dist\/cli\/(chunks\/)?(commands\/)?(make|crunch|serve|check|add|extract|info)(-[A-Z0-9]+)?\.js)$/;
  const unused = /(^|\/)src\/(fat\/(mkfs|check|build)|crunch|serve)\/|node_modules\/(picomatch|cli-progress|mime)/;

  it('fat --version: no command, no commander, none of the library', () => {
    expect([made.status, made.stderr]).toEqual([0, '']);
    const r = loadedSources(['--version'], work);
    expect([r.status, r.stderr, r.stdout.trim()]).toEqual([0, '', JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version]);
    expect(r.sources.filter((s) => /src\/cli\/commands\/|src\/fat\/|node_modules\/commander|\/(list|make)-[A-Z0-9]+\.js$/.test(s))).toEqual([]);
    const full = spawnSync(process.execPath, [cli, '--version'], { cwd: work, stdio: ['ignore', fs.openSync('/dev/full', 'w'), 'pipe'], encoding: 'utf8' });
    expect([full.status, full.stderr]).toEqual([1, 'fat: cannot write output: no space left on the host device\n']);
  });

  it('fat list: its own command and the volume code, not make, crunch, serve, check, build or their dependencies', () => {
    const r = loadedSources(['list', 'site.img'], work);
    expect([r.status, r.stderr, r.stdout]).toEqual([0, '', '/a.txt\n']);
    expect(r.sources.some((s) => /src\/cli\/commands\/list\.ts$|dist\/cli\/(chunks\/list-[A-Z0-9]+|commands\/list)\.js$/.test(s))).toBe(true);
    expect(r.sources.filter((s) => otherCommands.test(s) || unused.test(s))).toEqual([]);
  });

  it('an alias (fat ls), global options before the command and --help find the right commands', () => {
    const ls = loadedSources(['--code-page', 'cp850', '--wait', '5', 'ls', 'site.img'], work);
    expect([ls.status, ls.stderr, ls.stdout]).toEqual([0, '', '/a.txt\n']);
    expect(ls.sources.filter((s) => otherCommands.test(s))).toEqual([]);
    const help = spawnSync(process.execPath, [cli, '--help'], { cwd: work, encoding: 'utf8' });
    for (const c of ['make', 'list|ls', 'extract|x', 'crunch', 'serve', 'check']) expect(help.stdout).toMatch(new RegExp(`^  ${c.replace('|', '\\|')} `, 'm'));
    const typo = spawnSync(process.execPath, [cli, 'lst', 'site.img'], { cwd: work, encoding: 'utf8' });
    expect([typo.status, typo.stderr]).toEqual([2, "fat: unknown command 'lst' (Did you mean one of list, ls?) (see --help)\n"]);
  });

  it('a command runs from its runner (one module), which npm pack ships; without it, from the chunks', () => {
    const r = loadedSources(['list', 'site.img'], work);
    expect([r.status, r.stderr, r.stdout]).toEqual([0, '', '/a.txt\n']);
    const own = r.files.map((f) => path.relative(root, f)).filter((f) => !/^dist\/cli\/(main\.js|chunks\/(start|chunk|code-cache)-[A-Z0-9]+\.js)$/.test(f));
    expect(own).toHaveLength(1);
    expect(own[0]).toMatch(/^dist\/cli\/run\/list-[A-Z0-9]+\.cjs$/);
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    const packed = new Set((JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    const modules = [...fs.readFileSync(path.join(root, 'src/cli/program.ts'), 'utf8').matchAll(/import\('\.\/commands\/([a-z-]+)\.js'\)/g)].map((m) => m[1]);
    expect(modules.length).toBeGreaterThan(15);
    const runners = fs.readdirSync(path.join(root, 'dist', 'cli', 'run')).filter((f) => f.endsWith('.cjs'));
    expect(modules.filter((m) => !runners.some((f) => f.startsWith(`${m}-`) && packed.has(`dist/cli/run/${f}`)))).toEqual([]);
    // An install that lacks a runner still runs the command, through the program's own path.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-no-runner-'));
    fs.cpSync(path.join(root, 'dist', 'cli'), path.join(copy, 'dist', 'cli'), { recursive: true });
    fs.copyFileSync(path.join(root, 'package.json'), path.join(copy, 'package.json'));
    for (const f of fs.readdirSync(path.join(copy, 'dist', 'cli', 'run'))) if (f.startsWith('list-')) fs.rmSync(path.join(copy, 'dist', 'cli', 'run', f));
    const without = spawnSync(process.execPath, [path.join(copy, 'dist', 'cli', 'main.js'), 'list', 'site.img'], { cwd: work, encoding: 'utf8' });
    expect([without.status, without.stderr, without.stdout]).toEqual([0, '', '/a.txt\n']);
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it('Node >= 22.1 caches the compiled code (module.enableCompileCache); Node 20 runs without it', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-compile-cache-'));
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_COMPILE_CACHE: cache };
    delete env.NODE_DISABLE_COMPILE_CACHE;
    const r = spawnSync(process.execPath, [cli, 'list', 'site.img'], { cwd: work, encoding: 'utf8', env });
    expect([r.status, r.stderr, r.stdout]).toEqual([0, '', '/a.txt\n']);
    const cached = fs.readdirSync(cache, { recursive: true }).length > 0;
    expect(cached).toBe(typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function');
    fs.rmSync(cache, { recursive: true, force: true });
  });
});

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

  it('list and --version load neither child_process (commander defers it), fs streams (built-ins come through require) nor net (stdout is written through fd 1)', () => {
    // An ES module import of node:fs runs its lazy getters (fs.promises, fs.ReadStream); commander
    // requires child_process (net, dgram) for executable subcommands fat does not have.
    for (const args of [['list', 'site.img'], ['--version']]) {
      const r = loadedBuiltins(args, work);
      expect([r.status, r.stderr]).toEqual([0, '']);
      expect(r.builtins.filter((m) => /^(child_process|net|dgram|internal\/child_process|internal\/fs\/streams)$/.test(m))).toEqual([]);
    }
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
