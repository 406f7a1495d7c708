/**
 * One fuzz case: mount a mutated image and run open, info, list, read, extract, check, a few writes,
 * close, check --repair and check again. Every operation must succeed or throw a FatError, stay
 * within its time bound, and never touch a sector outside the device.
 */
import { Overlay, layout, mutate, rng } from './mutate.mjs';

/** A 512-byte-sector device over an Overlay that records (and refuses) out-of-bounds access. */
export class FuzzDevice {
  constructor(img, FatError) {
    this.img = img;
    this.sectorSize = 512;
    this.readOnly = false;
    this.violations = [];
    this.FatError = FatError;
    this.closed = false;
  }
  get sectorCount() {
    return Math.floor(this.img.size / 512);
  }
  bounds(lba, buf, what) {
    const n = buf.length / 512;
    if (!Number.isSafeInteger(lba) || lba < 0 || !Number.isInteger(n) || lba + n > this.sectorCount) {
      this.violations.push(`${what} of ${buf.length} bytes at sector ${lba} outside the device (${this.sectorCount} sectors)`);
      throw new this.FatError('EIO', `fuzz device: ${what} outside the device`);
    }
  }
  read(lba, into) {
    this.bounds(lba, into, 'read');
    const img = this.img;
    for (let i = 0; i < into.length / 512; i++) {
      const s = lba + i;
      const o = img.sectors.get(s);
      if (o) into.set(o, i * 512);
      else into.set(img.base.subarray(s * 512, s * 512 + 512), i * 512);
    }
  }
  write(lba, data) {
    this.bounds(lba, data, 'write');
    for (let i = 0; i < data.length / 512; i++) this.img.sector(lba + i).set(data.subarray(i * 512, i * 512 + 512));
  }
  flush() {}
  close() {
    this.closed = true;
  }
}

/** What the mutators need to know about a seed: its layout, directory slots and used clusters. */
export function describeSeed(lib, bytes) {
  const L = layout(bytes);
  const dev = new lib.MemoryDevice(new Uint8Array(bytes));
  const vol = lib.Volume.open(dev, { readOnly: true });
  const slots = [];
  const used = [];
  const clusterBytes = L.bps * L.spc;
  const dataOff = L.dataStart * L.bps;
  const addCluster = (c) => {
    for (let i = 0; i < clusterBytes; i += 32) slots.push(dataOff + (c - 2) * clusterBytes + i);
  };
  if (L.fat32) for (let c = L.rootCluster; c >= 2 && c <= L.clusters + 1; c = vol.fat.get(c)) addCluster(c);
  else for (let i = 0; i < L.rootEntries; i++) slots.push(L.rootStart * L.bps + 32 * i);
  for (const e of vol.walk('/')) {
    if (e.stats.firstCluster < 2) continue;
    const chain = vol.fat.chain(e.stats.firstCluster, e.path);
    used.push(...chain);
    if (e.stats.isDirectory()) for (const c of chain) addCluster(c);
  }
  vol.close();
  // Only slots in use or just past the end (the end marker) are interesting.
  return { L, slots: slots.filter((o) => bytes[o] !== 0 || bytes[o - 32] !== 0).slice(0, 4000), used };
}

const isFatError = (lib, e) => e instanceof lib.FatError;

/** Run `fn` as one bounded operation; a non-FatError, a multi-line message or a slow run is a failure. */
function makeOp(lib, failures, budgetMs, counter) {
  return (name, fn) => {
    counter.ops++;
    const t0 = performance.now();
    let result;
    try {
      result = fn();
    } catch (e) {
      if (!isFatError(lib, e)) failures.push({ op: name, error: `${e?.name}: ${e?.message}`, stack: e?.stack });
      else if (/[\n\r]/.test(e.message)) failures.push({ op: name, error: `multi-line FatError message (${e.code}): ${e.message}` });
      result = undefined;
    }
    const ms = performance.now() - t0;
    if (ms > budgetMs) failures.push({ op: name, error: `took ${Math.round(ms)} ms (budget ${budgetMs} ms)` });
    return result;
  };
}

const FIXED_NOW = () => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));

/**
 * Every operation on a given image, exhaustively rather than by a random pick (for regression
 * fixtures): list, read and extract everything, check; then on fresh copies rm -r, rename and
 * append for every entry (rename and append: the first 30), a new file and directory; each followed by close, check
 * --repair and check.
 */
