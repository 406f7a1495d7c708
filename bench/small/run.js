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
for (const t of ['mdir', 'mcopy', 'mkfs.fat']) if (!have(t)) throw new Error(`bench/small needs ${t} (mtools, dosfstools)`);
const MKFS = spawnSync('sh', ['-c', 'command -v mkfs.fat || echo /usr/sbin/mkfs.fat'], { encoding: 'utf8' }).stdout.trim();

const nodes = [{ label: `Node ${process.version}`, bin: process.execPath }];
if (process.env.FATKIT_BENCH_NODE) {
  const bin = process.env.FATKIT_BENCH_NODE;
  nodes.push({ label: `Node ${execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()}`, bin });
}

/** Wall time of one process, in ms (stdout to /dev/null, as for every tool). */
function timed(argv, runEnv = env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env: runEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ').slice(0, 300)} exited ${r.status ?? r.signal}: ${r.stderr.toString().slice(-800)}`);
  return ms;
}

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
    { key: 'mkfs.fat -C + mcopy -s', run: () => (clean(), timed(mkfsArgv(made, tree.g)) + timed(mcopyInArgv(made, tree.dir))) },
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
  const med = Object.fromEntries(Object.entries(samples).map(([k, s]) => [k, median(s)]));
  const rows = [];
  for (const n of nodes) {
    const floor = med[`${n.label}: node -e 0`];
    for (const [f, c] of PAIRS) {
      const fk = `${n.label}: ${f}`;
      // Paired: own work / C tool in the same round, then the median over rounds.
      const paired = median(samples[fk].map((x, i) => (x - samples[`${n.label}: node -e 0`][i]) / samples[c][i]));
      rows.push({ node: n.label, fat: f, c, fatMs: med[fk], floorMs: floor, ownMs: med[fk] - floor, cMs: med[c], ratio: (med[fk] - floor) / med[c], paired });
    }
    rows.push({ node: n.label, version: med[`${n.label}: fat --version`], floorMs: floor });
  }
  return { tree: { name: tree.name, files: tree.files, dirs: tree.dirCount, bytes: tree.bytes, fatType: tree.g.fatType, clusterSize: tree.g.clusterSize }, samples, med, rows };
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

const trees = [];
try {
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
const lib = nodes.map((n) => ({ node: n.label, ...benchLibrary(n) }));

// ---------------------------------------------------------------------------------------------
// RESULTS.md

const ms = (x) => `${x.toFixed(1)} ms`;
const f2 = (x) => x.toFixed(2);
const cpus = os.cpus();
const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
const out = [];
out.push('# Small things: `fat list`, `extract`, small `make --from`, the library (issue #16)', '');
out.push(`Generated by \`node bench/small/run.js\`${quick ? ' --quick (harness check only)' : ''} on ${new Date().toISOString().slice(0, 10)}; ${ROUNDS} rounds.`, '');
out.push(`- Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}; load average at the end ${load}.`);
out.push('- **The machine was shared with other engineers\' builds and tests during this run** (2 cores, load well above 2): absolute times are inflated and noisy; the ratios, taken round by round, are steadier. The integrator reruns it on a quiet machine.');
out.push(`- Node binaries: ${nodes.map((n) => `${n.label} (${n.bin})`).join(', ')}. \`NODE_EXTRA_CA_CERTS\` is ${process.env.NODE_EXTRA_CA_CERTS ? 'set (every Node process, the empty one too, parses that CA bundle at start)' : 'not set'}.`);
out.push('- Whole-process wall times (spawn to exit, stdout to /dev/null), median of the rounds; every tool runs once untimed first; rounds rotate the order. **Own work** = fatkit\'s time − an empty `node -e 0` of the same binary. **Ratio** = own work ÷ the C tool\'s whole process (target ≤ 1.0); **paired** = the median over rounds of that ratio within one round.');
out.push('- `fat list IMG` vs `mdir -/ -a -i IMG ::/`; `fat extract IMG -o OUT` vs `mcopy -s -n -m -i IMG ::/* OUT`; `fat make IMG --from DIR` vs `mkfs.fat -C` (fatkit\'s geometry) + `mcopy -s -Q -m`. The image listed and extracted is fatkit\'s, made once from the tree.', '');
for (const t of trees) {
  out.push(`## ${t.tree.name}: ${t.tree.files} files in ${t.tree.dirs} directories, ${(t.tree.bytes / 2 ** 20).toFixed(1)} MiB, FAT${t.tree.fatType} (${t.tree.clusterSize} B clusters)`, '');
  out.push('| Node | fatkit command | fatkit | node -e 0 | own work | C tool | C tool time | ratio | paired |', '|---|---|---|---|---|---|---|---|---|');
  for (const r of t.rows) {
    if (r.version !== undefined) continue;
    out.push(`| ${r.node} | \`${r.fat}\` | ${ms(r.fatMs)} | ${ms(r.floorMs)} | ${ms(r.ownMs)} | \`${r.c}\` | ${ms(r.cMs)} | **${f2(r.ratio)}** | ${f2(r.paired)} |`);
  }
  out.push('');
  for (const r of t.rows) if (r.version !== undefined) out.push(`- ${r.node}: \`fat --version\` ${ms(r.version)}, \`node -e 0\` ${ms(r.floorMs)}: **+${ms(r.version - r.floorMs)}**.`);
  out.push('');
}
out.push('## Library: 2,000 files written, then listed and read back, vs js-fatfs', '');
out.push('In one process (bench/small/lib.js), on images in memory made by `mkfs.fat -C --invariant`: the 2,000 small files of the issue tree (400 directories). Write: mkdir every directory, write every file, close (fatkit `Volume.writeFile`; js-fatfs `f_mkdir`, `f_open`/`f_write`/`f_close`, `f_unmount`). List and read: mount, walk every directory recursively and read every file into a fresh buffer (fatkit `Volume.walk` + `readFile`; js-fatfs `f_opendir`/`f_readdir` + `f_open`/`f_read`, copied out of the wasm heap), on the same image (fatkit\'s). Instantiating the wasm module is not timed. Median of the rounds after a warm-up; ratio = fatkit ÷ js-fatfs (target ≤ 0.5).', '');
out.push('| Node | volume | operation | fatkit | js-fatfs | ratio |', '|---|---|---|---|---|---|');
for (const l of lib) for (const r of l.results) out.push(`| ${l.node} | ${r.volume} | ${r.op} | ${ms(r.fatkit)} | ${ms(r.jsfatfs)} | **${f2(r.fatkit / r.jsfatfs)}** |`);
out.push('');
const md = `${out.join('\n')}\n`;
if (!quick) {
  fs.writeFileSync(path.join(here, 'RESULTS.md'), md);
  fs.writeFileSync(path.join(here, 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, nodes, trees, lib }, null, 1)}\n`);
}
process.stdout.write(md);
