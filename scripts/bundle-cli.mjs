#!/usr/bin/env node
// Bundle the `fat` command line: dist/cli/main.js (the start, over tsc's output of it), one runner
// per command in dist/cli/run/ (the command with all it uses, one file) and dist/cli/chunks/ (the
// --help path, split): loading ~190 modules one by one cost ~0.1 s of CPU at every start
// (bench/build/PROFILE.md), ~25 chunks still ~10-25 ms (bench/small/PROFILE.md). The library
// entry points (dist/index.js, dist/core.js) stay as tsc wrote them. Without esbuild (a
// devDependency) the unbundled CLI that tsc wrote is kept: it works the same, only starts slower.
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { builtinModules } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Chunk names carry content hashes: clear the old ones so dist/ holds only this build's (also
// when esbuild is missing and the unbundled CLI is kept: no stale chunks are shipped).
const fsSync = await import('node:fs');
for (const d of ['dist/cli/chunks', 'dist/cli/run']) fsSync.rmSync(path.join(root, d), { recursive: true, force: true });
const requireFs = fsSync;
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.warn('bundle-cli: esbuild is not installed; keeping the unbundled CLI');
  (await import('node:fs')).chmodSync(path.join(root, 'dist/cli/main.js'), 0o755);
  process.exit(0);
}
// Every command and alias, from the COMMANDS table of program.ts (`names: ['list', 'ls'], load:
// () => import('./commands/list.js')`): each gets a runner (src/cli/runners.ts).
const commands = [...fsSync.readFileSync(path.join(root, 'src/cli/program.ts'), 'utf8').matchAll(/names:\s*\[([^\]]*)\],\s*load:\s*\(\)\s*=>\s*import\('\.\/commands\/([a-z-]+)\.js'\)/g)]
  .map((m) => ({ module: m[2], names: [...m[1].matchAll(/'([^']+)'/g)].map((n) => n[1]) }));
if (commands.length < 10) throw new Error(`bundle-cli: found ${commands.length} commands in src/cli/program.ts; has the COMMANDS table changed shape?`);
const runners = {};
const banner = { js: "import { createRequire as __fatkitCreateRequire } from 'node:module';\nconst require = __fatkitCreateRequire(import.meta.url);" };

// The runners: one self-contained file per command (no splitting: the program, commander, the
// command and the library code it reaches; what it imports lazily, such as picomatch, inlined
// and initialised on first use). Modules with state the start shares with a command (the output
// watch, the image locks) run in one copy only: the start hands over before running any of it.
// Built first: the split bundle's start carries their names (src/cli/runners.ts).
const built = await esbuild.build({
  entryPoints: commands.map((c) => ({ in: `fatkit-runner:${c.module}`, out: c.module })),
  // A runner compiled as a vm.Script cannot import(): built-ins it imports on demand are require()d.
  plugins: [flattenIndexImports(), builtinsThroughRequire({ dynamic: true }), {
    name: 'fatkit-runners',
    setup(build) {
      build.onResolve({ filter: /^fatkit-runner:/ }, (args) => ({ path: args.path.slice('fatkit-runner:'.length), namespace: 'fatkit-runner' }));
      build.onLoad({ filter: /.*/, namespace: 'fatkit-runner' }, (args) => ({
        contents: `import { runCommand } from ${JSON.stringify(path.join(root, 'src/cli/runner.ts'))};\nimport * as command from ${JSON.stringify(path.join(root, `src/cli/commands/${args.path}.ts`))};\nexport const start = (argv) => runCommand(command, argv);\n`,
        loader: 'js',
        resolveDir: path.join(root, 'src/cli'),
      }));
    },
  }],
  outdir: path.join(root, 'dist/cli/run'),
  // CommonJS (so Node 20 can compile a runner with V8's code cache, src/cli/code-cache.ts), its
  // content hash in its name (the cache's key).
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  splitting: false,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['mmap-io'],
  define: { 'import.meta.url': '__fatkitUrl' },
  banner: { js: 'var __fatkitUrl = require("node:url").pathToFileURL(__filename).href;' },
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});
for (const [out, meta] of Object.entries(built.metafile.outputs)) {
  const module = meta.entryPoint?.replace(/^fatkit-runner:/, '');
  const c = commands.find((x) => x.module === module);
  // What still calls import() (serve loading a crunch module, the crunch runtime's fs) cannot run
  // as a vm.Script: such a runner is always require()d (script: false, src/cli/code-cache.ts).
  const script = !/\bimport\s*\(/.test(fsSync.readFileSync(path.join(root, out), 'utf8'));
  if (c) for (const n of c.names) runners[n] = { file: `./run/${path.basename(out)}`, script };
}
if (Object.keys(runners).length !== commands.flatMap((c) => c.names).length) throw new Error('bundle-cli: a runner is missing from the build');



// The program's own path (src/cli/runner.ts runProgram: --help, unknown commands): split by
// file, each command's module a chunk loaded on demand.
const fallback = await esbuild.build({
  entryPoints: [path.join(root, 'src/cli/runner.ts')],
  plugins: [flattenIndexImports(), builtinsThroughRequire()],
  outdir: path.join(root, 'dist/cli/chunks'),
  // Code only some commands need (crunch, picomatch for --include/--exclude, the progress bar) goes
  // into chunks loaded on first use, so a start parses and runs only what the command needs.
  splitting: true,
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The native mmap addon is loaded at run time, when it is installed.
  external: ['mmap-io'],
  // CommonJS dependencies call require(): give the ESM bundle one.
  banner,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});
const fallbackOut = Object.entries(fallback.metafile.outputs).find(([, m]) => m.entryPoint?.endsWith('src/cli/runner.ts'))?.[0];
if (!fallbackOut) throw new Error('bundle-cli: the fallback chunk is missing from the build');
const fallbackPath = `./chunks/${path.basename(fallbackOut)}`;

// The start (main.js): one file, the version answered without loading anything else; the runners
// and the fallback chunk by name (src/cli/runners.ts).
await esbuild.build({
  entryPoints: [path.join(root, 'src/cli/main.ts')],
  plugins: [runnerTable(), flattenIndexImports(), builtinsThroughRequire()],
  outfile: path.join(root, 'dist/cli/main.js'),
  bundle: true,
  splitting: false,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['mmap-io'],
  banner,
  legalComments: 'linked',
  logLevel: 'warning',
});

/** The table of runners (src/cli/runners.ts) written into main.js, and the fallback chunk's name. */
function runnerTable() {
  return {
    name: 'fatkit-runner-table',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]cli[\\/]runners\.ts$/ }, () => ({ contents: `export const RUNNERS = ${JSON.stringify(runners)};`, loader: 'ts' }));
      // start.ts's import('./runner.js'): the split bundle's chunk, left for run time.
      build.onResolve({ filter: /^\.\/runner\.js$/ }, (args) => (/[\\/]src[\\/]cli[\\/]start\.ts$/.test(args.importer) ? { path: fallbackPath, external: true } : undefined));
    },
  };
}
/**
 * Node's built-in modules through require(), not import: Node builds an ES module namespace of a
 * built-in by reading every export, which runs its lazy getters (`import * as fs from 'node:fs'`
 * loads fs/promises, readline and the stream modules for fs.promises and fs.ReadStream; ~3-5 ms of
 * CPU at every start, bench/small/PROFILE.md). require() returns the object and reads nothing. And
 * commander's `require('node:child_process')` (for executable subcommands, which fat has none of)
 * is deferred to its first use: loading child_process loads net, dgram and the streams.
 */
