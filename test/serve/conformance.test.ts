/**
 * One suite, three stores: the same site served over real HTTP (127.0.0.1) from a FAT image, from
 * its directory and from its crunch module gives the same answers (status, the headers that
 * matter, bodies) to every request, and those answers follow each rule of a static server.
 * Precompressed forms too: `.br`/`.gz` files beside a file (image, directory, a module of them) and
 * a module's own stored variants (as `fat serve OUT` opens it) mean the same answers, byte
 * differences aside.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crunch } from '../../src/crunch/index.js';
import type { Crunch } from '../../src/crunch/runtime/api.js';
import { crunchStore } from '../../src/serve/crunch-store.js';
import { openSource } from '../../src/serve/source.js';
import { tempDir } from '../crunch/helpers.js';
import { appJs, big, listen, MTIME, openBackends, page, raw, type Backend, type Raw } from './helpers.js';

const BACKENDS: Backend[] = ['image', 'directory', 'crunch'];
const ports: Record<string, number> = {};
const closers: (() => Promise<void>)[] = [];
let work: ReturnType<typeof tempDir>;
let ownModule: Crunch;
let bothModule: Crunch;

beforeAll(async () => {
  work = tempDir('fatkit-serve-');
  const backends = await openBackends(work.dir);
  for (const b of BACKENDS) {
    for (const [flavour, options] of [['plain', {}], ['spa', { fallback: 'index.html', cacheControl: 'public, max-age=60', notFound: false }]] as const) {
      const s = await listen(backends[b].store, options);
      ports[`${b}/${flavour}`] = s.port;
      closers.push(s.close);
    }
    closers.push(async () => backends[b].source?.close());
  }
  // A module generated before modules had a \`store\`: fat serve adapts its files API.
  const { stat, readDir, read } = backends.crunch.module!;
  const legacy = await listen(crunchStore({ stat, readDir, read }));
  ports['legacy/plain'] = legacy.port;
  closers.push(legacy.close);
  // The same site crunched with its own br/gzip variants and without the sibling files, opened as fat serve opens it.
  const own = path.join(work.dir, 'own-module');
  await crunch(path.join(work.dir, 'site'), own, { exclude: ['**/*.br', '**/*.gz'], sourceDateEpoch: MTIME + 1000, compression: { brotliQuality: 9 } });
  ownModule = ((await import(pathToFileURL(path.join(own, 'index.js')).href)) as { default: Crunch }).default;
  const source = await openSource(own);
  const s = await listen(source.store);
  ports.own = s.port;
  closers.push(s.close);
  // And with the sibling files as well: its own variants come first.
  const both = path.join(work.dir, 'both-module');
  await crunch(path.join(work.dir, 'site'), both, { sourceDateEpoch: MTIME + 1000, compression: { brotliQuality: 9 } });
  bothModule = ((await import(pathToFileURL(path.join(both, 'index.js')).href)) as { default: Crunch }).default;
  const b = await listen((await openSource(both)).store);
  ports.both = b.port;
  closers.push(b.close);
}, 60_000);

afterAll(async () => {
  for (const c of closers) await c();
  work.remove();
});

const SHOWN = ['content-type', 'content-length', 'content-encoding', 'content-range', 'cache-control', 'vary', 'location', 'allow', 'accept-ranges', 'last-modified', 'x-content-type-options'];

/** What must be the same on every backend: ETag values differ (each store makes its own), their presence must not. */
function summary(r: Raw): unknown {
  const headers = Object.fromEntries(SHOWN.filter((h) => r.headers[h] !== undefined).map((h) => [h, r.headers[h]]));
  return { status: r.status, headers, etag: r.headers.etag !== undefined, body: r.body.length < 200 ? r.body.toString('latin1') : createHash('sha256').update(r.body).digest('hex') };
}

