#!/usr/bin/env node
// Issue #5 benchmark: `fat make IMG --from DIR` against `mkfs.fat -C` + `mcopy -s` and js-fatfs (FatFs in
// wasm, through its API), whole processes, on the same trees, in one run, alternating. Writes
// bench/build/RESULTS.md (and results.json) and prints it.
//
//   node bench/build/run.js            the full run (~5-10 minutes)
//   node bench/build/run.js --quick    small trees and fewer rounds, to check the harness
//
// Env: BENCH_FATKIT=cli|wrapper forces how fatkit is run (default: the CLI when `make --from` works,
// else bench/build/make-wrapper.js, and the results say so); BENCH_TMP=DIR puts the trees and images
// somewhere other than os.tmpdir().
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { smallTreeFiles, largeTreeFiles, writeTree } from './trees.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const wrapper = path.join(here, 'make-wrapper.js');
const jsfatfs = path.join(here, 'jsfatfs-build.js');
const quick = process.argv.includes('--quick');
const MiB = 1 << 20;
const GiB = 1 << 30;

const CONFIG = quick
  ? { smallRounds: 2, largeRounds: 2, rssRounds: 1, largeCount: 4, rssCount: 8, each: 64 * MiB }
  : { smallRounds: 5, largeRounds: 3, rssRounds: 1, largeCount: 16, rssCount: 32, each: 64 * MiB };