function builtinsThroughRequire({ dynamic = false } = {}) {
  const builtins = new Set(builtinModules);
  const isBuiltin = (p) => p.startsWith('node:') || builtins.has(p.split('/')[0]);
  return {
    name: 'builtins-through-require',
    setup(build) {
      build.onResolve({ filter: /^node:child_process$/ }, (args) =>
        /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'node:child_process', namespace: 'fatkit-lazy-builtin' } : undefined);
      build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
        (args.kind === 'import-statement' || (dynamic && args.kind === 'dynamic-import')) && isBuiltin(args.path) && !/[\\/]node_modules[\\/]/.test(args.importer)
          ? { path: args.path, namespace: 'fatkit-builtin' }
          : undefined);
      build.onLoad({ filter: /.*/, namespace: 'fatkit-builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
      build.onLoad({ filter: /.*/, namespace: 'fatkit-lazy-builtin' }, (args) => ({
        contents: `let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require(${JSON.stringify(args.path)}))[k] });`,
        loader: 'js',
      }));
    },
  };
}

/**
 * The CLI imports the library through src/index.ts only (the layering rule), but esbuild splits
 * code by file: every module a barrel re-exports lands in chunks that every importer of the barrel
 * loads, so `fat --version` and `fat list` loaded mkfs, check, build, crunch and serve. This plugin
 * rewrites, in src/cli's files only and in the bundle only, `import { a, b as c } from '../index.js'`
 * into imports from the modules that define a and b (from the barrel's own `export { } from` lines),
 * so each command's chunk graph holds what it uses. A name it cannot trace stays on the barrel.
 */
