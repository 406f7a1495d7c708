import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCrunch, crunch, generateCrunch } from '../../src/crunch/index.js';
import { dumpModule, runModule, tempDir, writeTree, type Dump, type TreeSpec } from './helpers.js';

const SDE = 1_700_000_000;
const html = '<!doctype html>\n' + Array.from({ length: 3000 }, (_, i) => `<p id="p${i}">paragraph ${i % 17} of the fixture</p>`).join('\n');
const spec: TreeSpec = {
  'index.html': html,
  'binary.bin': Uint8Array.from({ length: 256 }, (_, i) => i),
  'empty.txt': '',
  'héllo wörld.txt': 'bonjour, ça va ? 😀\n',
  '日本語/ファイル.md': '# 見出し\n',
  '😀.txt': 'emoji name',
  'a/b/c/d/e.txt': 'deep',
  'a/copy-of-index.html': html,
  'a/b/same.html': html,
  'empty-dir': null,
  'nested/empty': null,
  'odd/#hash %25 ?q [x].txt': 'odd name',
  'large.bin': randomBytes(2_500_000),
  'style.css': 'body { color: red }\n'.repeat(200),
  '.well-known/security.txt': 'Contact: mailto:x@example.com\n',
  'README.md': 'upper',
  'readme.md': 'lower',
};

let work: ReturnType<typeof tempDir>;
let site: string;

beforeAll(() => {
  work = tempDir();
  site = path.join(work.dir, 'site');
  writeTree(site, spec);
  // An old file keeps its own mtime; newer ones are clamped to SOURCE_DATE_EPOCH.
  utimesSync(path.join(site, 'empty.txt'), 1_000_000_000, 1_000_000_000);
});
afterAll(() => work.remove());

function expectFaithful(dump: Dump): void {
  const fileSpecs = Object.entries(spec).filter(([, v]) => v !== null);
  const expectedPaths = fileSpecs.map(([p]) => p).sort();
  expect(dump.list).toEqual(expectedPaths);
  expect(dump.missing).toBe('ENOENT');
  for (const f of dump.files) {
    const onDisk = readFileSync(path.join(site, ...f.path.split('/')));
    expect(Buffer.from(f.base64, 'base64').equals(onDisk), f.path).toBe(true);
    expect(f.syncBase64, f.path).toBe(f.base64);
    const sha = createHash('sha256').update(onDisk).digest();
    expect(f.stat).toMatchObject({
      type: 'file', path: f.path, size: onDisk.length,
      sha256: sha.toString('hex'),
      integrity: `sha256-${sha.toString('base64')}`,
      etag: `"${sha.toString('hex').slice(0, 32)}"`,
      mtimeMs: f.path === 'empty.txt' ? 1_000_000_000_000 : SDE * 1000,
    });
    if (f.text !== null) expect(f.text).toBe(onDisk.toString('utf8'));
  }
  const byPath = Object.fromEntries(dump.files.map((f) => [f.path, f.stat]));
  expect(byPath['index.html']!.contentType).toBe('text/html; charset=utf-8');
  expect(byPath['binary.bin']!.contentType).toBe('application/octet-stream');
  expect(byPath['style.css']!.contentType).toBe('text/css; charset=utf-8');
  expect(byPath['index.html']!.variants.map((v) => v.encoding)).toEqual(['br', 'gzip']);
  expect(byPath['large.bin']!.variants).toEqual([]);
  expect(byPath['empty.txt']!.variants).toEqual([]);
  expect(dump.directories).toEqual(['.well-known', 'a', 'a/b', 'a/b/c', 'a/b/c/d', 'empty-dir', 'nested', 'nested/empty', 'odd', '日本語']);
  expect(dump.dirs['empty-dir']).toEqual([]);
  expect(dump.dirs['a']).toEqual([{ name: 'b', type: 'directory' }, { name: 'copy-of-index.html', type: 'file' }]);
  expect(dump.tree.map((e) => e.path)).toEqual([...expectedPaths, ...dump.directories].sort());
}

describe.each<[string, { inline?: boolean; chunkSize?: number }]>([
  ['directory', {}],
  ['directory, small chunks', { chunkSize: 10_000 }],
  ['inline', { inline: true }],
  ['inline, small chunks', { inline: true, chunkSize: 9_999 }],
])('crunch (%s mode)', (_name, extra) => {
  it('round-trips every file, its metadata and the directory structure in a fresh process', async () => {
    const out = path.join(work.dir, `out-${Math.random().toString(36).slice(2)}`, extra.inline ? 'site.js' : 'site');
    const result = await crunch(site, out, { sourceDateEpoch: SDE, compression: { brotliQuality: 5 }, ...extra });
    expect(result.summary).toMatchObject({ files: 15, directories: 10, uniqueFiles: 13 });
    expectFaithful(await dumpModule(work.dir, result.module));
  });
});

