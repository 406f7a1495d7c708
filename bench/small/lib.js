#!/usr/bin/env node
// bench/small's library half, run by run.js once per Node binary: the 2,000 small files of the
// issue #16 tree (1 B - 20 KB in 400 directories, deterministic contents) written through fatkit's
// Volume and through js-fatfs (FatFs in wasm) onto the same fresh image in memory, then listed
// recursively and read back in full by each, from the same image (fatkit's). Prints JSON
// { results: [{ volume, op, fatkit, jsfatfs }] } (median ms) on stdout; progress on stderr.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryDevice, Volume } from '../../dist/core.js';
import * as FatFs from 'js-fatfs';
import { checkFr, jsFatfsOn, jsFatfsWriteTree } from '../js-fatfs.js';
import { issueTreeFiles } from './trees.js';
import { prng } from '../build/trees.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : Number(process.env.BENCH_LIB_ROUNDS ?? 7);
const MTIME = new Date('2024-01-02T03:04:06Z');
const env = { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` };
const gc = globalThis.gc ?? (() => {});
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// The tree: the issue's small files (the four 5 MiB ones are left out: this is about many small
// things), every directory made parent first.
const rnd = prng(99);
const files = issueTreeFiles().files.filter((f) => f.size < 1 << 20).map((f) => {
  const data = new Uint8Array(f.size);
  for (let i = 0; i < f.size; i++) data[i] = (rnd() * 256) | 0;
  return { path: `/${f.path}`, data };
});
const dirs = [...new Set(files.flatMap((f) => {
  const parts = f.path.split('/').slice(1, -1);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}))].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));

function freshImage(kib, fat) {
  const tmp = path.join(os.tmpdir(), `fatkit-bench-small-lib-${process.pid}.img`);
  fs.rmSync(tmp, { force: true });
  const r = spawnSync('mkfs.fat', ['-C', '--invariant', '-F', String(fat), tmp, String(kib)], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mkfs.fat: ${r.stderr}`);
  const bytes = new Uint8Array(fs.readFileSync(tmp));
  fs.rmSync(tmp);
  return bytes;
}

// ---- fatkit ----

function fatkitWrite(bytes) {
  const vol = Volume.open(new MemoryDevice(bytes), { now: () => MTIME });
  for (const d of dirs) vol.mkdir(d);
  for (const f of files) vol.writeFile(f.path, f.data, { mtime: MTIME });
  vol.close();
}

function fatkitRead(bytes) {
  const vol = Volume.open(new MemoryDevice(bytes), { readOnly: true });
  let n = 0;
  let total = 0;
  for (const e of vol.walk('/')) {
    if (e.stats.isDirectory()) continue;
    total += vol.readFile(e.path).length;
    n++;
  }
  vol.close();
  return { n, total };
}

// ---- js-fatfs (bench/js-fatfs.js: one instance for the whole run, each run on a fresh copy) ----

const jsFatfs = jsFatfsOn;
const jsFatfsWrite = (ff) => jsFatfsWriteTree(ff, dirs, files);
const check = checkFr;

