/**
 * A seeded random-request fuzz slice: a fixed-seed generator of raw HTTP requests (odd methods and
 * versions, malformed request lines, traversal in every encoding, long and absolute-form targets,
 * broken Range and If-* values, odd headers, pipelining) written to a real socket of the node
 * adapter on each store. A canary file sits just outside the served root. Every request gets
 * answers (or a close) within a bound, never a 5xx, never the canary's bytes; afterwards a plain
 * GET still works. The same requests on every run (the seed is fixed): a failure names the request.
 */
import * as fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../crunch/helpers.js';
import { big, listen, MTIME, openBackends, page, raw, type Backend } from './helpers.js';

const BACKENDS: Backend[] = ['image', 'directory', 'crunch'];
const SEED = 0x15f00d;
const REQUESTS = 400;
const IN_FLIGHT = 8;
/** A hang guard, not a speed test: an answer that takes longer than this is a hang. */
const BOUND_MS = 20_000;
const CANARY = 'CANARY-7f3a9c-OUTSIDE-THE-SERVED-ROOT';

const ports: Record<string, number> = {};
const statusesOf: Partial<Record<Backend, string[]>> = {};
const closers: (() => Promise<void>)[] = [];
let work: ReturnType<typeof tempDir>;

beforeAll(async () => {
  work = tempDir('fatkit-serve-fuzz-');
  fs.writeFileSync(path.join(work.dir, 'canary.txt'), CANARY); // beside site/, the directory store's root
  const backends = await openBackends(work.dir);
  for (const b of BACKENDS) {
    const s = await listen(backends[b].store);
    ports[b] = s.port;
    closers.push(s.close, async () => backends[b].source?.close());
  }
}, 60_000);

afterAll(async () => {
  for (const c of closers) await c();
  work.remove();
});

