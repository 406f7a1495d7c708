/** cachedStore, the image source's per-version cache, and the direct pull node.ts reads chunked streams through. */
import * as fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openImage } from '../../src/host/open-image.js';
import { cachedStore } from '../../src/serve/cached-store.js';
import { chunkedStream, directPullOf } from '../../src/serve/chunked-stream.js';
import { STREAM_CHUNK } from '../../src/serve/handle.js';
import { nodeHandler } from '../../src/serve/node.js';
import { serve } from '../../src/serve/serve.js';
import { openSource } from '../../src/serve/source.js';
import type { ReadOnlyStore, StoreFile } from '../../src/serve/store.js';
import { tempDir } from '../crunch/helpers.js';
import { big, makeImage, page, raw, writeSite } from './helpers.js';

// Every walk of a file's cluster chain, by path (the FAT layer's fileClusters, wrapped).
const walks = vi.hoisted(() => [] as string[]);
vi.mock('../../src/fat/file/chain.js', async (original) => {
  const chain = await original<typeof import('../../src/fat/file/chain.js')>();
  return {
    ...chain,
    fileClusters: (...args: Parameters<typeof chain.fileClusters>) => {
      walks.push(args[2]);
      return chain.fileClusters(...args);
    },
  };
});

const file = (p: string, size: number): StoreFile => ({ type: 'file', path: p, size, mtimeMs: 0, etag: `"${p}"`, contentType: 'text/plain' });

/** A store of files of `sizes` whose calls are counted. */
function countingStore(sizes: Record<string, number>): { store: ReadOnlyStore; calls: string[] } {
  const calls: string[] = [];
  const store: ReadOnlyStore = {
    stat(p) {
      calls.push(`stat ${p}`);
      return sizes[p] === undefined ? undefined : file(p, sizes[p]!);
    },
    list: () => [],
    read(f, start, end) {
      calls.push(`read ${f.path} ${start}-${end}`);
      return Uint8Array.from({ length: end - start }, (_, i) => (start + i) & 0xff);
    },
  };
  return { store, calls };
}

describe('cachedStore', () => {
  it('asks the store once per path, misses included, and forgets the oldest path beyond its limit', async () => {
    const { store, calls } = countingStore({ a: 1, b: 2, c: 3 });
    const cached = cachedStore(store, { entries: 2 });
    const first = await cached.stat('a');
    expect(await cached.stat('a')).toBe(first);
    expect(await cached.stat('nope')).toBeUndefined();
    expect(await cached.stat('nope')).toBeUndefined();
    expect(calls).toEqual(['stat a', 'stat nope']);
    await cached.stat('c'); // a goes
    await cached.stat('a');
    expect(calls).toEqual(['stat a', 'stat nope', 'stat c', 'stat a']);
  });

  it('reads a small file whole once and answers every range from it; large files are read each time', async () => {
    const { store, calls } = countingStore({ small: 100, large: 1000 });
    const cached = cachedStore(store, { fileBytes: 500 });
    const small = (await cached.stat('small')) as StoreFile;
    expect([...(await cached.read(small, 10, 13))]).toEqual([10, 11, 12]);
    expect((await cached.read(small, 0, 100)).length).toBe(100);
    const large = (await cached.stat('large')) as StoreFile;
    await cached.read(large, 0, 10);
    await cached.read(large, 0, 10);
    expect(calls.filter((c) => c.startsWith('read'))).toEqual(['read small 0-100', 'read large 0-10', 'read large 0-10']);
  });

  it('keeps at most totalBytes of bodies, the oldest out first', async () => {
    const { store, calls } = countingStore({ a: 60, b: 60 });
    const cached = cachedStore(store, { totalBytes: 100 });
    const a = (await cached.stat('a')) as StoreFile;
    const b = (await cached.stat('b')) as StoreFile;
    await cached.read(a, 0, 60);
    await cached.read(b, 0, 60); // a goes
    await cached.read(b, 0, 60);
    await cached.read(a, 0, 60);
    expect(calls.filter((c) => c.startsWith('read'))).toEqual(['read a 0-60', 'read b 0-60', 'read a 0-60']);
  });

  it('remembers variants (looked up as .br/.gz siblings through the cache)', async () => {
    const { store, calls } = countingStore({ 'x.js': 10, 'x.js.gz': 5 });
    const cached = cachedStore(store);
    const x = (await cached.stat('x.js')) as StoreFile;
    const v1 = await cached.variants!(x);
    const v2 = await cached.variants!(x);
    expect(v2).toBe(v1);
    expect(v1.map((v) => [v.path, v.encoding])).toEqual([['x.js.gz', 'gzip']]);
    expect(calls).toEqual(['stat x.js', 'stat x.js.br', 'stat x.js.gz']);
  });
});

