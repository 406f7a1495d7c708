#!/usr/bin/env node
// Where `fat make --from` spends its time: the same steps as buildImageFromDir (dist code), timed one
// by one, with the device's writes and the host reads timed inside writeBuild.
//   node bench/build/phases.js IMG DIR [--no-flush] [--json] [--marks=FILE]
// --marks writes each phase's start (monotonic µs, the clock of V8's .cpuprofile) for profile-summary.js.
const t00 = performance.now(); // process start → this line: Node's own start (process.uptime covers it)
const startMs = process.uptime() * 1000;
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [image, from] = args;
if (!image || !from) {
  console.error('usage: phases.js IMG DIR [--no-flush] [--json]');
  process.exit(2);
}
const fs = await import('node:fs');
const path = await import('node:path');
const tImp0 = performance.now();
// BENCH_DIST=DIR times another build of dist/ (an experiment) instead of the repo's.
const lib = await import(process.env.BENCH_DIST ? (await import('node:url')).pathToFileURL(path.resolve(process.env.BENCH_DIST, 'index.js')).href : '../../dist/index.js');
const tImp1 = performance.now();
const cpuAtImport = process.cpuUsage();
const { collectBuildEntries, planBuild, planImageBytes, writeBuild, FileDevice } = lib;

const ms = {};
const cpu = {};
const marks = [];
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
marks.push(['start+import', Math.round(nowUs() - performance.now() * 1000)]);
const cpuMs = (u) => (u.user + u.system) / 1000;
const lap = (name, f) => {
  marks.push([name, nowUs()]);
  const t = performance.now();
  const c = process.cpuUsage();
  const r = f();
  ms[name] = (ms[name] ?? 0) + performance.now() - t;
  cpu[name] = cpuMs(process.cpuUsage(c));
  return r;
};

marks.push(['collect', nowUs()]);
let t = performance.now();
let c0 = process.cpuUsage();
const entries = await collectBuildEntries(from);
ms.collect = performance.now() - t;
cpu.collect = cpuMs(process.cpuUsage(c0));
let readMs = 0;
let reads = 0;
for (const e of entries) {
  if (!e.read) continue;
  const inner = e.read;
  e.read = (pos, into) => {
    const t0 = performance.now();
    const n = inner(pos, into);
    readMs += performance.now() - t0;
    reads++;
    return n;
  };
}
const plan = lap('plan', () => planBuild(entries, {}, 512));
const bytes = planImageBytes(plan, {});
const tmp = path.join(path.dirname(path.resolve(image)), `.${path.basename(image)}.phases-${process.pid}`);
const dev = lap('create', () => FileDevice.create(tmp, bytes, { sectorSize: 512, exclusive: true }));
let writeMs = 0;
let writes = 0;
let writeBytes = 0;
let flushInBuildMs = 0;
const timedDev = {
  get sectorSize() { return dev.sectorSize; },
  get sectorCount() { return dev.sectorCount; },
  get readOnly() { return dev.readOnly; },
  read: (lba, into) => dev.read(lba, into),
  write: (lba, data) => {
    const t0 = performance.now();
    dev.write(lba, data);
    writeMs += performance.now() - t0;
    writes++;
    writeBytes += data.length;
  },
  flush: () => {
    const t0 = performance.now();
    dev.flush();
    flushInBuildMs += performance.now() - t0;
  },
  close: () => dev.close(),
};
lap('writeBuild', () => writeBuild(timedDev, plan, {}));
if (!process.argv.includes('--no-flush')) lap('fdatasync', () => dev.flush());
lap('close+rename', () => {
  dev.close();
  fs.renameSync(tmp, image);
});
const end = performance.now();
marks.push(['exit', nowUs()]);
const marksAt = process.argv.find((a) => a.startsWith('--marks='));
if (marksAt) fs.writeFileSync(marksAt.slice(8), JSON.stringify(marks));
const r1 = (x) => +x.toFixed(1);
const out = {
  nodeStartMs: r1(startMs),
  importMs: r1(tImp1 - tImp0),
  cpuBeforeCollectMs: r1(cpuMs(cpuAtImport)),
  collectMs: r1(ms.collect),
  collectCpuMs: r1(cpu.collect),
  planMs: r1(ms.plan),
  planCpuMs: r1(cpu.plan),
  createMs: r1(ms.create),
  writeBuildMs: r1(ms.writeBuild),
  writeBuildCpuMs: r1(cpu.writeBuild),
  '  hostReadMs': +readMs.toFixed(1),
  '  deviceWriteMs': +writeMs.toFixed(1),
  '  fdatasyncInBuildMs (Volume.close)': r1(flushInBuildMs),
  '  otherMs (encode, FAT, copies)': r1(ms.writeBuild - readMs - writeMs - flushInBuildMs),
  fdatasyncAfterMs: r1(ms.fdatasync ?? 0),
  totalCpuMs: r1(cpuMs(process.cpuUsage())),
  closeRenameMs: +ms['close+rename'].toFixed(1),
  scriptMs: +(end - t00).toFixed(1),
  entries: entries.length,
  hostReads: reads,
  deviceWrites: writes,
  deviceWriteMiB: +(writeBytes / 2 ** 20).toFixed(1),
};
if (process.argv.includes('--json')) console.log(JSON.stringify(out));
else for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(34)} ${v}`);
