import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crunch } from '../../src/crunch/index.js';
import { tempDir, writeTree } from './helpers.js';

let work: ReturnType<typeof tempDir>;

beforeAll(async () => {
  work = tempDir();
  const site = path.join(work.dir, 'site');
  writeTree(site, { 'index.html': '<p>x</p>', 'docs/a "quoted" name.md': '# a', 'empty': null, 'ü.txt': 'u' });
  await crunch(site, path.join(work.dir, 'out'), { sourceDateEpoch: 0 });
  await crunch(site, path.join(work.dir, 'single.mjs'), { sourceDateEpoch: 0, inline: true });
}, 60_000);
afterAll(() => work.remove());

const consumer = (specifier: string, runtimeApi: string): string => `
import site, { files, has, read, readSync, readText, readDir, walk, stat, preload, serve, middleware, store, type Path, type DirPath, type FileStat, type StoredFile } from '${specifier}';
import type { Crunch } from '${runtimeApi}';

const first: Path = files[0]!;
const known: Path = 'docs/a "quoted" name.md';
const dir: DirPath = 'empty';
const size: number = stat('index.html').size;
const maybe = stat(String(Math.random()));
const kind: 'file' | 'directory' | undefined = maybe?.type;
async function use(input: string): Promise<void> {
  const bytes: Uint8Array = await read('index.html');
  const text: string = await readText('ü.txt');
  if (has(input)) await read(input);
  const sync: Uint8Array = readSync(first);
  for (const e of walk('docs')) e.name.toUpperCase();
  readDir().map((e) => e.type);
  await preload(['index.html']);
  const res = await serve(null as unknown as Request, { fallback: 'index.html', cacheControl: (s: FileStat) => String(s.size) });
  const handler = middleware({ prefix: '/static' });
  handler({ url: '/', headers: {} }, { statusCode: 0, setHeader() {}, end() {} }, () => undefined);
  const entry = store.stat('index.html');
  if (entry?.type === 'file') {
    const forms: StoredFile[] = [entry, ...(await store.variants(entry))];
    const part: Uint8Array = await store.read(forms[0]!, 0, 4);
    const coding: 'br' | 'gzip' | undefined = forms[0]!.encoding;
    void [part, coding, store.list('').map((e) => e.name)];
  }
  void [bytes, text, sync, res, known, dir, size, kind];
  // @ts-expect-error: not a path of this module
  await read('nope.html');
  // @ts-expect-error: read() needs a known path, not any string
  await read(input);
  // @ts-expect-error: fallback must be one of the files
  await serve(null as unknown as Request, { fallback: 'missing.html' });
}
// The .d.ts and the runtime's own types name the same members.
type Drift = Exclude<keyof Crunch, keyof typeof site> | Exclude<keyof typeof site, keyof Crunch>;
const same: [Drift] extends [never] ? true : Drift = true;
void [use, same];
`;

function typecheck(files: string[], options: ts.CompilerOptions): string[] {
  const program = ts.createProgram(files, {
    strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, ...options,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('the generated .d.ts', () => {
  const runtimeApi = path.resolve('src/crunch/runtime/api.js');
  // Only the bare configuration checks the .d.ts files themselves (skipLibCheck: false); the
  // others would spend their time checking @types/node and lib.dom, and check the usage only.
  it.each([
    ['with neither DOM nor Node types', { lib: ['lib.es2022.d.ts'], types: [], skipLibCheck: false }],
    ['with @types/node', { lib: ['lib.es2022.d.ts'], types: ['node'], skipLibCheck: true }],
    ['with the DOM library', { lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'], types: [], skipLibCheck: true }],
  ])('types every path and the whole API (%s)', (_name, options) => {
    const files = ['./out/index.js', './single.mjs'].map((specifier) => {
      const file = path.join(work.dir, `consumer-${specifier.replace(/\W/g, '')}.mts`);
      writeFileSync(file, consumer(specifier, runtimeApi));
      return file;
    });
    const errors = typecheck(files, { ...options, typeRoots: [path.resolve('node_modules/@types')] });
    // Without Request/Response from a library, the runtime's own api.ts cannot type serve().
    expect(errors.filter((e) => !(e.includes('src/crunch/runtime/') && /Request|Response/.test(e)))).toEqual([]);
  }, 60_000);
});
