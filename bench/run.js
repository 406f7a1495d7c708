#!/usr/bin/env node
// `npm run bench`: run every bench/*/run.js in turn (each writes its own RESULTS.md), passing the
// arguments through. `node bench/run.js build crunch` runs only those.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith("-"));
const flags = args.filter((a) => a.startsWith("-"));
const suites = fs
  .readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(here, d.name, "run.js")))
  .map((d) => d.name)
  .filter((n) => only.length === 0 || only.includes(n))
  .sort();
let failed = 0;
for (const s of suites) {
  console.error(`== bench/${s}`);
  const r = spawnSync(process.execPath, [path.join(here, s, "run.js"), ...flags], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${s} failed (${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
