/**
 * The CI slice of the fuzzer (fuzz/run.mjs): a fixed seed and a small count, run in-process on
 * the library from src/. Needs mkfs.fat and mtools for the seed images (required when CI=true).
 */
import { describe, expect, it } from 'vitest';
import * as lib from '../../src/core.js';
import { oracleGate } from '../fixtures/oracle.js';
// @ts-expect-error: a plain ES module without type declarations.
import { makeSeeds } from '../../fuzz/seeds.mjs';
// @ts-expect-error: a plain ES module without type declarations.
import { describeSeed, runCase } from '../../fuzz/harness.mjs';
import * as fs from 'node:fs';

const gate = oracleGate(['mkfs.fat', 'mcopy']);
const SEED = 20240102;
const ITERATIONS = 120;

interface Failure {
  op: string;
  error: string;
}

describe('fuzz slice', () => {
  it('mkfs.fat and mcopy are installed (required when CI=true)', (ctx) => {
    gate.assertUnderCi();
    if (!gate.run) ctx.skip();
  });

  it.runIf(gate.run)(`seed ${SEED}, ${ITERATIONS} cases: every operation succeeds or throws a FatError, in time, inside the device`, () => {
    const seeds = (makeSeeds() as { name: string; path: string }[]).map((s) => {
      const bytes = new Uint8Array(fs.readFileSync(s.path));
      return { name: s.name, bytes, info: describeSeed(lib, bytes) };
    });
    let ops = 0;
    const failures: string[] = [];
    for (let it = 0; it < ITERATIONS; it++) {
      const s = seeds[(it + SEED) % seeds.length];
      const r = runCase(lib, SEED, it, s.bytes, s.info, { budgetMs: 5000 }) as { ops: number; failures: Failure[]; mutation: string };
      ops += r.ops;
      for (const f of r.failures) failures.push(`case ${it} (${s.name}: ${r.mutation}): ${f.op}: ${f.error.split('\n')[0]}`);
    }
    expect(ops).toBeGreaterThan(ITERATIONS * 5);
    expect(failures).toEqual([]);
  });
});