export function runAll(lib, bytes, options = {}) {
  const budgetMs = options.budgetMs ?? 5000;
  const failures = [];
  const counter = { ops: 0 };
  const op = makeOp(lib, failures, budgetMs, counter);
  const size = Math.floor(bytes.length / 512) * 512;
  const fresh = () => {
    const img = new Overlay(bytes);
    img.size = size;
    return new FuzzDevice(img, lib.FatError);
  };
  const devices = [];
  const dev = fresh();
  devices.push(dev);
  const vol = op('open', () => lib.Volume.open(dev, { readOnly: true, closeDevice: false }));
  let entries = [];
  if (vol) {
    op('info', () => vol.info());
    entries = op('list', () => {
      const out = [];
      for (const e of vol.walk('/')) if (out.push(e) > 5000) break;
      return out;
    }) ?? [];
    for (const e of entries.filter((x) => x.stats.isFile()).slice(0, 1000)) op('read', () => vol.readFile(e.path));
    for (const e of entries.slice(0, 300)) op('map', () => lib.clusterMap(vol, e.path));
    op('du', () => lib.diskUsage(vol, '/'));
    op('attrib', () => lib.attrib(vol, ['/'], { recursive: true }));
    op('check', () => lib.check(vol));
    op('close', () => vol.close());
  }
  const writes = [];
  entries.slice(0, 300).forEach((e, i) => {
    writes.push(['rm', (v) => v.rm(e.path, { recursive: true })]);
    if (i < 30) writes.push(['rename', (v) => v.rename(e.path, '/renamed by the fuzzer.txt')]);
    if (i < 30 && e.stats.isFile()) writes.push(['appendFile', (v) => v.appendFile(e.path, new Uint8Array(700))]);
  });
  writes.push(['writeFile', (v) => v.writeFile('/fuzz new file.txt', new Uint8Array(3000))], ['mkdir', (v) => v.mkdir('/fz/a/b', { recursive: true })]);
  for (const [name, fn] of writes) {
    const d = fresh();
    devices.push(d);
    const v = op('open', () => lib.Volume.open(d, { now: FIXED_NOW, closeDevice: false }));
    if (v) {
      op(name, () => fn(v));
      op('close', () => v.close());
    }
    op('check --repair', () => lib.check(d, { repair: true }));
    op('check after repair', () => lib.check(d));
  }
  for (const d of devices) for (const v of d.violations) failures.push({ op: 'device', error: v });
  return { ops: counter.ops, failures };
}

/**
 * Run the operations on one mutated image. `budgetMs` bounds each operation (a slower one is a
 * failure: a hang candidate). Returns the number of operations and the failures.
 */
export function runCase(lib, seed, iteration, seedBytes, info, options = {}) {
  const budgetMs = options.budgetMs ?? 2000;
  const r = rng(seed, iteration);
  const img = new Overlay(seedBytes);
  const mutation = mutate(img, info.L, info, r);
  const mutated = img.clone();
  const failures = [];
  const counter = { ops: 0 };
  const dev = new FuzzDevice(img, lib.FatError);
  const op = makeOp(lib, failures, budgetMs, counter);
  let vol = op('open', () => lib.Volume.open(dev, { now: FIXED_NOW }));
  if (vol) {
    op('info', () => vol.info());
    const entries = op('list', () => {
      const out = [];
      for (const e of vol.walk('/')) if (out.push(e) > 5000) break;
      return out;
    }) ?? [];
    const files = entries.filter((e) => e.stats.isFile());
    for (const f of files.slice(0, 6)) op('read', () => vol.readFile(f.path));
    for (const e of entries.slice(0, 6)) op('map', () => lib.clusterMap(vol, e.path));
    op('du', () => lib.diskUsage(vol, '/'));
    op('fragmentation', () => lib.fragmentation(vol));
    op('extract', () => {
      let bytes = 0;
      for (const e of entries) {
        if (!e.stats.isFile()) continue;
        const name = e.path.split('/').pop();
        if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) continue;
        try {
          for (const chunk of vol.readChunks(e.path, 64 * 1024)) bytes += chunk.length;
        } catch (err) {
          if (!isFatError(lib, err)) throw err;
        }
      }
      return bytes;
    });
    op('check', () => lib.check(vol));
    const data = new Uint8Array(r.int(3) === 0 ? 0 : 1 + r.int(9000)).map((_, i) => i & 0xff);
    op('writeFile', () => vol.writeFile(r.pick(['/fuzz new file.txt', '/NEW.TXT', '/SUB/NEWER.BIN', '/HELLO.TXT']), data));
    if (files.length) op('appendFile', () => vol.appendFile(r.pick(files).path, data.subarray(0, 700)));
    op('mkdir', () => vol.mkdir(r.pick(['/fz/a/b', '/SUB/made here', '/MANY/x']), { recursive: true }));
    if (entries.length) op('rename', () => vol.rename(r.pick(entries).path, r.pick(['/renamed.txt', '/SUB/moved', '/MANY/file number 3.txt'])));
    // Not r.pick: the random stream (and so every recorded seed's case) stays as it was.
    if (entries.length) op('attrib', () => lib.attrib(vol, [entries[entries.length - 1].path], { recursive: true, change: { hidden: true, archive: false } }));
    if (entries.length) op('rm', () => vol.rm(r.pick(entries).path, { recursive: true }));
    op('close', () => vol.close());
    vol = undefined;
  }
  op('check --repair', () => lib.check(dev, { repair: true }));
  op('check after repair', () => lib.check(dev));
  op('open after repair', () => {
    const v = lib.Volume.open(dev, { readOnly: true, closeDevice: false });
    let n = 0;
    for (const _ of v.walk('/')) if (++n > 5000) break;
    v.close();
  });
  for (const v of dev.violations) failures.push({ op: 'device', error: v });
  return { ops: counter.ops, failures, mutation, img: mutated };
}
