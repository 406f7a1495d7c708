import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crunch } from '../../src/crunch/index.js';
import { tempDir, writeTree } from './helpers.js';

const words = ['crunch', 'serves', 'itself', 'from', 'memory', 'with', 'etags', 'ranges', 'and', 'brotli'];
const page = `<!doctype html><title>home</title>\n${Array.from({ length: 600 }, (_, i) => `<p>${words[(i * 7) % 10]} ${words[(i * i) % 10]} ${i}</p>`).join('\n')}`;
const binary = randomBytes(5000);
const SDE = 1_650_000_000;

/** The child: one node:http server per way of serving, each printing its port. */
const SERVER = `
import http from 'node:http';
const m = await import(process.argv[2]);
const notFound = (res) => { res.statusCode = 404; res.end('not ours'); };
const viaMiddleware = (options) => { const mw = m.middleware(options); return (req, res) => mw(req, res, () => notFound(res)); };
const viaFetchApi = (options) => async (req, res) => {
  const request = new Request('http://127.0.0.1' + req.url, { method: req.method, headers: req.headers });
  const response = await m.serve(request, options);
  if (!response) return notFound(res);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
};
const handlers = {
  middleware: viaMiddleware({}),
  web: viaFetchApi({}),
  spa: viaMiddleware({ fallback: 'index.html', prefix: '/static/', cacheControl: 'public, max-age=60' }),
  webspa: viaFetchApi({ fallback: 'index.html', prefix: '/static', cacheControl: (s) => 'max-age=' + s.size }),
  standalone: m.middleware(),
  standalonespa: m.middleware({ fallback: 'index.html' }),
};
const ports = {};
for (const [name, handler] of Object.entries(handlers)) {
  const server = http.createServer(handler);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  ports[name] = server.address().port;
}
console.log(JSON.stringify(ports));
`;

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

let work: ReturnType<typeof tempDir>;
const children: ChildProcess[] = [];

