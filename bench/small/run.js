#!/usr/bin/env node
// Issue #16: speed on many small things. Whole-process times of `fat list`, `fat extract` and a
// small-tree `fat make --from` against mdir, mcopy and mkfs.fat + mcopy, with an empty `node -e 0`
// of the same binary (Node's own start) subtracted from fatkit's times ("own work"); `fat --version`
// against `node -e 0`; and the library (2,000 files written, then listed and read back) against
// js-fatfs (FatFs in wasm), in-process (bench/small/lib.js). Two trees: the issue's (2,004 files in
// 400 directories, 1 B - 20 KB, four of 5 MiB) and bench/build's small tree (2,004 files in 40).
// Runs on this Node and, when FATKIT_BENCH_NODE=/path/to/node is set, on that one too.
// Writes bench/small/RESULTS.md (and results.json) and prints it.
//
//   npm run build && node bench/small/run.js      the full run (a few minutes)
//   node bench/small/run.js --quick               2 rounds, to check the harness
//   node bench/small/run.js --render              RESULTS.md again from results.json (no run)
//   node bench/small/run.js --lib-only            rerun the library table only (lib.js); the rest from results.json
//
// Env: BENCH_ROUNDS=N (default 9), FATKIT_BENCH_NODE=/path/to/another/node.
import { spawnSync, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { smallTreeFiles, writeTree } from '../build/trees.js';
import { issueTreeFiles } from './trees.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const cli = path.join(repo, 'dist/cli/main.js');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : Number(process.env.BENCH_ROUNDS ?? 9);
const log = (...a) => console.error('[bench/small]', ...a);
const env = { ...process.env, MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C', TZ: 'UTC', SOURCE_DATE_EPOCH: '1700000000' };
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-bench-small-'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const have = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { env: { ...env, PATH: `${env.PATH}:/usr/sbin:/sbin` } }).status === 0;
for (const t of ['mdir', 'mcopy', 'mkfs.fat', 'python3']) if (!have(t)) throw new Error(`bench/small needs ${t} (mtools, dosfstools, python3 to time processes)`);
const MKFS = spawnSync('sh', ['-c', 'command -v mkfs.fat || echo /usr/sbin/mkfs.fat'], { encoding: 'utf8' }).stdout.trim();

const nodes = [{ label: `Node ${process.version}`, bin: process.execPath }];
if (process.env.FATKIT_BENCH_NODE) {
  const bin = process.env.FATKIT_BENCH_NODE;
  nodes.push({ label: `Node ${execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()}`, bin });
}

// A launcher that runs the command and reports its wall time (around the child only, so the
// launcher's own start is not counted) and its CPU time (user + system of the child, from
// getrusage before and after: microseconds, where time(1) prints hundredths; python3 may itself be
// a wrapper script whose children count before).
const LAUNCH = `import resource, subprocess, sys, time
u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t = time.perf_counter()
r = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], 'w').write(f"{wall} {u.ru_utime + u.ru_stime - u0.ru_utime - u0.ru_stime}")
sys.exit(r.returncode)`;
const tfile = path.join(work, '.time');
/**
 * One process (stdout to /dev/null, as for every tool): its wall time (spawn to exit) and its CPU
 * time (user + system), in ms. On a machine shared with other work the CPU time is the steadier of
 * the two: waiting for a busy core adds wall time, not CPU time.
 */
function timed(argv, runEnv = env) {
  const r = spawnSync('python3', ['-c', LAUNCH, tfile, ...argv], { env: runEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${argv.join(' ').slice(0, 300)} exited ${r.status ?? r.signal}: ${r.stderr.toString().slice(-800)}`);
  const [wall, cpu] = fs.readFileSync(tfile, 'utf8').trim().split(/\s+/).map(Number);
  return { wall: wall * 1000, cpu: cpu * 1000 };
}
const plus = (a, b) => ({ wall: a.wall + b.wall, cpu: a.cpu + b.cpu });

// ---------------------------------------------------------------------------------------------
// The trees and their images (made once, by fatkit, untimed)

function prepare(name, files) {
  const dir = path.join(work, name);
  const { bytes } = writeTree(dir, files, 7);
  const img = path.join(work, `${name}.img`);
  execFileSync(process.execPath, [cli, 'make', img, '--from', dir, '--quiet'], { env });
  const g = JSON.parse(execFileSync(process.execPath, [cli, 'info', img, '--json'], { env, encoding: 'utf8' }));
  const fsck = spawnSync(MKFS.replace(/mkfs\.fat$/, 'fsck.fat'), ['-n', img], { encoding: 'utf8' });
  if (fsck.status !== 0) throw new Error(`fsck.fat -n ${img}: ${fsck.stdout}`);
  const dirs = new Set(files.map((f) => path.dirname(f.path)));
  return { name, dir, img, files: files.length, bytes, g, dirCount: dirs.size };
}

/** mkfs.fat arguments giving fatkit's geometry (as bench/build does). */
function mkfsArgv(img, g) {
  const bytes = g.totalSectors * g.sectorSize;
  const geo = ['-F', String(g.fatType), '-s', String(g.sectorsPerCluster), '-S', String(g.sectorSize), '-R', String(g.reservedSectors), '-f', String(g.numFats)];
  if (g.fatType !== 32) geo.push('-r', String(g.rootEntries));
  if (bytes % 1024 !== 0) throw new Error('image size is not whole KiB');
  return [MKFS, ...geo, '-C', img, String(bytes / 1024)];
}

function mcopyInArgv(img, dir) {
  const top = fs.readdirSync(dir).sort().map((n) => path.join(dir, n));
  return ['mcopy', '-i', img, '-s', '-Q', '-m', '-D', 'o', ...top, '::/'];
}

/** The whole-process tasks of one tree on one Node; C tools have node undefined. */
function tasks(tree, node) {
  const out = path.join(work, 'out');
  const made = path.join(work, 'made.img');
  const clean = () => {
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(made, { force: true });
  };
  const fat = (...a) => [node.bin, cli, ...a];
  return [
    { key: 'node -e 0', run: () => timed([node.bin, '-e', '0']) },
    { key: 'fat --version', run: () => timed(fat('--version')) },
    { key: 'fat list', run: () => timed(fat('list', tree.img)) },
    { key: 'fat extract', run: () => (clean(), timed(fat('extract', tree.img, '-o', out))) },
    { key: 'fat make --from', run: () => (clean(), timed(fat('make', made, '--from', tree.dir, '--quiet'))) },
  ];
}

function cTasks(tree) {
  const out = path.join(work, 'out');
  const made = path.join(work, 'made.img');
  const clean = () => {
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(made, { force: true });
  };
  return [
    { key: 'mdir -/ -a', run: () => timed(['mdir', '-/', '-a', '-i', tree.img, '::/']) },
    { key: 'mcopy -s -n -m', run: () => (clean(), fs.mkdirSync(out), timed(['mcopy', '-s', '-n', '-m', '-i', tree.img, '::/*', out])) },
    { key: 'mkfs.fat -C + mcopy -s', run: () => (clean(), plus(timed(mkfsArgv(made, tree.g)), timed(mcopyInArgv(made, tree.dir)))) },
  ];
}

const PAIRS = [
  ['fat list', 'mdir -/ -a'],
  ['fat extract', 'mcopy -s -n -m'],
  ['fat make --from', 'mkfs.fat -C + mcopy -s'],
];

function benchTree(tree) {
  const all = [...cTasks(tree).map((t) => ({ ...t, node: undefined }))];
  for (const n of nodes) for (const t of tasks(tree, n)) all.push({ ...t, node: n.label, key: `${n.label}: ${t.key}` });
  const samples = Object.fromEntries(all.map((t) => [t.key, []]));
  // One untimed warm-up of each (and a check that each works), then rounds rotating the order.
  for (const t of all) t.run();
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < all.length; k++) {
      const t = all[(k + r) % all.length];
      samples[t.key].push(t.run());
    }
    log(`${tree.name}: round ${r + 1}/${ROUNDS}`);
  }
  fs.rmSync(path.join(work, 'out'), { recursive: true, force: true });
  fs.rmSync(path.join(work, 'made.img'), { force: true });
  const med = (k, m) => median(samples[k].map((x) => x[m]));
  const rows = [];
  for (const n of nodes) {
    const fl = `${n.label}: node -e 0`;
    for (const [f, c] of PAIRS) {
      const fk = `${n.label}: ${f}`;
      const row = { node: n.label, fat: f, c };
      for (const m of ['wall', 'cpu']) {
        // Own work = fatkit - node -e 0; ratio = own work / the C tool; paired: the same ratio
        // within each round, then the median over rounds.
        const own = med(fk, m) - med(fl, m);
        row[m] = { fat: med(fk, m), floor: med(fl, m), own, c: med(c, m), ratio: own / med(c, m), paired: median(samples[fk].map((x, i) => (x[m] - samples[fl][i][m]) / samples[c][i][m])) };
      }
      rows.push(row);
    }
    rows.push({ node: n.label, version: { wall: med(`${n.label}: fat --version`, 'wall'), cpu: med(`${n.label}: fat --version`, 'cpu') }, floor: { wall: med(fl, 'wall'), cpu: med(fl, 'cpu') } });
  }
  return { tree: { name: tree.name, files: tree.files, dirs: tree.dirCount, bytes: tree.bytes, fatType: tree.g.fatType, clusterSize: tree.g.clusterSize }, samples, rows };
}

// ---------------------------------------------------------------------------------------------
// The library, in-process on each Node (bench/small/lib.js prints JSON)

function benchLibrary(node) {
  const r = spawnSync(node.bin, ['--expose-gc', path.join(here, 'lib.js'), ...(quick ? ['--quick'] : [])], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`lib.js on ${node.label}: ${r.stderr}`);
  process.stderr.write(r.stderr);
  return JSON.parse(r.stdout);
}

// ---------------------------------------------------------------------------------------------

const render = process.argv.includes('--render');
// --lib-only: rerun the library part (lib.js) only; the command tables come from results.json.
const libOnly = process.argv.includes('--lib-only');
let trees = [];
let lib;
let load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
let date = new Date().toISOString();
let rounds = ROUNDS;
let libDate;
if (render || libOnly) {
  fs.rmSync(work, { recursive: true, force: true });
  const saved = JSON.parse(fs.readFileSync(path.join(here, 'results.json'), 'utf8'));
  ({ trees, lib, date, rounds, libDate } = saved);
  load = saved.load ?? 'not recorded';
  if (render) {
    nodes.length = 0;
    nodes.push(...saved.nodes);
  } else {
    // The command tables' Node binaries stay listed; the library runs on this run's binaries.
    for (const n of saved.nodes) if (!nodes.some((m) => m.label === n.label)) nodes.push(n);
  }
} else try {
  log(`work dir ${work}; ${ROUNDS} rounds; ${nodes.map((n) => n.label).join(', ')}`);
  const issue = issueTreeFiles();
  const treeDefs = [
    ['issue16 (400 dirs)', issue.files],
    ['bench small (40 dirs)', smallTreeFiles()],
  ];
  for (const [name, files] of treeDefs) {
    const t = prepare(name.replace(/[^a-z0-9]+/gi, '-'), files);
    t.name = name;
    trees.push(benchTree(t));
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
if (!render) {
  lib = nodes.filter((n) => !libOnly || fs.existsSync(n.bin)).map((n) => ({ node: n.label, ...benchLibrary(n) }));
  if (libOnly) libDate = new Date().toISOString();
  else load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
}

// ---------------------------------------------------------------------------------------------
// RESULTS.md

const ms = (x) => `${x.toFixed(1)} ms`;
const f2 = (x) => x.toFixed(2);
const signed = (x) => `${x < 0 ? '−' : '+'}${ms(Math.abs(x))}`;
const cpus = os.cpus();
const out = [];
out.push('# Small things: `fat list`, `extract`, small `make --from`, the library (issue #16)', '');
out.push(`Generated by \`node bench/small/run.js\`${quick ? ' --quick (harness check only)' : ''} on ${date.slice(0, 10)}; ${rounds} rounds${libDate ? `; the library table rerun with \`--lib-only\` on ${libDate.slice(0, 16).replace('T', ' ')} UTC` : ''}. Where the time goes, and what floor remains: [PROFILE.md](PROFILE.md).`, '');
out.push(`- Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}; load average at the end ${load}.`);
out.push('- **The machine was shared with other engineers\' builds and tests during this run** (2 cores, load well above 2): absolute times are inflated and noisy; the ratios, taken round by round, are steadier. The integrator reruns it on a quiet machine.');
out.push(`- Node binaries: ${nodes.map((n) => `${n.label} (${n.bin})`).join(', ')}. \`NODE_EXTRA_CA_CERTS\` is ${process.env.NODE_EXTRA_CA_CERTS ? 'set (every Node process, the empty one too, parses that CA bundle at start)' : 'not set'}.`);
out.push('- Whole-process times (spawn to exit, stdout to /dev/null; a python3 launcher reports them, its own start not counted): **wall** time, and **CPU** time (user + system, from getrusage), which waiting for a busy core does not inflate; median of the rounds; every tool runs once untimed first; rounds rotate the order. **Own work** = fatkit\'s time − an empty `node -e 0` of the same binary. **Ratio** = own work ÷ the C tool\'s whole process (target ≤ 1.0); **paired** = the median over rounds of that ratio within one round.');
out.push('- `fat list IMG` vs `mdir -/ -a -i IMG ::/`; `fat extract IMG -o OUT` vs `mcopy -s -n -m -i IMG ::/* OUT`; `fat make IMG --from DIR` vs `mkfs.fat -C` (fatkit\'s geometry) + `mcopy -s -Q -m`. The image listed and extracted is fatkit\'s, made once from the tree.', '');
for (const t of trees) {
  out.push(`## ${t.tree.name}: ${t.tree.files} files in ${t.tree.dirs} directories, ${(t.tree.bytes / 2 ** 20).toFixed(1)} MiB, FAT${t.tree.fatType} (${t.tree.clusterSize} B clusters)`, '');
  out.push('| Node | fatkit command | time | fatkit | node -e 0 | own work | C tool | C tool time | ratio | paired |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const r of t.rows) {
    if (r.version !== undefined) continue;
    for (const m of ['wall', 'cpu']) {
      const x = r[m];
      out.push(`| ${r.node} | \`${r.fat}\` | ${m} | ${ms(x.fat)} | ${ms(x.floor)} | ${ms(x.own)} | \`${r.c}\` | ${ms(x.c)} | **${f2(x.ratio)}** | ${f2(x.paired)} |`);
    }
  }
  out.push('');
  for (const r of t.rows) if (r.version !== undefined) out.push(`- ${r.node}: \`fat --version\` ${ms(r.version.wall)} wall / ${ms(r.version.cpu)} CPU, \`node -e 0\` ${ms(r.floor.wall)} / ${ms(r.floor.cpu)}: **${signed(r.version.wall - r.floor.wall)}** wall, ${signed(r.version.cpu - r.floor.cpu)} CPU.`);
  out.push('');
}
out.push('## Library: 2,000 files written, then listed and read back, vs js-fatfs', '');
out.push('In one process (bench/small/lib.js), on images in memory made by `mkfs.fat -C --invariant`: the 2,000 small files of the issue tree (400 directories). Write: mkdir every directory, write every file, close (fatkit `Volume.writeFile`; js-fatfs `f_mkdir`, `f_open`/`f_write`/`f_close`, `f_unmount`). List and read: mount, walk every directory recursively and read every file into a fresh buffer (fatkit `Volume.walk` + `readFile`; js-fatfs `f_opendir`/`f_readdir` + `f_open`/`f_read`, copied out of the wasm heap), on the same image (fatkit\'s). Instantiating the wasm module is not timed. Median of the rounds after a warm-up, wall time and the process\'s CPU time (user + system) around each run; ratio = fatkit ÷ js-fatfs (target ≤ 0.5).', '');
out.push('| Node | volume | operation | fatkit wall | js-fatfs wall | ratio (wall) | fatkit CPU | js-fatfs CPU | ratio (CPU) |', '|---|---|---|---|---|---|---|---|---|');
for (const l of lib) for (const r of l.results) out.push(`| ${l.node} | ${r.volume} | ${r.op} | ${ms(r.fatkit)} | ${ms(r.jsfatfs)} | **${f2(r.fatkit / r.jsfatfs)}** | ${ms(r.fatkitCpu)} | ${ms(r.jsfatfsCpu)} | **${f2(r.fatkitCpu / r.jsfatfsCpu)}** |`);
out.push('');
// The issue's targets against this run (CPU and wall, by medians and paired).
const verdict = (ok) => (ok ? 'met' : '**not met**');
out.push('## Targets (issue #16)', '', '| target | this run | |', '|---|---|---|');
for (const n of nodes) {
  for (const [f] of PAIRS) {
    const rs = trees.map((t) => t.rows.find((r) => r.node === n.label && r.fat === f));
    const worst = Math.max(...rs.flatMap((r) => [r.cpu.ratio, r.cpu.paired, r.wall.ratio, r.wall.paired]));
    out.push(`| ${n.label}: \`${f}\` own work ≤ 1.0 × the C tool, both trees | CPU ${rs.map((r) => f2(r.cpu.ratio)).join(' / ')}, wall ${rs.map((r) => f2(r.wall.ratio)).join(' / ')} | ${verdict(worst <= 1)} |`);
  }
  const v = trees.map((t) => t.rows.find((r) => r.node === n.label && r.version !== undefined));
  out.push(`| ${n.label}: \`fat --version\` within 10 ms of \`node -e 0\` | CPU ${v.map((r) => signed(r.version.cpu - r.floor.cpu)).join(' / ')}, wall ${v.map((r) => signed(r.version.wall - r.floor.wall)).join(' / ')} | ${verdict(v.every((r) => r.version.cpu - r.floor.cpu <= 10 && r.version.wall - r.floor.wall <= 10))} |`);
  const l = lib.find((x) => x.node === n.label);
  for (const op of ['write', 'list']) {
    const rs = l.results.filter((r) => r.op.startsWith(op));
    out.push(`| ${n.label}: library ${op === 'write' ? 'writing 2,000 files' : 'listing and reading them back'} ≤ 0.5 × js-fatfs | CPU ${rs.map((r) => f2(r.fatkitCpu / r.jsfatfsCpu)).join(' / ')}, wall ${rs.map((r) => f2(r.fatkit / r.jsfatfs)).join(' / ')} | ${verdict(rs.every((r) => r.fatkitCpu / r.jsfatfsCpu <= 0.5 && r.fatkit / r.jsfatfs <= 0.5))} |`);
  }
}
out.push('');
const md = `${out.join('\n')}\n`;
if (!quick) {
  fs.writeFileSync(path.join(here, 'RESULTS.md'), md);
  if (!render) fs.writeFileSync(path.join(here, 'results.json'), `${JSON.stringify({ date, rounds, load, nodes, trees, lib, ...(libDate ? { libDate } : {}) }, null, 1)}\n`);
}
process.stdout.write(md);
