/** Shared by the serve tests: a served store on 127.0.0.1, raw requests, the site every backend serves. */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { crunch } from '../../src/crunch/index.js';
import type { Crunch } from '../../src/crunch/runtime/api.js';
import { crunchStore } from '../../src/serve/crunch-store.js';
import { directoryStore } from '../../src/serve/directory-store.js';
import { nodeHandler } from '../../src/serve/node.js';
import type { ServeOptions } from '../../src/serve/serve.js';
import { openSource, type ServeSource } from '../../src/serve/source.js';
import type { ReadOnlyStore } from '../../src/serve/store.js';
import { writeTree } from '../crunch/helpers.js';

export const cli = path.resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request through node:http, with no normalisation and no decompression. */
export function raw(port: number, method: string, target: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Bytes written straight to a socket (targets node:http's client would refuse); the status and body. */
export function rawSocket(port: number, request: string | Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request)); // the server closes (Connection: close)
    const parts: Buffer[] = [];
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(parts).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
  });
}

/** Serve a store on 127.0.0.1 (port 0); returns the port and a close(). */
export async function listen(store: ReadOnlyStore, options: ServeOptions = {}): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(nodeHandler(store, options));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

// The site: mtimes on even seconds (FAT keeps 2-second times) and before SOURCE_DATE_EPOCH.
export const MTIME = 1_700_000_000;
const words = ['serve', 'the', 'site', 'straight', 'from', 'its', 'image', 'with', 'etags', 'ranges'];
export const page = `<!doctype html><title>home</title>\n${Array.from({ length: 400 }, (_, i) => `<p>${words[(i * 7) % 10]} ${words[(i * i) % 10]} ${i}</p>`).join('\n')}`;
export const appJs = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;
export const big = randomBytes(700 * 1024);

export const SITE = {
  'index.html': page,
  '404.html': '<h1>not here</h1>',
  'app.js': appJs,
  'app.js.br': zlib.brotliCompressSync(appJs),
  'app.js.gz': zlib.gzipSync(appJs),
  'big.bin': big,
  'empty.txt': '',
  'sub/index.html': '<p>sub</p>',
  'noindex/readme.txt': 'no index here',
  '日本/ü b.txt': 'unicode',
  'style.css': 'h1 { color: red }\n',
};

export function writeSite(dir: string): void {
  writeTree(dir, SITE);
  const stamp = (p: string): void => {
    fs.utimesSync(p, MTIME, MTIME);
    if (fs.statSync(p).isDirectory()) for (const n of fs.readdirSync(p)) stamp(path.join(p, n));
  };
  for (const n of fs.readdirSync(dir)) stamp(path.join(dir, n));
}

export function makeImage(dir: string, image: string, extra: string[] = []): void {
  const r = spawnSync(process.execPath, [cli, 'make', image, '--from', dir, '--quiet', ...extra], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fat make failed: ${r.stderr}`);
}

export type Backend = 'image' | 'directory' | 'crunch';

/** The three stores over the same site: a FAT image, the directory, and its crunch module (no own variants). */
export async function openBackends(work: string): Promise<Record<Backend, { store: ReadOnlyStore; source?: ServeSource; module?: Crunch }>> {
  const dir = path.join(work, 'site');
  writeSite(dir);
  const image = path.join(work, 'site.img');
  makeImage(dir, image);
  const out = path.join(work, 'site-module');
  await crunch(dir, out, { compress: false, sourceDateEpoch: MTIME + 1000 });
  const mod = (await import(pathToFileURL(path.join(out, 'index.js')).href)) as { default: Crunch };
  const source = await openSource(image);
  return { image: { store: source.store, source }, directory: { store: directoryStore(dir) }, crunch: { store: crunchStore(mod.default), module: mod.default } };
}