const log = (...a) => console.error('[bench/build]', ...a);
const env = { ...process.env, MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C' };

// ---------------------------------------------------------------------------------------------
// Running and timing one process

/** Run argv under /usr/bin/time; wall from hrtime, CPU and peak RSS from time(1). */
function timed(argv, { stdoutFd } = {}) {
  const tfile = path.join(work, `.time-${process.pid}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tfile, ...argv], {
    env,
    stdio: ['ignore', stdoutFd ?? 'ignore', 'pipe'],
    maxBuffer: 64 * MiB,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    const err = (r.stderr?.toString() ?? '').slice(-1500);
    throw new Error(`${argv.join(' ').slice(0, 300)} exited ${r.status ?? r.signal}: ${err}`);
  }
  const [, user, sys, rssKB] = fs.readFileSync(tfile, 'utf8').trim().split('\n').pop().split(/\s+/).map(Number);
  fs.rmSync(tfile, { force: true });
  return { wall, cpu: user + sys, user, sys, rssMB: rssKB / 1024 };
}

/** Several processes in sequence, as one measurement: times add up, RSS is the largest. */
function timedSeq(steps) {
  const total = { wall: 0, cpu: 0, user: 0, sys: 0, rssMB: 0 };
  for (const s of steps) {
    const t = timed(s);
    total.wall += t.wall;
    total.cpu += t.cpu;
    total.user += t.user;
    total.sys += t.sys;
    total.rssMB = Math.max(total.rssMB, t.rssMB);
  }
  return total;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------------------
// The tools

function fatkitArgv(img, dir) {
  return mode === 'cli'
    ? [process.execPath, cli, 'make', img, '--from', dir, '--force', '--quiet']
    : [process.execPath, wrapper, img, dir];
}

function info(img) {
  return JSON.parse(execFileSync(process.execPath, [cli, 'info', img, '--json'], { env, encoding: 'utf8' }));
}

/**
 * mkfs.fat arguments that reproduce fatkit's geometry. `-C` takes whole KiB; when fatkit's size is not
 * one (an odd sector count), the harness makes the sparse file of the exact size first (untimed: one
 * ftruncate) and mkfs.fat formats it without -C.
 */
function mkfsArgv(img, g) {
  const bytes = g.totalSectors * g.sectorSize;
  const geo = ['-F', String(g.fatType), '-s', String(g.sectorsPerCluster), '-S', String(g.sectorSize), '-R', String(g.reservedSectors), '-f', String(g.numFats)];
  if (g.fatType !== 32) geo.push('-r', String(g.rootEntries));
  if (bytes % 1024 === 0) return ['/usr/sbin/mkfs.fat', ...geo, '-C', img, String(bytes / 1024)];
  fs.rmSync(img, { force: true });
  fs.closeSync(fs.openSync(img, 'w'));
  fs.truncateSync(img, bytes);
  return ['/usr/sbin/mkfs.fat', ...geo, img];
}

function mcopyArgv(img, dir) {
  const top = fs.readdirSync(dir).sort().map((n) => path.join(dir, n));
  return ['/usr/bin/mcopy', '-i', img, '-s', '-Q', '-m', '-D', 'o', ...top, '::/'];
}

/**
 * The experiment: the same dist/ code bundled into one file by esbuild (one module to load instead of
 * ~190) with the builder's staging buffer at 512 KiB instead of 8 MiB (so the image is written in
 * 512 KiB pwrite calls). Built into the temp dir; the repo is not touched. Undefined when esbuild or
 * the STAGE_BYTES line is missing.
 */
async function buildExperiment() {
  try {
    const esbuild = await import('esbuild');
    const outfile = path.join(work, 'exp', 'cli', 'fat.mjs');
    // dist/cli/version.js reads ../../package.json relative to the running file.
    fs.copyFileSync(path.join(repo, 'package.json'), path.join(work, 'package.json'));
    let patched = false;
    await esbuild.build({
      entryPoints: [cli], bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['mmap-io'],
      outfile, logLevel: 'silent',
      banner: { js: "import { createRequire as __fatkitRequire } from 'node:module'; const require = __fatkitRequire(import.meta.url);" },
      plugins: [{
        name: 'stage-512k',
        setup(b) {
          b.onLoad({ filter: /[\\/]dist[\\/]fat[\\/]build\.js$/ }, (a) => {
            const src = fs.readFileSync(a.path, 'utf8');
            const out = src.replace(/const STAGE_BYTES = [^;]+;/, 'const STAGE_BYTES = 512 << 10;');
            patched = out !== src;
            return { contents: out, loader: 'js' };
          });
        },
      }],
    });
    return patched ? outfile : undefined;
  } catch (e) {
    log(`experiment not built: ${e.message.split('\n')[0]}`);
    return undefined;
  }
}

function toolsFor(tree, g) {
  const bytes = g.totalSectors * g.sectorSize;
  const img = (name) => path.join(work, `${tree.name}-${name}.img`);
  return [
    { name: 'fatkit', img: img('fatkit'), run: (o) => timed(fatkitArgv(o, tree.dir)) },
    ...(experiment ? [{ name: 'fatkit-exp', img: img('fatkit-exp'), run: (o) => timed([process.execPath, experiment, 'make', o, '--from', tree.dir, '--force', '--quiet']) }] : []),
    { name: 'mtools', img: img('mtools'), run: (o) => timedSeq([mkfsArgv(o, g), mcopyArgv(o, tree.dir)]) },
    { name: 'js-fatfs', img: img('jsfatfs'), run: (o) => timed([process.execPath, jsfatfs, o, tree.dir, String(bytes), String(g.fatType), String(g.clusterSize)]) },
  ];
}

/**
 * `cat` of every file of the tree into one file on the same disk; with `fsync`, then `sync -d` on
 * that file (fdatasync, as fatkit does before its rename), the two times added.
 */
function catBaseline(tree, fsync = false) {
  const out = path.join(work, `${tree.name}-cat.out`);
  const fd = fs.openSync(out, 'w');
  try {
    const t = timed(['/bin/cat', ...tree.files.map((f) => path.join(tree.dir, f.path))], { stdoutFd: fd });
    if (!fsync) return t;
    const s = timed(['/bin/sync', '-d', out]);
    return { wall: t.wall + s.wall, cpu: t.cpu + s.cpu, user: t.user + s.user, sys: t.sys + s.sys, rssMB: Math.max(t.rssMB, s.rssMB) };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(out, { force: true });
  }
}

function fsckClean(img) {
  const r = spawnSync('/usr/sbin/fsck.fat', ['-n', img], { encoding: 'utf8' });
  return { clean: r.status === 0, summary: (r.stdout.trim().split('\n').pop() ?? '').replace(img, path.basename(img)) };
}

// ---------------------------------------------------------------------------------------------
// One tree: warm-up (and checks) then rounds, alternating tools

function benchTree(tree, rounds, { withCat = false } = {}) {
  log(`${tree.name}: warm-up and checks`);
  // fatkit first: its image tells the geometry everyone else is given.
  const probe = path.join(work, `${tree.name}-probe.img`);
  timed(fatkitArgv(probe, tree.dir));
  const g = info(probe);
  const check = { fatkit: fsckClean(probe) };
  fs.rmSync(probe, { force: true });
  const tools = toolsFor(tree, g);
  for (const t of tools.filter((x) => x.name !== 'fatkit')) {
    t.run(t.img);
    check[t.name] = fsckClean(t.img);
    if (t.name === 'mtools') {
      const m = info(t.img);
      check.mtoolsGeometry = { clusterCount: m.clusterCount, fatSize: m.fatSize, dataStart: m.dataStart, same: m.clusterCount === g.clusterCount && m.dataStart === g.dataStart };
    }
    fs.rmSync(t.img, { force: true });
  }
  const samples = Object.fromEntries([...tools.map((t) => t.name), ...(withCat ? ['cat', 'cat+fdatasync'] : [])].map((n) => [n, []]));
  // Before every timed run, `sync` (untimed): no run pays for the writeback of the one before it.
  const settle = () => spawnSync('/bin/sync');
  for (let r = 0; r < rounds; r++) {
    // Rotate the starting tool each round so no tool always runs first.
    for (let k = 0; k < tools.length; k++) {
      const t = tools[(k + r) % tools.length];
      settle();
      samples[t.name].push(t.run(t.img));
      fs.rmSync(t.img, { force: true });
    }
    if (withCat) {
      settle();
      samples.cat.push(catBaseline(tree));
      settle();
      samples['cat+fdatasync'].push(catBaseline(tree, true));
    }
    log(`${tree.name}: round ${r + 1}/${rounds}: ${Object.entries(samples).map(([n, s]) => `${n} ${s.at(-1).wall.toFixed(2)}s`).join(', ')}`);
  }
  const med = {};
  for (const [n, s] of Object.entries(samples)) {
    med[n] = { wall: median(s.map((x) => x.wall)), cpu: median(s.map((x) => x.cpu)), rssMB: Math.max(...s.map((x) => x.rssMB)), walls: s.map((x) => x.wall) };
  }
  return { name: tree.name, files: tree.files.length, bytes: tree.bytes, geometry: pickGeometry(g), check, median: med };
}

const pickGeometry = (g) => ({ fatType: g.fatType, clusterSize: g.clusterSize, clusterCount: g.clusterCount, imageBytes: g.totalSectors * g.sectorSize });

// ---------------------------------------------------------------------------------------------
// Main

function detectMode() {
  if (process.env.BENCH_FATKIT === 'cli' || process.env.BENCH_FATKIT === 'wrapper') return process.env.BENCH_FATKIT;
  const dir = path.join(work, 'detect');
  fs.mkdirSync(path.join(dir, 'a'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a', 'hello.txt'), 'hello\n');
  // Not too tiny: a tree of a few bytes trips an auto-size edge (see PROFILE.md), not what we probe.
  fs.writeFileSync(path.join(dir, 'a', 'data.bin'), Buffer.alloc(256 * 1024, 7));
  const img = path.join(work, 'detect.img');
  const r = spawnSync(process.execPath, [cli, 'make', img, '--from', dir, '--force', '--quiet'], { env, encoding: 'utf8' });
  const ok = r.status === 0 && fs.existsSync(img) && fsckClean(img).clean;
  fs.rmSync(img, { force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  return ok ? 'cli' : 'wrapper';
}

const base = process.env.BENCH_TMP ?? os.tmpdir();
const needBytes = (quick ? 2 : 6.5) * GiB;
const free = fs.statfsSync(base);
const freeBytes = free.bavail * free.bsize;
if (freeBytes < needBytes) {
  console.error(`bench/build: ${base} has ${(freeBytes / GiB).toFixed(1)} GiB free; this run needs ${(needBytes / GiB).toFixed(1)} GiB (set BENCH_TMP)`);
  process.exit(1);
}
if (!fs.existsSync(cli)) {
  console.error('bench/build: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const work = fs.mkdtempSync(path.join(base, 'fatkit-bench-build-'));
let mode;
let experiment;
const started = Date.now();
const load0 = os.loadavg();
const cleanup = () => fs.rmSync(work, { recursive: true, force: true });
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(sig, () => {
    cleanup();
    process.exit(code);
  });
}

try {
  mode = detectMode();
  log(`fatkit runs as: ${mode === 'cli' ? 'node dist/cli/main.js make IMG --from DIR --force --quiet' : 'bench/build/make-wrapper.js (the CLI has no working --from yet)'}`);
  log(`trees and images in ${work}`);
  experiment = process.env.BENCH_EXPERIMENT === '0' ? undefined : await buildExperiment();
  if (experiment) log('experiment: bundled CLI with 512 KiB writes, as fatkit-exp');

  const t0 = Date.now();
  const small = { name: 'small', dir: path.join(work, 'small'), files: smallTreeFiles() };
  small.bytes = writeTree(small.dir, small.files, 1).bytes;
  const large = { name: 'large', dir: path.join(work, 'large'), files: largeTreeFiles(CONFIG.largeCount, CONFIG.each) };
  large.bytes = writeTree(large.dir, large.files, 2).bytes;
  // The RSS tree: hard links to the large tree's files plus new ones (saves writing them twice).
  const rss = { name: 'rss', dir: path.join(work, 'rss'), files: largeTreeFiles(CONFIG.rssCount, CONFIG.each) };
  const fresh = [];
  for (const [i, f] of rss.files.entries()) {
    if (i < large.files.length) {
      const to = path.join(rss.dir, f.path);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.linkSync(path.join(large.dir, large.files[i].path), to);
    } else fresh.push(f);
  }
  writeTree(rss.dir, fresh, 3);
  rss.bytes = rss.files.reduce((s, f) => s + f.size, 0);
  const genSeconds = (Date.now() - t0) / 1000;
  log(`trees written in ${genSeconds.toFixed(1)} s`);

  const results = {
    date: new Date().toISOString(),
    quick,
    mode,
    experiment: Boolean(experiment),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', memGiB: +(os.totalmem() / GiB).toFixed(1), node: process.version, platform: `${os.platform()} ${os.release()}` },
    tools: {
      mkfs: (() => {
        const h = spawnSync('/usr/sbin/mkfs.fat', ['--help'], { encoding: 'utf8' });
        return `${h.stdout}${h.stderr}`.split('\n').find((l) => /^mkfs\.fat \d/.test(l))?.trim() ?? 'mkfs.fat';
      })(),
      mtools: spawnSync('/usr/bin/mcopy', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim(),
      jsfatfs: JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/js-fatfs/package.json'), 'utf8')).version,
    },
    config: CONFIG,
    trees: {},
  };
  results.trees.small = benchTree(small, CONFIG.smallRounds);
  results.trees.large = benchTree(large, CONFIG.largeRounds, { withCat: true });
  results.trees.rss = benchTree(rss, CONFIG.rssRounds);
  results.loadavg = { start: load0, end: os.loadavg() };
  results.seconds = (Date.now() - started) / 1000;
  const md = report(results);
  // Quick runs go to bench/build/quick/ (ignored by git) so they never replace the real results.
  const outDir = quick ? path.join(here, 'quick') : here;
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'RESULTS.md'), md);
  fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(md);
} finally {
  cleanup();
}

// ---------------------------------------------------------------------------------------------
// The report

function report(r) {
  const f2 = (x) => x.toFixed(2);
  const f3 = (x) => x.toFixed(3);
  const mbps = (bytes, s) => `${(bytes / MiB / s).toFixed(0)} MiB/s`;
  const size = (b) => (b >= GiB ? `${(b / GiB).toFixed(2)} GiB` : `${(b / MiB).toFixed(1)} MiB`);
  const yes = (ok) => (ok ? '**met**' : '**not met**');
  const out = [];
  const S = r.trees.small;
  const L = r.trees.large;
  const R = r.trees.rss;
  out.push('# Build benchmark: `fat make IMG --from DIR` (issue #5)', '');
  if (r.mode !== 'cli') out.push('> **Provisional**: fatkit ran through `bench/build/make-wrapper.js` (the library call `buildImageFromDir`), because `fat make --from` did not work yet in this build. Re-run for CLI numbers.', '');
  if (r.quick) out.push('> **Quick run** (`--quick`): smaller trees and fewer rounds; not the benchmark.', '');
  out.push(
    `Generated by \`node bench/build/run.js\` (\`npm run bench\`) on ${r.date.slice(0, 10)}.`,
    '',
    `- Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memGiB} GiB, ${r.machine.platform}; Node ${r.machine.node}.`,
    `- Load average at start / end: ${r.loadavg.start.map(f2).join(' ')} / ${r.loadavg.end.map(f2).join(' ')} — the machine is shared, so wall times carry noise; CPU time (user+sys) is shown beside them.`,
    `- fatkit: \`${r.mode === 'cli' ? 'node dist/cli/main.js make IMG --from DIR --force --quiet' : 'node bench/build/make-wrapper.js IMG DIR'}\` (auto size; no fdatasync, like mcopy: \`--sync\` adds one).`,
    `- mtools: \`mkfs.fat -C IMG KiB -F T -s SPC -S 512 -R RES -f 2 [-r ROOT]\` with fatkit's geometry, then \`mcopy -i IMG -s -Q -m -D o TOP... ::/\` (${r.tools.mkfs}, ${r.tools.mtools}); the two process times are added. No fsync.`,
    `- js-fatfs ${r.tools.jsfatfs}: \`node bench/build/jsfatfs-build.js\`: f_mkfs on a fresh sparse image file of the same size, FAT type and cluster size, then f_mkdir / f_open / f_write (1 MiB pieces) for the sorted host tree, disk I/O by positional reads/writes on the image file. No fsync; no mtimes (this js-fatfs build has no f_utime).`,
    '- `cat`: every file of the large tree into one file in the same temp dir (`cat + fdatasync` then runs `sync -d` on it: what fatkit\'s own fdatasync costs on this disk).',
    '- Each tool runs once untimed first (warm-up, outputs checked with `fsck.fat -n`), then rounds alternate the tools (the first tool rotates each round); times are medians over rounds, of whole processes (Node start included). Before every timed run the harness calls `sync` (untimed), so no run pays for the writeback of the one before. Page caches are not dropped (we cannot here): every tool reads a warm (or equally cold) tree.',
    '',
  );
  const row = (name, m, ref) => `| ${name} | ${f3(m.wall)} | ${f2(m.wall / ref.wall)} | ${f3(m.cpu)} | ${f2(m.cpu / ref.cpu)} | ${m.rssMB.toFixed(0)} | ${m.walls.map(f2).join(' ')} |`;
  const table = (T, title, extra = []) => {
    out.push(`## ${title}`, '', `${T.files} files, ${size(T.bytes)}; image ${size(T.geometry.imageBytes)}, FAT${T.geometry.fatType}, ${T.geometry.clusterCount} clusters of ${T.geometry.clusterSize} B.`, '');
    out.push('| tool | wall s (median) | wall ratio vs mtools | CPU s (median) | CPU ratio vs mtools | peak RSS MB | wall s, every round |', '|---|---|---|---|---|---|---|');
    const ref = T.median.mtools;
    for (const n of ['fatkit', 'mtools', 'js-fatfs', 'fatkit-exp']) {
      if (T.median[n]) out.push(row(n === 'fatkit-exp' ? 'fatkit-exp (experiment, see below)' : n, T.median[n], ref));
    }
    out.push(...extra);
    const c = T.check;
    out.push('', `fsck.fat -n: fatkit ${c.fatkit.clean ? 'clean' : 'PROBLEMS'} (${c.fatkit.summary}); mtools ${c.mtools.clean ? 'clean' : 'PROBLEMS'} (${c.mtools.summary}); js-fatfs ${c['js-fatfs'].clean ? 'clean' : 'PROBLEMS'} (${c['js-fatfs'].summary}). mkfs.fat geometry ${c.mtoolsGeometry.same ? 'identical to fatkit\'s' : `differs (clusters ${c.mtoolsGeometry.clusterCount}, data start ${c.mtoolsGeometry.dataStart})`}.`, '');
  };
  table(S, `Small tree: 2,000 files of 200 B – 8 KiB in 40 directories + four 5 MiB files (${r.config.smallRounds} rounds)`);
  const cat = L.median.cat;
  const catSync = L.median['cat+fdatasync'];
  table(L, `Large tree: ${r.config.largeCount} × ${r.config.each / MiB} MiB (${r.config.largeRounds} rounds)`, [
    `| cat (baseline) | ${f3(cat.wall)} | — | ${f3(cat.cpu)} | — | ${cat.rssMB.toFixed(0)} | ${cat.walls.map(f2).join(' ')} |`,
    `| cat + fdatasync | ${f3(catSync.wall)} | — | ${f3(catSync.cpu)} | — | ${catSync.rssMB.toFixed(0)} | ${catSync.walls.map(f2).join(' ')} |`,
  ]);
  const rateCat = L.bytes / cat.wall;
  const rateFatkit = L.bytes / L.median.fatkit.wall;
  const rateMtools = L.bytes / L.median.mtools.wall;
  const rateCatSync = L.bytes / catSync.wall;
  const exp = L.median['fatkit-exp'];
  out.push(`Data rate on the large tree (bytes / whole-process wall time): cat ${mbps(L.bytes, cat.wall)}, cat + fdatasync ${mbps(L.bytes, catSync.wall)}; fatkit ${mbps(L.bytes, L.median.fatkit.wall)} (${(100 * rateFatkit / rateCat).toFixed(0)}% of cat, ${(100 * rateFatkit / rateCatSync).toFixed(0)}% of cat + fdatasync); mtools ${mbps(L.bytes, L.median.mtools.wall)} (${(100 * rateMtools / rateCat).toFixed(0)}% of cat); js-fatfs ${mbps(L.bytes, L.median['js-fatfs'].wall)}${exp ? `; fatkit-exp ${mbps(L.bytes, exp.wall)} (${(100 * L.bytes / exp.wall / rateCat).toFixed(0)}% of cat)` : ''}.`, '');
  table(R, `Peak RSS: ${r.config.rssCount} × ${r.config.each / MiB} MiB tree (${r.config.rssRounds} round${r.config.rssRounds > 1 ? 's' : ''})`);

  const rs = S.median.fatkit.wall / S.median.mtools.wall;
  const rl = L.median.fatkit.wall / L.median.mtools.wall;
  const rssMax = R.median.fatkit.rssMB;
  out.push('## Targets', '', '| target | measured | status |', '|---|---|---|');
  out.push(`| whole-process \`fat make --from\` ≤ 1.0 × mkfs.fat + mcopy, small tree (aim ≤ 0.8) | ${f2(rs)} (CPU ${f2(S.median.fatkit.cpu / S.median.mtools.cpu)}) | ${yes(rs <= 1)}${rs <= 0.8 ? ', aim met' : ''} |`);
  out.push(`| same, ${size(L.bytes)} tree | ${f2(rl)} (CPU ${f2(L.median.fatkit.cpu / L.median.mtools.cpu)}) | ${yes(rl <= 1)}${rl <= 0.8 ? ', aim met' : ''} |`);
  out.push(`| file data ≥ 80% of cat's rate (same tree, same disk, same run) | ${(100 * rateFatkit / rateCat).toFixed(0)}% | ${yes(rateFatkit >= 0.8 * rateCat)} |`);
  out.push(`| peak RSS < 150 MB building a ${size(R.bytes)} image | ${rssMax.toFixed(0)} MB | ${yes(rssMax < 150)} |`);
  if (r.experiment) {
    const e = (T) => T.median['fatkit-exp'];
    out.push('', `**Experiment (not a result of the code as committed):** \`fatkit-exp\` is the same dist/ bundled into one file with esbuild, with the builder's staging buffer at 512 KiB instead of 8 MiB (so the image is written in 512 KiB pwrites), built in the temp dir by this harness. Its wall ratios vs mtools: small ${f2(e(S).wall / S.median.mtools.wall)}, large ${f2(e(L).wall / L.median.mtools.wall)}, ${size(R.bytes)} ${f2(e(R).wall / R.median.mtools.wall)}; data rate ${(100 * L.bytes / e(L).wall / rateCat).toFixed(0)}% of cat; peak RSS ${e(R).rssMB.toFixed(0)} MB. It shows what those two changes buy; see PROFILE.md.`);
  }
  out.push('', `Whole run: ${r.seconds.toFixed(0)} s. Raw numbers: \`results.json\` beside this file. Where fatkit's time goes: [PROFILE.md](PROFILE.md).`, '');
  return out.join('\n');
}
