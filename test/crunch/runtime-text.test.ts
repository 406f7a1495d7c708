import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleRuntime, generatedPath, generatedSource } from './bundle-runtime.js';

describe('the embedded runtime', () => {
  it('is the current bundle of src/crunch/runtime (CRUNCH_UPDATE_RUNTIME=1 rewrites it)', async () => {
    const expected = generatedSource(await bundleRuntime());
    if (process.env.CRUNCH_UPDATE_RUNTIME === '1') writeFileSync(generatedPath, expected);
    expect(readFileSync(generatedPath, 'utf8')).toBe(expected);
  });

  it('has no static imports and no node: imports outside a dynamic import()', async () => {
    const runtime = await bundleRuntime();
    expect(runtime).not.toMatch(/^\s*import\s/m);
    expect(runtime).not.toMatch(/from\s+["']node:/);
    expect(runtime).not.toMatch(/[^\x00-\x7f]/);
  });
});