describe('the image source cache', () => {
  let work: ReturnType<typeof tempDir>;
  let site: string;
  beforeAll(() => {
    work = tempDir('fatkit-serve-cache-');
    site = path.join(work.dir, 'site');
    writeSite(site);
    makeImage(site, path.join(work.dir, 'site.img'));
  }, 60_000);
  afterAll(() => work.remove());

  it('is dropped when the image changes: a file rewritten in place is served new at the next request', async () => {
    const img = path.join(work.dir, 'live.img');
    fs.copyFileSync(path.join(work.dir, 'site.img'), img);
    const source = await openSource(img);
    const handler = nodeHandler(source.store);
    const server = http.createServer((req, res) => {
      source.refresh(); // as fat serve does, before each request
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      for (let i = 0; i < 2; i++) expect((await raw(port, 'GET', '/index.html')).body.toString()).toBe(page); // now kept
      const before = await raw(port, 'GET', '/app.js');
      const v = openImage(img, { readOnly: false });
      v.writeFile('/index.html', 'rewritten');
      v.close();
      const after = await raw(port, 'GET', '/index.html');
      expect([after.status, after.body.toString()]).toEqual([200, 'rewritten']);
      expect((await raw(port, 'GET', '/index.html')).body.toString()).toBe('rewritten');
      expect((await raw(port, 'GET', '/app.js')).body.equals(before.body)).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      source.close();
    }
  });

  it('serves concurrent large bodies and ranges intact while chunk buffers are recycled between responses', async () => {
    const source = await openSource(path.join(work.dir, 'site.img'));
    const server = http.createServer(nodeHandler(source.store));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const asks = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? { from: 1000 * i, to: big.length - 1 - i } : undefined));
      const answers = await Promise.all(asks.map((r) => raw(port, 'GET', '/big.bin', r ? { Range: `bytes=${r.from}-${r.to}` } : {})));
      answers.forEach((a, i) => {
        const r = asks[i];
        expect(a.status).toBe(r ? 206 : 200);
        expect(a.body.equals(r ? big.subarray(r.from, r.to + 1) : big), `response ${i}`).toBe(true);
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      source.close();
    }
  });

  it('a chunk buffer is reused only once the socket took it: slow readers of a large body get it intact', async () => {
    const dir = path.join(work.dir, 'large');
    const large = Buffer.alloc(12 << 20);
    for (let i = 0; i < large.length; i += 4) large.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 7)) >>> 0, i);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'large.bin'), large);
    makeImage(dir, path.join(work.dir, 'large.img'));
    const source = await openSource(path.join(work.dir, 'large.img'));
    const server = http.createServer(nodeHandler(source.store));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    // Each client waits before reading, so the server's writes queue up behind full socket buffers.
    const slowGet = (wait: number): Promise<Buffer> => new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/large.bin', agent: false }, (res) => {
        res.pause();
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve(Buffer.concat(parts)));
        res.on('error', reject);
        setTimeout(() => res.resume(), wait);
      }).on('error', reject);
    });
    try {
      const bodies = await Promise.all([300, 50, 200, 0, 150, 100].map(slowGet));
      bodies.forEach((b, i) => expect(b.equals(large), `client ${i}`).toBe(true));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      source.close();
    }
  }, 30_000);

  it('the Web handler answers a kept body again and again (a Response never takes the cached bytes away)', async () => {
    const source = await openSource(path.join(work.dir, 'site.img'));
    const handler = serve(source.store);
    for (let i = 0; i < 3; i++) {
      const r = await handler(new Request('http://site/index.html'));
      expect([r.status, await r.text()]).toEqual([200, page]);
    }
    const ranged = await handler(new Request('http://site/index.html', { headers: { Range: 'bytes=2-9' } }));
    expect([ranged.status, await ranged.text()]).toEqual([206, page.slice(2, 10)]);
    source.close();
  });

  it('hands out equal bytes for a kept file, a range of it, and a streamed large file', async () => {
    const source = await openSource(path.join(work.dir, 'site.img'));
    const index = (await source.store.stat('index.html')) as StoreFile;
    const whole = Buffer.from(await source.store.read(index, 0, index.size));
    expect(whole.toString()).toBe(page);
    expect(Buffer.from(await source.store.read(index, 5, 25)).equals(whole.subarray(5, 25))).toBe(true);
    const bigFile = (await source.store.stat('big.bin')) as StoreFile;
    const streamed = Buffer.from(await new Response(source.store.stream!(bigFile, 3, bigFile.size)).arrayBuffer());
    expect(streamed.equals(big.subarray(3))).toBe(true);
    source.close();
  });
});

