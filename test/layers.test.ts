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

  it('no import cycles between files at run time (type-only imports aside)', () => {
    const graph = new Map(files('src').map((f) => [f, runtimeImports(f)]));
    expect(cycles(graph)).toEqual([]);
  });

  it('src/fat folders import only the folders below them', () => {
    // Lower rank = lower layer. A folder may import its own files and folders of lower rank.
    const rank: Record<string, number> = {
      '': 0, format: 1, device: 2, disk: 3, table: 3, dir: 4, file: 5, volume: 6, mkfs: 6, build: 7, check: 7, resize: 7,
    };
    const folderOf = (f: string): string => {
      const rel = path.relative(path.join(root, 'src/fat'), path.join(root, f)).split(path.sep);
      return rel.length > 1 ? rel[0] : '';
    };
    const offenders: string[] = [];
    for (const f of files('src/fat')) {
      const from = folderOf(f);
      expect(rank[from], `${f}: a folder the layer map does not know`).toBeDefined();
      for (const i of imports(f).filter((s) => s.startsWith('.'))) {
        const target = path.relative(root, path.resolve(root, path.dirname(f), i));
        if (!target.startsWith(`src${path.sep}fat`)) { offenders.push(`${f}: ${i} (leaves src/fat)`); continue; }
        const to = folderOf(target);
        if (to !== from && !(rank[to] < rank[from])) offenders.push(`${f}: ${i}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('every folder says what it holds; no folder over 20 files, no file over 450 lines', () => {
    const dirs = (dir: string): string[] => [dir, ...fs.readdirSync(path.join(root, dir), { withFileTypes: true })
      .filter((d) => d.isDirectory()).flatMap((d) => dirs(path.join(dir, d.name)))];
    const silent = dirs('src').filter((d) => !fs.existsSync(path.join(root, d, 'README.md')) && d !== 'src');
    expect(silent).toEqual([]);
    const crowded = dirs('src').filter((d) => fs.readdirSync(path.join(root, d)).filter((n) => n.endsWith('.ts')).length > 20);
    expect(crowded).toEqual([]);
    const long = files('src')
      .filter((f) => !f.endsWith('.generated.ts'))
      .filter((f) => fs.readFileSync(path.join(root, f), 'utf8').split('\n').length > 450);
    expect(long).toEqual([]);
  });
});

/** Relative imports that exist at run time: `import type` and all-`type` specifier lists are left out. */
function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?([^'"]*?)from\s+'(\.[^']+)'/gms)) {
    if (m[1]) continue;
    const names = m[2].trim();
    if (/^\{[^}]*\}$/.test(names) && names.slice(1, -1).split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '))) continue;
    out.push(path.relative(root, path.resolve(root, path.dirname(file), m[3].replace(/\.js$/, '.ts'))));
  }
  return out;
}

/** Strongly connected components of more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}