describe('the API of a generated module', () => {
  it('reports errors with codes, loads nothing for stat, and needs preload for readSync in directory mode', async () => {
    const out = await crunch(site, path.join(work.dir, 'api'), { sourceDateEpoch: SDE, compress: false });
    const probe = `
      const m = await import(process.argv[2]);
      const code = async (f) => { try { await f(); return 'ok'; } catch (e) { return e.code; } };
      const out = {
        statDir: m.stat('a/b'), statRoot: m.stat(''), statMissing: m.stat('nope') ?? null, slash: m.stat('/a/b/c/d/e.txt').size,
        has: [m.has('index.html'), m.has('/index.html'), m.has('a'), m.has('nope')],
        syncBeforePreload: await code(() => m.readSync('style.css')),
        readDirOnFile: await code(() => m.readDir('index.html')),
        readDirMissing: await code(() => m.readDir('nope')),
        readDirectory: await code(() => m.read('a')),
        walkSub: [...m.walk('a/b/c')].map((e) => e.path),
        text: (await m.readText('héllo wörld.txt')),
      };
      await m.preload(['style.css']);
      out.syncAfterPreload = m.readSync('style.css').length;
      out.frozen = Object.isFrozen(m.files) && Object.isFrozen(m.default);
      console.log(JSON.stringify(out));`;
    const r = await runModule<Record<string, unknown>>(work.dir, probe, [`file://${out.module}`]);
    expect(r).toEqual({
      statDir: { type: 'directory', path: 'a/b' }, statRoot: { type: 'directory', path: '' }, statMissing: null, slash: 4,
      has: [true, true, false, false],
      syncBeforePreload: 'EAGAIN', readDirOnFile: 'ENOTDIR', readDirMissing: 'ENOENT', readDirectory: 'EISDIR',
      walkSub: ['a/b/c/d', 'a/b/c/d/e.txt'],
      text: 'bonjour, ça va ? 😀\n',
      syncAfterPreload: 4000,
      frozen: true,
    });
  });
});

describe('determinism and --check', () => {
  it('generates byte-identical output from the same tree and SOURCE_DATE_EPOCH', async () => {
    const a = await generateCrunch(site, path.join(work.dir, 'x'), { sourceDateEpoch: SDE, compression: { brotliQuality: 5 } });
    const b = await generateCrunch(site, path.join(work.dir, 'x'), { sourceDateEpoch: SDE, compression: { brotliQuality: 5 } });
    expect(a.files.map((f) => f.path)).toEqual(b.files.map((f) => f.path));
    a.files.forEach((f, i) => expect(Buffer.from(f.data).equals(Buffer.from(b.files[i]!.data)), f.path).toBe(true));
    const text = Buffer.from(a.files.find((f) => f.path === 'index.js')!.data).toString('latin1');
    expect(text).not.toContain(work.dir);
    expect(text).toMatch(/^[\x00-\x7f]*$/);
  });

  it('reports stale output, and is clean once written; stale chunks are removed', async () => {
    const out = path.join(work.dir, 'checked');
    const options = { sourceDateEpoch: SDE, compression: { brotliQuality: 5 } };
    expect((await checkCrunch(site, out, options)).stale).toContain('index.js');
    await crunch(site, out, options);
    expect((await checkCrunch(site, out, options)).stale).toEqual([]);
    expect((await checkCrunch(site, out, { ...options, sourceDateEpoch: SDE - 1 })).stale).toEqual(['index.js']);
    const chunksBefore = readdirSync(path.join(out, 'chunks'));
    await crunch(site, out, { ...options, exclude: ['large.bin'] });
    const chunksAfter = readdirSync(path.join(out, 'chunks'));
    expect(chunksAfter.length).toBeLessThan(chunksBefore.length);
    expect((await checkCrunch(site, out, options)).stale.length).toBeGreaterThan(1);
    await crunch(site, out, { ...options, inline: true });
    expect(() => statSync(path.join(out, 'chunks'))).toThrow();
  });

  it('never replaces files it did not write', async () => {
    const project = path.join(work.dir, 'project');
    writeTree(project, { 'index.js': 'my own code', 'package.json': '{"name":"mine"}' });
    await expect(crunch(site, project)).rejects.toMatchObject({ code: 'EEXIST', message: expect.stringMatching(/package\.json exists and was not written by fat crunch/) });
    expect(readFileSync(path.join(project, 'index.js'), 'utf8')).toBe('my own code');
    writeTree(project, { 'index.js': 'my own code', 'package.json': '{ "type": "module", "sideEffects": false }\n' });
    await expect(crunch(site, project)).rejects.toThrow(/index\.js exists and was not written/);
  });

  it('refuses an output inside the crunched directory', async () => {
    await expect(crunch(site, path.join(site, 'out'))).rejects.toThrow(/must not be inside/);
  });
});
