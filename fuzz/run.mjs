#!/usr/bin/env node
/**
 * The fatkit fuzzer (issue #7). Mutates seed images made by mkfs.fat + mtools and runs the library
 * on each (fuzz/harness.mjs). Seeded and reproducible: case (seed, iteration) is always the same.
 *
 *   npm run fuzz -- [--seed N] [--ops N | --seconds N] [--out DIR] [--budget-ms N] [--hang-ms N]
 *   npm run fuzz -- --seed N --replay ITERATION       rerun one case and print what it did
 *
 * The cases run in a worker thread; a case that makes no progress for --hang-ms (default 20 s)
 * is a hang: the worker is terminated, the case saved, and fuzzing goes on. Every failing case is
 * written to OUT (default $TMPDIR/fatkit-fuzz-crashes/) as `fuzz-SEED-ITER.img.gz` (the mutated image,
 * before any operation ran) with a .json description; copy both to test/fixtures/hostile/ to make
 * it a regression fixture (test/fuzz/fuzz-regressions.test.ts runs every operation on each).
 * FATKIT_DIST=dir uses another build of the library than ../dist.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { makeSeeds } from './seeds.mjs';
import { describeSeed, runCase } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function loadLib() {
  const dist = process.env.FATKIT_DIST ? path.resolve(process.env.FATKIT_DIST) : path.join(here, '..', 'dist');
  return import(pathToFileURL(path.join(dist, 'core.js')).href);
}

class UsageError extends Error {}

function parseArgs(argv) {
  const o = { seed: 1, ops: 0, seconds: 0, out: path.join(os.tmpdir(), 'fatkit-fuzz-crashes'), budgetMs: 2000, hangMs: 20000, replay: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--seed') o.seed = Number(v());
    else if (a === '--ops') o.ops = Number(v());
    else if (a === '--seconds') o.seconds = Number(v());
    else if (a === '--out') o.out = path.resolve(v());
    else if (a === '--budget-ms') o.budgetMs = Number(v());
    else if (a === '--hang-ms') o.hangMs = Number(v());
    else if (a === '--replay') o.replay = Number(v());
    else if (a === '--help' || a === '-h') {
      process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(2, 16).map((l) => l.replace(/^ \*\s?/, '')).join('\n') + '\n');
      process.exit(0);
    } else throw new UsageError(`unknown argument ${a} (see --help)`);
  }
  if (!o.ops && !o.seconds) o.ops = 10000;
  return o;
}

/** Load the seeds and describe them (shared by the worker, the replay and the tests). */
export async function prepare(lib) {
  const seeds = makeSeeds();
  return seeds.map((s) => {
    const bytes = new Uint8Array(fs.readFileSync(s.path));
    return { name: s.name, bytes, info: describeSeed(lib, bytes) };
  });
}

/** Case `iteration` of `seed` runs on seed image number iteration % count. */
export function caseOf(seeds, seed, iteration) {
  return seeds[(iteration + seed) % seeds.length];
}

/** What makes two failures the same bug: the operation, the error without its numbers and names, the first stack frame. */
export function signature(f) {
  const multi = /^multi-line FatError message \(\w+\)/.exec(f.error);
  const msg = multi ? multi[0] : f.error.split('\n')[0].replace(/\d+/g, 'N').replace(/(file|directory) .*? (starts|has|is)/, '$1 X $2').slice(0, 120);
  const frame = (f.stack ?? '').split('\n').find((l) => /^\s+at /.test(l))?.trim().replace(/:\d+:\d+\)?$/, '') ?? '';
  return `${f.op}: ${msg}${frame ? ` @ ${frame}` : ''}`;
}

function saveFailure(out, seed, iteration, s, res) {
  fs.mkdirSync(out, { recursive: true });
  const base = path.join(out, `fuzz-${seed}-${iteration}`);
  if (res.img) fs.writeFileSync(`${base}.img.gz`, zlib.gzipSync(res.img.materialize(), { level: 9 }));
  fs.writeFileSync(`${base}.json`, JSON.stringify({ seed, iteration, image: s.name, mutation: res.mutation, failures: res.failures }, null, 2));
}

