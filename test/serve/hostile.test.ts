/**
 * Hostile requests against every store: traversal in every encoding, NUL, huge URLs, a thousand
 * ranges, malformed validators, absolute-form targets. Each gets a 4xx or a correct answer, never
 * a byte from outside the store, and the server keeps serving.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryStore } from '../../src/serve/directory-store.js';
import { tempDir } from '../crunch/helpers.js';
import { big, listen, openBackends, page, raw, rawSocket, type Backend } from './helpers.js';

const BACKENDS: Backend[] = ['image', 'directory', 'crunch'];
const SECRET = 'TOP-SECRET-OUTSIDE-THE-STORE';
const ports: Record<string, number> = {};
const closers: (() => Promise<void>)[] = [];
let work: ReturnType<typeof tempDir>;

beforeAll(async () => {
  work = tempDir('fatkit-serve-hostile-');
  fs.writeFileSync(path.join(work.dir, 'secret.txt'), SECRET);
  const backends = await openBackends(work.dir);
  for (const b of BACKENDS) {
    const s = await listen(backends[b].store);
    ports[b] = s.port;
    closers.push(s.close, async () => backends[b].source?.close());
  }
  // A directory with links that lead out of it and one that stays inside.
  const linked = path.join(work.dir, 'linked');
  fs.mkdirSync(path.join(linked, 'inner'), { recursive: true });
  fs.writeFileSync(path.join(linked, 'inner', 'ok.txt'), 'inside');
  fs.symlinkSync(path.join(work.dir, 'secret.txt'), path.join(linked, 'leak.txt'));
  fs.symlinkSync(work.dir, path.join(linked, 'up'));
  fs.symlinkSync('inner/ok.txt', path.join(linked, 'alias.txt'));
  const s = await listen(directoryStore(linked));
  ports.linked = s.port;
  closers.push(s.close);
}, 60_000);

afterAll(async () => {
  for (const c of closers) await c();
  work.remove();
});

const TRAVERSALS = [
  '/../secret.txt', '/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/%2e%2e/secret.txt', '/.%2e/secret.txt', '/sub/..%2f..%2fsecret.txt',
  '/sub%2f..%2f..%2fsecret.txt', '/..%5csecret.txt', '/sub/..\\..\\secret.txt', '/%c0%ae%c0%ae/secret.txt', '/%e0%80%ae%e0%80%ae/secret.txt',
  '/%252e%252e/secret.txt', '/./index.html', '//secret.txt', '/sub//index.html', '/index.html%00', '/index.html%00.txt', '/%00', '/%ZZ', '/%',
  '/sub/%2e', '/sub/.', '/..', '/%2e%2e', '/site/../secret.txt', '/%u002e%u002e/secret.txt',
];

describe.each(BACKENDS)('hostile requests (%s)', (backend) => {
  const port = (): number => ports[backend]!;

  it.each(TRAVERSALS)('%s is refused (4xx) and leaks nothing', async (target) => {
    const r = await rawSocket(port(), `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(r.status, r.text.slice(0, 200)).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.text).not.toContain(SECRET);
  });

  it('a raw NUL byte, an 8 KB URL and an absolute-form target', async () => {
    const nul = await rawSocket(port(), Buffer.from('GET /index.html\0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1'));
    expect(nul.status).toBeGreaterThanOrEqual(400);
    const long = await raw(port(), 'GET', `/${'a'.repeat(8 * 1024)}`);
    expect(long.status).toBe(404);
    const longDirs = await raw(port(), 'GET', `/${'ab/'.repeat(2700)}x`);
    expect(longDirs.status).toBe(404);
    const absolute = await rawSocket(port(), 'GET http://example.com/sub/index.html HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
    expect([absolute.status, absolute.text.endsWith('<p>sub</p>')]).toEqual([200, true]);
    const absUp = await rawSocket(port(), 'GET http://example.com/../secret.txt HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
    expect(absUp.status).toBe(404);
    expect(absUp.text).not.toContain(SECRET);
    const star = await rawSocket(port(), 'GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(star.status).toBe(404);
  });

  it('a thousand ranges, malformed ranges and validators: the whole file or a correct answer', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => `${i * 10}-${i * 10 + 5}`).join(',');
    const r = await raw(port(), 'GET', '/big.bin', { range: `bytes=${many}` });
    expect([r.status, r.body.equals(big)]).toEqual([200, true]);
    for (const range of ['bytes=', 'bytes=--1', 'bytes=1-2-3', 'bytes=99999999999999999999-', `bytes=0-${'9'.repeat(400)}`, 'bytes=-99999999999999999999', 'bytes=\u00ff-1']) {
      const x = await raw(port(), 'GET', '/big.bin', { range: encodeURI(range) });
      expect([200, 206, 416], range).toContain(x.status);
      if (x.status === 206) expect(x.body.equals(big.subarray(Number(/(\d+)-/.exec(x.headers['content-range']!)![1]))), range).toBe(true);
    }
    for (const headers of <Record<string, string>[]>[{ 'if-none-match': '"unterminated' }, { 'if-none-match': ',,,' }, { 'if-match': 'W/' }, { 'if-modified-since': 'Thu, 99 Foo 99999 99:99:99 GMT' },
      { 'if-range': 'garbage', range: 'bytes=0-0' }, { 'if-unmodified-since': '-1' }, { 'accept-encoding': 'br;q=abc, gzip;q=2, *;q=' }]) {
      const x = await raw(port(), 'GET', '/', headers);
      expect([200, 206, 304, 412], JSON.stringify(headers)).toContain(x.status);
      if (x.status === 200 && x.headers['content-encoding'] === undefined) expect(x.body.toString()).toBe(page);
    }
  });

  it('still serves after all of it', async () => {
    expect((await raw(port(), 'GET', '/')).body.toString()).toBe(page);
  });
});

describe('the directory store and symbolic links', () => {
  it('follows links that stay inside the root, never ones that lead out', async () => {
    const port = ports.linked!;
    expect((await raw(port, 'GET', '/alias.txt')).body.toString()).toBe('inside');
    for (const target of ['/leak.txt', '/up/secret.txt', '/up/site/index.html']) {
      const r = await raw(port, 'GET', target);
      expect(r.status, target).toBe(404);
      expect(r.body.toString()).not.toContain(SECRET);
    }
  });
});
