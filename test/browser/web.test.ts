/**
 * The page of examples/web in headless Chromium, driven as a person would: open an image made by
 * mkfs.fat and mcopy, list and preview it, download a file and compare bytes; open a partitioned
 * disk and a 1 GiB image; add (by drop), make, rename and delete, then check the downloaded image
 * with fsck.fat and mtools; build a new image from files and check it the same way. One browser.
 * A screenshot goes to test-output/web.png for a person to look at.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../chromium.js';
import { fsckProblems, haveOracles, oracleEnv } from '../fat/oracle-helpers.js';
import { serveDirectory, type StaticServer } from './static-server.js';

const root = path.resolve(import.meta.dirname, '../..');
const chrome = chromiumPath();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-web-'));
const downloads = path.join(work, 'downloads');
let browser: Browser | undefined;
let server: StaticServer | undefined;
let page: Page;
const consoleErrors: string[] = [];

const fat = (...args: string[]): string => execFileSync(process.execPath, [path.join(root, 'dist/cli/main.js'), ...args], { encoding: 'utf8' });
const mtools = (tool: string, ...args: string[]): string => execFileSync(tool, args, { encoding: 'utf8', env: oracleEnv });

/** A small valid PNG (a 24x16 gradient) made with zlib, to preview. */
function png(): Buffer {
  const w = 24;
  const h = 16;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([x * 10, y * 15, 128], y * (w * 3 + 1) + 1 + x * 3);
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const tree = path.join(work, 'tree');
const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 131 + (i >> 9)) & 0xff));
const files: Record<string, Buffer> = {
  'hello.txt': Buffer.from('Hello from a FAT image!\nSecond line.\n'),
  'docs/Read me first.md': Buffer.from('# Notes\n\nLong names survive.\n'),
  'docs/picture.png': png(),
  'data.bin': data,
};

/** Wait until `name` is in the downloads folder, complete, and return its bytes. */
async function downloaded(name: string): Promise<Buffer> {
  const p = path.join(downloads, name);
  for (let i = 0; i < 600; i++) {
    if (fs.existsSync(p) && !fs.existsSync(`${p}.crdownload`)) return fs.readFileSync(p);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} was not downloaded`);
}

/** The listed rows: name, exact size (files) and type. */
async function listing(): Promise<{ name: string; size: number; dir: boolean }[]> {
  return page.$$eval('#listing tbody tr[data-name]', (trs) => trs.map((tr) => ({
    name: (tr as HTMLElement).dataset.name!, size: Number((tr as HTMLElement).dataset.size), dir: tr.classList.contains('dir'),
  })));
}

async function openImage(file: string): Promise<void> {
  const before = await page.$eval('#summary', (e) => e.textContent);
  const input = (await page.$('#open-input')) as ElementHandle<HTMLInputElement> | null;
  await input!.uploadFile(file);
  await page.waitForFunction((b) => document.querySelector('#summary')!.textContent !== b && !document.body.hasAttribute('aria-busy'), {}, before);
}

/** Wait for the page to finish what it is doing, and fail on a `fat: ...` error line. */
async function settled(): Promise<void> {
  await page.waitForFunction(() => !document.body.hasAttribute('aria-busy'));
  const status = await page.$eval('#status', (e) => (e.classList.contains('error') ? e.textContent : ''));
  expect(status).toBe('');
}

async function selectRow(name: string): Promise<void> {
  await page.click(`#listing tbody tr[data-name="${name}"]`);
  await page.waitForFunction((n) => document.querySelector('#listing tr[aria-selected="true"]')?.getAttribute('data-name') === n, {}, name);
}

