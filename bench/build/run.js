#!/usr/bin/env node
// Issue #5 benchmark: `fat make IMG --from DIR` against `mkfs.fat -C` + `mcopy -s` and js-fatfs (FatFs in
// wasm, through its API), whole processes, on the same trees, in one run, alternating. Writes
// bench/build/RESULTS.md (and results.json) and prints it.
//
//   node bench/build/run.js            the full run (~5-10 minutes)
//   node bench/build/run.js --quick    small trees and fewer rounds, to check the harness
//
// Env: BENCH_TMP=DIR puts the trees and images
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
const jsfatfs = path.join(here, 'jsfatfs-build.js');
const phases = path.join(here, 'phases.js');
const quick = process.argv.includes('--quick');
const MiB = 1 << 20;
const GiB = 1 << 30;

const CONFIG = quick
  ? { smallRounds: 2, largeRounds: 2, rssRounds: 1, largeCount: 4, rssCount: 8, each: 64 * MiB }
  : { smallRounds: 11, largeRounds: 9, rssRounds: 1, largeCount: 16, rssCount: 32, each: 64 * MiB };

const log = (...a) => console.error('[bench/build]', ...a);
const env = { ...process.env, MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C' };
const envNoCa = { ...env };
delete envNoCa.NODE_EXTRA_CA_CERTS;

// ---------------------------------------------------------------------------------------------
// Running and timing one process

/** Run argv under /usr/bin/time; wall from hrtime, CPU and peak RSS from time(1). */
function timed(argv, { stdoutFd, env: runEnv = env } = {}) {
  const tfile = path.join(work, `.time-${process.pid}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tfile, ...argv], {
    env: runEnv,
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
  return [process.execPath, cli, 'make', img, '--from', dir, '--force', '--quiet'];
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

function toolsFor(tree, g, { floor = false } = {}) {
  const bytes = g.totalSectors * g.sectorSize;
  const img = (name) => path.join(work, `${tree.name}-${name}.img`);
  const empty = path.join(work, 'empty.js');
  if (floor) fs.writeFileSync(empty, '');
  return [
    // The floor under any Node tool: starting Node on an empty script (with the machine's env, and
    // without NODE_EXTRA_CA_CERTS when it is set). It writes no image.
    ...(floor ? [{ name: 'node (empty script)', floor: true, run: () => timed([process.execPath, empty]) }] : []),
    ...(floor && process.env.NODE_EXTRA_CA_CERTS ? [{ name: 'node (empty script, no CA env)', floor: true, run: () => timed([process.execPath, empty], { env: envNoCa }) }] : []),
    { name: 'fatkit', img: img('fatkit'), run: (o) => timed(fatkitArgv(o, tree.dir)) },
    // What fatkit pays for the machine's Node: NODE_EXTRA_CA_CERTS makes every Node process parse a
    // CA bundle at start (~50 ms here) though fat opens no TLS connection. Measured, not hidden.
    ...(process.env.NODE_EXTRA_CA_CERTS ? [{ name: 'fatkit (no CA env)', img: img('fatkit-noca'), run: (o) => timed(fatkitArgv(o, tree.dir), { env: envNoCa }) }] : []),
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

function dataPhase(img, dir) {
  const r = spawnSync(process.execPath, [phases, img, dir, '--json', '--no-flush'], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`phases.js exited ${r.status ?? r.signal}: ${r.stderr.slice(-1000)}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop());
  const ms = j.writeBuildMs - j['  fdatasyncInBuildMs (Volume.close)'];
  return { wall: ms / 1000, cpu: j.writeBuildCpuMs / 1000, user: 0, sys: 0, rssMB: 0 };
}

function fsckClean(img) {
  const r = spawnSync('/usr/sbin/fsck.fat', ['-n', img], { encoding: 'utf8' });
  return { clean: r.status === 0, summary: (r.stdout.trim().split('\n').pop() ?? '').replace(img, path.basename(img)) };
}

// ---------------------------------------------------------------------------------------------
// One tree: warm-up (and checks) then rounds, alternating tools

function benchTree(tree, rounds, { withCat = false, floor = false } = {}) {
  log(`${tree.name}: warm-up and checks`);
  // fatkit first: its image tells the geometry everyone else is given.
  const probe = path.join(work, `${tree.name}-probe.img`);
  timed(fatkitArgv(probe, tree.dir));
  const g = info(probe);
  const check = { fatkit: fsckClean(probe) };
  fs.rmSync(probe, { force: true });
  const tools = toolsFor(tree, g, { floor });
  for (const t of tools.filter((x) => !x.floor && !x.name.startsWith('fatkit'))) {
    t.run(t.img);
    check[t.name] = fsckClean(t.img);
    if (t.name === 'mtools') {
      const m = info(t.img);
      check.mtoolsGeometry = { clusterCount: m.clusterCount, fatSize: m.fatSize, dataStart: m.dataStart, same: m.clusterCount === g.clusterCount && m.dataStart === g.dataStart };
    }
    fs.rmSync(t.img, { force: true });
  }
  // fatkit's data phase: the same build through the library (bench/build/phases.js, no fdatasync),
  // timed inside the process from the first host read to the last write (writeBuild), so Node's
  // start and the planning are left out: the rate at which fatkit moves file data.
  if (withCat) tools.push({ name: 'fatkit data phase', img: path.join(work, `${tree.name}-phases.img`), run: (o) => dataPhase(o, tree.dir) });
  // The cat baselines take their turn in the rotation like the tools (this VM is slower for whoever
  // first touches memory another run just freed, so a fixed position would favour or handicap them).
  if (withCat) tools.push({ name: 'cat', run: () => catBaseline(tree) }, { name: 'cat+fdatasync', run: () => catBaseline(tree, true) });
  const samples = Object.fromEntries(tools.map((t) => [t.name, []]));
  // Before every timed run, untimed: `sync`, so no run pays for the writeback of the one before it;
  // then the tree is read once (cat > /dev/null), so every run reads it from the page cache. (This
  // VM's page cache loses pages within seconds, so without that the first tool of a round would read
  // from the disk and the others from memory.)
  const warm = tree.files.map((f) => path.join(tree.dir, f.path));
  const settle = () => {
    spawnSync('/bin/sync');
    const devNull = fs.openSync('/dev/null', 'w');
    try {
      for (let i = 0; i < warm.length; i += 500) spawnSync('/bin/cat', warm.slice(i, i + 500), { stdio: ['ignore', devNull, 'ignore'] });
    } finally {
      fs.closeSync(devNull);
    }
  };
  for (let r = 0; r < rounds; r++) {
    // Rotate the starting tool each round so no tool always runs first.
    for (let k = 0; k < tools.length; k++) {
      const t = tools[(k + r) % tools.length];
      settle();
      samples[t.name].push(t.run(t.img));
      if (t.img) fs.rmSync(t.img, { force: true });
    }
    log(`${tree.name}: round ${r + 1}/${rounds}: ${Object.entries(samples).map(([n, s]) => `${n} ${s.at(-1).wall.toFixed(2)}s`).join(', ')}`);
  }
  const med = {};
  for (const [n, s] of Object.entries(samples)) {
    med[n] = { wall: median(s.map((x) => x.wall)), best: Math.min(...s.map((x) => x.wall)), cpu: median(s.map((x) => x.cpu)), rssMB: Math.max(...s.map((x) => x.rssMB)), walls: s.map((x) => x.wall) };
  }
  // Ratios of runs in the same round (the same machine state), then their median: steadier than a
  // ratio of medians when the machine's speed drifts during the run.
  const paired = (a, b) => (samples[a] && samples[b] ? median(samples[a].map((x, i) => x.wall / samples[b][i].wall)) : undefined);
  med.pairedVsMtools = Object.fromEntries(Object.keys(samples).map((n) => [n, paired(n, 'mtools')]));
  if (withCat) med.pairedFatkitVsCat = paired('fatkit', 'cat');
  return { name: tree.name, files: tree.files.length, bytes: tree.bytes, geometry: pickGeometry(g), check, median: med };
}

const pickGeometry = (g) => ({ fatType: g.fatType, clusterSize: g.clusterSize, clusterCount: g.clusterCount, imageBytes: g.totalSectors * g.sectorSize });

// ---------------------------------------------------------------------------------------------
// Main

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
  log(`trees and images in ${work}`);

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
    caEnv: Boolean(process.env.NODE_EXTRA_CA_CERTS),
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
  results.trees.small = benchTree(small, CONFIG.smallRounds, { floor: true });
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
  const ms = (x) => `${(x * 1000).toFixed(0)} ms`;
  const mbps = (bytes, s) => `${(bytes / MiB / s).toFixed(0)} MiB/s`;
  const size = (b) => (b >= GiB ? `${(b / GiB).toFixed(2)} GiB` : `${(b / MiB).toFixed(1)} MiB`);
  const yes = (ok) => (ok ? '**met**' : '**not met**');
  const out = [];
  const S = r.trees.small;
  const L = r.trees.large;
  const R = r.trees.rss;
  const noCa = 'fatkit (no CA env)';
  out.push('# Build benchmark: `fat make IMG --from DIR` (issue #5)', '');
  if (r.quick) out.push('> **Quick run** (`--quick`): smaller trees and fewer rounds; not the benchmark.', '');
  out.push(
    `Generated by \`node bench/build/run.js\` (\`npm run bench\`) on ${r.date.slice(0, 10)}.`,
    '',
    `- Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memGiB} GiB, ${r.machine.platform}; Node ${r.machine.node}.`,
    `- Load average at start / end: ${r.loadavg.start.map(f2).join(' ')} / ${r.loadavg.end.map(f2).join(' ')}; wall times carry noise, CPU time (user+sys) is shown beside them.`,
    `- fatkit: \`node dist/cli/main.js make IMG --from DIR --force --quiet\` (auto size; no fdatasync, like mcopy: \`--sync\` adds one), in the environment the harness was started in.`,
    ...(r.caEnv ? [`- This machine sets \`NODE_EXTRA_CA_CERTS\`, so every Node process parses a CA bundle before running any code (the "node (empty script)" rows show the cost). fat opens no TLS connection; the "${noCa}" row is the same command with that variable unset, to show what is fatkit's own time. The targets are judged on the plain "fatkit" row.`] : []),
    `- mtools: \`mkfs.fat -C IMG KiB -F T -s SPC -S 512 -R RES -f 2 [-r ROOT]\` with fatkit's geometry, then \`mcopy -i IMG -s -Q -m -D o TOP... ::/\` (${r.tools.mkfs}, ${r.tools.mtools}); the two process times are added. No fsync.`,
    `- js-fatfs ${r.tools.jsfatfs}: \`node bench/build/jsfatfs-build.js\`: f_mkfs on a fresh sparse image file of the same size, FAT type and cluster size, then f_mkdir / f_open / f_write (1 MiB pieces) for the sorted host tree, disk I/O by positional reads/writes on the image file. No fsync; no mtimes (this js-fatfs build has no f_utime).`,
    '- `cat`: every file of the large tree into one file in the same temp dir (`cat + fdatasync` then runs `sync -d` on it: what fatkit\'s own fdatasync costs on this disk).',
    '- Each tool runs once untimed first (warm-up, outputs checked with `fsck.fat -n`), then rounds alternate the tools, the cat baselines among them (the first one rotates each round). Before every timed run the harness runs `sync` and reads the tree once (both untimed), so no run pays for another\'s writeback and every run reads the tree from the page cache. Times are of whole processes (Node start included): medians over rounds; "paired" ratios, the median over rounds of the ratio of two runs in the same round; and the best (fastest) round of each, since noise here only ever adds time. A target counts as met only when the medians, the paired ratios and the best rounds all meet it.',
    '',
  );
  const row = (name, m, ref, pairedRatio) => `| ${name} | ${f3(m.wall)} | ${ref ? f2(m.wall / ref.wall) : '—'} | ${pairedRatio === undefined ? '—' : f2(pairedRatio)} | ${f3(m.best)} | ${ref ? f2(m.best / ref.best) : '—'} | ${f3(m.cpu)} | ${ref ? f2(m.cpu / ref.cpu) : '—'} | ${m.rssMB.toFixed(0)} | ${m.walls.map(f2).join(' ')} |`;
  const table = (T, title, extra = []) => {
    out.push(`## ${title}`, '', `${T.files} files, ${size(T.bytes)}; image ${size(T.geometry.imageBytes)}, FAT${T.geometry.fatType}, ${T.geometry.clusterCount} clusters of ${T.geometry.clusterSize} B.`, '');
    out.push('| tool | wall s (median) | ratio vs mtools | paired ratio | best wall s | best ratio | CPU s (median) | CPU ratio | peak RSS MB | wall s, every round |', '|---|---|---|---|---|---|---|---|---|---|');
    const ref = T.median.mtools;
    for (const n of ['fatkit', noCa, 'mtools', 'js-fatfs', 'node (empty script)', 'node (empty script, no CA env)']) {
      if (T.median[n]) out.push(row(n, T.median[n], ref, T.median.pairedVsMtools?.[n]));
    }
    out.push(...extra);
    const c = T.check;
    out.push('', `fsck.fat -n: fatkit ${c.fatkit.clean ? 'clean' : 'PROBLEMS'} (${c.fatkit.summary}); mtools ${c.mtools.clean ? 'clean' : 'PROBLEMS'} (${c.mtools.summary}); js-fatfs ${c['js-fatfs'].clean ? 'clean' : 'PROBLEMS'} (${c['js-fatfs'].summary}). mkfs.fat geometry ${c.mtoolsGeometry.same ? 'identical to fatkit\'s' : `differs (clusters ${c.mtoolsGeometry.clusterCount}, data start ${c.mtoolsGeometry.dataStart})`}.`, '');
  };
  table(S, `Small tree: 2,000 files of 200 B – 8 KiB in 40 directories + four 5 MiB files (${r.config.smallRounds} rounds)`);
  const floor = S.median['node (empty script)'];
  const floorNoCa = S.median['node (empty script, no CA env)'];
  const mt = S.median.mtools;
  out.push(`Node's own start here: ${ms(floor.wall)} for an empty script${floorNoCa ? ` (${ms(floorNoCa.wall)} without NODE_EXTRA_CA_CERTS)` : ''}, against ${ms(mt.wall)} for mkfs.fat + mcopy's whole job. fatkit's work beyond that start: ${ms(S.median.fatkit.wall - floor.wall)}${floorNoCa && S.median[noCa] ? ` (${ms(S.median[noCa].wall - floorNoCa.wall)} without the CA env)` : ''}.`, '');
  const cat = L.median.cat;
  const catSync = L.median['cat+fdatasync'];
  table(L, `Large tree: ${r.config.largeCount} × ${r.config.each / MiB} MiB (${r.config.largeRounds} rounds)`, [
    row('fatkit data phase (writeBuild, in-process)', L.median['fatkit data phase'], undefined, undefined),
    row('cat (baseline)', cat, undefined, undefined),
    row('cat + fdatasync', catSync, undefined, undefined),
  ]);
  const rateCat = L.bytes / cat.wall;
  const rateFatkit = L.bytes / L.median.fatkit.wall;
  const rateMtools = L.bytes / L.median.mtools.wall;
  const rateCatSync = L.bytes / catSync.wall;
  const pairedRate = 1 / L.median.pairedFatkitVsCat;
  const bestRate = cat.best / L.median.fatkit.best;
  const phase = L.median['fatkit data phase'];
  const phaseRate = cat.wall / phase.wall;
  const phaseBestRate = cat.best / phase.best;
  out.push(`Data rate on the large tree (bytes / whole-process wall time, Node start included): cat ${mbps(L.bytes, cat.wall)}, cat + fdatasync ${mbps(L.bytes, catSync.wall)}; fatkit ${mbps(L.bytes, L.median.fatkit.wall)} (${(100 * rateFatkit / rateCat).toFixed(0)}% of cat by medians, ${(100 * pairedRate).toFixed(0)}% paired round by round, ${(100 * bestRate).toFixed(0)}% best against best; ${(100 * rateFatkit / rateCatSync).toFixed(0)}% of cat + fdatasync); fatkit's data phase alone ${mbps(L.bytes, phase.wall)} (${(100 * phaseRate).toFixed(0)}% of cat by medians, ${(100 * phaseBestRate).toFixed(0)}% best against best); mtools ${mbps(L.bytes, L.median.mtools.wall)} (${(100 * rateMtools / rateCat).toFixed(0)}% of cat); js-fatfs ${mbps(L.bytes, L.median['js-fatfs'].wall)}.`, '');
  table(R, `Peak RSS: ${r.config.rssCount} × ${r.config.each / MiB} MiB tree (${r.config.rssRounds} round${r.config.rssRounds > 1 ? 's' : ''})`);

  const rs = S.median.fatkit.wall / S.median.mtools.wall;
  const rl = L.median.fatkit.wall / L.median.mtools.wall;
  const bs = S.median.fatkit.best / S.median.mtools.best;
  const bl = L.median.fatkit.best / L.median.mtools.best;
  const aim = (a, b) => (Math.max(a, b) <= 0.8 ? ', aim met' : '');
  const rssMax = R.median.fatkit.rssMB;
  const floorRatio = floor.wall / mt.wall;
  out.push('## Targets', '', '| target | measured | status |', '|---|---|---|');
  out.push(`| whole-process \`fat make --from\` ≤ 1.0 × mkfs.fat + mcopy, small tree (aim ≤ 0.8) | ${f2(rs)} by medians, ${f2(bs)} best against best (paired ${f2(S.median.pairedVsMtools.fatkit)}; CPU ${f2(S.median.fatkit.cpu / S.median.mtools.cpu)}; Node's empty start alone: ${f2(floorRatio)}) | ${yes(Math.max(rs, bs, S.median.pairedVsMtools.fatkit) <= 1)}${aim(Math.max(rs, S.median.pairedVsMtools.fatkit), bs)} |`);
  out.push(`| same, ${size(L.bytes)} tree | ${f2(rl)} by medians, ${f2(bl)} best against best (paired ${f2(L.median.pairedVsMtools.fatkit)}; CPU ${f2(L.median.fatkit.cpu / L.median.mtools.cpu)}) | ${yes(Math.max(rl, bl, L.median.pairedVsMtools.fatkit) <= 1)}${aim(Math.max(rl, L.median.pairedVsMtools.fatkit), bl)} |`);
  out.push(`| file data ≥ 80% of cat's rate (same tree, same disk, same run), whole process with Node's start | ${(100 * rateFatkit / rateCat).toFixed(0)}% by medians, ${(100 * pairedRate).toFixed(0)}% paired, ${(100 * bestRate).toFixed(0)}% best against best | ${yes(rateFatkit >= 0.8 * rateCat && pairedRate >= 0.8 && bestRate >= 0.8)} |`);
  out.push(`| same, fatkit's data phase (first read to last write) | ${(100 * phaseRate).toFixed(0)}% by medians, ${(100 * phaseBestRate).toFixed(0)}% best against best | ${yes(phaseRate >= 0.8 && phaseBestRate >= 0.8)} |`);
  out.push(`| peak RSS < 150 MB building a ${size(R.bytes)} image | ${rssMax.toFixed(0)} MB | ${yes(rssMax < 150)} |`);
  out.push('', `Whole run: ${r.seconds.toFixed(0)} s. Raw numbers: \`results.json\` beside this file. Where fatkit's time goes: [PROFILE.md](PROFILE.md).`, '');
  return out.join('\n');
}
