/**
 * A real browser: examples/site built into an image by the real CLI (`fat make`), served by the
 * real `fat serve`, loaded by headless Chromium. Every page the site links to is visited; every
 * subresource answers 200, every image decodes, the site's script runs (nosniff would block it
 * under a wrong type), Unicode names work, and fetch() from the page gets 206 and 304. And a
 * crunch output served by `fat serve`: the browser gets and decodes the module's own br forms.
 * One browser for the whole file; skipped when Chromium is missing (not under CI=true).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../chromium.js';
import { tempDir } from '../crunch/helpers.js';
import { cli } from './helpers.js';

const site = path.resolve(import.meta.dirname, '..', '..', 'examples', 'site');
const haveChromium = chromiumPath() !== undefined;

let work: ReturnType<typeof tempDir>;
const servers: ChildProcess[] = [];
let browser: Browser | undefined;
let origin = '';
let crunchOrigin = '';
const words = ['served', 'by', 'fat', 'serve', 'from', 'a', 'crunch', 'module', 'in', 'brotli'];
const longPage = `<!doctype html><meta charset="utf-8"><title>long</title><script src="app.js"></script>\n${
  Array.from({ length: 500 }, (_, i) => `<p>${words[(i * 7) % 10]} ${words[(i * i) % 10]} ${i}</p>`).join('\n')}`;

const run = (...args: string[]): void => {
  const r = spawnSync(process.execPath, [cli, ...args, '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fat ${args[0]} failed: ${r.stderr}`);
};

/** The real `fat serve SOURCE --port 0`; its origin, read from the line it prints. */
async function startServe(source: string): Promise<string> {
  const child = spawn(process.execPath, [cli, 'serve', source, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fat serve exited ${code}`)));
  });
  const url = /(http:\/\/127\.0\.0\.1:\d+)\/$/.exec(first)?.[1];
  if (url === undefined) throw new Error(`no URL in: ${first}`);
  return url;
}

beforeAll(async () => {
  if (!haveChromium) return;
  work = tempDir('fatkit-serve-browser-');
  const image = path.join(work.dir, 'site.img');
  run('make', image, '--from', site);
  // A crunch output whose module stores br/gzip forms (the pages of examples/site are too small to).
  const long = path.join(work.dir, 'long');
  fs.mkdirSync(long);
  fs.writeFileSync(path.join(long, 'index.html'), longPage);
  fs.writeFileSync(path.join(long, 'app.js'), `document.documentElement.dataset.ran = ${JSON.stringify('yes'.repeat(1000))}.slice(0, 3);\n`);
  run('crunch', long, '-o', path.join(work.dir, 'long-module'));
  [origin, crunchOrigin] = await Promise.all([startServe(image), startServe(path.join(work.dir, 'long-module'))]);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  for (const server of servers) {
    if (server.exitCode !== null) continue;
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGINT');
    await exited;
  }
  work?.remove();
});

interface Visit {
  status: number;
  /** Every response the page load brought, by path: the document and its subresources. */
  responses: Map<string, number>;
  failed: string[];
  links: string[];
  title: string;
}

/**
 * puppeteer may emit a subresource's 'response' event after goto() resolves (it first pairs the
 * event with the headers of a later extra-info event), so wait until every resource the page's
 * own Performance timeline lists has been seen, for at most 10 s.
 */
async function responsesSeen(page: Page, seen: Map<string, unknown>): Promise<void> {
  const wanted = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
  const paths = wanted.map((u) => decodeURI(new URL(u).pathname)).filter((p) => p !== '/favicon.ico');
  const deadline = Date.now() + 10_000;
  while (paths.some((p) => !seen.has(p)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/** Load one page and record what it fetched, what failed and where it links. */
async function visit(page: Page, url: string): Promise<Visit> {
  const responses = new Map<string, number>();
  const failed: string[] = [];
  const onResponse = (r: { url(): string; status(): number }): void => {
    const u = new URL(r.url());
    // The browser's own guess at an icon is not something the site asked for.
    if (u.origin === origin && u.pathname !== '/favicon.ico') responses.set(decodeURI(u.pathname), r.status());
  };
  const onFailed = (r: { url(): string; failure(): { errorText: string } | null }): void => {
    if (!r.url().endsWith('/favicon.ico')) failed.push(`${r.url()}: ${r.failure()?.errorText}`);
  };
  page.on('response', onResponse);
  page.on('requestfailed', onFailed);
  try {
    const response = await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await responsesSeen(page, responses);
    const links = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
    return { status: response?.status() ?? 0, responses, failed, links, title: await page.title() };
  } finally {
    page.off('response', onResponse);
    page.off('requestfailed', onFailed);
  }
}

describe.skipIf(!haveChromium)('examples/site from its image in Chromium', () => {
  it('the home page: every subresource 200, images decoded, the script ran', async () => {
    const page = await browser!.newPage();
    try {
      const home = await visit(page, `${origin}/`);
      expect(home.status).toBe(200);
      expect(home.failed).toEqual([]);
      expect(Object.fromEntries(home.responses)).toEqual({
        '/': 200, '/css/style.css': 200, '/js/app.js': 200, '/images/logo.svg': 200, '/images/pixel.png': 200,
      });
      const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth })));
      expect(images).toEqual([
        { src: '/images/logo.svg', complete: true, width: expect.any(Number) },
        { src: '/images/pixel.png', complete: true, width: 1 },
      ]);
      for (const i of images) expect(i.width, i.src!).toBeGreaterThan(0);
      // The stylesheet applied, and app.js (served with nosniff) ran.
      expect(await page.$eval('body', (b) => getComputedStyle(b).maxWidth)).not.toBe('none');
      expect(await page.$eval('footer', (f) => f.textContent)).toContain('Opened');
      // Visited again, the page and everything it uses revalidate (max-age=0, must-revalidate) with a 304.
      const again = await visit(page, `${origin}/`);
      expect(again.failed).toEqual([]);
      expect(Object.fromEntries(again.responses)).toEqual({
        '/': 304, '/css/style.css': 304, '/js/app.js': 304, '/images/logo.svg': 304, '/images/pixel.png': 304,
      });
    } finally {
      await page.close();
    }
  }, 120_000);

  it('follows every link: each page and its subresources answer 200, Unicode names included', async () => {
    const page = await browser!.newPage();
    await page.setCacheEnabled(false); // every answer whole (the test above covers revalidation)
    try {
      const seen = new Map<string, Visit>();
      const queue = [`${origin}/`];
      while (queue.length > 0 && seen.size < 50) {
        const url = queue.shift()!;
        if (seen.has(url)) continue;
        const v = await visit(page, url);
        seen.set(url, v);
        for (const link of v.links) {
          const u = new URL(link);
          u.hash = '';
          if (u.origin === origin && !seen.has(u.href) && !queue.includes(u.href)) queue.push(u.href);
        }
      }
      const pages = [...seen].map(([url, v]) => [decodeURI(new URL(url).pathname), v.status, v.title]);
      expect(pages).toEqual(expect.arrayContaining([
        ['/', 200, 'Field Notes — a small static site'],
        ['/about.html', 200, 'About — Field Notes'],
        ['/docs/README.txt', 200, expect.any(String)],
        ['/posts/2025/hello-world.html', 200, 'Hello, world — Field Notes'],
        ['/posts/2025/Building FAT images from a static site.html', 200, 'Building FAT images from a static site — Field Notes'],
        ['/posts/2026/café-naïve-résumé.html', 200, 'Café, naïve, résumé — Field Notes'],
        ['/posts/2026/日本語のページ.html', 200, '日本語のページ — Field Notes'],
      ]));
      expect(pages).toHaveLength(7);
      for (const [url, v] of seen) {
        expect(v.failed, url).toEqual([]);
        for (const [p, status] of v.responses) expect([p, status], url).toEqual([p, 200]);
      }
    } finally {
      await page.close();
    }
  }, 120_000);

  it('fetch() from the page: a Range gives 206, a conditional request 304', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 60_000 });
      const result = await page.evaluate(async () => {
        const range = await fetch('/images/pixel.png', { headers: { Range: 'bytes=1-3' } });
        const rangeBody = new TextDecoder().decode(await range.arrayBuffer());
        const full = await fetch('/css/style.css', { cache: 'no-store' });
        await full.arrayBuffer();
        const etag = full.headers.get('etag') ?? '';
        const lastModified = full.headers.get('last-modified') ?? '';
        const byEtag = await fetch('/css/style.css', { headers: { 'If-None-Match': etag } });
        const byDate = await fetch('/css/style.css', { headers: { 'If-Modified-Since': lastModified } });
        const unicode = await fetch('/posts/2026/café-naïve-résumé.html', { headers: { Range: 'bytes=0-14' } });
        return {
          range: [range.status, range.headers.get('content-range'), rangeBody],
          full: [full.status, etag !== '', lastModified !== ''],
          byEtag: [byEtag.status, byEtag.headers.get('etag') === etag],
          byDate: byDate.status,
          unicode: [unicode.status, await unicode.text()],
        };
      });
      expect(result).toEqual({
        range: [206, 'bytes 1-3/70', 'PNG'],
        full: [200, true, true],
        byEtag: [304, true],
        byDate: 304,
        unicode: [206, '<!doctype html>'],
      });
    } finally {
      await page.close();
    }
  }, 120_000);

  it('a crunch output served by fat serve: Chromium gets the module\'s own br forms and renders them', async () => {
    const page = await browser!.newPage();
    try {
      const encodings = new Map<string, string | undefined>();
      page.on('response', (r) => encodings.set(new URL(r.url()).pathname, r.headers()['content-encoding']));
      const response = await page.goto(`${crunchOrigin}/`, { waitUntil: 'load', timeout: 60_000 });
      await responsesSeen(page, encodings);
      expect([response?.status(), response?.headers().vary]).toEqual([200, 'Accept-Encoding']);
      expect(Object.fromEntries([...encodings].filter(([p]) => p !== '/favicon.ico'))).toEqual({ '/': 'br', '/app.js': 'br' });
      expect(await page.evaluate(() => document.documentElement.outerHTML.length)).toBeGreaterThan(longPage.length - 200);
      expect(await page.$$eval('p', (ps) => [ps.length, ps[499]!.textContent])).toEqual([500, longPage.split('\n').at(-1)!.replace(/<\/?p>/g, '')]);
      expect(await page.evaluate(() => document.documentElement.dataset.ran)).toBe('yes');
    } finally {
      await page.close();
    }
  }, 120_000);
});