describe.skipIf(!chrome || !haveOracles)('examples/web in Chromium', () => {
  beforeAll(async () => {
    for (const [rel, bytes] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
      fs.writeFileSync(path.join(tree, rel), bytes);
    }
    // The fixture as other tools make it: mkfs.fat, then mcopy.
    const plain = path.join(work, 'plain.img');
    execFileSync('mkfs.fat', ['-C', '-n', 'FIXTURE', '-i', '1234ABCD', plain, '4096'], { env: oracleEnv, stdio: 'ignore' });
    mtools('mmd', '-i', plain, '::/docs');
    for (const rel of Object.keys(files)) mtools('mcopy', '-i', plain, path.join(tree, rel), `::/${rel}`);
    fat('make', path.join(work, 'disk.img'), '--from', tree, '--partition', 'mbr', '--label', 'PARTED', '--quiet');
    fat('make', path.join(work, 'gpt.img'), '--from', tree, '--partition', 'gpt', '--label', 'GPTDISK', '--quiet');
    fat('make', path.join(work, 'big.img'), '--size', '1G', '--fat', '32', '--label', 'BIG', '--quiet');
    fat('add', path.join(work, 'big.img'), path.join(tree, 'hello.txt'), '--quiet');

    const site = path.join(work, 'site');
    const b = spawnSync(process.execPath, [path.join(root, 'examples/web/build.mjs'), '--outdir', site], { encoding: 'utf8' });
    expect(b.status, b.stderr).toBe(0);
    server = await serveDirectory(site);
    browser = await launchChromium();
    fs.mkdirSync(downloads);
    const session = await browser.target().createCDPSession();
    await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 760 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await page.goto(server.url);
    await page.waitForSelector('#welcome');
    expect(errors).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('opens an image made by mkfs.fat and mcopy, lists it with sizes, previews text', async () => {
    await openImage(path.join(work, 'plain.img'));
    await settled();
    expect(await page.$eval('#summary', (e) => e.textContent)).toMatch(/plain\.img · FAT12 · 4\.0 MiB image .* label FIXTURE · id 1234-ABCD/);
    expect(await listing()).toEqual([
      { name: 'docs', size: 0, dir: true },
      { name: 'data.bin', size: data.length, dir: false },
      { name: 'hello.txt', size: files['hello.txt'].length, dir: false },
    ]);
    await selectRow('hello.txt');
    await page.waitForSelector('#preview pre');
    expect(await page.$eval('#preview pre', (e) => e.textContent)).toBe(files['hello.txt'].toString());
  });

  it('goes into a folder with the keyboard and previews an image', async () => {
    await selectRow('docs');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#listing tr[data-name="picture.png"]');
    expect((await listing()).map((r) => r.name)).toEqual(['picture.png', 'Read me first.md']);
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown'); // row 0 is ".."
    await page.waitForSelector('#preview img');
    await page.waitForFunction(() => (document.querySelector('#preview img') as HTMLImageElement).naturalWidth === 24);
    await page.keyboard.press('Backspace');
    await page.waitForSelector('#listing tr[data-name="hello.txt"]');
  });

  it('downloads a file byte for byte', async () => {
    await selectRow('data.bin');
    await page.click('#download-button');
    expect((await downloaded('data.bin')).equals(data)).toBe(true);
  });

  it('opens partitioned disks (MBR and GPT) and shows which partition', async () => {
    await openImage(path.join(work, 'disk.img'));
    await settled();
    expect(await page.$eval('#summary', (e) => e.textContent)).toMatch(/disk\.img · FAT12 .* label PARTED .* partition 1 of 1 \(MBR\)/);
    expect((await listing()).map((r) => r.name)).toEqual(['docs', 'data.bin', 'hello.txt']);
    await openImage(path.join(work, 'gpt.img'));
    await settled();
    expect(await page.$eval('#summary', (e) => e.textContent)).toMatch(/gpt\.img · FAT12 .* label GPTDISK .* partition 1 of 1 \(GPT\)/);
    expect((await listing()).map((r) => r.name)).toEqual(['docs', 'data.bin', 'hello.txt']);
  });

  it('opens a 1 GiB FAT32 image without loading it, and stays responsive while it does', async () => {
    // Timers on the page keep running while the worker opens the image (no frame is held up).
    await page.evaluate(() => {
      (window as unknown as { ticks: number }).ticks = 0;
      (window as unknown as { tick: number }).tick = window.setInterval(() => (window as unknown as { ticks: number }).ticks++, 10);
    });
    const t0 = Date.now();
    await openImage(path.join(work, 'big.img'));
    await settled();
    const ms = Date.now() - t0;
    const ticks = await page.evaluate(() => (window as unknown as { ticks: number }).ticks);
    console.log(`web: opened and listed a 1 GiB image in ${ms} ms; the page's 10 ms timer ran ${ticks} times meanwhile`);
    expect(await page.$eval('#summary', (e) => e.textContent)).toMatch(/big\.img · FAT32 · 1\.0 GiB image .* label BIG/);
    expect((await listing()).map((r) => r.name)).toEqual(['hello.txt']);
    expect(ticks).toBeGreaterThan(0);
  });

  it('edits: drop to add, new folder, rename, delete; the downloaded image passes fsck.fat and mtools reads the changes', async () => {
    await openImage(path.join(work, 'plain.img'));
    await settled();
    // Drop two files on the list, as a file manager would (synthetic files: the page sees File objects).
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped one\n'], 'dropped.txt', { lastModified: Date.UTC(2024, 4, 6, 7, 8, 10) }));
      dt.items.add(new File([new Uint8Array(70_000).fill(0x5a)], 'Second dropped file.dat', { lastModified: Date.UTC(2024, 4, 6, 7, 8, 10) }));
      document.querySelector('#listing-box')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector('#listing tr[data-name="dropped.txt"]');
    await settled();
    expect(await page.$eval('#summary', (e) => e.textContent)).toMatch(/editing a copy in browser storage/);

    await page.click('#mkdir-button');
    await page.waitForSelector('#ask-dialog[open]');
    await page.$eval('#ask-input', (e) => ((e as HTMLInputElement).value = ''));
    await page.type('#ask-input', 'Made in the browser');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#listing tr[data-name="Made in the browser"]');
    await settled();

    await selectRow('hello.txt');
    await page.keyboard.press('F2');
    await page.waitForSelector('#ask-dialog[open]');
    await page.$eval('#ask-input', (e) => ((e as HTMLInputElement).value = ''));
    await page.type('#ask-input', 'renamed hello.txt');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#listing tr[data-name="renamed hello.txt"]');
    await settled();

    await selectRow('data.bin');
    await page.keyboard.press('Delete');
    await page.waitForSelector('#ask-dialog[open]');
    await page.keyboard.press('Enter'); // OK has the focus
    await page.waitForFunction(() => !document.querySelector('#listing tr[data-name="data.bin"]'));
    await settled();
    fs.mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: path.join(root, 'test-output/web-edit.png') });

    await page.click('#image-button');
    const img = path.join(downloads, 'plain.img');
    fs.writeFileSync(path.join(work, 'edited.img'), await downloaded('plain.img'));
    expect(fsckProblems(path.join(work, 'edited.img'))).toEqual({ status: 0, problems: [] });
    const dir = mtools('mdir', '-i', path.join(work, 'edited.img'), '-b', '-/', '::/');
    expect(dir.split('\n').filter(Boolean).sort()).toEqual([
      '::/Made in the browser/', '::/Second dropped file.dat', '::/docs/', '::/docs/Read me first.md', '::/docs/picture.png',
      '::/dropped.txt', '::/renamed hello.txt',
    ].sort());
    expect(mtools('mtype', '-i', path.join(work, 'edited.img'), '::/dropped.txt')).toBe('dropped one\n');
    expect(mtools('mtype', '-i', path.join(work, 'edited.img'), '::/renamed hello.txt')).toBe(files['hello.txt'].toString());
    fs.rmSync(img);
  });

  it('treats every image as hostile: one-line fat: errors, no page errors, the worker keeps going', async () => {
    const hostile = path.join(root, 'test/fixtures/hostile');
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    for (const name of ['not-fat-empty.img', 'not-fat-random.img', 'bps-0.img', 'truncated-half.img']) {
      const input = (await page.$('#open-input')) as ElementHandle<HTMLInputElement> | null;
      await input!.uploadFile(path.join(hostile, name));
      await page.waitForFunction(() => document.querySelector('#status')!.classList.contains('error'));
      const line = await page.$eval('#status', (e) => e.textContent ?? '');
      expect(line, name).toMatch(/^fat: [^\n]+$/);
      expect(await page.$eval('#welcome', (e) => (e as HTMLElement).hidden), name).toBe(false);
    }
    // Damaged but mountable: every file previewed (cycles and bad clusters end in a message, not a hang).
    const shown: string[] = [];
    for (const name of ['chain-cycle.img', 'chain-out-of-range.img', 'dir-cycle.img']) {
      await openImage(path.join(hostile, name));
      for (const row of await listing()) {
        if (row.dir) continue;
        await selectRow(row.name);
        await page.waitForFunction(() => !document.body.hasAttribute('aria-busy') && document.querySelector('#preview')!.children.length > 3);
        shown.push(await page.$eval('#preview', (e) => e.lastElementChild!.textContent ?? ''));
      }
    }
    expect(shown.filter((t) => /^fat: .*(loop|cycle|corrupt|out of range|beyond)/i.test(t)).length, shown.join(' | ')).toBeGreaterThan(0);
    await openImage(path.join(work, 'plain.img'));
    await settled();
    expect((await listing()).map((r) => r.name)).toEqual(['docs', 'data.bin', 'hello.txt']);
    expect(pageErrors).toEqual([]);
  });

  it('builds a new image from a chosen folder, which becomes the root (as fat make --from)', async () => {
    await page.click('#new-button');
    await page.waitForSelector('#new-dialog[open]');
    const input = (await page.$('#new-folder-input')) as ElementHandle<HTMLInputElement> | null;
    await input!.uploadFile(tree);
    await page.waitForFunction(() => !(document.querySelector('#new-build') as HTMLButtonElement).disabled);
    expect(await page.$eval('#new-chosen', (e) => e.textContent)).toMatch(/^4 files, .* from tree\/$/);
    expect(await page.$eval('#new-label', (e) => (e as HTMLInputElement).value)).toBe('TREE');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /tree\.img/.test(document.querySelector('#summary')!.textContent ?? ''));
    await settled();
    expect(await page.$eval('#summary', (e) => e.textContent)).toMatch(/tree\.img · FAT12 .* label TREE/);
    expect((await listing()).map((r) => r.name)).toEqual(['docs', 'data.bin', 'hello.txt']);
    await page.click('#image-button');
    const built = path.join(work, 'tree.img');
    fs.writeFileSync(built, await downloaded('tree.img'));
    expect(fsckProblems(built)).toEqual({ status: 0, problems: [] });
    expect(mtools('mtype', '-i', built, '::/docs/Read me first.md')).toBe(files['docs/Read me first.md'].toString());
  });

  it('builds a new image from chosen files (FAT16, a label), which passes fsck.fat and mtools reads', async () => {
    await page.click('#new-button');
    await page.waitForSelector('#new-dialog[open]');
    const input = (await page.$('#new-files-input')) as ElementHandle<HTMLInputElement> | null;
    await input!.uploadFile(...Object.keys(files).map((rel) => path.join(tree, rel)));
    await page.waitForFunction(() => !(document.querySelector('#new-build') as HTMLButtonElement).disabled);
    await page.select('#new-fat', '16');
    await page.$eval('#new-label', (e) => ((e as HTMLInputElement).value = ''));
    await page.type('#new-label', 'WEBBUILT');
    await page.$eval('#new-name', (e) => ((e as HTMLInputElement).value = ''));
    await page.type('#new-name', 'built.img');
    await page.click('#new-build');
    await page.waitForFunction(() => /built\.img/.test(document.querySelector('#summary')!.textContent ?? ''));
    await settled();
    expect(await page.$eval('#summary', (e) => e.textContent)).toMatch(/built\.img · FAT16 .* label WEBBUILT/);
    expect((await listing()).map((r) => r.name).sort()).toEqual(['Read me first.md', 'data.bin', 'hello.txt', 'picture.png']);
    await selectRow('picture.png');
    await page.waitForFunction(() => (document.querySelector('#preview img') as HTMLImageElement | null)?.naturalWidth === 24);
    await page.screenshot({ path: path.join(root, 'test-output/web.png') });

    await page.click('#image-button');
    const built = path.join(work, 'built.img');
    fs.writeFileSync(built, await downloaded('built.img'));
    expect(fsckProblems(built)).toEqual({ status: 0, problems: [] });
    expect(fs.readFileSync(built).subarray(54, 62).toString('latin1')).toBe('FAT16   '); // the BPB's type field
    expect(mtools('mlabel', '-i', built, '-s', '::')).toMatch(/Volume label is WEBBUILT/);
    for (const rel of Object.keys(files)) {
      const name = path.basename(rel);
      const out = path.join(work, `back-${name}`);
      mtools('mcopy', '-n', '-i', built, `::/${name}`, out);
      expect(fs.readFileSync(out).equals(files[rel]), name).toBe(true);
    }
  });

  it('logged no errors to the console (no missing resource, no uncaught rejection)', () => {
    expect(consoleErrors).toEqual([]);
  });
});

describe('examples/web', () => {
  it('type-checks (its own tsconfig: DOM and the worker pieces)', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'examples/web/tsconfig.json')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
