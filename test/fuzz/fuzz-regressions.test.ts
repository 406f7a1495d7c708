/**
 * Every crash the fuzzer found is a fixture: test/fixtures/hostile/fuzz-SEED-ITERATION.img.gz (the
 * mutated image) with a .json saying what was mutated and what failed. Each image goes through
 * every operation (fuzz/harness.mjs runAll): each must succeed or throw a one-line FatError, in
 * time, without touching a sector outside the device.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as lib from '../../src/core.js';
// @ts-expect-error: a plain ES module without type declarations.
import { runAll } from '../../fuzz/harness.mjs';

const DIR = path.resolve(__dirname, '../fixtures/hostile');
const FIXTURES = fs.readdirSync(DIR).filter((f) => /^fuzz-.*\.img\.gz$/.test(f)).sort();

describe('fuzzer regressions', () => {
  it('there are fixtures', () => {
    expect(FIXTURES.length).toBeGreaterThan(0);
  });

  it.each(FIXTURES.map((f) => [f]))('%s', (file) => {
    const bytes = new Uint8Array(zlib.gunzipSync(fs.readFileSync(path.join(DIR, file))));
    const r = runAll(lib, bytes) as { ops: number; failures: { op: string; error: string }[] };
    expect(r.ops).toBeGreaterThan(0);
    expect([...new Set(r.failures.map((f) => `${f.op}: ${f.error.split('\n')[0]}`))]).toEqual([]);
  });
});