function flattenIndexImports() {
  const fs = requireFs;
  const barrel = path.join(root, 'src/index.ts');
  const owners = new Map();
  const read = (file) => {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^export\s+(type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/gm)) {
      if (m[1]) continue;
      const mod = path.resolve(path.dirname(file), m[3].replace(/\.js$/, '.ts'));
      for (const spec of m[2].split(',').map((x) => x.trim()).filter(Boolean)) {
        if (spec.startsWith('type ')) continue;
        const [imported, exported = imported] = spec.split(/\s+as\s+/);
        if (!owners.has(exported)) owners.set(exported, { mod, imported });
      }
    }
    for (const m of text.matchAll(/^export\s+\*\s+from\s*'([^']+)'/gm)) read(path.resolve(path.dirname(file), m[1].replace(/\.js$/, '.ts')));
  };
  read(barrel);
  return {
    name: 'flatten-index-imports',
    setup(build) {
      // The version, fixed at build time: the bundle's chunks live one directory deeper than
      // version.ts's `../../package.json` expects, and a start then reads no package.json.
      build.onLoad({ filter: /[\\/]src[\\/]cli[\\/]version\.ts$/ }, () => ({
        contents: `export const VERSION = ${JSON.stringify(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version)};`,
        loader: 'ts',
      }));
      build.onLoad({ filter: /[\\/]src[\\/]cli[\\/].*\.ts$/ }, (args) => {
        const dir = path.dirname(args.path);
        const text = fs.readFileSync(args.path, 'utf8').replace(/^import\s*\{([^}]*)\}\s*from\s*'((?:\.\.\/)+index\.js)';?/gm, (all, specs, from) => {
          if (path.resolve(dir, from.replace(/\.js$/, '.ts')) !== barrel) return all;
          const kept = [];
          const lines = [];
          for (const spec of specs.split(',').map((x) => x.trim()).filter(Boolean)) {
            if (spec.startsWith('type ')) continue;
            const [name, local = name] = spec.split(/\s+as\s+/);
            const o = owners.get(name);
            if (o) lines.push(`import { ${o.imported} as ${local} } from ${JSON.stringify(o.mod)};`);
            else kept.push(spec);
          }
          if (kept.length) lines.push(`import { ${kept.join(', ')} } from '${from}';`);
          // The same number of lines, so error positions in the bundle's map still point right.
          return lines.join(' ') + '\n'.repeat((all.match(/\n/g) ?? []).length);
        });
        return { contents: text, loader: 'ts' };
      });
    },
  };
}

// tsc's map of the unbundled main.js no longer describes the file; the bin must stay executable.
const fs = await import('node:fs');
fs.rmSync(path.join(root, 'dist/cli/main.js.map'), { force: true });
fs.chmodSync(path.join(root, 'dist/cli/main.js'), 0o755);