/** A raw request (no normalisation, no decompression), through node:http. */
function raw(port: number, method: string, target: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function startServer(modulePath: string): Promise<Record<string, number>> {
  const file = path.join(work.dir, `server-${children.length}.mjs`);
  writeTree(work.dir, { [path.basename(file)]: SERVER });
  const child = spawn(process.execPath, [file, new URL(`file://${modulePath}`).href], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return JSON.parse(line) as Record<string, number>;
}

const servers: Record<string, Record<string, number>> = {};

beforeAll(async () => {
  work = tempDir();
  const site = path.join(work.dir, 'site');
  writeTree(site, {
    'index.html': page,
    'app.js': `console.log(${JSON.stringify('x'.repeat(3000))});\n`,
    'data.bin': binary,
    'empty.txt': '',
    'sub/index.html': '<p>sub</p>',
    '日.txt': 'sun',
    'logo.svg': `<svg>${'<g/>'.repeat(1000)}</svg>`,
  });
  const dirOut = await crunch(site, path.join(work.dir, 'out-dir'), { sourceDateEpoch: SDE, compression: { brotliQuality: 5 } });
  const inlineOut = await crunch(site, path.join(work.dir, 'out-inline.mjs'), { sourceDateEpoch: SDE, inline: true, compression: { brotliQuality: 5 } });
  [servers.directory, servers.inline] = await Promise.all([startServer(dirOut.module), startServer(inlineOut.module)]);
}, 60_000);

afterAll(() => {
  for (const c of children) c.kill();
  work.remove();
});

const LAST_MODIFIED = new Date(SDE * 1000).toUTCString();

describe.each(['directory', 'inline'])('serve (%s module)', (mode) => {
  describe.each(['middleware', 'web'])('through %s', (via) => {
    const port = (): number => servers[mode]![via]!;

    it('answers GET with the file and every header', async () => {
      const r = await raw(port(), 'GET', '/');
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe(page);
      expect(r.headers).toMatchObject({
        'content-type': 'text/html; charset=utf-8',
        'content-length': String(Buffer.byteLength(page)),
        'last-modified': LAST_MODIFIED,
        'cache-control': 'public, max-age=0, must-revalidate',
        vary: 'Accept-Encoding',
        'x-content-type-options': 'nosniff',
        'accept-ranges': 'bytes',
      });
      expect(r.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(r.headers['content-encoding']).toBeUndefined();
      const bin = await raw(port(), 'GET', '/data.bin?v=3');
      expect(bin.body.equals(binary)).toBe(true);
      expect(bin.headers['content-type']).toBe('application/octet-stream');
      expect((await raw(port(), 'GET', '/%E6%97%A5.txt')).body.toString()).toBe('sun');
      const empty = await raw(port(), 'GET', '/empty.txt');
      expect([empty.status, empty.headers['content-length'], empty.body.length]).toEqual([200, '0', 0]);
    });

    it('answers HEAD with the same headers and no body', async () => {
      const [get, head] = [await raw(port(), 'GET', '/app.js'), await raw(port(), 'HEAD', '/app.js')];
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      for (const h of ['content-type', 'content-length', 'etag', 'last-modified', 'vary']) expect(head.headers[h], h).toBe(get.headers[h]);
    });

    it('negotiates stored encodings by q-value, each with its own ETag', async () => {
      const identity = await raw(port(), 'GET', '/index.html');
      const br = await raw(port(), 'GET', '/index.html', { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(zlib.brotliDecompressSync(br.body).toString()).toBe(page);
      expect(br.headers['content-length']).toBe(String(br.body.length));
      expect(br.headers.etag).not.toBe(identity.headers.etag);
      const gz = await raw(port(), 'GET', '/index.html', { 'accept-encoding': 'br;q=0.5, gzip' });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(zlib.gunzipSync(gz.body).toString()).toBe(page);
      expect((await raw(port(), 'GET', '/index.html', { 'accept-encoding': 'br;q=0, gzip;q=0' })).headers['content-encoding']).toBeUndefined();
      expect((await raw(port(), 'GET', '/index.html', { 'accept-encoding': 'identity' })).headers['content-encoding']).toBeUndefined();
      expect((await raw(port(), 'GET', '/data.bin', { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();
      // fetch decompresses for us: the bytes are the page either way.
      const fetched = await fetch(`http://127.0.0.1:${port()}/index.html`);
      expect(['br', 'gzip']).toContain(fetched.headers.get('content-encoding'));
      expect(await fetched.text()).toBe(page);
    });

    it('answers conditional requests with 304 (If-None-Match first, weak comparison)', async () => {
      const first = await raw(port(), 'GET', '/app.js', { 'accept-encoding': 'gzip' });
      const etag = first.headers.etag!;
      for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
        const r = await raw(port(), 'GET', '/app.js', { 'accept-encoding': 'gzip', 'if-none-match': inm });
        expect(r.status, inm).toBe(304);
        expect(r.body.length).toBe(0);
        expect(r.headers).toMatchObject({ etag, vary: 'Accept-Encoding', 'last-modified': LAST_MODIFIED, 'cache-control': 'public, max-age=0, must-revalidate' });
      }
      expect((await raw(port(), 'GET', '/app.js', { 'if-none-match': etag })).status).toBe(200); // another representation
      expect((await raw(port(), 'HEAD', '/app.js', { 'if-modified-since': LAST_MODIFIED })).status).toBe(304);
      expect((await raw(port(), 'GET', '/app.js', { 'if-modified-since': new Date((SDE - 1) * 1000).toUTCString() })).status).toBe(200);
      expect((await raw(port(), 'GET', '/app.js', { 'if-none-match': '"other"', 'if-modified-since': LAST_MODIFIED })).status).toBe(200);
      expect((await raw(port(), 'GET', '/app.js', { 'if-modified-since': 'garbage' })).status).toBe(200);
      expect((await raw(port(), 'GET', '/app.js', { 'if-match': '"other"' })).status).toBe(412);
    });

    it('answers a single Range with 206 on the identity bytes, and 416 when unsatisfiable', async () => {
      const size = binary.length;
      const cases: [string, number, number][] = [['bytes=0-9', 0, 9], ['bytes=4990-', 4990, size - 1], ['bytes=-5', size - 5, size - 1], ['bytes=100-99999', 100, size - 1]];
      for (const [range, start, end] of cases) {
        const r = await raw(port(), 'GET', '/data.bin', { range });
        expect(r.status, range).toBe(206);
        expect(r.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
        expect(r.body.equals(binary.subarray(start, end + 1))).toBe(true);
      }
      const compressedAsked = await raw(port(), 'GET', '/index.html', { range: 'bytes=0-4', 'accept-encoding': 'br' });
      expect([compressedAsked.status, compressedAsked.headers['content-encoding'], compressedAsked.body.toString()]).toEqual([206, undefined, '<!doc']);
      for (const range of [`bytes=${size}-`, 'bytes=-0']) {
        const r = await raw(port(), 'GET', '/data.bin', { range });
        expect(r.status, range).toBe(416);
        expect(r.headers['content-range']).toBe(`bytes */${size}`);
      }
      expect((await raw(port(), 'GET', '/empty.txt', { range: 'bytes=0-0' })).status).toBe(416);
      expect((await raw(port(), 'GET', '/data.bin', { range: 'bytes=0-1,5-6' })).status).toBe(200);
      expect((await raw(port(), 'GET', '/data.bin', { range: 'lines=1-2' })).status).toBe(200);
      const etag = (await raw(port(), 'HEAD', '/data.bin')).headers.etag!;
      expect((await raw(port(), 'GET', '/data.bin', { range: 'bytes=0-0', 'if-range': etag })).status).toBe(206);
      expect((await raw(port(), 'GET', '/data.bin', { range: 'bytes=0-0', 'if-range': '"old"' })).status).toBe(200);
      expect((await raw(port(), 'GET', '/data.bin', { range: 'bytes=0-0', 'if-range': LAST_MODIFIED })).status).toBe(206);
    });

    it('redirects a directory without its slash, serves its index, and refuses other methods', async () => {
      const r = await raw(port(), 'GET', '/sub?x=1');
      expect([r.status, r.headers.location]).toEqual([301, '/sub/?x=1']);
      expect((await raw(port(), 'GET', '/sub/')).body.toString()).toBe('<p>sub</p>');
      const post = await raw(port(), 'POST', '/app.js');
      expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
      expect((await raw(port(), 'DELETE', '/sub')).status).toBe(405);
      expect((await raw(port(), 'POST', '/api/things')).body.toString()).toBe('not ours');
      expect((await raw(port(), 'GET', '/missing.html')).status).toBe(404);
    });

    it('never serves unsafe paths: encoded slashes, backslashes, NUL, empty segments', async () => {
      for (const target of ['/sub%2Findex.html', '/sub%5cindex.html', '/app.js%00', '/sub//index.html', '/%ZZ']) {
        const r = await raw(port(), 'GET', target);
        expect([r.status, r.body.toString()], target).toEqual([404, 'not ours']);
      }
    });
  });

  it('the middleware refuses dot segments and backslashes in the raw target (serve(Request) sees them resolved by URL parsing)', async () => {
    for (const target of ['/../index.html', '/%2e%2e/index.html', '/sub/../index.html', '/./app.js', '/sub/%2E%2E/%2e%2e/index.html', '/sub\\index.html']) {
      const r = await raw(servers[mode]!.middleware!, 'GET', target);
      expect([r.status, r.body.toString()], target).toEqual([404, 'not ours']);
    }
    expect((await raw(servers[mode]!.web!, 'GET', '/sub/../app.js')).status).toBe(200);
  });

  it('other methods: 405 with Allow on a path GET would answer, next() for any other; without next(), 405 on any path', async () => {
    const ports = servers[mode]!;
    // [method, target, with next(), with a SPA fallback and next(), without next(), SPA without next()]
    const table: [string, string, string, string, string, string][] = [
      ['POST', '/app.js', '405', '405', '405', '405'],
      ['PUT', '/', '405', '405', '405', '405'],
      ['DELETE', '/sub', '405', '405', '405', '405'],
      ['PATCH', '/sub/', '405', '405', '405', '405'],
      ['POST', '/missing.html', 'next', 'next', '405', '405'],
      ['POST', '/app/settings', 'next', 'next', '405', '405'],
      ['POST', '/%2e%2e/app.js', 'next', 'next', '405', '405'],
      ['OPTIONS', '*', 'next', 'next', '405', '405'],
      ['GET', '/missing.html', 'next', 'next', '404', '404'],
      ['GET', '/app/settings', 'next', '200', '404', '200'],
      ['HEAD', '/app.js', '200', '200', '200', '200'],
    ];
    const answer = async (port: number, method: string, target: string): Promise<string> => {
      const r = await raw(port, method, target);
      if (r.body.toString() === 'not ours') return 'next';
      if (r.status === 405) expect([r.headers.allow, r.headers['content-length']], `${method} ${target}`).toEqual(['GET, HEAD', '0']);
      return String(r.status);
    };
    for (const [method, target, ...expected] of table) {
      const got = await Promise.all([ports.middleware!, ports.spa!, ports.standalone!, ports.standalonespa!].map((port, i) =>
        answer(port, method, i === 1 ? `/static${target === '*' ? '/x' : target}` : target)));
      expect(got, `${method} ${target}`).toEqual(expected.map((e, i) => (i === 1 && target === '*' ? 'next' : e)));
    }
  });

  it.each(['spa', 'webspa'])('mounts under a prefix with a single-page-app fallback (%s)', async (via) => {
    const port = servers[mode]![via]!;
    const app = await raw(port, 'GET', '/static/app/settings');
    expect([app.status, app.body.toString()]).toEqual([200, page]);
    expect(app.headers['cache-control']).toBe(via === 'spa' ? 'public, max-age=60' : `max-age=${Buffer.byteLength(page)}`);
    expect((await raw(port, 'GET', '/static/app.js')).status).toBe(200);
    expect((await raw(port, 'GET', '/static')).body.toString()).toBe(page);
    expect((await raw(port, 'GET', '/static/missing.js')).status).toBe(404);
    expect((await raw(port, 'POST', '/static/app/settings')).body.toString()).toBe('not ours');
    expect((await raw(port, 'GET', '/app.js')).status).toBe(404);
    expect((await raw(port, 'GET', '/staticx/app.js')).status).toBe(404);
  });
});
