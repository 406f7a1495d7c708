#!/usr/bin/env node
// Bundle the `fat` command line (dist/cli/main.js, over tsc's output of it, plus dist/cli/chunks/ for
// what only some commands need): loading ~190 modules one by one cost ~0.1 s of CPU at every start
// (bench/build/PROFILE.md). The library
// entry points (dist/index.js, dist/core.js) stay as tsc wrote them. Without esbuild (a
// devDependency) the unbundled CLI that tsc wrote is kept: it works the same, only starts slower.
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Chunk names carry content hashes: clear the old ones so dist/ holds only this build's (also
// when esbuild is missing and the unbundled CLI is kept: no stale chunks are shipped).
(await import('node:fs')).rmSync(path.join(root, 'dist/cli/chunks'), { recursive: true, force: true });
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.warn('bundle-cli: esbuild is not installed; keeping the unbundled CLI');
  (await import('node:fs')).chmodSync(path.join(root, 'dist/cli/main.js'), 0o755);
  process.exit(0);
}
await esbuild.build({
  entryPoints: [path.join(root, 'src/cli/main.ts')],
  outdir: path.join(root, 'dist/cli'),
  // Code only some commands need (crunch, picomatch for --include/--exclude, the progress bar) goes
  // into chunks loaded on first use, so a start parses and runs only what the command needs.
  splitting: true,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The native mmap addon is loaded at run time, when it is installed.
  external: ['mmap-io'],
  // CommonJS dependencies call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __fatkitCreateRequire } from 'node:module';\nconst require = __fatkitCreateRequire(import.meta.url);" },
  legalComments: 'linked',
  logLevel: 'warning',
});
// tsc's map of the unbundled main.js no longer describes the file; the bin must stay executable.
const fs = await import('node:fs');
fs.rmSync(path.join(root, 'dist/cli/main.js.map'), { force: true });
fs.chmodSync(path.join(root, 'dist/cli/main.js'), 0o755);