function jsFatfsRead(ff) {
  const fatfs = ff.malloc(FatFs.sizeof_FATFS);
  const fil = ff.malloc(FatFs.sizeof_FIL);
  const fno = ff.malloc(FatFs.sizeof_FILINFO);
  const br = ff.malloc(4);
  const buf = ff.malloc(32768);
  check(ff.f_mount(fatfs, '', 1), 'f_mount');
  let n = 0;
  let total = 0;
  const walk = (dir) => {
    const dp = ff.malloc(FatFs.sizeof_DIR);
    check(ff.f_opendir(dp, dir), `f_opendir ${dir}`);
    const subdirs = [];
    for (;;) {
      check(ff.f_readdir(dp, fno), `f_readdir ${dir}`);
      const name = ff.FILINFO_fname(fno);
      if (name === '') break;
      const p = dir === '/' ? `/${name}` : `${dir}/${name}`;
      if (ff.FILINFO_fattrib(fno) & FatFs.AM_DIR) {
        subdirs.push(p);
        continue;
      }
      const size = ff.FILINFO_fsize(fno);
      check(ff.f_open(fil, p, FatFs.FA_READ), `f_open ${p}`);
      const data = new Uint8Array(size);
      let off = 0;
      while (off < size) {
        const want = Math.min(32768, size - off);
        check(ff.f_read(fil, buf, want, br), `f_read ${p}`);
        const got = ff.getValue(br, 'i32');
        if (got <= 0) break;
        data.set(ff.HEAPU8.subarray(buf, buf + got), off);
        off += got;
      }
      check(ff.f_close(fil), `f_close ${p}`);
      total += off;
      n++;
    }
    check(ff.f_closedir(dp), `f_closedir ${dir}`);
    ff.free(dp);
    // Depth first like fatkit's walk (which enters a directory where it meets it).
    for (const s of subdirs) walk(s);
  };
  walk('/');
  check(ff.f_unmount(''), 'f_unmount');
  for (const p of [buf, br, fno, fil, fatfs]) ff.free(p);
  return { n, total };
}

// ---- the run ----

async function bench(volume, kib, fat) {
  const template = freshImage(kib, fat);
  const want = { n: files.length, total: files.reduce((s, f) => s + f.data.length, 0) };
  const t = { write: { fatkit: [], jsfatfs: [] }, read: { fatkit: [], jsfatfs: [] } };
  const c = { write: { fatkit: [], jsfatfs: [] }, read: { fatkit: [], jsfatfs: [] } };
  const cpuMs = (c0) => {
    const u = process.cpuUsage(c0);
    return (u.user + u.system) / 1000;
  };
  let readImage;
  for (let round = 0; round <= ROUNDS; round++) {
    // write
    for (const tool of round % 2 ? ['jsfatfs', 'fatkit'] : ['fatkit', 'jsfatfs']) {
      const bytes = template.slice();
      const ff = tool === 'jsfatfs' ? await jsFatfs(bytes) : undefined;
      gc();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      if (ff) jsFatfsWrite(ff);
      else fatkitWrite(bytes);
      const dt = performance.now() - t0;
      const dc = cpuMs(c0);
      if (round) t.write[tool].push(dt);
      if (round) c.write[tool].push(dc);
      if (!round && !ff) readImage = bytes;
    }
    // list and read back, both from fatkit's image
    for (const tool of round % 2 ? ['jsfatfs', 'fatkit'] : ['fatkit', 'jsfatfs']) {
      const bytes = readImage.slice();
      const ff = tool === 'jsfatfs' ? await jsFatfs(bytes) : undefined;
      gc();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const got = ff ? jsFatfsRead(ff) : fatkitRead(bytes);
      const dt = performance.now() - t0;
      const dc = cpuMs(c0);
      if (round) c.read[tool].push(dc);
      if (got.n !== want.n || got.total !== want.total) throw new Error(`${tool} read back ${got.n} files, ${got.total} bytes; want ${want.n}, ${want.total}`);
      if (round) t.read[tool].push(dt);
    }
    process.stderr.write(`[bench/small lib ${process.version}] ${volume} round ${round}${round ? '' : ' (warm-up)'}\n`);
  }
  return [
    { volume, op: `write ${files.length} files (${dirs.length} dirs)`, fatkit: median(t.write.fatkit), jsfatfs: median(t.write.jsfatfs), fatkitCpu: median(c.write.fatkit), jsfatfsCpu: median(c.write.jsfatfs) },
    { volume, op: 'list + read them all back', fatkit: median(t.read.fatkit), jsfatfs: median(t.read.jsfatfs), fatkitCpu: median(c.read.fatkit), jsfatfsCpu: median(c.read.jsfatfs) },
  ];
}

const results = [...(await bench('FAT16 64 MiB', 64 * 1024, 16)), ...(await bench('FAT32 256 MiB', 256 * 1024, 32))];
process.stdout.write(`${JSON.stringify({ results })}\n`);
