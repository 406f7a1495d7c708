// One measurement in a fresh process (run with --expose-gc): import, first file, every file (wall
// and CPU time of this process), RSS.
//   node --expose-gc probe.mjs KIND MODULE
// KIND: crunch | esbuild-binary | esbuild-base64 | fs | empty. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [kind, modulePath] = process.argv.slice(2);
const settle = async () => {
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 20));
  globalThis.gc();
};

if (kind === 'empty') {
  await settle();
  console.log(JSON.stringify({ rss: process.memoryUsage().rss }));
  process.exit(0);
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const [t0, c0] = [performance.now(), cpu()];
const m = await import(pathToFileURL(modulePath).href);
const [t1, c1] = [performance.now(), cpu()];

// Every kind as: a list of paths and an async read(path) -> bytes.
const api = {
  crunch: () => ({ files: m.files, read: (p) => m.read(p) }),
  'esbuild-binary': () => ({ files: Object.keys(m.default), read: async (p) => m.default[p] }),
  'esbuild-base64': () => ({ files: Object.keys(m.default), read: async (p) => Buffer.from(m.default[p], 'base64') }),
  fs: () => ({ files: m.files, read: async (p) => readFileSync(new URL(p, m.root)) }),
}[kind]();

const first = await api.read(api.files[0]);
const [t2, c2] = [performance.now(), cpu()];
let bytes = first.length;
for (const p of api.files.slice(1)) bytes += (await api.read(p)).length;
const [t3, c3] = [performance.now(), cpu()];
await settle();
console.log(JSON.stringify({
  import: t1 - t0, first: t2 - t1, all: t3 - t1, importCpu: c1 - c0, firstCpu: c2 - c1, allCpu: c3 - c1,
  rss: process.memoryUsage().rss, count: api.files.length, bytes,
}));
