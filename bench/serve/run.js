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
//                                   that build as a fifth server (before/after in one run)
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
  ...(BASELINE ? [{ key: 'baseline', name: '`fat serve site.img`, baseline build', argv: (w) => [BASELINE, 'serve', w.img, '--port', '0', '--quiet', '--cache-control', CACHE_CONTROL] }] : []),
  { key: 'directory', name: '`fat serve DIR`', argv: (w) => [cli, 'serve', w.site, '--port', '0', '--quiet', '--cache-control', CACHE_CONTROL] },
  { key: 'sirv', name: 'sirv', argv: (w) => [path.join(here, 'sirv-server.js'), w.site, CACHE_CONTROL] },
  { key: 'serve-static', name: 'serve-static', argv: (w) => [path.join(here, 'serve-static-server.js'), w.site, CACHE_CONTROL] },
].filter((s) => !only || only.includes(s.key));

function start(server, w) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, server.argv(w), { stdio: ['ignore', 'pipe', 'pipe'], cwd: repo });
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
    const w = spawn('wrk', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

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
    config: { RSS_SECONDS, RUN_SECONDS, ROUNDS, CONNECTIONS, WARM_SECONDS, CACHE_CONTROL },
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
const outDir = quick || only || BASELINE ? path.join(repo, 'bench/work/serve') : here;
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'RESULTS.md'), md);
fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(md);
if (outDir !== here) log(`written to ${path.relative(repo, outDir)}/ (a --quick, --servers or baseline run never replaces bench/serve/RESULTS.md)`);

// ---------------------------------------------------------------------------------------------
// The report

