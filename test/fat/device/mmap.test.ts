import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MmapDevice } from '../../../src/fat/device/mmap.js';
import { FileDevice } from '../../../src/fat/device/file.js';
import { expectBytes } from './bytes.js';
import { runMmap } from './mmap-env.js';
import { openFds, scratchDir, thrown } from './tmp.js';

const dir = scratchDir('mmap');
let n = 0;
function image(bytes: number, fill = 0): string {
  const p = path.join(dir, `m${n++}.img`);
  fs.writeFileSync(p, new Uint8Array(bytes).fill(fill));
  return p;
}

describe.runIf(runMmap)('MmapDevice', () => {
  const io = (): { PAGESIZE: number; sync: (...a: unknown[]) => void } => createRequire(import.meta.url)('mmap-io');
  afterEach(() => vi.restoreAllMocks());

  it('rounds windows up to whole pages and refuses absurd ones', () => {
    const page = io().PAGESIZE;
    const p = image(16 * page);
    const small = MmapDevice.open(p, { windowBytes: 1 });
    expect(small.windowBytes).toBe(page);
    expect(small.mappedBytes).toBe(16 * page);
    small.close();
    const odd = MmapDevice.open(p, { windowBytes: page + 1 });
    expect(odd.windowBytes).toBe(2 * page);
    odd.close();
    for (const w of [0, -4096, 1.5, 2 ** 31]) expect(thrown(() => MmapDevice.open(p, { windowBytes: w }))?.code).toBe('EINVAL');
  });

  it('refuses missing files, directories and files under one sector, leaking no descriptor', () => {
    const before = openFds();
    expect(thrown(() => MmapDevice.open(path.join(dir, 'missing.img')))?.code).toBe('ENOENT');
    expect(thrown(() => MmapDevice.open(dir))?.code).toBe('EISDIR');
    expect(thrown(() => MmapDevice.open(image(511)))?.code).toBe('FAT_NOT_FAT');
    expect(openFds()).toBe(before);
  });

  it('flush msyncs exactly the dirty windows, once', () => {
    const page = io().PAGESIZE;
    const dev = MmapDevice.open(image(8 * page), { windowBytes: page });
    const sync = vi.spyOn(io(), 'sync');
    dev.flush();
    expect(sync).not.toHaveBeenCalled();
    dev.write(0, new Uint8Array(512).fill(1));
    dev.write((3 * page) / 512, new Uint8Array(1024).fill(3));
    dev.read((5 * page) / 512, new Uint8Array(512)); // mapped, not dirty
    dev.flush();
    expect(sync).toHaveBeenCalledTimes(2);
    for (const call of sync.mock.calls) expect(call.slice(1)).toEqual([0, page, true, false]);
    sync.mockClear();
    dev.flush();
    expect(sync).not.toHaveBeenCalled();
    dev.close();
  });

  it('keeps at most four windows and still reads what evicted windows held', () => {
    const page = io().PAGESIZE;
    const p = image(10 * page);
    const dev = MmapDevice.open(p, { windowBytes: page });
    for (let w = 0; w < 10; w++) dev.write((w * page) / 512, new Uint8Array(512).fill(w + 1));
    expect((dev as unknown as { windows: Map<number, unknown> }).windows.size).toBe(4);
    for (let w = 0; w < 10; w++) {
      const got = new Uint8Array(512);
      dev.read((w * page) / 512, got);
      expect(got[0], `window ${w}`).toBe(w + 1);
    }
    dev.flush();
    dev.close();
    const bytes = fs.readFileSync(p);
    for (let w = 0; w < 10; w++) expect(bytes[w * page]).toBe(w + 1);
  });

  it('is coherent with positional I/O on the same file (the > 2 GiB fallback relies on it)', () => {
    const p = image(64 * 1024);
    const m = MmapDevice.open(p, { windowBytes: 1 });
    const f = FileDevice.open(p);
    m.write(10, new Uint8Array(1024).fill(0x11));
    const viaFile = new Uint8Array(1024);
    f.read(10, viaFile);
    expectBytes(viaFile, new Uint8Array(1024).fill(0x11));
    f.write(20, new Uint8Array(512).fill(0x22));
    const viaMap = new Uint8Array(512);
    m.read(20, viaMap);
    expectBytes(viaMap, new Uint8Array(512).fill(0x22));
    m.close();
    f.close();
  });
});

describe('MmapDevice without mmap-io', () => {
  it('reports itself unavailable and refuses to open with a one-line hint', async () => {
    const { buildSync } = await import('esbuild');
    const bundle = path.join(dir, 'mmap-bundle.mjs');
    buildSync({
      entryPoints: [path.resolve('src/fat/device/mmap.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      external: ['mmap-io'],
      outfile: bundle,
      logLevel: 'silent',
    });
    const hide = path.join(dir, 'hide-mmap-io.cjs');
    fs.writeFileSync(hide, `const M = require('node:module');
const resolve = M._resolveFilename;
M._resolveFilename = function (request, ...rest) {
  if (request === 'mmap-io') { const e = new Error("Cannot find module 'mmap-io'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
  return resolve.call(this, request, ...rest);
};`);
    const img = image(4096);
    const script = `import { MmapDevice, mmapAvailable, mmapUnavailableReason } from ${JSON.stringify(bundle)};
let error;
try { MmapDevice.open(${JSON.stringify(img)}); } catch (e) { error = { code: e.code, message: e.message }; }
console.log(JSON.stringify({ available: mmapAvailable(), reason: mmapUnavailableReason(), error }));`;
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['--require', hide, '--input-type=module', '-e', script], { encoding: 'utf8' });
    const r = JSON.parse(out) as { available: boolean; reason: string; error: { code: string; message: string } };
    expect(r.available).toBe(false);
    expect(r.reason).toBe("Cannot find module 'mmap-io'");
    expect(r.error.code).toBe('FAT_UNSUPPORTED');
    expect(r.error.message).toMatch(/^mmap backend unavailable: .*mmap-io.*npm rebuild mmap-io\)$/);
    expect(r.error.message).not.toMatch(/\n/);
  });
});