type Case = [method: string, target: string, headers?: Record<string, string>];
const CASES: Case[] = [
  ['GET', '/'], ['HEAD', '/'], ['GET', '/index.html'], ['GET', '/app.js'], ['GET', '/big.bin'], ['HEAD', '/big.bin'],
  ['GET', '/empty.txt'], ['GET', '/style.css?v=2'], ['GET', '/sub'], ['GET', '/sub?x=1'], ['GET', '/sub/'], ['GET', '/noindex/'], ['GET', '/noindex'],
  ['GET', '/%E6%97%A5%E6%9C%AC/%C3%BC%20b.txt'], ['GET', '/missing.html'], ['HEAD', '/missing'], ['GET', '/INDEX.HTML'], ['GET', '/index.html.'],
  ['POST', '/'], ['PUT', '/app.js'], ['DELETE', '/missing'], ['OPTIONS', '/'],
  ['GET', '/app.js', { 'accept-encoding': 'gzip, deflate, br' }], ['GET', '/app.js', { 'accept-encoding': 'br;q=0.5, gzip' }],
  ['GET', '/app.js', { 'accept-encoding': 'br;q=0, gzip;q=0' }], ['GET', '/app.js', { 'accept-encoding': 'identity' }], ['GET', '/big.bin', { 'accept-encoding': 'br' }],
  ['GET', '/app.js', { 'if-modified-since': new Date(MTIME * 1000).toUTCString() }], ['GET', '/app.js', { 'if-modified-since': new Date((MTIME - 2) * 1000).toUTCString() }],
  ['GET', '/app.js', { 'if-modified-since': 'garbage' }], ['GET', '/app.js', { 'if-none-match': '"other"', 'if-modified-since': new Date(MTIME * 1000).toUTCString() }],
  ['GET', '/app.js', { 'if-none-match': '*' }], ['GET', '/app.js', { 'if-match': '"other"' }], ['GET', '/app.js', { 'if-none-match': 'W/"x", garbage' }],
  ['GET', '/big.bin', { range: 'bytes=0-9' }], ['GET', '/big.bin', { range: 'bytes=700000-' }], ['GET', '/big.bin', { range: 'bytes=-5' }],
  ['GET', '/big.bin', { range: 'bytes=100-999999999' }], ['GET', '/big.bin', { range: `bytes=${big.length}-` }], ['GET', '/big.bin', { range: 'bytes=-0' }],
  ['GET', '/empty.txt', { range: 'bytes=0-0' }], ['GET', '/big.bin', { range: 'bytes=0-1,5-6' }], ['GET', '/big.bin', { range: 'lines=1-2' }],
  ['GET', '/app.js', { range: 'bytes=0-4', 'accept-encoding': 'br' }],
  ['GET', '/big.bin', { range: 'bytes=0-0', 'if-range': new Date(MTIME * 1000).toUTCString() }], ['GET', '/big.bin', { range: 'bytes=0-0', 'if-range': '"old"' }],
];

describe('every backend answers every request the same', () => {
  it.each(CASES)('%s %s %j', async (method, target, headers) => {
    const answers = await Promise.all([...BACKENDS, 'legacy'].map(async (b) => summary(await raw(ports[`${b}/plain`]!, method, target, headers))));
    expect(answers[1], 'directory').toEqual(answers[0]);
    expect(answers[2], 'crunch').toEqual(answers[0]);
    expect(answers[3], 'a module without its store').toEqual(answers[0]);
  });

  it.each(['/app/settings', '/app.css', '/nothing', '/sub/', '/sub/deeper/page'])('with a SPA fallback and Cache-Control: GET %s', async (target) => {
    const answers = await Promise.all(BACKENDS.map(async (b) => summary(await raw(ports[`${b}/spa`]!, 'GET', target))));
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });
});