/** mulberry32: a small seeded generator, the same sequence everywhere. */
function random(seed: number): { int(n: number): number; pick<T>(items: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { int, pick: (items) => items[int(items.length)]!, chance: (p) => next() < p };
}
type Rng = ReturnType<typeof random>;

const METHODS = ['GET', 'GET', 'GET', 'GET', 'HEAD', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND', 'BREW', 'get', 'G\u0000T', 'GE T', '', 'CONNECT', 'M-SEARCH'];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'http/1.1', 'HTTP/1', 'HTTP/1.1 extra', ''];
const KNOWN = ['', 'index.html', 'app.js', 'app.js.br', 'app.js.gz', 'big.bin', 'empty.txt', 'sub', 'sub/', 'sub/index.html', 'noindex', 'noindex/', '%E6%97%A5%E6%9C%AC/%C3%BC%20b.txt', 'style.css', '404.html', 'site', 'site.img'];
const UP = ['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '%c0%ae%c0%ae', '%e0%80%ae%e0%80%ae', '%u002e%u002e', '..;', '...', '.', '%2e', '..%00', '%uff0e%uff0e', '\uff0e\uff0e'];
const SEP = ['/', '/', '/', '/', '%2f', '%2F', '%5c', '\\', '//', '/./', '%00/', ';/', '%252f', '%c0%af'];
const NOISE = ['%', '%Z', '%zz', '%00', '\u0000', '\u00e9', 'é', '日本', '%FF%FE', '\t', ' ', '"', '<script>', '{}', '|', '^', '`', '\u007f', '#frag', '?a=b', '?%00', ';x=y', '~'];

/** A request target: mostly the site's own paths, then paths built from names, ups, separators and noise, then the other forms. */
function target(r: Rng): string {
  const kind = r.int(20);
  if (kind === 0) return r.pick(['*', 'localhost:80', '127.0.0.1:1', '', 'index.html', '?x', '#', 'file:///etc/passwd', `file://${work.dir}/canary.txt`]);
  if (kind === 1) return `/${r.pick(['a', '%41', 'ab/', '%2e%2e/', '../'])}`.repeat(r.pick([700, 2000, 4000, 9000]));
  if (kind === 2) return `${work.dir}/${r.pick(['canary.txt', 'site/index.html', '../canary.txt'])}`.replace(/^\/*/, r.pick(['/', '//', '/%2f']));
  let p = '';
  if (kind < 12) {
    p = r.pick(KNOWN);
  } else {
    const segments = 1 + r.int(4);
    for (let i = 0; i < segments; i++) {
      if (i > 0) p += r.pick(SEP);
      const s = r.int(10);
      p += s < 4 ? r.pick(KNOWN) : s < 7 ? r.pick(UP) : s < 8 ? 'canary.txt' : r.pick(KNOWN) + r.pick(NOISE);
    }
    if (r.chance(0.3)) p += `${r.pick(SEP)}canary.txt`;
  }
  if (r.chance(0.15)) p += r.pick(['?', '?v=1', '?../../canary.txt', '#x', '?a=%2e%2e%2f', `?${'q'.repeat(3000)}`]);
  p = `/${p}`;
  if (kind === 3 || kind === 4) p = `${r.pick(['http://', 'https://', 'HTTP://', 'ftp://', 'http:'])}${r.pick(['example.com', '127.0.0.1:80', '', 'a@b', '[::1]', 'x'.repeat(300)])}${p}`;
  return p;
}

const date = (s: number): string => new Date(s * 1000).toUTCString();
const HEADERS: ((r: Rng) => string)[] = [
  (r) => `Range: ${r.pick(['bytes=0-0', 'bytes=0-9', 'bytes=-5', 'bytes=700000-', `bytes=${big.length}-`, 'bytes=-0', 'bytes=5-2', 'bytes=0-1,2-3', 'bytes=', 'bytes=--1', 'bytes=1-2-3', 'lines=0-1', 'bytes = 1 - 2', 'bytes=99999999999999999999-', `bytes=0-${'9'.repeat(400)}`, 'bytes=-99999999999999999999', 'bytes=\u00ff-1', Array.from({ length: 1000 }, (_, i) => `${i}-${i}`).join(',').replace(/^/, 'bytes=')])}`,
  (r) => `If-None-Match: ${r.pick(['*', '"x"', 'W/"x"', '"unterminated', ',,,', 'W/', '"a", "b", W/"c"', '"' + 'e'.repeat(5000) + '"', 'garbage'])}`,
  (r) => `If-Match: ${r.pick(['*', '"x"', 'W/"x"', '', '"'])}`,
  (r) => `If-Modified-Since: ${r.pick([date(MTIME), date(MTIME - 2), date(MTIME + 1e6), 'garbage', 'Thu, 99 Foo 99999 99:99:99 GMT', '-1', '0', date(0), 'Sun, 06 Nov 1994 08:49:37 GMT'])}`,
  (r) => `If-Unmodified-Since: ${r.pick([date(MTIME), date(0), 'nope', ''])}`,
  (r) => `If-Range: ${r.pick([date(MTIME), '"x"', 'W/"x"', 'garbage', ''])}`,
  (r) => `Accept-Encoding: ${r.pick(['gzip, deflate, br', 'br;q=0.5, gzip', 'br;q=0, gzip;q=0', 'identity', '*', '*;q=0', 'br;q=abc, gzip;q=2, *;q=', 'x-gzip', ';;;,,,', 'identity;q=0, *;q=0'])}`,
  (r) => `X-Long: ${'a'.repeat(r.pick([100, 4000, 9000, 20000]))}`,
  (r) => r.pick(['Host: a', 'Host:', 'Host: a\r\nHost: b', 'Expect: 100-continue', 'Expect: nonsense', 'Upgrade: websocket\r\nConnection: Upgrade', 'Content-Type: text/plain', 'Cookie: a=b; c', 'Authorization: Basic Og==', 'Transfer-Encoding: gzip']),
  (r) => r.pick(['no colon here', ' folded: value', 'Bad Name: x', 'X-Nul: a\u0000b', 'X-Ctl: a\u0001b', 'X-Utf8: é日本', ': empty name', 'X-Empty:', 'x-lower: ok']),
];

/** Headers a client may send and a server must judge: every field our code reads. */
const SEMANTIC = HEADERS.slice(0, 7);

/**
 * One whole request (body included, so the server never waits for more); Connection: close ends
 * the last. Most are well-formed, with odd targets and values; the rest break the request line,
 * the headers or the framing anywhere.
 */
function request(r: Rng, last: boolean): string {
  const wellFormed = r.chance(0.7);
  const method = wellFormed ? r.pick(['GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'HEAD', 'HEAD', 'POST', 'OPTIONS']) : r.pick(METHODS);
  const version = wellFormed ? r.pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0']) : r.pick(VERSIONS);
  const lines = [`${method} ${target(r)}${wellFormed || r.chance(0.9) ? ' ' : ''}${version}`];
  if (wellFormed || r.chance(0.8)) lines.push('Host: 127.0.0.1');
  const n = wellFormed ? 1 + r.int(3) : r.int(5);
  for (let i = 0; i < n; i++) lines.push(r.pick(wellFormed ? SEMANTIC : HEADERS)(r));
  let body = '';
  const b = r.int(12);
  if (b === 0) {
    body = 'hello';
    lines.push('Content-Length: 5');
  } else if (b === 1) {
    body = '5\r\nhello\r\n0\r\n\r\n';
    lines.push('Transfer-Encoding: chunked');
  } else if (b === 2 && !wellFormed) {
    lines.push(r.pick(['Content-Length: abc', 'Content-Length: 1, 2', 'Content-Length: -1', 'Content-Length: 0\r\nTransfer-Encoding: chunked']));
    if (lines.at(-1)!.includes('chunked')) body = '0\r\n\r\n';
  }
  if (last) lines.push(r.pick(['Connection: close', 'connection: close', 'CONNECTION: Close']));
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

interface Outcome {
  request: string;
  statuses: number[];
  text: string;
  timedOut: boolean;
}

/** Write the bytes, read until the server closes (or the bound passes). */
function exchange(port: number, bytes: Buffer, label: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let timedOut = false;
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, BOUND_MS);
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('error', () => undefined); // a reset is a close
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(parts).toString('latin1');
      const statuses = [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ request: label, statuses, text, timedOut });
    });
  });
}

/** The slice for one store: the same requests for every store (one seed), a few in flight at once. */
function slice(): string[] {
  const r = random(SEED);
  return Array.from({ length: REQUESTS }, () => (r.chance(0.1) ? request(r, false) : '') + request(r, true));
}

describe.each(BACKENDS)('seeded random requests (%s)', (backend) => {
  it(`${REQUESTS} raw requests: an answer or a close within the bound, never a 5xx, never the canary; then a plain GET works`, async () => {
    const requests = slice();
    const outcomes: Outcome[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        const i = next++;
        outcomes[i] = await exchange(ports[backend]!, Buffer.from(requests[i]!, 'utf8'), `#${i}: ${JSON.stringify(requests[i]!.slice(0, 300))}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

    const seen = new Map<number, number>();
    for (const o of outcomes) {
      expect(o.timedOut, o.request).toBe(false);
      expect(o.text.includes(CANARY), o.request).toBe(false);
      for (const s of o.statuses) {
        expect(s, o.request).toBeLessThan(500);
        seen.set(s, (seen.get(s) ?? 0) + 1);
      }
    }
    // The slice reaches every part of the server, not only the parser's 400s.
    expect([...seen.keys()].sort()).toEqual(expect.arrayContaining([200, 206, 301, 304, 400, 404, 405, 412, 416]));
    const after = await raw(ports[backend]!, 'GET', '/');
    expect([after.status, after.body.toString()]).toEqual([200, page]);
    statusesOf[backend] = outcomes.map((o) => o.statuses.join(' '));
  }, 120_000);
});

describe('the three stores', () => {
  it('answered every request of the slice with the same statuses', () => {
    expect(statusesOf.directory, 'directory').toEqual(statusesOf.image);
    expect(statusesOf.crunch, 'crunch').toEqual(statusesOf.image);
    expect(statusesOf.image).toHaveLength(REQUESTS);
  });
});
