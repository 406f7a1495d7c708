#!/usr/bin/env node
// Summarise a V8 .cpuprofile (from `node --cpu-prof`): CPU ms by file, the heaviest functions by self
// time, and inclusive time of the builder's phases.
//   node bench/build/profile-summary.js PROFILE.cpuprofile [--top N] [--marks=FILE]
// With --marks (from phases.js) samples are also split by the phase running when they were taken.
import * as fs from 'node:fs';

const file = process.argv[2];
const topN = Number(process.argv[process.argv.indexOf('--top') + 1]) || 25;
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node from samples × time deltas.
const self = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i];
  self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

const short = (url) => url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/').replace(/^node:/, 'node:');
const keyOf = (n) => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const fileOf = (n) => {
  const u = n.callFrame.url;
  if (!u) return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)';
  const s = short(u);
  if (s.startsWith('node_modules/')) return s.split('/').slice(0, 2).join('/');
  return s;
};

const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
const files = new Map();
const funcs = new Map();
for (const [id, ms] of self) {
  const n = byId.get(id);
  add(files, fileOf(n), ms);
  add(funcs, keyOf(n), ms);
}

// Inclusive time of named phases: a sample counts once for the outermost matching frame.
const PHASES = [
  ['collectTree (host walk)', /^collectTree$/],
  ['planBuild (names, layout)', /^planBuild$/],
  ['writeBuild (data + metadata)', /^writeBuild$/],
  ['module loading (ESM link/eval)', /^(moduleLink|moduleEvaluation|link|instantiate|evaluate|import|loadESM|runEntryPointWithESMLoader|compileSourceTextModule)$/],
];
const phase = new Map();
for (const [id, ms] of self) {
  let hit;
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const name = byId.get(cur).callFrame.functionName;
    for (const [label, re] of PHASES) if (re.test(name)) hit = label;
  }
  add(phase, hit ?? '(other)', ms);
}
const marksAt = process.argv.find((a) => a.startsWith('--marks='));
const windows = new Map();
const windowFuncs = new Map();
if (marksAt) {
  const marks = JSON.parse(fs.readFileSync(marksAt.slice(8), 'utf8'));
  let ts = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    ts += prof.timeDeltas[i];
    let name = 'before start';
    for (const [n, at] of marks) if (ts >= at) name = n;
    const ms = (prof.timeDeltas[i] ?? 0) / 1000;
    add(windows, name, ms);
    const n = byId.get(prof.samples[i]);
    if (!windowFuncs.has(name)) windowFuncs.set(name, new Map());
    add(windowFuncs.get(name), keyOf(n), ms);
  }
}
const sorted = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]);
const pct = (ms) => `${ms.toFixed(0).padStart(6)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%`;
console.log(`profile ${file}: ${total.toFixed(0)} ms sampled`);
if (marksAt) {
  console.log('\nby phase window (marks):');
  for (const [k, v] of windows) {
    console.log(`${pct(v)}  ${k}`);
    for (const [f, w] of sorted(windowFuncs.get(k)).slice(0, Number(process.env.WINDOW_TOP ?? 8))) console.log(`      ${pct(w)}  ${f}`);
  }
}
console.log('\nby phase (inclusive, outermost match):');
for (const [k, v] of sorted(phase)) console.log(`${pct(v)}  ${k}`);
console.log('\nby file (self):');
for (const [k, v] of sorted(files).slice(0, topN)) console.log(`${pct(v)}  ${k}`);
console.log('\nby function (self):');
for (const [k, v] of sorted(funcs).slice(0, topN)) console.log(`${pct(v)}  ${k}`);
