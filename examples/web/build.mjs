#!/usr/bin/env node
// Bundle examples/web into out/web (or --outdir DIR): the page, its script and the worker, with
// fatkit/core taken from src/ (as an app would take it from the package). No server code: serve the
// folder with any static server (OPFS needs a secure context: https, or http on localhost).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const i = process.argv.indexOf('--outdir');
const outdir = path.resolve(i > 0 ? process.argv[i + 1] : path.join(root, 'out/web'));

fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { app: path.join(here, 'app.ts'), worker: path.join(here, 'worker.ts') },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome109', 'firefox115', 'safari16'],
  alias: { 'fatkit/core': path.join(root, 'src/core.ts') },
  minify: process.argv.includes('--minify'),
  sourcemap: process.argv.includes('--sourcemap'),
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) fs.copyFileSync(path.join(here, f), path.join(outdir, f));
console.log(`examples/web built into ${path.relative(process.cwd(), outdir) || '.'}`);