async function workerMain() {
  const { seed, start, ops: maxOps, seconds, budgetMs, progress } = workerData;
  const lib = await loadLib();
  const seeds = await prepare(lib);
  const shared = new Int32Array(progress);
  const t0 = Date.now();
  let ops = 0;
  for (let it = start; ; it++) {
    Atomics.store(shared, 0, it);
    const s = caseOf(seeds, seed, it);
    const res = runCase(lib, seed, it, s.bytes, s.info, { budgetMs });
    ops += res.ops;
    Atomics.add(shared, 1, res.ops);
    if (res.failures.length) parentPort.postMessage({ type: 'failure', iteration: it, image: s.name, mutation: res.mutation, failures: res.failures, gz: res.img.materialize() });
    if ((maxOps && ops >= maxOps) || (seconds && Date.now() - t0 >= seconds * 1000)) {
      parentPort.postMessage({ type: 'done', iteration: it, ops });
      return;
    }
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.replay !== undefined) {
    const lib = await loadLib();
    const seeds = await prepare(lib);
    const s = caseOf(seeds, o.seed, o.replay);
    const res = runCase(lib, o.seed, o.replay, s.bytes, s.info, { budgetMs: o.budgetMs });
    process.stdout.write(`${JSON.stringify({ image: s.name, mutation: res.mutation, ops: res.ops, failures: res.failures }, null, 2)}\n`);
    process.exitCode = res.failures.length ? 1 : 0;
    return;
  }
  const t0 = Date.now();
  let totalOps = 0;
  let start = 0;
  let failures = 0;
  let hangs = 0;
  const lib = await loadLib();
  await prepare(lib); // make the seeds before timing
  const bySignature = new Map();
  const log = (msg) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
  log(`fuzz: seed ${o.seed}, ${o.ops ? `${o.ops} operations` : `${o.seconds} s`}, failures to ${o.out}`);
  const remaining = () => ({ ops: o.ops ? o.ops - totalOps : 0, seconds: o.seconds ? o.seconds - (Date.now() - t0) / 1000 : 0 });
  while (true) {
    const rem = remaining();
    if ((o.ops && rem.ops <= 0) || (o.seconds && rem.seconds <= 0)) break;
    const progress = new SharedArrayBuffer(8);
    const shared = new Int32Array(progress);
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { seed: o.seed, start, ops: rem.ops, seconds: rem.seconds, budgetMs: o.budgetMs, progress } });
    const outcome = await new Promise((resolve) => {
      let last = -1;
      let since = Date.now();
      let lastReport = Date.now();
      const timer = setInterval(() => {
        const it = Atomics.load(shared, 0);
        if (it !== last) {
          last = it;
          since = Date.now();
        } else if (Date.now() - since > o.hangMs) {
          clearInterval(timer);
          worker.terminate();
          resolve({ type: 'hang', iteration: it, ops: Atomics.load(shared, 1) });
        }
        if (Date.now() - lastReport > 30000) {
          lastReport = Date.now();
          const ops = totalOps + Atomics.load(shared, 1);
          log(`progress: ${ops} operations, iteration ${it}, ${Math.round(ops / ((Date.now() - t0) / 1000))} ops/s, ${failures} failing cases`);
        }
      }, 250);
      worker.on('message', (m) => {
        if (m.type === 'failure') {
          failures++;
          const sigs = m.failures.map(signature);
          const fresh = sigs.filter((g) => !bySignature.has(g));
          for (const g of sigs) bySignature.set(g, (bySignature.get(g) ?? 0) + 1);
          if (sigs.every((g) => bySignature.get(g) > 3)) return; // enough examples of these already
          fs.mkdirSync(o.out, { recursive: true });
          const base = path.join(o.out, `fuzz-${o.seed}-${m.iteration}`);
          fs.writeFileSync(`${base}.img.gz`, zlib.gzipSync(m.gz, { level: 9 }));
          fs.writeFileSync(`${base}.json`, JSON.stringify({ seed: o.seed, iteration: m.iteration, image: m.image, mutation: m.mutation, failures: m.failures }, null, 2));
          if (fresh.length) log(`FAIL iteration ${m.iteration} (${m.image}: ${m.mutation}): ${m.failures.map((f) => `${f.op}: ${f.error}`).join(' | ')}`);
        } else if (m.type === 'done') {
          clearInterval(timer);
          resolve(m);
        }
      });
      worker.on('error', (e) => {
        clearInterval(timer);
        resolve({ type: 'error', iteration: Atomics.load(shared, 0), ops: Atomics.load(shared, 1), error: e });
      });
    });
    totalOps += outcome.type === 'done' ? outcome.ops : outcome.ops;
    if (outcome.type === 'done') break;
    // A hang or a worker crash: record the case, go on after it.
    hangs++;
    failures++;
    log(`${outcome.type.toUpperCase()} iteration ${outcome.iteration}${outcome.error ? `: ${outcome.error.message}` : ''}`);
    const seeds = await prepare(lib);
    const s = caseOf(seeds, o.seed, outcome.iteration);
    const { Overlay, mutate, rng } = await import('./mutate.mjs');
    const img = new Overlay(s.bytes);
    const mutation = mutate(img, s.info.L, s.info, rng(o.seed, outcome.iteration));
    saveFailure(o.out, o.seed, outcome.iteration, s, { img, mutation, failures: [{ op: outcome.type, error: outcome.error?.message ?? `no progress for ${o.hangMs} ms` }] });
    start = outcome.iteration + 1;
  }
  const secs = (Date.now() - t0) / 1000;
  for (const [g, n] of bySignature) log(`signature x${n}: ${g}`);
  log(`done: ${totalOps} operations in ${secs.toFixed(1)} s (${Math.round(totalOps / secs)} ops/s), seed ${o.seed}, ${failures} failing cases (${hangs} hangs or worker crashes)`);
  process.exitCode = failures ? 1 : 0;
}

if (isMainThread) {
  if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main().catch((e) => {
    process.stderr.write(`fuzz: ${e instanceof UsageError ? e.message : e.stack ?? e}\n`);
    process.exitCode = 2;
  });
} else workerMain();
