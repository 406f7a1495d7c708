#!/usr/bin/env node
// Issue #4 benchmark: writeFile of 2,000 small files (200 B - 8 KiB, deterministic contents, in 40
// directories) through each library's own API onto a fresh image held in memory, against
// js-fatfs (ChaN's FatFs in wasm) and the `fatfs` npm package. All three start from the same fresh
// image bytes (mkfs.fat -C --invariant, or fatkit's mkfs when mkfs.fat is missing): a 64 MiB FAT16
// and a 256 MiB FAT32 volume. Runs alternate between the tools, one warm-up round first; the median
// of ROUNDS timed runs is reported, with ratios to fatkit (fatkit = 1.0). Each tool's result is
// checked once, outside the timing: fsck.fat -n -V, and every file read back through fatkit.
// Writes bench/write/RESULTS.md and prints it.
//
//   npm run build && node bench/write/run.js           the full run (a few minutes)
//   node bench/write/run.js --quick                    200 files, 2 rounds: checks the harness
//
// Env: BENCH_ROUNDS=N (default 5), BENCH_FATFS_BUDGET_S=S stops a `fatfs` run after S seconds
// (default 120; the run is then reported as not finished, with its rate).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { MemoryDevice, Volume, mkfs } from '../../dist/core.js';
import { jsFatfsOn, jsFatfsWriteTree } from '../js-fatfs.js';

const require = createRequire(import.meta.url);
const fatfsNpm = require('fatfs');

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const FILES = quick ? 200 : 2000;
const DIRS = 40;
const ROUNDS = quick ? 2 : Number(process.env.BENCH_ROUNDS ?? 5);
const FATFS_BUDGET_MS = Number(process.env.BENCH_FATFS_BUDGET_S ?? 120) * 1000;
const SS = 512;
const MTIME = new Date('2024-01-02T03:04:06Z');
const env = { ...process.env, MTOOLS_SKIP_CHECK: '1', TZ: 'UTC', PATH: `${process.env.PATH}:/usr/sbin:/sbin` };
const have = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { env }).status === 0;

// ---- the tree: 40 directories (20 top-level, each with one subdirectory), 2,000 files ----

/** xorshift32: the same bytes on every run and machine. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

function makeTree() {
  const next = rng(0x5eed);
  const dirs = [];
  for (let i = 0; i < DIRS / 2; i++) {
    const top = `/section-${String(i).padStart(2, '0')}`;
    dirs.push(top, `${top}/assets`);
  }
  const files = [];
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    const size = 200 + (next() % (8192 - 200 + 1));
    const data = new Uint8Array(size);
    for (let j = 0; j < size; j += 4) {
      const v = next();
      data[j] = v; data[j + 1] = v >>> 8; data[j + 2] = v >>> 16; data[j + 3] = v >>> 24;
    }
    // Half 8.3 names in lower case (case bits, no long name), half long names.
    const name = i % 2 ? `f${String(i).padStart(4, '0')}.txt` : `Page ${String(i).padStart(4, '0')} of the site.html`;
    files.push({ path: `${dirs[i % DIRS]}/${name}`, data });
    bytes += size;
  }
  return { dirs, files, bytes };
}

// ---- fresh images ----

function freshImage(kib, fat) {
  if (have('mkfs.fat')) {
    const tmp = path.join(os.tmpdir(), `fatkit-bench-write-${process.pid}-${fat}.img`);
    fs.rmSync(tmp, { force: true });
    const r = spawnSync('mkfs.fat', ['-C', '--invariant', '-F', String(fat), tmp, String(kib)], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mkfs.fat: ${r.stderr}`);
    const bytes = new Uint8Array(fs.readFileSync(tmp));
    fs.rmSync(tmp);
    return { bytes, maker: 'mkfs.fat -C --invariant' };
  }
  const dev = new MemoryDevice(kib * 1024);
  mkfs(dev, { fatType: fat, time: 1426325213000, volumeId: 0x1234abcd });
  return { bytes: dev.bytes, maker: "fatkit's mkfs" };
}

// ---- the three writers; each takes fresh image bytes and the tree, and returns the bytes ----

function fatkitWrite(bytes, tree) {
  const vol = Volume.open(new MemoryDevice(bytes), { now: () => MTIME });
  for (const d of tree.dirs) vol.mkdir(d);
  for (const f of tree.files) vol.writeFile(f.path, f.data, { mtime: MTIME });
  vol.close();
  return { bytes, files: tree.files.length };
}

function jsFatfsWrite(ff, bytes, tree) {
  jsFatfsWriteTree(ff, tree.dirs, tree.files);
  return { bytes, files: tree.files.length };
}

/**
 * fatfs 0.10.8 reads a FAT32 end-of-chain mark of exactly 0x0FFFFFF8 (what mkfs.fat writes for the
 * root directory's cluster) as "reserved" and fails with EIO; any value >= 0x0FFFFFF8 ends a chain.
 * Its copy of the image gets 0x0FFFFFFF there instead (the same meaning), in every FAT.
 */
