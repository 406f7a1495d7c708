/**
 * The build-time node-gyp shim (scripts/node-gyp-cxx17) picks the C++ standard the target Node's
 * headers need: C++17 for Node 20 and 22, C++20 for Node 24 and later (whose V8 headers stop with
 * "C++20 or later required"), and leaves a CXXFLAGS that already says -std alone. It runs a stand-in
 * node-gyp that prints what it was given.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const shim = path.resolve(import.meta.dirname, '../../scripts/node-gyp-cxx17/node-gyp.cjs');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-shim-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const fake = path.join(work, 'node-gyp.js');
fs.writeFileSync(fake, "console.log(JSON.stringify({ cxxflags: process.env.CXXFLAGS, args: process.argv.slice(2) }));\n");

function run(env: Record<string, string>): { cxxflags: string; args: string[] } {
  const base = { ...process.env };
  delete base.CXXFLAGS;
  delete base.npm_config_target;
  const r = spawnSync(process.execPath, [shim, 'rebuild'], { encoding: 'utf8', env: { ...base, npm_config_node_gyp: fake, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { cxxflags: string; args: string[] };
}

describe('scripts/node-gyp-cxx17', () => {
  it('builds for Node 20 and 22 with C++17', () => {
    expect(run({ npm_config_target: '20.19.0' })).toEqual({ cxxflags: '-std=c++17', args: ['rebuild'] });
    expect(run({ npm_config_target: 'v22.1.0' }).cxxflags).toBe('-std=c++17');
  });

  it('builds for Node 24 and later with C++20', () => {
    expect(run({ npm_config_target: '24.22.3' }).cxxflags).toBe('-std=c++20');
    expect(run({ npm_config_target: '26.0.0', CXXFLAGS: '-O2' }).cxxflags).toBe('-O2 -std=c++20');
  });

  it('targets the Node running it when no target is set, and keeps a -std already given', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(run({}).cxxflags).toBe(major >= 24 ? '-std=c++20' : '-std=c++17');
    expect(run({ npm_config_target: '24.0.0', CXXFLAGS: '-std=gnu++2a' }).cxxflags).toBe('-std=gnu++2a');
  });
});
