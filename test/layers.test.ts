import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const files = (dir: string): string[] =>
  fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []);
const imports = (file: string): string[] =>
  [...fs.readFileSync(path.join(root, file), 'utf8').matchAll(/^\s*(?:import|export)[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]);

describe('the layers of DESIGN.md', () => {
  it('the core imports no node: module outside the Node devices', () => {
    const nodeOnly = /^src\/fat\/device\/(file|mmap)\.ts$/;
    const offenders = files('src/fat')
      .filter((f) => !nodeOnly.test(f.split(path.sep).join('/')))
      .filter((f) => imports(f).some((i) => i.startsWith('node:')));
    expect(offenders).toEqual([]);
  });

  it('fatkit/core bundles for a browser (no Node built-in reachable from it)', async () => {
    const r = await build({ entryPoints: [path.join(root, 'src/core.ts')], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    expect(r.errors).toEqual([]);
    expect(r.outputFiles[0].text.length).toBeGreaterThan(10_000);
  });

  it('the CLI uses the library only through src/index.ts', () => {
    const offenders = files('src/cli').flatMap((f) =>
      imports(f).filter((i) => i.startsWith('..') && !/^(\.\.\/)+index\.js$/.test(i) && !i.startsWith('../run.js') && !/^\.\.\/[a-z-]+\.js$/.test(i)).map((i) => `${f}: ${i}`));
    expect(offenders).toEqual([]);
  });
});