function patchFat32RootEoc(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (dv.getUint16(22, true) !== 0) return false; // FAT12/16: FATSz16 is set
  const reserved = dv.getUint16(14, true);
  const fats = bytes[16];
  const fatSize = dv.getUint32(36, true);
  const root = dv.getUint32(44, true);
  let patched = false;
  for (let i = 0; i < fats; i++) {
    const at = (reserved + i * fatSize) * SS + root * 4;
    const v = dv.getUint32(at, true);
    if ((v & 0x0fffffff) === 0x0ffffff8) {
      dv.setUint32(at, (v & 0xf0000000) | 0x0fffffff, true);
      patched = true;
    }
  }
  return patched;
}

function fatfsNpmWrite(bytes, tree, budgetMs) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const driver = {
    sectorSize: SS,
    numSectors: bytes.length / SS,
    readSectors(i, dest, cb) {
      buf.copy(dest, 0, i * SS, i * SS + dest.length);
      setImmediate(cb, null, dest);
    },
    writeSectors(i, data, cb) {
      data.copy(buf, i * SS);
      setImmediate(cb, null);
    },
  };
  const t0 = performance.now();
  return new Promise((ok, fail) => {
    // fatfs throws some errors from inside its callbacks instead of passing them on.
    const thrown = (e) => reject(e);
    const resolve = (v) => {
      process.off('uncaughtException', thrown);
      ok(v);
    };
    const reject = (e) => {
      process.off('uncaughtException', thrown);
      fail(e);
    };
    process.on('uncaughtException', thrown);
    const ffs = fatfsNpm.createFileSystem(driver, {}, (e) => {
      if (e) return reject(e);
      (async () => {
        const call = (fn, ...args) => new Promise((res, rej) => fn.call(ffs, ...args, (err) => (err ? rej(err) : res())));
        for (const d of tree.dirs) await call(ffs.mkdir, d.slice(1));
        let files = 0;
        for (const f of tree.files) {
          if (performance.now() - t0 > budgetMs) break;
          await call(ffs.writeFile, f.path.slice(1), Buffer.from(f.data.buffer, f.data.byteOffset, f.data.length));
          files++;
        }
        resolve({ bytes, files });
      })().catch(reject);
    });
  });
}

// ---- checks, outside the timing ----

function fsckLines(bytes) {
  if (!have('fsck.fat')) return ['fsck.fat not installed'];
  const tmp = path.join(os.tmpdir(), `fatkit-bench-write-check-${process.pid}.img`);
  fs.writeFileSync(tmp, bytes);
  const r = spawnSync('fsck.fat', ['-n', '-V', tmp], { env, encoding: 'utf8' });
  fs.rmSync(tmp, { force: true });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const problems = lines.filter((l) => !/^fsck\.fat \d/.test(l) && !/^Checking we can access/.test(l) && !/^Starting (check\/repair|verification) pass/.test(l) && !l.startsWith(`${tmp}:`));
  return r.status === 0 ? problems : [`exit ${r.status}`, ...problems];
}

