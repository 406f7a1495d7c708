#!/usr/bin/env node
// Issue #15 benchmark: `fat serve site.img` against `fat serve DIR` (the same tree), sirv and
// serve-static, each a separate process, loaded with wrk in the same run, rounds alternating the
// servers. Two files: a small HTML page and a 1 MiB image. Then one mixed run per server of
// FATKIT_BENCH_SERVE_SECONDS (default 30) with its RSS sampled every 0.5 s. Writes
// bench/serve/RESULTS.md (and results.json) and prints it.
//
//   npm run build && node bench/serve/run.js            the full run (~7 minutes)
//   node bench/serve/run.js --quick                     short runs, to check the harness
//   node bench/serve/run.js --servers=image,sirv        only those servers (image, directory, sirv, serve-static)
//
// Env: FATKIT_BENCH_SERVE_SECONDS   length of the RSS run (default 30; --quick: 6)
//      FATKIT_BENCH_SERVE_RUN_SECONDS  length of each req/s run (default a third of the above, at least 2)
//      FATKIT_BENCH_SERVE_ROUNDS    rounds of req/s runs (default 3; --quick: 1)
//      FATKIT_BENCH_SERVE_CONNECTIONS  wrk connections (default 32)
//      FATKIT_BENCH_SERVE_BASELINE=PATH  another build's dist/cli/main.js: adds `fat serve site.img` of
//                                   that build as a fifth server (before/after in one run);
//                                   FATKIT_BENCH_SERVE_BASELINE_NAME names it in the report
//      FATKIT_BENCH_SERVE_PIN=1     servers on CPU 1, wrk on CPU 0 (taskset): every server gets one
//                                   core, threads and all (a run with it never replaces RESULTS.md)
//      BENCH_TMP=DIR                where the site and its image go (default os.tmpdir())
//
// Load generator: wrk (Debian package `wrk`), not autocannon: it is C on epoll, so one wrk thread
// drives a Node server at full speed with a fraction of a core, where autocannon (Node itself)
// would take a whole core from the server it measures on this 2-core machine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { report } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--servers='))?.slice('--servers='.length).split(',');
const num = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`bench/serve: ${name} takes a positive number, not "${v}"`);
    process.exit(2);
  }
  return n;
};
const RSS_SECONDS = num('FATKIT_BENCH_SERVE_SECONDS', quick ? 6 : 30);
const RUN_SECONDS = num('FATKIT_BENCH_SERVE_RUN_SECONDS', Math.max(2, Math.round(RSS_SECONDS / 3)));
const ROUNDS = num('FATKIT_BENCH_SERVE_ROUNDS', quick ? 1 : 3);
const CONNECTIONS = num('FATKIT_BENCH_SERVE_CONNECTIONS', 32);
const WARM_SECONDS = quick ? 1 : 2;
const BASELINE = process.env.FATKIT_BENCH_SERVE_BASELINE ? path.resolve(process.env.FATKIT_BENCH_SERVE_BASELINE) : undefined;
if (BASELINE && !fs.existsSync(BASELINE)) {
  console.error(`bench/serve: FATKIT_BENCH_SERVE_BASELINE: no such file: ${BASELINE}`);
  process.exit(2);
}
const PIN = process.env.FATKIT_BENCH_SERVE_PIN === '1';
if (PIN && spawnSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' }).status !== 0) {
  console.error('bench/serve: FATKIT_BENCH_SERVE_PIN=1 needs taskset (util-linux)');
  process.exit(1);
}
/** argv, on one CPU when pinning. */
const on = (cpu, argv) => (PIN ? ['taskset', '-c', String(cpu), ...argv] : argv);
const CACHE_CONTROL = 'public,max-age=0,must-revalidate'; // what sirv sends for maxAge 0; all four send it
const MiB = 1 << 20;
const log = (...a) => console.error('[bench/serve]', ...a);