describe.each(BACKENDS)('the rules (%s)', (backend) => {
  const port = (): number => ports[`${backend}/plain`]!;
  const LAST_MODIFIED = new Date(MTIME * 1000).toUTCString();

  it('GET and HEAD: the file, its type from mime-db, length, validators, caching', async () => {
    const r = await raw(port(), 'GET', '/');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(page);
    expect(r.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(page)), 'last-modified': LAST_MODIFIED,
      'cache-control': 'public, max-age=0, must-revalidate', vary: 'Accept-Encoding', 'accept-ranges': 'bytes', 'x-content-type-options': 'nosniff',
    });
    expect(r.headers.etag).toMatch(/^"[^"]+"$/);
    expect((await raw(port(), 'GET', '/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await raw(port(), 'GET', '/big.bin')).headers['content-type']).toBe('application/octet-stream');
    const head = await raw(port(), 'HEAD', '/big.bin');
    expect([head.status, head.body.length, head.headers['content-length']]).toEqual([200, 0, String(big.length)]);
  });

  it('streams a large file whole and exact', async () => {
    const r = await raw(port(), 'GET', '/big.bin');
    expect(r.body.equals(big)).toBe(true);
  });

  it('405 with Allow for other methods, on any path', async () => {
    for (const [method, target] of [['POST', '/'], ['PUT', '/missing'], ['DELETE', '/app.js'], ['OPTIONS', '*']]) {
      const r = await raw(port(), method!, target!);
      expect([r.status, r.headers.allow], `${method} ${target}`).toEqual([405, 'GET, HEAD']);
    }
  });

  it('index.html for directories, /dir redirected to /dir/ (query kept), the site\'s 404.html', async () => {
    expect((await raw(port(), 'GET', '/sub/')).body.toString()).toBe('<p>sub</p>');
    const r = await raw(port(), 'GET', '/sub?x=1');
    expect([r.status, r.headers.location]).toEqual([301, '/sub/?x=1']);
    for (const t of ['/missing.html', '/noindex/', '/noindex', '/INDEX.HTML', '/index.html.', '/sub/index.html/']) {
      const m = await raw(port(), 'GET', t);
      expect([m.status, m.body.toString(), m.headers['content-type']], t).toEqual([404, '<h1>not here</h1>', 'text/html; charset=utf-8']);
    }
    expect((await raw(port(), 'GET', '/%E6%97%A5%E6%9C%AC/%C3%BC%20b.txt')).body.toString()).toBe('unicode');
  });

  it('304 for If-None-Match (weak comparison) and If-Modified-Since; 412 for a failed If-Match', async () => {
    const etag = (await raw(port(), 'HEAD', '/app.js')).headers.etag!;
    for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const r = await raw(port(), 'GET', '/app.js', { 'if-none-match': inm });
      expect([r.status, r.body.length, r.headers.etag], inm).toEqual([304, 0, etag]);
    }
    expect((await raw(port(), 'GET', '/app.js', { 'if-modified-since': LAST_MODIFIED })).status).toBe(304);
    expect((await raw(port(), 'GET', '/app.js', { 'if-match': etag })).status).toBe(200);
    expect((await raw(port(), 'GET', '/app.js', { 'if-match': '"other"' })).status).toBe(412);
  });

  it('precompressed siblings by Accept-Encoding, each with its own ETag, Vary on all', async () => {
    const identity = await raw(port(), 'GET', '/app.js');
    const br = await raw(port(), 'GET', '/app.js', { 'accept-encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(appJs);
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.headers.etag).not.toBe(identity.headers.etag);
    const gz = await raw(port(), 'GET', '/app.js', { 'accept-encoding': 'gzip' });
    expect([gz.headers['content-encoding'], zlib.gunzipSync(gz.body).toString()]).toEqual(['gzip', appJs]);
    expect((await raw(port(), 'GET', '/app.js', { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag! })).status).toBe(304);
    expect((await raw(port(), 'GET', '/app.js', { 'if-none-match': gz.headers.etag! })).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${port()}/app.js`)).text()).toBe(appJs);
  });

  it('Range and If-Range: 206 with Content-Range, 416 when unsatisfiable', async () => {
    const r = await raw(port(), 'GET', '/big.bin', { range: 'bytes=300000-600000' });
    expect([r.status, r.headers['content-range'], r.headers['content-length']]).toEqual([206, `bytes 300000-600000/${big.length}`, '300001']);
    expect(r.body.equals(big.subarray(300000, 600001))).toBe(true);
    const u = await raw(port(), 'GET', '/big.bin', { range: `bytes=${big.length}-` });
    expect([u.status, u.headers['content-range']]).toEqual([416, `bytes */${big.length}`]);
    const etag = (await raw(port(), 'HEAD', '/big.bin')).headers.etag!;
    expect((await raw(port(), 'GET', '/big.bin', { range: 'bytes=0-0', 'if-range': etag })).status).toBe(206);
    expect((await raw(port(), 'GET', '/big.bin', { range: 'bytes=0-0', 'if-range': '"old"' })).status).toBe(200);
  });

  it('configurable Cache-Control and a single-page-app fallback', async () => {
    const spa = ports[`${backend}/spa`]!;
    const app = await raw(spa, 'GET', '/app/settings');
    expect([app.status, app.body.toString(), app.headers['cache-control']]).toEqual([200, page, 'public, max-age=60']);
    expect((await raw(spa, 'GET', '/app.css')).status).toBe(404);
    expect((await raw(spa, 'GET', '/app.css')).body.toString()).toBe('not found\n');
  });
});

describe('precompressed forms: siblings on every store and a module\'s own variants mean the same answers', () => {
  const PRECOMPRESSED = ['image/plain', 'directory/plain', 'crunch/plain', 'own'];

  /** What a client sees, whatever the compressed bytes are: status, coding, Vary, type, the decoded body. */
  function meaning(r: Raw, identityEtag: string): unknown {
    const coding = r.headers['content-encoding'];
    const decoded = coding === 'br' ? zlib.brotliDecompressSync(r.body) : coding === 'gzip' ? zlib.gunzipSync(r.body) : r.body;
    if (r.status === 200 || r.status === 206) expect(r.headers['content-length'], 'Content-Length').toBe(String(r.body.length));
    return {
      status: r.status, coding, vary: r.headers.vary, type: r.headers['content-type'], range: r.headers['content-range'],
      body: decoded.toString(), ownEtag: r.headers.etag !== undefined && (coding === undefined) === (r.headers.etag === identityEtag),
    };
  }

  it('the module has its own variants and no sibling files', () => {
    expect(ownModule.has('app.js.br')).toBe(false);
    expect((ownModule.stat('app.js') as { variants: { encoding: string }[] }).variants.map((v) => v.encoding).sort()).toEqual(['br', 'gzip']);
  });

  it.each([
    'gzip, deflate, br', 'br;q=0.5, gzip', 'gzip', 'br', 'x-gzip', '*', 'br;q=0, gzip;q=0', 'identity', 'identity;q=0.5, br;q=0.4', undefined,
  ])('GET and HEAD /app.js, Accept-Encoding: %s', async (acceptEncoding) => {
    const headers: Record<string, string> = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
    const answers = await Promise.all(PRECOMPRESSED.map(async (p) => {
      const identityEtag = (await raw(ports[p]!, 'HEAD', '/app.js')).headers.etag!;
      const get = await raw(ports[p]!, 'GET', '/app.js', headers);
      const head = await raw(ports[p]!, 'HEAD', '/app.js', headers);
      expect([head.headers['content-encoding'], head.headers['content-length'], head.headers.etag], p).toEqual([get.headers['content-encoding'], get.headers['content-length'], get.headers.etag]);
      return meaning(get, identityEtag);
    }));
    expect(answers[0]).toMatchObject({ status: 200, vary: 'Accept-Encoding', body: appJs, ownEtag: true });
    for (let i = 1; i < answers.length; i++) expect(answers[i], PRECOMPRESSED[i]).toEqual(answers[0]);
  });

  it('a range is on the identity bytes; each form revalidates with its own ETag (304), not another\'s', async () => {
    const answers = await Promise.all(PRECOMPRESSED.map(async (p) => {
      const identityEtag = (await raw(ports[p]!, 'HEAD', '/app.js')).headers.etag!;
      const br = await raw(ports[p]!, 'GET', '/app.js', { 'accept-encoding': 'br' });
      const brEtag = br.headers.etag!;
      return [
        meaning(await raw(ports[p]!, 'GET', '/app.js', { 'accept-encoding': 'br', range: 'bytes=0-11' }), identityEtag),
        meaning(await raw(ports[p]!, 'GET', '/app.js', { 'accept-encoding': 'br', 'if-none-match': brEtag }), identityEtag),
        meaning(await raw(ports[p]!, 'GET', '/app.js', { 'accept-encoding': 'gzip', 'if-none-match': brEtag }), identityEtag),
        meaning(await raw(ports[p]!, 'GET', '/app.js', { 'if-none-match': brEtag }), identityEtag),
        meaning(await raw(ports[p]!, 'GET', '/app.js', { 'accept-encoding': 'br', 'if-none-match': identityEtag }), identityEtag),
      ];
    }));
    expect((answers[0] as { status: number }[]).map((a) => a.status)).toEqual([206, 304, 200, 200, 200]);
    for (let i = 1; i < answers.length; i++) expect(answers[i], PRECOMPRESSED[i]).toEqual(answers[0]);
  });

  it('a module that has both serves its own variants, not the sibling files', async () => {
    const stat = bothModule.stat('app.js') as { variants: { encoding: string; etag: string }[] };
    for (const coding of ['br', 'gzip']) {
      const r = await raw(ports.both!, 'GET', '/app.js', { 'accept-encoding': coding });
      const sibling = await raw(ports.both!, 'GET', `/app.js.${coding === 'br' ? 'br' : 'gz'}`);
      expect([r.headers['content-encoding'], r.headers.etag], coding).toEqual([coding, stat.variants.find((v) => v.encoding === coding)!.etag]);
      expect(r.body.equals(sibling.body), coding).toBe(false);
    }
  });

  it('the module\'s own serve() answers with the same stored variant', async () => {
    const viaFatServe = await raw(ports.own!, 'GET', '/app.js', { 'accept-encoding': 'gzip, br' });
    const response = (await ownModule.serve(new Request('http://x/app.js', { headers: { 'accept-encoding': 'gzip, br' } })))!;
    const body = Buffer.from(await response.arrayBuffer());
    expect([response.headers.get('content-encoding'), response.headers.get('etag'), response.headers.get('vary')])
      .toEqual([viaFatServe.headers['content-encoding'], viaFatServe.headers.etag, 'Accept-Encoding']);
    expect(body.equals(viaFatServe.body)).toBe(true);
  });
});