/** Every file written is there with its bytes (read through fatkit). */
function readBack(bytes, tree, files) {
  const vol = Volume.open(new MemoryDevice(bytes), { readOnly: true });
  let bad = 0;
  for (const f of tree.files.slice(0, files)) {
    let ok = false;
    try {
      const got = vol.readFile(f.path);
      ok = got.length === f.data.length && got.every((b, i) => b === f.data[i]);
    } catch {
      ok = false;
    }
    if (!ok) bad++;
  }
  vol.close();
  return bad;
}

// ---- the run ----

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const gc = globalThis.gc ?? (() => {});

async function bench(label, kib, fat, tree) {
  const { bytes: template, maker } = freshImage(kib, fat);
  const tools = [
    { name: 'fatkit', run: async (b) => fatkitWrite(b, tree) },
    { name: 'js-fatfs', setup: jsFatfsOn, run: async (b, ff) => jsFatfsWrite(ff, b, tree) },
    { name: 'fatfs (npm)', prepare: patchFat32RootEoc, run: (b) => fatfsNpmWrite(b, tree, FATFS_BUDGET_MS) },
  ];
  const times = new Map(tools.map((t) => [t.name, []]));
  const notes = new Map(tools.map((t) => [t.name, { files: tree.files.length, check: undefined, unfinished: false }]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const t of tools) {
      const note = notes.get(t.name);
      if (note.failed || (note.unfinished && round > 1)) continue; // one timed run shows it does not finish
      const bytes = template.slice();
      if (t.prepare && t.prepare(bytes)) note.patched = true;
      const ctx = t.setup ? await t.setup(bytes) : undefined;
      gc();
      const t0 = performance.now();
      let out;
      try {
        out = await t.run(bytes, ctx);
      } catch (e) {
        note.failed = `failed: ${String(e?.message ?? e).split('\n')[0]}`;
        process.stderr.write(`${label} ${t.name}: ${note.failed}\n`);
        continue;
      }
      const ms = performance.now() - t0;
      if (round === 0) {
        // The warm-up run is not timed; its result is the one checked.
        const fsck = fsckLines(out.bytes);
        const bad = readBack(out.bytes, tree, out.files);
        // Each kind of complaint once, with a count (the path lines before them are left out).
        const kinds = new Map();
        for (const l of fsck) {
          if (l.startsWith('/') || /^(Leaving filesystem unchanged|Using first FAT|Auto-correcting)\.?$/.test(l) || /^exit \d+$/.test(l)) continue;
          const k = l.replace(/\(\d+ vs\. really \d+\)/, '').replace(/ Fixing\.$/, '').trim();
          kinds.set(k, (kinds.get(k) ?? 0) + 1);
        }
        const said = [...kinds].map(([k, n]) => (n > 1 ? `${k} (${n} times)` : k));
        note.check = `${fsck.length ? `fsck.fat: ${said.join(' ')}` : 'fsck.fat clean'}; ${out.files - bad}/${out.files} files read back`;
        note.files = out.files;
        note.unfinished = out.files < tree.files.length;
        if (note.unfinished) times.get(t.name).push(ms);
        process.stderr.write(`${label} ${t.name}: warm-up ${ms.toFixed(0)} ms, ${note.check}\n`);
        continue;
      }
      times.get(t.name).push(ms);
      if (out.files < tree.files.length) {
        note.unfinished = true;
        note.files = Math.min(note.files, out.files);
      }
      process.stderr.write(`${label} ${t.name}: round ${round} ${ms.toFixed(0)} ms${out.files < tree.files.length ? ` (stopped after ${out.files} files)` : ''}\n`);
    }
  }
  return { label, maker, tools: tools.map((t) => ({ name: t.name, times: times.get(t.name), ...notes.get(t.name) })) };
}

const tree = makeTree();
const results = [];
results.push(await bench('FAT16 64 MiB', 64 * 1024, 16, tree));
results.push(await bench('FAT32 256 MiB', 256 * 1024, 32, tree));

// ---- RESULTS.md ----