function report(r) {
  const f0 = (x) => x.toFixed(0);
  const f2 = (x) => x.toFixed(2);
  const ms = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  const out = [];
  const has = (k) => r.servers.some((s) => s.key === k);
  out.push('# Serve benchmark: `fat serve` (issue #15)', '');
  if (r.quick) out.push('> **Quick run** (`--quick`): short runs, one round; not the benchmark.', '');
  out.push(
    `Generated by \`node bench/serve/run.js\` (\`npm run bench\`) on ${r.date.slice(0, 10)}.`,
    '',
    `- Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memGiB} GiB, ${r.machine.platform}; Node ${r.machine.node}.`,
    `- Load average at start / end: ${r.loadavg.start.map(f2).join(' ')} / ${r.loadavg.end.map(f2).join(' ')}. **This machine was shared with other engineers' builds and tests during the run**: req/s and latencies carry that noise (the CPU time per request, read from /proc, carries less). To be rerun on a quiet machine.`,
    `- Load: ${r.tools.wrk}, \`wrk -t1 -c${r.config.CONNECTIONS} -d${r.config.RUN_SECONDS}s --latency\` per server and file (plain GET, keep-alive, no Accept-Encoding), after a ${r.config.WARM_SECONDS} s warm-up of each; ${r.config.ROUNDS} round(s), the servers in a rotating order each round. Each server is its own Node process on 127.0.0.1; all four stay up for the whole run.`,
    '- Servers: `node dist/cli/main.js serve site.img --port 0 --quiet --cache-control ...` (the image made by `fat make site.img --from site`), the same for the `site` directory; ' +
      `sirv ${r.tools.sirv} (\`etag: true\`, production mode: the tree scanned once at start) and serve-static ${r.tools.serveStatic} (defaults: ETag, Last-Modified, ranges), each behind a minimal \`node:http\` server (bench/serve/*-server.js). All send \`Cache-Control: ${r.config.CACHE_CONTROL}\`; every server's answer to every file is checked (200, the exact bytes) before the runs.`,
    `- Files: ${r.files.map((f) => `\`${f.path}\` (${f.size < MiB ? `${(f.size / 1024).toFixed(1)} KiB` : `${f.size / MiB} MiB`})`).join(', ')}.`,
    '- req/s and p99: medians over the rounds; "paired" ratio: the median over rounds of the ratio of two runs in the same round. CPU µs/req: the server process\'s user+system time over its run (/proc/PID/stat) divided by the requests it answered.',
    '',
  );
  const S = r.samples;
  for (const f of r.files) {
    out.push(`## ${f.key === 'page' ? 'Small page' : '1 MiB image'}: \`${f.path}\``, '');
    out.push('| server | req/s (median) | req/s, every round | p50 ms | p99 ms | CPU µs/req | errors |', '|---|---|---|---|---|---|---|');
    for (const s of r.servers) {
      const xs = S[f.key][s.key];
      const bad = xs.reduce((n, x) => n + x.non2xx + x.errors, 0);
      out.push(`| ${s.name} | ${f0(median(xs.map((x) => x.rps)))} | ${xs.map((x) => f0(x.rps)).join(' ')} | ${ms(median(xs.map((x) => x.p50)))} | ${ms(median(xs.map((x) => x.p99)))} | ${f0(median(xs.map((x) => x.cpuUsPerReq)))} | ${bad} |`);
    }
    out.push('');
  }
  const ratio = (file, a, b) => {
    const A = S[file][a];
    const B = S[file][b];
    return {
      medians: median(A.map((x) => x.rps)) / median(B.map((x) => x.rps)),
      paired: median(A.map((x, i) => x.rps / B[i].rps)),
      cpu: median(B.map((x) => x.cpuUsPerReq)) / median(A.map((x) => x.cpuUsPerReq)),
    };
  };
  const against = ['baseline', 'directory', 'sirv', 'serve-static'].filter((k) => has(k) && has('image'));
  const ratios = {};
  if (against.length) {
    out.push('## Ratios: `fat serve site.img` ÷ the others', '');
    out.push('req/s of the image over req/s of the other (> 1: the image serves more); CPU: the other\'s CPU per request over the image\'s (> 1: the image spends less).', '');
    out.push('| file | vs | req/s ratio (medians) | paired | CPU ratio |', '|---|---|---|---|---|');
    for (const f of r.files) {
      for (const k of against) {
        const x = (ratios[`${f.key}/${k}`] = ratio(f.key, 'image', k));
        out.push(`| ${f.key} | ${r.servers.find((s) => s.key === k).name} | ${f2(x.medians)} | ${f2(x.paired)} | ${f2(x.cpu)} |`);
      }
    }
    out.push('');
  }
  out.push(`## RSS over a ${r.config.RSS_SECONDS} s run`, '');
  out.push(`Mixed load (wrk -c${r.config.CONNECTIONS}, the page and the image alternately), VmRSS sampled every 0.5 s. "idle": right after start, before any request; start/peak/end: of this run (after the req/s runs); "peak, 1st half / 2nd half" shows whether it still grows.`, '');
  out.push('| server | idle MiB | start MiB | peak MiB | end MiB | peak, 1st half / 2nd half | req/s | p99 ms |', '|---|---|---|---|---|---|---|---|');
  const flat = {};
  for (const s of r.servers) {
    const run = r.rss[s.key];
    const xs = run.rss;
    const half = run.rss.at(-1).t / 2;
    const peak = (ys) => Math.max(...ys.map((y) => y.mib));
    const first = peak(xs.filter((y) => y.t <= half));
    const second = peak(xs.filter((y) => y.t > half));
    flat[s.key] = { start: xs[0].mib, peak: peak(xs), end: xs.at(-1).mib, first, second };
    out.push(`| ${s.name} | ${f0(s.idleRss)} | ${f0(xs[0].mib)} | ${f0(peak(xs))} | ${f0(xs.at(-1).mib)} | ${f0(first)} / ${f0(second)} | ${f0(run.rps)} | ${ms(run.p99)} |`);
  }
  out.push('');
  if (has('image')) {
    const yes = (ok) => (ok ? '**met**' : '**not met**');
    out.push('## Targets', '', '| target | measured | status |', '|---|---|---|');
    for (const k of against.filter((x) => x !== 'baseline')) {
      const xs = r.files.map((f) => ratios[`${f.key}/${k}`]);
      const ok = xs.every((x) => x.medians >= 1 && x.paired >= 1);
      out.push(`| image ≥ 1.0× ${r.servers.find((s) => s.key === k).name} req/s | ${r.files.map((f, i) => `${f.key} ${f2(xs[i].medians)} (paired ${f2(xs[i].paired)})`).join('; ')} | ${yes(ok)} |`);
    }
    const fl = flat.image;
    // Flat: the second half peaks no more than 5% (or 2 MiB) above the first.
    const okFlat = fl.second <= Math.max(fl.first * 1.05, fl.first + 2);
    out.push(`| RSS flat over the ${r.config.RSS_SECONDS} s run (image) | start ${f0(fl.start)}, peak ${f0(fl.peak)}, end ${f0(fl.end)} MiB; peak 1st half ${f0(fl.first)}, 2nd half ${f0(fl.second)} | ${yes(okFlat)} |`);
    out.push('');
  }
  out.push(
    '## Rerun',
    '',
    '```sh',
    'npm ci && npm run build',
    'node bench/serve/run.js                                   # or: npm run bench -- serve',
    'FATKIT_BENCH_SERVE_SECONDS=9 FATKIT_BENCH_SERVE_ROUNDS=1 node bench/serve/run.js   # a quicker rerun',
    '```',
    '',
    `Whole run: ${f0(r.seconds)} s. Raw numbers (every run, every RSS sample, each server's response headers): \`results.json\` beside this file.`,
    '',
  );
  return out.join('\n');
}