describe('directPullOf', () => {
  const data = Uint8Array.from({ length: STREAM_CHUNK * 2 + 9 }, (_, i) => (i * 7) & 0xff);
  const readAt = (into: Uint8Array, position: number): number => {
    const part = data.subarray(position, position + into.length);
    into.set(part);
    return part.length;
  };

  it('gives the chunks the stream would, then null, closing once', () => {
    let closed = 0;
    const stream = chunkedStream(readAt, 4, data.length, () => closed++);
    const direct = directPullOf(stream)!;
    const parts: Uint8Array[] = [];
    for (let c = direct.next(); c !== null; c = direct.next()) parts.push(c);
    expect(parts.map((p) => p.length)).toEqual([STREAM_CHUNK, STREAM_CHUNK, 5]);
    expect(Buffer.concat(parts).equals(Buffer.from(data.subarray(4)))).toBe(true);
    expect(direct.next()).toBeNull();
    direct.cancel();
    expect(closed).toBe(1);
  });

  it('is not offered for a stream someone reads, nor for other streams; cancel and errors close once', () => {
    const stream = chunkedStream(readAt, 0, 10, () => undefined);
    stream.getReader();
    expect(directPullOf(stream)).toBeUndefined();
    expect(directPullOf(new ReadableStream())).toBeUndefined();
    let closed = 0;
    const cancelled = directPullOf(chunkedStream(readAt, 0, data.length, () => closed++))!;
    cancelled.next();
    cancelled.cancel();
    cancelled.cancel();
    expect([cancelled.next(), closed]).toEqual([null, 1]);
    const failing = directPullOf(chunkedStream(() => {
      throw new Error('EIO');
    }, 0, 10, () => closed++))!;
    expect(() => failing.next()).toThrow('EIO');
    expect([failing.next(), closed]).toEqual([null, 2]);
  });
});

describe('keepChains', () => {
  it('walks a streamed file\'s cluster chain once per opened version, not once per request', async () => {
    const work = tempDir('fatkit-serve-chains-');
    try {
      const site = path.join(work.dir, 'site');
      writeSite(site);
      makeImage(site, path.join(work.dir, 'site.img'));
      walks.length = 0;
      const source = await openSource(path.join(work.dir, 'site.img'));
      const bigFile = (await source.store.stat('big.bin')) as StoreFile;
      for (let i = 0; i < 3; i++) {
        const body = Buffer.from(await new Response(source.store.stream!(bigFile, 0, bigFile.size)).arrayBuffer());
        expect(body.equals(big)).toBe(true);
      }
      expect(walks.filter((p) => p === '/big.bin')).toHaveLength(1);
      source.close();
    } finally {
      work.remove();
    }
  });
});
