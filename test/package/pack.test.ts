/**
 * The package as users meet it: `npm pack` ships what the exports and the `fat` bin load (found by
 * following their imports through dist/), the README, LICENSE and package.json, and nothing else
 * (no tests, sources, benchmarks, source maps, nor the tsc output of the CLI the bundle replaced);
 * publint reports nothing and @arethetypeswrong/cli nothing beyond "ESM-only". One `npm pack`
 * (scripts off: `prepare` would rebuild dist/ under the other test files) into a temp dir.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>; bin: Record<string, string>; files: string[]; license: string;
};
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-pack-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

let shipped: string[] = [];
let tarball = '';
beforeAll(() => {
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(out) as [{ filename: string; files: { path: string }[] }];
  shipped = info.files.map((f) => f.path).sort();
  tarball = path.join(work, info.filename);
}, 120_000);

/** Entry files: every export condition's target and the bin. */
function entries(): string[] {
  const targets = Object.values(pkg.exports).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v)));
  return [...targets, ...Object.values(pkg.bin)].map((t) => path.posix.normalize(t));
}

/** Every file reachable from the entries by relative static or dynamic imports (.js and .d.ts). */
function reachable(): Set<string> {
  const seen = new Set<string>();
  const queue = entries();
  while (queue.length > 0) {
    const f = queue.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    if (!/\.(c?js|d\.ts)$/.test(f)) continue;
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      let target = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]));
      if (f.endsWith('.d.ts')) target = target.replace(/\.js$/, '.d.ts');
      queue.push(target);
    }
    // The CLI's start names each command's runner in a table (src/cli/runners.ts): "./run/list-HASH.cjs".
    for (const m of text.matchAll(/['"](\.{1,2}\/run\/[^'"]+\.cjs)['"]/g)) queue.push(path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1])));
  }
  return seen;
}

describe('npm pack', () => {
  it('ships every file the exports and the bin load', () => {
    const missing = [...reachable()].filter((f) => !shipped.includes(f));
    expect(missing).toEqual([]);
    expect(shipped).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
  });

  it('ships nothing else: no sources, tests, maps, nor JavaScript nothing loads', () => {
    const need = reachable();
    const extra = shipped.filter((f) => {
      if (['LICENSE', 'README.md', 'package.json'].includes(f)) return false;
      if (need.has(f)) return false;
      // A module's declarations ship with it even when no other declaration imports them.
      if (f.endsWith('.d.ts') && need.has(f.replace(/\.d\.ts$/, '.js'))) return false;
      // tsc writes an empty module for a file of types only.
      if (f.endsWith('.js') && need.has(f.replace(/\.js$/, '.d.ts')) && fs.readFileSync(path.join(root, f), 'utf8').trim() === 'export {};') return false;
      return true;
    });
    expect(extra).toEqual([]);
    expect(shipped.filter((f) => !f.startsWith('dist/') && !['LICENSE', 'README.md', 'package.json'].includes(f))).toEqual([]);
    expect(shipped.filter((f) => f.endsWith('.map'))).toEqual([]);
    // No shipped file points at a source map that is not there.
    const dangling = shipped.filter((f) => f.endsWith('.js')).filter((f) => {
      const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(path.join(root, f), 'utf8'));
      return m !== null && !m[1].startsWith('data:') && !shipped.includes(path.posix.join(path.posix.dirname(f), m[1]));
    });
    expect(dangling).toEqual([]);
  });

  it('has a LICENSE matching package.json', () => {
    expect(pkg.license).toBe('MIT');
    expect(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 fatkit contributors\n/);
  });

  it('publint reports nothing (suggestions included)', async () => {
    const { publint } = await import('publint');
    const bytes = fs.readFileSync(tarball);
    const { messages } = await publint({ level: 'suggestion', strict: true, pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) } });
    expect(messages).toEqual([]);
  });

  it('@arethetypeswrong/cli reports nothing beyond ESM-only', () => {
    const attw = path.join(root, 'node_modules', '.bin', 'attw');
    let out: string;
    try {
      out = execFileSync(attw, [tarball, '--profile', 'esm-only', '--format', 'json'], { cwd: root, encoding: 'utf8' });
    } catch (e) {
      // attw exits 1 on problems the profile does not ignore; its JSON says which.
      out = (e as { stdout: string }).stdout;
    }
    type Problem = { kind: string; entrypoint: string; resolutionKind: string };
    const problems = Object.values((JSON.parse(out) as { problems: Record<string, Problem[]> }).problems).flat();
    // What "ESM-only" means: CommonJS require() meets ESM, and node10 (no `exports`) is not served.
    const beyond = problems.filter((p) => p.kind !== 'CJSResolvesToESM' && p.resolutionKind !== 'node10');
    expect(beyond).toEqual([]);
  });
});