if (spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status !== 0) {
  console.error('bench/serve: wrk is missing: install the Debian package `wrk` (apt-get install --no-install-recommends wrk)');
  process.exit(1);
}
if (!fs.existsSync(cli)) {
  console.error('bench/serve: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
for (const dep of ['sirv', 'serve-static']) {
  if (!fs.existsSync(path.join(repo, 'node_modules', dep))) {
    console.error(`bench/serve: ${dep} is missing: run \`npm ci\` (it is a devDependency)`);
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------------------------
// The site

/** Deterministic bytes (xorshift32), so every run serves the same image. */
function randomBytes(n, seed) {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out;
}

function page() {
  const items = Array.from({ length: 40 }, (_, i) => `      <li><a href="/posts/${i + 1}.html">Post ${i + 1}: notes on FAT images</a></li>`);
  return Buffer.from(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>fatkit serve bench</title>
    <link rel="stylesheet" href="/style.css">
  </head>
  <body>
    <h1>A small page</h1>
    <img src="/img/photo.jpg" alt="a 1 MiB image">
    <ul>
${items.join('\n')}
    </ul>
  </body>
</html>
`);
}

const FILES = [
  { key: 'page', path: '/index.html', name: 'index.html', bytes: page() },
  { key: 'image', path: '/img/photo.jpg', name: 'img/photo.jpg', bytes: randomBytes(MiB, 0x15) },
];

// ---------------------------------------------------------------------------------------------
// Servers: each its own process, printing its URL

const SERVERS = [
  { key: 'image', name: '`fat serve site.img`', argv: (w) => [cli, 'serve', w.img, '--port', '0', '--quiet', '--cache-control', CACHE_CONTROL] },
  ...(BASELINE ? [{ key: 'baseline', name: `\`fat serve site.img\`, ${process.env.FATKIT_BENCH_SERVE_BASELINE_NAME || 'baseline build'}`, argv: (w) => [BASELINE, 'serve', w.img, '--port', '0', '--quiet', '--cache-control', CACHE_CONTROL] }] : []),
  { key: 'directory', name: '`fat serve DIR`', argv: (w) => [cli, 'serve', w.site, '--port', '0', '--quiet', '--cache-control', CACHE_CONTROL] },
  { key: 'sirv', name: 'sirv', argv: (w) => [path.join(here, 'sirv-server.js'), w.site, CACHE_CONTROL] },
  { key: 'serve-static', name: 'serve-static', argv: (w) => [path.join(here, 'serve-static-server.js'), w.site, CACHE_CONTROL] },
].filter((s) => !only || only.includes(s.key));

function start(server, w) {
  return new Promise((resolve, reject) => {
    const [cmd, ...argv] = on(1, [process.execPath, ...server.argv(w)]);
    // taskset execs the command, so the pid is the server's either way.
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: repo });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${server.key} did not print its URL within 30 s: ${err.slice(-500)}`));
    }, 30_000);
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/[^\s/]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve({ ...server, child, pid: child.pid, url: m[1], stderr: () => err });
      }
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${server.key} exited (${code ?? sig}) before serving: ${err.slice(-500)}`));
    });
  });
}

async function stop(s) {
  if (s.child.exitCode !== null) return;
  const gone = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  if (s.child.exitCode === null) s.child.kill('SIGKILL');
}

