import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { crunch } from '../../src/crunch/index.js';
import { createCrunch } from '../../src/crunch/runtime/create.js';
import type { Manifest } from '../../src/crunch/runtime/manifest.js';
import { tempDir, writeTree } from './helpers.js';

let work: ReturnType<typeof tempDir>;
const files = { 'a.txt': 'alpha', 'big.bin': randomBytes(40_000), 'd/e.html': '<p>e</p>' };

beforeAll(() => {
  work = tempDir();
  writeTree(path.join(work.dir, 'site'), files);
});
afterAll(() => work.remove());

/** The manifest a generated module carries (a JSON string literal after `JSON.parse(`). */
function manifestOf(modulePath: string): Manifest {
  const line = readFileSync(modulePath, 'utf8').split('\n').find((l) => l.startsWith('const __CRUNCH_MANIFEST__ = JSON.parse('))!;
  return JSON.parse(JSON.parse(line.slice(line.indexOf('(') + 1, line.lastIndexOf(')')))) as Manifest;
}

describe('the runtime outside Node conventions', () => {
  it('loads chunks with fetch() when the module is served over HTTP (browsers, Deno from a URL)', async () => {
    const out = await crunch(path.join(work.dir, 'site'), path.join(work.dir, 'out'), { chunkSize: 16_384, compress: false });
    const requested: string[] = [];
    const server = http.createServer((req, res) => {
      requested.push(req.url!);
      try {
        res.end(readFileSync(path.join(work.dir, 'out', decodeURIComponent(req.url!))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const site = createCrunch(manifestOf(out.module), null, `http://127.0.0.1:${port}/index.js`);
      expect(site.stat('big.bin')).toMatchObject({ size: 40_000 });
      expect(requested).toEqual([]);
      expect(Buffer.from(await site.read('big.bin')).equals(files['big.bin'])).toBe(true);
      expect(await site.readText('d/e.html')).toBe('<p>e</p>');
      expect(requested.every((u) => /^\/chunks\/[0-9a-f]{16}\.bin$/.test(u))).toBe(true);
      const broken = createCrunch(manifestOf(out.module), null, `http://127.0.0.1:${port}/elsewhere/index.js`);
      await expect(broken.read('a.txt')).rejects.toMatchObject({ code: 'EIO', message: expect.stringMatching(/cannot load chunk .*HTTP 404/) });
    } finally {
      server.close();
    }
  });

  it('decodes base64 without Buffer (atob), as in browsers and workers', async () => {
    vi.stubGlobal('Buffer', undefined);
    vi.resetModules();
    try {
      const { decodeBase64 } = await import('../../src/crunch/runtime/base64.js');
      for (const n of [0, 1, 2, 3, 100, 4099]) {
        const bytes = randomBytes(n);
        expect(Array.from(decodeBase64(bytes.toString('base64')))).toEqual(Array.from(bytes));
      }
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
