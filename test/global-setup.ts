/**
 * vitest globalSetup: build dist/ as `npm run build` does (tsc -p tsconfig.build.json, then the
 * esbuild bundle of the CLI) once per run when dist/cli/main.js is missing or older than any file
 * under src/, so the CLI tests run the current code, as users get it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

export function isDistStale(): boolean {
  const main = path.join(root, 'dist', 'cli', 'main.js');
  if (!fs.existsSync(main)) return true;
  const built = fs.statSync(main).mtimeMs;
  return newestMtime(path.join(root, 'src')) > built || fs.statSync(path.join(root, 'tsconfig.build.json')).mtimeMs > built;
}

export default function setup(): void {
  if (!isDistStale()) return;
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    // tsc still emits on type errors; the CLI tests will show what is broken. Say why here.
    process.stderr.write(`global-setup: tsc -p tsconfig.build.json exited ${r.status}:\n${r.stdout}${r.stderr}\n`);
  }
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'bundle-cli.mjs')], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) process.stderr.write(`global-setup: bundle-cli exited ${b.status}:\n${b.stdout}${b.stderr}\n`);
  // tsc leaves main.js untouched when its output did not change: mark the build as fresh.
  const main = path.join(root, 'dist', 'cli', 'main.js');
  if (fs.existsSync(main)) {
    const now = new Date();
    fs.utimesSync(main, now, now);
  }
}