const cpus = os.cpus();
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
let md = `# Write benchmark: 2,000 small files through each library's API

Generated by \`node bench/write/run.js\`${quick ? ' --quick (harness check only: 200 files, 2 rounds)' : ''} on ${new Date().toISOString().slice(0, 10)}.

- Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}
- Node ${process.version}; js-fatfs ${require('js-fatfs/package.json').version}, fatfs ${require('fatfs/package.json').version}
- Tree: ${tree.files.length} files of 200 B - 8 KiB (${(tree.bytes / 2 ** 20).toFixed(1)} MiB in all, deterministic contents), half with
  long names, in ${tree.dirs.length} directories (20 top-level, each with one subdirectory).
- Each run: a copy of the same fresh image bytes in memory, mkdir every directory, then write every
  file through the library's own API (fatkit \`Volume.writeFile\` on a \`MemoryDevice\`; js-fatfs
  \`f_open\`/\`f_write\`/\`f_close\` over a memory DiskIO; fatfs \`fs.writeFile\` over a memory sector
  driver), then unmount / close. js-fatfs runs in one wasm instance for the whole process (as a program keeps one), instantiated untimed; a fresh instance per run would time its code cold.
- ${ROUNDS} timed rounds after one warm-up round, alternating tools; the median is reported.
  Each tool's warm-up result is checked with \`fsck.fat -n -V\` and by reading every file back with fatkit.
`;
for (const r of results) {
  const base = median(r.tools[0].times);
  md += `\n## ${r.label} (fresh image from ${r.maker})\n\n| tool | median | min | max | runs | ratio (fatkit = 1.0) | files/s | check |\n|---|---|---|---|---|---|---|---|\n`;
  for (const t of r.tools) {
    if (t.failed) {
      md += `| ${t.name} | - | - | - | 0 | - | - | ${t.failed} |\n`;
      continue;
    }
    const m = median(t.times);
    const rate = (t.files / m) * 1000;
    const ratio = t.unfinished ? `> ${(m / base).toFixed(1)} (stopped after ${t.files} of ${tree.files.length} files)` : (m / base).toFixed(2);
    const check = t.patched ? `${t.check}; FAT[2] patched to 0x0FFFFFFF (see below)` : t.check;
    md += `| ${t.name} | ${fmt(m)} | ${fmt(Math.min(...t.times))} | ${fmt(Math.max(...t.times))} | ${t.times.length} | ${ratio} | ${rate.toFixed(0)} | ${check} |\n`;
  }
}
md += `
Ratios are time relative to fatkit on the same image: above 1.0 is slower than fatkit, below 1.0
faster. Timings are wall-clock in one Node process on a shared machine; no thresholds are asserted
anywhere (tests never time things).

Notes on the other tools:
- fatfs (npm) keeps only the first FAT up to date (its README says so), so fsck.fat reports
  "FATs differ" on everything it writes; the files themselves read back intact. On FAT32 it also
  gives directories under the root a \`..\` entry pointing at cluster 2 (the root's cluster; FAT wants
  0 there) and leaves the FSInfo free count as it was.
- fatfs 0.10.8 reads a FAT32 end-of-chain mark of exactly 0x0FFFFFF8, which mkfs.fat writes for the
  root directory's cluster, as "reserved" and fails with EIO on the first directory operation. Its
  copy of the FAT32 image therefore has FAT[2] = 0x0FFFFFFF in both FATs (the same meaning: any
  value >= 0x0FFFFFF8 ends a chain); the other tools get the image exactly as mkfs.fat made it.
- A fatfs run is stopped after ${FATFS_BUDGET_MS / 1000} s (BENCH_FATFS_BUDGET_S); a stopped run is timed once and
  reported with the number of files it wrote, its ratio as a lower bound.
- js-fatfs (FatFs compiled to wasm) stores the long names (every file is read back by its long
  path); its entries get FatFs's own timestamp, as no mtime is passed to it (its build has no
  f_utime), while fatkit stamps the given mtime: the same directory-entry work either way.
`;
if (!quick) fs.writeFileSync(path.join(here, 'RESULTS.md'), md);
process.stdout.write(md);
