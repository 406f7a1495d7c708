/**
 * The browser devices in a real browser: headless Chromium runs the block-device conformance cases
 * for BlobDevice (real Blobs, FileReaderSync) and OpfsDevice (real OPFS sync access handles) inside
 * a worker, the only place those synchronous APIs exist. One browser launch; one vitest test per case.
 */
import { buildSync } from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesFor, SECTOR_SIZES } from '../fat/device/conformance-cases.js';
import { chromiumPath, launchChromium } from '../chromium.js';
import type { CaseResult } from './devices-worker.js';
import { serveDirectory, type StaticServer } from './static-server.js';

const chrome = chromiumPath();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-browser-devices-'));
let browser: Browser | undefined;
let server: StaticServer | undefined;
const results = new Map<string, CaseResult>();
let fatal: string | undefined;

describe.skipIf(!chrome)('browser block devices in Chromium', () => {
  beforeAll(async () => {
    buildSync({ entryPoints: [path.join(import.meta.dirname, 'devices-worker.ts')], bundle: true, platform: 'browser', format: 'esm', target: 'chrome120', outfile: path.join(work, 'worker.js'), logLevel: 'silent' });
    fs.writeFileSync(path.join(work, 'index.html'), `<!doctype html><meta charset="utf-8"><title>devices</title><script type="module">
const w = new Worker('worker.js', { type: 'module' });
w.onmessage = (e) => { window.__done = e.data; };
w.onerror = (e) => { window.__done = { fatal: 'worker error: ' + e.message }; };
</script>`);
    server = await serveDirectory(work);
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction('window.__done !== undefined', { timeout: 60_000 });
    const done = (await page.evaluate('window.__done')) as { results?: CaseResult[]; fatal?: string };
    fatal = done.fatal;
    for (const r of done.results ?? []) results.set(r.key, r);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const expectPassed = (key: string): void => {
    expect(fatal, 'the worker ran to its end').toBeUndefined();
    const r = results.get(key);
    expect(r, `${key}: ran in the browser`).toBeDefined();
    if (!r!.ok) expect.fail(r!.error);
  };

  for (const [name, readOnly] of [['BlobDevice', true], ['OpfsDevice', false]] as const) {
    for (const ss of SECTOR_SIZES) {
      describe(`${name} (${ss}-byte sectors)`, () => {
        for (const c of casesFor(readOnly)) it(c.name, () => expectPassed(`${name} (${ss}-byte sectors) ${c.name}`));
      });
    }
  }
  it('a volume written on OPFS reads back through a Blob of the same file', () => expectPassed('a volume written on OPFS reads back through a Blob of the same file'));
  it('ran exactly the cases the Node side expects', () => {
    const expected = (['BlobDevice', 'OpfsDevice'] as const).flatMap((name) => SECTOR_SIZES.flatMap((ss) =>
      casesFor(name === 'BlobDevice').map((c) => `${name} (${ss}-byte sectors) ${c.name}`)));
    expected.push('a volume written on OPFS reads back through a Blob of the same file');
    expect([...results.keys()].sort()).toEqual(expected.sort());
  });
});