/** Every server answers every file with its bytes, 200 and the same Cache-Control. */
async function verify(s) {
  for (const f of FILES) {
    const r = await fetch(s.url + f.path);
    const body = Buffer.from(await r.arrayBuffer());
    if (r.status !== 200 || !body.equals(f.bytes)) throw new Error(`${s.key} ${f.path}: status ${r.status}, ${body.length} bytes, not the file`);
    const cc = r.headers.get('cache-control');
    if (cc !== CACHE_CONTROL) throw new Error(`${s.key} ${f.path}: Cache-Control "${cc}", not "${CACHE_CONTROL}"`);
    s.headers ??= {};
    s.headers[f.key] = Object.fromEntries(r.headers);
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring: wrk, CPU time and RSS from /proc

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** user + system CPU seconds of a process so far. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** VmRSS in MiB. */
function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const UNIT = { us: 1e-3, ms: 1, s: 1000 };
const toMs = (v) => {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  return m ? Number(m[1]) * UNIT[m[2]] : NaN;
};

function parseWrk(text) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  const p = (q) => toMs(new RegExp(`^\\s+${q}%\\s+(\\S+)`, 'm').exec(text)?.[1] ?? '');
  const requests = Number(/(\d+) requests in/.exec(text)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  if (!Number.isFinite(rps) || !Number.isFinite(requests)) throw new Error(`wrk printed no result:\n${text}`);
  return { rps, p50: p(50), p99: p(99), requests, non2xx, errors };
}

/** One wrk run against a server, with its CPU time and (optionally) RSS sampled meanwhile. */
function load(s, { target, seconds, script, sampleRss = false }) {
  return new Promise((resolve, reject) => {
    const argv = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '--timeout', '10s', ...(script ? ['-s', script] : []), target];
    const cpu0 = cpuSeconds(s.pid);
    const rss = [];
    const sample = () => rss.push({ t: (Date.now() - t0) / 1000, mib: rssMiB(s.pid) });
    const t0 = Date.now();
    if (sampleRss) sample();
    const timer = sampleRss ? setInterval(sample, 500) : undefined;
    const [cmd, ...rest] = on(0, ['wrk', ...argv]);
    const w = spawn(cmd, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    w.stdout.on('data', (d) => {
      out += d;
    });
    w.stderr.on('data', (d) => {
      out += d;
    });
    w.on('error', reject);
    w.on('exit', (code) => {
      if (timer) clearInterval(timer);
      if (sampleRss) sample();
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out.slice(-800)}`));
      if (s.child.exitCode !== null) return reject(new Error(`${s.key} died under load: ${s.stderr().slice(-800)}`));
      try {
        const r = parseWrk(out);
        r.cpuUsPerReq = ((cpuSeconds(s.pid) - cpu0) / r.requests) * 1e6;
        if (sampleRss) r.rss = rss;
        resolve(r);
      } catch (e) {
        reject(e);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Main

const base = process.env.BENCH_TMP ?? os.tmpdir();
const work = fs.mkdtempSync(path.join(base, 'fatkit-bench-serve-'));
const running = [];
const cleanup = async () => {
  await Promise.all(running.map(stop));
  fs.rmSync(work, { recursive: true, force: true });
};
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(sig, () => {
    for (const s of running) s.child.kill('SIGKILL');
    fs.rmSync(work, { recursive: true, force: true });
    process.exit(code);
  });
}

const started = Date.now();
const load0 = os.loadavg();
const w = { site: path.join(work, 'site'), img: path.join(work, 'site.img') };
let results;
try {
  for (const f of FILES) {
    fs.mkdirSync(path.dirname(path.join(w.site, f.name)), { recursive: true });
    fs.writeFileSync(path.join(w.site, f.name), f.bytes);
  }
  const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
  for (const f of FILES) fs.utimesSync(path.join(w.site, f.name), 1700000000, 1700000000);
  const made = spawnSync(process.execPath, [cli, 'make', w.img, '--from', w.site, '--quiet'], { env, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`fat make failed: ${made.stderr}`);
  const mixed = path.join(work, 'mixed.lua');
  fs.writeFileSync(mixed, `local paths = { ${FILES.map((f) => `"${f.path}"`).join(', ')} }\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n`);

  log(`site and image in ${work}; starting ${SERVERS.map((s) => s.key).join(', ')}`);
  for (const s of SERVERS) {
    const r = await start(s, w);
    running.push(r);
    await new Promise((res) => setTimeout(res, 300));
    r.idleRss = rssMiB(r.pid);
    await verify(r);
  }

  log(`warm-up: ${WARM_SECONDS} s per server and file`);
  for (const s of running) for (const f of FILES) await load(s, { target: s.url + f.path, seconds: WARM_SECONDS });

  const samples = Object.fromEntries(FILES.map((f) => [f.key, Object.fromEntries(running.map((s) => [s.key, []]))]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const f of FILES) {
      // Rotate the first server each round: none always runs first (or right after another's run).
      for (let k = 0; k < running.length; k++) {
        const s = running[(k + r) % running.length];
        samples[f.key][s.key].push(await load(s, { target: s.url + f.path, seconds: RUN_SECONDS }));
      }
      log(`round ${r + 1}/${ROUNDS} ${f.key}: ${running.map((s) => `${s.key} ${samples[f.key][s.key].at(-1).rps.toFixed(0)}/s`).join(', ')}`);
    }
  }

  log(`RSS: ${RSS_SECONDS} s of mixed load per server`);
  const rssRuns = {};
  for (const s of running) {
    rssRuns[s.key] = await load(s, { target: s.url + '/', seconds: RSS_SECONDS, script: mixed, sampleRss: true });
    log(`RSS ${s.key}: ${rssRuns[s.key].rss.map((x) => x.mib.toFixed(0)).join(' ')}`);
  }

  results = {
    date: new Date().toISOString(),
    quick,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${os.platform()} ${os.release()}` },
    tools: {
      wrk: spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].replace(/ Copyright.*/, '').trim(),
      sirv: JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/sirv/package.json'), 'utf8')).version,
      serveStatic: JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/serve-static/package.json'), 'utf8')).version,
    },
    config: { PIN, RSS_SECONDS, RUN_SECONDS, ROUNDS, CONNECTIONS, WARM_SECONDS, CACHE_CONTROL },
    files: FILES.map((f) => ({ key: f.key, path: f.path, size: f.bytes.length })),
    servers: running.map((s) => ({ key: s.key, name: s.name, idleRss: s.idleRss, headers: s.headers })),
    samples,
    rss: rssRuns,
  };
  results.loadavg = { start: load0, end: os.loadavg() };
  results.seconds = (Date.now() - started) / 1000;
} finally {
  await cleanup();
}

const md = report(results);
const outDir = quick || only || PIN ? path.join(repo, 'bench/work/serve') : here;
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'RESULTS.md'), md);
fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(md);
if (outDir !== here) log(`written to ${path.relative(repo, outDir)}/ (a --quick, --servers or pinned run never replaces bench/serve/RESULTS.md)`);
