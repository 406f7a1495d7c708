/**
 * A module's `store` (runtime/serve-store.ts) on a hand-made manifest: variants() gives the stored
 * forms first and an `x.br`/`x.gz` file only for a coding the module did not store, and read()
 * reads each form from the right place (a stored variant from its stream, a sibling as its own file).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCrunch } from '../../src/crunch/runtime/create.js';
import type { StoredFile } from '../../src/crunch/runtime/api.js';
import type { InlineData, Manifest } from '../../src/crunch/runtime/manifest.js';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** x (a stored br form only), x.gz and x.br beside it, y (nothing stored, nothing beside). */
function module(): ReturnType<typeof createCrunch> {
  const x = text('the identity bytes of x, long enough to matter');
  const xBr = text('STORED-BR');
  const xGz = text('SIBLING-GZIP-FILE-BYTES');
  const xBrFile = text('SIBLING-BR-FILE');
  const y = text('y');
  const identity = Buffer.concat([x, xBrFile, xGz, y]);
  const manifest: Manifest = {
    version: 1,
    chunkSize: 3 * 1024,
    types: ['application/gzip', 'application/x-brotli', 'text/plain; charset=utf-8'],
    directories: [],
    files: [
      ['x', x.length, 2, 1_700_000_000, sha(x), 0, [['br', 0, xBr.length, sha(xBr).slice(0, 32)]]],
      ['x.br', xBrFile.length, 1, 1_700_000_000, sha(xBrFile), x.length],
      ['x.gz', xGz.length, 0, 1_700_000_000, sha(xGz), x.length + xBrFile.length],
      ['y', y.length, 2, 1_700_000_000, sha(y), x.length + xBrFile.length + xGz.length],
    ],
    streams: { identity: { size: identity.length, chunks: [] }, br: { size: xBr.length, chunks: [] } },
  };
  const data: InlineData = { identity: [identity.toString('base64')], br: [xBr.toString('base64')] };
  return createCrunch(manifest, data, 'file:///module.js');
}

describe("a module's store", () => {
  it('stored variants first; a sibling file only for a coding the module did not store', async () => {
    const { store } = module();
    const x = store.stat('x') as StoredFile;
    const forms = await store.variants(x);
    expect(forms.map((f) => [f.encoding, f.path, f.size])).toEqual([['br', 'x', 9], ['gzip', 'x.gz', 23]]);
    const bytes = await Promise.all(forms.map(async (f) => Buffer.from(await store.read(f, 0, f.size)).toString()));
    expect(bytes).toEqual(['STORED-BR', 'SIBLING-GZIP-FILE-BYTES']);
    expect(Buffer.from(await store.read(forms[1]!, 8, 12)).toString()).toBe('GZIP');
    expect(forms[0]!.etag).not.toBe(x.etag);
    expect(forms[1]!.etag).toBe((store.stat('x.gz') as StoredFile).etag);
    expect(await store.variants(store.stat('y') as StoredFile)).toEqual([]);
  });

  it('serve() negotiates over them: br from the module, gzip from the file beside', async () => {
    const m = module();
    const get = async (accept: string): Promise<[string | null, string]> => {
      const r = (await m.serve(new Request('http://x/x', { headers: { 'accept-encoding': accept } })))!;
      return [r.headers.get('content-encoding'), Buffer.from(await r.arrayBuffer()).toString()];
    };
    expect(await get('br')).toEqual(['br', 'STORED-BR']);
    expect(await get('gzip')).toEqual(['gzip', 'SIBLING-GZIP-FILE-BYTES']);
    expect(await get('identity')).toEqual([null, 'the identity bytes of x, long enough to matter']);
  });
});
