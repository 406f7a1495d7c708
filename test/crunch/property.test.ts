import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { crunch } from '../../src/crunch/index.js';
import { dumpModule, tempDir, writeTree, type TreeSpec } from './helpers.js';

type Tree = { [name: string]: Uint8Array | Tree };

const name = fc.string({ unit: fc.constantFrom(...'aAbZ09-_.~ é日ß😀'.match(/./gu)!), minLength: 1, maxLength: 6 })
  .filter((n) => n !== '.' && n !== '..');
const content = fc.oneof(
  fc.uint8Array({ maxLength: 2500 }),
  fc.constant(new Uint8Array(0)),
  fc.string({ maxLength: 3000 }).map((s) => new TextEncoder().encode(s.repeat(3))),
);
const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.dictionary(name, fc.oneof({ depthSize: 'small' }, content, tie('tree')), { maxKeys: 5, noNullPrototype: true }),
}));

/** The tree as the spec writeTree takes, with every file and directory path. */
function flatten(t: Tree, prefix = ''): { spec: TreeSpec; files: Map<string, Uint8Array>; dirs: string[] } {
  const out = { spec: {} as TreeSpec, files: new Map<string, Uint8Array>(), dirs: [] as string[] };
  for (const [key, value] of Object.entries(t)) {
    const p = prefix + key;
    if (value instanceof Uint8Array) {
      out.spec[p] = value;
      out.files.set(p, value);
    } else {
      out.spec[p] = null;
      out.dirs.push(p);
      const sub = flatten(value, `${p}/`);
      Object.assign(out.spec, sub.spec);
      sub.files.forEach((v, k) => out.files.set(k, v));
      out.dirs.push(...sub.dirs);
    }
  }
  return out;
}

const sorted = (a: Iterable<string>): string[] => [...a].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));

let work: ReturnType<typeof tempDir>;
beforeAll(() => {
  work = tempDir();
});
afterAll(() => work.remove());

describe('crunch round trip (property)', () => {
  it('any tree comes back byte for byte, in directory and inline mode, whatever the chunk size', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(tree, fc.constantFrom(9, 999, undefined), fc.boolean(), async (t, chunkSize, compress) => {
        const run = path.join(work.dir, `run-${n++}`);
        const { spec, files, dirs } = flatten(t);
        writeTree(path.join(run, 'site'), spec);
        const options = { chunkSize, compress, sourceDateEpoch: 1, compression: { brotliQuality: 1 } };
        for (const inline of [false, true]) {
          const result = await crunch(path.join(run, 'site'), path.join(run, inline ? 'inline.js' : 'dir'), { ...options, inline });
          const dump = await dumpModule(run, result.module);
          const expected = sorted(files.keys());
          if (JSON.stringify(dump.list) !== JSON.stringify(expected)) throw new Error(`files: ${JSON.stringify(dump.list)} != ${JSON.stringify(expected)}`);
          if (JSON.stringify(dump.directories) !== JSON.stringify(sorted(dirs))) throw new Error(`directories differ: ${JSON.stringify(dump.directories)}`);
          for (const f of dump.files) {
            const want = Buffer.from(files.get(f.path)!).toString('base64');
            if (f.base64 !== want || f.syncBase64 !== want) throw new Error(`${inline ? 'inline' : 'directory'}: bytes of ${f.path} differ`);
            if (f.stat.size !== files.get(f.path)!.length) throw new Error(`size of ${f.path}`);
          }
        }
      }),
      { numRuns: 15 },
    );
  });
});
