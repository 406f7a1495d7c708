#!/usr/bin/env node
// Issue #6 benchmark: crunch against esbuild's binary/base64 loaders and plain readFileSync, on a
// ~20 MiB site and on 1,000 small files. Every reading measurement is a fresh process (median of
// 5): import time, time to the first file, time to read every file, RSS after GC. Writes
// bench/crunch/RESULTS.md and prints it.
//
//   npm run build && node bench/crunch/run.js [--quick]
//
// Env: BENCH_TMP=DIR puts the trees and outputs somewhere other than bench/work/crunch.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { TREES, writeTree } from './trees.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 5;
const work = path.resolve(process.env.BENCH_TMP ?? path.join(repo, 'bench/work/crunch'));
const log = (...a) => console.error('[bench/crunch]', ...a);
const MiB = 1 << 20;

const distCrunch = path.join(repo, 'dist/crunch/index.js');
if (!fs.existsSync(distCrunch)) {
  console.error('bench/crunch: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const { crunch } = await import(pathToFileURL(distCrunch).href);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t) => (t < 10 ? t.toFixed(1) : t.toFixed(0));
const mib = (b) => (b / MiB).toFixed(b < MiB ? 2 : 1);

function sizeOf(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return /\.d\.m?ts$/.test(p) ? 0 : st.size;
  return fs.readdirSync(p).reduce((n, e) => n + sizeOf(path.join(p, e)), 0);
}

async function timeIt(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function probe(kind, modulePath) {
  try {
    const out = execFileSync(process.execPath, ['--expose-gc', path.join(here, 'probe.mjs'), kind, modulePath ?? ''], { maxBuffer: 16 * MiB, stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.toString());
  } catch (err) {
    throw new Error(`probe ${kind} ${modulePath} failed: ${String(err.stderr ?? err).split('\n').filter((l) => l.length < 300).slice(-8).join('\n')}`);
  }
}

/** Every way of carrying the tree: how to generate it (timed in-process) and what to import. */
function contenders(tree, dir, files) {
  const extensions = [...new Set(files.map((f) => path.extname(f.path)))];
  const esbuildEntry = path.join(dir, 'esbuild-entry.mts'); // an extension no file of the tree has
  const esbuildWith = (loader) => async () => {
    fs.writeFileSync(esbuildEntry, files.map((f, i) => `import f${i} from ${JSON.stringify(`./${tree}/${f.path}`)};`).join('\n')
      + `\nexport default {${files.map((f, i) => `${JSON.stringify(f.path)}: f${i}`).join(', ')}};\n`);
    await build({ entryPoints: [esbuildEntry], bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile: path.join(dir, `esbuild-${loader}.js`),
      loader: Object.fromEntries(extensions.map((e) => [e, loader])), logLevel: 'silent' });
  };
  const src = path.join(dir, tree);
  return [
    { name: 'crunch (directory)', kind: 'crunch', module: path.join(dir, 'crunch-dir/index.js'), size: path.join(dir, 'crunch-dir'),
      generate: () => crunch(src, path.join(dir, 'crunch-dir'), { compress: false }) },
    { name: 'crunch --inline', kind: 'crunch', module: path.join(dir, 'crunch-inline.js'), size: path.join(dir, 'crunch-inline.js'),
      generate: () => crunch(src, path.join(dir, 'crunch-inline.js'), { compress: false, inline: true }) },
    { name: 'esbuild binary loader', kind: 'esbuild-binary', module: path.join(dir, 'esbuild-binary.js'), size: path.join(dir, 'esbuild-binary.js'),
      generate: esbuildWith('binary') },
    { name: 'esbuild base64 loader', kind: 'esbuild-base64', module: path.join(dir, 'esbuild-base64.js'), size: path.join(dir, 'esbuild-base64.js'),
      generate: esbuildWith('base64') },
    { name: 'readFileSync (floor)', kind: 'fs', module: path.join(dir, 'fs-list.mjs'), size: src,
      generate: async () => fs.writeFileSync(path.join(dir, 'fs-list.mjs'),
        `export const root = ${JSON.stringify(pathToFileURL(src).href + '/')};\nexport const files = ${JSON.stringify(files.map((f) => f.path))};\n`) },
  ];
}

async function benchTree(tree) {
  const dir = path.join(work, tree);
  fs.mkdirSync(dir, { recursive: true });
  const files = TREES[tree]().sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const raw = writeTree(path.join(dir, tree), files);
  log(`${tree}: ${files.length} files, ${mib(raw)} MiB`);
  const rows = [];
  for (const c of contenders(tree, dir, files)) {
    const gen = [];
    for (let i = 0; i < ROUNDS; i++) gen.push(await timeIt(c.generate));
    const runs = Array.from({ length: ROUNDS }, () => probe(c.kind, c.module));
    if (runs[0].bytes !== raw || runs[0].count !== files.length) throw new Error(`${c.name} read ${runs[0].bytes} bytes of ${runs[0].count} files`);
    const med = (key) => median(runs.map((r) => r[key]));
    rows.push({
      name: c.name, generate: median(gen), size: sizeOf(c.size), rss: med('rss'), importMin: Math.min(...runs.map((r) => r.import)),
      import: med('import'), first: med('first'), all: med('all'), importCpu: med('importCpu'), firstCpu: med('firstCpu'), allCpu: med('allCpu'),
    });
    log(`  ${c.name}: import ${ms(rows.at(-1).import)} ms, all ${ms(rows.at(-1).all)} ms`);
  }
  // Compression as shipped (brotli 11 + gzip 9), once: the price of the stored variants.
  const compressed = path.join(dir, 'crunch-compressed');
  const compressTime = await timeIt(() => crunch(path.join(dir, tree), compressed, {}));
  return { tree, files: files.length, raw, rows, compressed: { time: compressTime, size: sizeOf(compressed) } };
}

function report(results, emptyRss, load) {
  const lines = [
    '# crunch benchmark',
    '',
    `Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.availableParallelism()} cores), ${os.platform()}, `
      + `load average ${load.map((l) => l.toFixed(1)).join(' / ')} (start / end); median of ${ROUNDS} fresh processes per cell. `
      + 'Generated by `node bench/crunch/run.js` (after `npm run build`).',
    '',
    '- *generate*: in-process time to write the module (crunch without compression; esbuild bundling).',
    '- *module*: bytes on disk the program carries (module + chunk files; the tree itself for readFileSync).',
    '- *import*: `await import()` of the module; *first*: then reading the first file; *all*: reading every file (from after the import).',
    '  Each is wall time, then the CPU time of the process in parentheses: on a loaded machine the CPU time is the steadier figure.',
    `- *RSS*: after reading every file (results dropped) and two \`gc()\`; *+RSS/raw*: RSS above an empty \`node --expose-gc\` (${mib(emptyRss)} MiB), divided by the raw size of the tree;`,
    '  *RSS above floor/raw*: the same above the readFileSync process, which also allocated (and dropped) a copy of every file.',
    '',
  ];
  for (const r of results) {
    lines.push(`## ${r.tree}: ${r.files} files, ${mib(r.raw)} MiB`, '');
    lines.push('| carrier | generate | module | import | first | all | RSS | +RSS/raw | RSS above floor/raw | import CPU vs crunch |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const base = r.rows[0];
    const floor = r.rows.at(-1);
    const both = (row, key) => `${ms(row[key])} (${ms(row[`${key}Cpu`])}) ms`;
    for (const row of r.rows) {
      lines.push(`| ${row.name} | ${ms(row.generate)} ms | ${mib(row.size)} MiB | ${both(row, 'import')} | ${both(row, 'first')} | ${both(row, 'all')} | `
        + `${mib(row.rss)} MiB | ${((row.rss - emptyRss) / r.raw).toFixed(2)}x | ${((row.rss - floor.rss) / r.raw).toFixed(2)}x | ${(row.importCpu / base.importCpu).toFixed(1)}x |`);
    }
    lines.push('', `With the stored br/gzip variants (brotli quality 11, gzip 9), generation takes ${(r.compressed.time / 1000).toFixed(1)} s `
      + `and the directory holds ${mib(r.compressed.size)} MiB; reading is unchanged (variants live in their own chunks, loaded only by serve()).`, '');
  }
  const site = results[0].rows[0];
  lines.push('## Targets', '',
    `- import under 10 ms whatever the payload: ${results.map((r) => `${ms(r.rows[0].import)} ms wall (fastest of ${ROUNDS}: ${ms(r.rows[0].importMin)} ms), ${ms(r.rows[0].importCpu)} ms CPU (${r.tree})`).join('; ')}; `
      + `importing the readFileSync file list alone costs ${results.map((r) => `${ms(r.rows.at(-1).importCpu)} ms CPU`).join(' and ')}.`,
    `- RSS after reading everything under 1.5x the raw data: ${results.map((r) => `${((r.rows[0].rss - emptyRss) / r.raw).toFixed(2)}x (${r.tree})`).join(', ')}`
      + ` above an empty process; ${(site.rss / results[0].raw).toFixed(2)}x counting the whole process for the 20 MiB site.`, '');
  return lines.join('\n');
}

fs.mkdirSync(work, { recursive: true });
const loadStart = os.loadavg()[0];
const results = [];
for (const tree of Object.keys(TREES)) results.push(await benchTree(tree));
const emptyRss = median(Array.from({ length: ROUNDS }, () => probe('empty').rss));
const md = report(results, emptyRss, [loadStart, os.loadavg()[0]]);
fs.writeFileSync(path.join(here, 'RESULTS.md'), md);
fs.writeFileSync(path.join(here, 'results.json'), `${JSON.stringify({ node: process.version, emptyRss, results }, null, 2)}\n`);
console.log(md);
