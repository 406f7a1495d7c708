/**
 * Hostile images (test/fixtures/hostile, see its README.md): every CLI read command (list, info,
 * cat, extract) must end in time with exit 0 or 1, print only `fat: ` lines on stderr (never a
 * stack trace or an "internal error"), and meet the case's expectation from make-hostile.mjs:
 * a one-line error, or a reported and skipped entry. Extraction never writes outside its target.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FatError, openImage } from '../../src/index.js';
// @ts-expect-error: a plain ES module without type declarations.
import * as hostileModule from '../fixtures/hostile/make-hostile.mjs';
import { mcopyIn, mkfsFat, oracleGate } from '../fixtures/oracle.js';
import { describeRun, runFat, stderrLines, type FatRun, type ListedEntry } from '../fixtures/run-fat.js';
import { entryBytes, hostileBaseTree } from '../fixtures/trees.js';

type Verdict = 'clean' | 'ok' | 'report' | 'error' | 'any';
interface Expect {
  fatal?: boolean;
  list?: Verdict;
  info?: Verdict;
  extract?: Verdict;
  cat?: Record<string, 'ok' | 'error' | 'any'>;
  listIncludes?: string[];
  listExcludes?: string[];
  sizes?: Record<string, number>;
  extractPresent?: string[];
  mentions?: string;
}
interface HostileCase {
  file: string;
  breaks: string;
  expect: Expect;
  make: (base: Buffer) => Buffer;
}
interface Fat32Case {
  name: string;
  breaks: string;
  expect: Expect;
  make: (buf: Buffer) => void;
}
const hostile = hostileModule as {
  CASES: HostileCase[];
  FAT32_CASES: Fat32Case[];
  HOSTILE_DIR: string;
};

/** Per command. A hang is a failure whatever the bound; the bound is wide for loaded CI machines. */
const TIMEOUT_MS = 30_000;
const CASE_TIMEOUT_MS = 150_000;

/** The bytes each base path holds (short-name aliases included). */
const BASE_BYTES = new Map<string, Buffer>();
for (const e of hostileBaseTree()) if (e.type === 'file') BASE_BYTES.set(e.path, Buffer.from(entryBytes(e)));
BASE_BYTES.set('LONGFI~1.TXT', BASE_BYTES.get('Long File Name.txt')!);

let work = '';
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-hostile-'));
});
afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** What every run must satisfy, hostile input or not. */
function expectSane(args: string[], r: FatRun): void {
  const what = describeRun(args, r);
  expect(r.timedOut, `hang: ${what}`).toBe(false);
  expect(r.signal, what).toBeNull();
  expect([0, 1], what).toContain(r.status);
  expect(r.stderr, `stack trace: ${what}`).not.toMatch(/^\s+at /m);
  expect(r.stderr, `crash: ${what}`).not.toMatch(/internal error/i);
  for (const line of stderrLines(r)) expect(line, what).toMatch(/^fat: \S/);
}

function expectVerdict(args: string[], r: FatRun, v: Verdict, command: string): void {
  const what = describeRun(args, r);
  const lines = stderrLines(r);
  switch (v) {
    case 'clean':
      expect(r.status, what).toBe(0);
      expect(lines, what).toEqual([]);
      break;
    case 'ok':
      // Warnings about other entries (reported, skipped) may come along.
      expect(r.status, what).toBe(0);
      break;
    case 'error':
      expect(r.status, what).toBe(1);
      expect(lines, what).toHaveLength(1);
      break;
    case 'report':
      expect(lines.length, `a report on stderr: ${what}`).toBeGreaterThan(0);
      if (command === 'extract') expect(r.status, `extract exits 1 when it skipped something: ${what}`).toBe(1);
      break;
    case 'any':
      break;
  }
}

/** Every path under dir, relative. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const n of fs.readdirSync(d)) {
      const p = path.join(d, n);
      const r = rel ? `${rel}/${n}` : n;
      out.push(r);
      if (fs.lstatSync(p).isDirectory()) walk(p, r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/**
 * Extract into sandbox/l1/l2/l3/out with cwd sandbox/l1/l2/l3, then check that nothing appeared
 * anywhere in the sandbox outside out/ and that nothing inside out/ is a link.
 */
async function extractInSandbox(img: string, name: string): Promise<{ args: string[]; r: FatRun; out: string }> {
  const sandbox = fs.mkdtempSync(path.join(work, `${name}-`));
  const cwd = path.join(sandbox, 'l1', 'l2', 'l3');
  const out = path.join(cwd, 'out');
  fs.mkdirSync(cwd, { recursive: true });
  const before = snapshot(sandbox);
  const args = ['extract', img, '-o', out];
  const r = await runFat(args, { timeoutMs: TIMEOUT_MS, cwd });
  const outside = snapshot(sandbox).filter((p) => p !== 'l1/l2/l3/out' && !p.startsWith('l1/l2/l3/out/'));
  expect(outside, `nothing written outside the target: ${describeRun(args, r)}`).toEqual(before);
  if (fs.existsSync(out)) {
    for (const p of snapshot(out)) {
      const st = fs.lstatSync(path.join(out, p));
      expect(st.isSymbolicLink(), p).toBe(false);
      expect(st.isFile() ? st.size : 0, `${p} is not huge`).toBeLessThan(16 * 1024 * 1024);
    }
  }
  return { args, r, out };
}

async function checkCase(name: string, img: string, e: Expect): Promise<void> {
  const listArgs = ['list', img, '--json'];
  const infoArgs = ['info', img, '--json'];
  // A fatal image fails at open: cat adds nothing over list, so it runs only where the case names paths.
  const catPaths = e.cat ?? {};
  // info reads the boot sector and the FAT: it is run where the case is about those.
  const runInfo = e.fatal || e.info !== undefined;
  const [list, info, ex, ...catRuns] = await Promise.all([
    runFat(listArgs, { timeoutMs: TIMEOUT_MS, maxStdout: 16 * 1024 * 1024 }),
    runInfo ? runFat(infoArgs, { timeoutMs: TIMEOUT_MS }) : undefined,
    extractInSandbox(img, name),
    ...Object.keys(catPaths).map((p) => runFat(['cat', img, p], { timeoutMs: TIMEOUT_MS, maxStdout: 16 * 1024 * 1024 })),
  ]);
  const cats = Object.keys(catPaths).map((p, i) => [p, ['cat', img, p], catRuns[i]] as [string, string[], FatRun]);
  expectSane(listArgs, list);
  if (info) expectSane(infoArgs, info);
  expectSane(ex.args, ex.r);
  for (const [, args, r] of cats) expectSane(args, r);

  if (e.fatal) {
    for (const [args, r] of [[listArgs, list], [infoArgs, info!], ...cats.map(([, a, r]) => [a, r] as const), [ex.args, ex.r]] as const) {
      expectVerdict([...args], r, 'error', args[0]);
      // Nothing on stdout but, under --json, the error as JSON.
      if (args.includes('--json')) expect(JSON.parse(r.stdout.toString('utf8')), describeRun([...args], r)).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      else expect(r.stdout.length, `no output on a fatal error: ${describeRun([...args], r)}`).toBe(0);
    }
    return;
  }

  if (e.list) expectVerdict(listArgs, list, e.list, 'list');
  if (e.info && info) expectVerdict(infoArgs, info, e.info, 'info');
  if (e.extract) expectVerdict(ex.args, ex.r, e.extract, 'extract');
  for (const [p, args, r] of cats) {
    const want = catPaths[p];
    if (want === 'error') expectVerdict(args, r, 'error', 'cat');
    if (want === 'ok') {
      expectVerdict(args, r, 'ok', 'cat');
      expect(stderrLines(r).filter((l) => !/skipped|ignored|using the short name/i.test(l)), describeRun(args, r)).toEqual([]);
      expect(r.stdout.equals(BASE_BYTES.get(p.slice(1))!), `bytes of ${p}`).toBe(true);
    }
  }

  if (e.listIncludes || e.listExcludes || e.sizes) {
    let entries: ListedEntry[] = [];
    expect(() => {
      entries = JSON.parse(list.stdout.toString('utf8')) as ListedEntry[];
    }, `list --json prints JSON: ${describeRun(listArgs, list)}`).not.toThrow();
    const paths = entries.map((x) => x.path);
    for (const p of e.listIncludes ?? []) expect(paths, `list shows ${p}`).toContain(p);
    for (const p of e.listExcludes ?? []) expect(paths, `list hides ${p}`).not.toContain(p);
    for (const [p, size] of Object.entries(e.sizes ?? {})) {
      expect(entries.find((x) => x.path === p)?.size, `size of ${p}`).toBe(size);
    }
  }

  for (const p of e.extractPresent ?? []) {
    const f = path.join(ex.out, ...p.split('/'));
    expect(fs.existsSync(f), `extract wrote ${p}: ${describeRun(ex.args, ex.r)}`).toBe(true);
    expect(fs.readFileSync(f).equals(BASE_BYTES.get(p)!), `bytes of extracted ${p}`).toBe(true);
  }

  if (e.mentions) {
    const report = e.extract === 'report' ? ex.r.stderr : list.stderr;
    expect(report.toLowerCase(), `the report names ${e.mentions}`).toContain(e.mentions.toLowerCase());
  }
}

describe('hostile images (checked in)', () => {
  it('base.img, the image they are patched from, reads cleanly', async () => {
    const img = path.join(hostile.HOSTILE_DIR, 'base.img');
    await checkCase('base', img, {
      list: 'clean', info: 'clean', extract: 'clean',
      cat: { '/HELLO.TXT': 'ok', '/MULTI.BIN': 'ok', '/SUB/INNER.TXT': 'ok' },
      listIncludes: ['/HELLO.TXT', '/Long File Name.txt', '/SUB/another long name.txt'],
      extractPresent: [...BASE_BYTES.keys()].filter((k) => k !== 'LONGFI~1.TXT'),
    });
  }, CASE_TIMEOUT_MS);

  it('extract does not write through a symbolic link already in the target directory', async () => {
    const sandbox = fs.mkdtempSync(path.join(work, 'symlink-'));
    const out = path.join(sandbox, 'out');
    const elsewhere = path.join(sandbox, 'elsewhere');
    fs.mkdirSync(out);
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, path.join(out, 'SUB'));
    fs.symlinkSync(path.join(elsewhere, 'hello-target'), path.join(out, 'HELLO.TXT'));
    const args = ['extract', path.join(hostile.HOSTILE_DIR, 'base.img'), '-o', out];
    const r = await runFat(args, { timeoutMs: TIMEOUT_MS });
    expectSane(args, r);
    expect(fs.readdirSync(elsewhere), `nothing written through the links: ${describeRun(args, r)}`).toEqual([]);
    expect(r.status, describeRun(args, r)).toBe(1);
    expect(stderrLines(r).length, describeRun(args, r)).toBeGreaterThan(0);
  }, CASE_TIMEOUT_MS);

  it('the checked-in images are what make-hostile.mjs makes (run make-fixtures.sh after changing it)', () => {
    const base = fs.readFileSync(path.join(hostile.HOSTILE_DIR, 'base.img'));
    const stale = hostile.CASES.filter((c) => !c.make(base).equals(fs.readFileSync(path.join(hostile.HOSTILE_DIR, c.file))));
    expect(stale.map((c) => c.file)).toEqual([]);
  });

  describe.concurrent.each(hostile.CASES.map((c) => [c.file, c] as const))('%s', (file, c) => {
    it(`${c.breaks}: no crash, no hang, ${c.expect.fatal ? 'a one-line error' : 'reported'}`, async () => {
      await checkCase(file.replace(/\.img$/, ''), path.join(hostile.HOSTILE_DIR, file), c.expect);
    }, CASE_TIMEOUT_MS);
  });
});

describe('hostile images through the library', () => {
  const open = (file: string) => openImage(path.join(hostile.HOSTILE_DIR, file), { readOnly: true });
  const fatalCodes = ['FAT_NOT_FAT', 'FAT_CORRUPT', 'FAT_UNSUPPORTED', 'EIO', 'EINVAL'];

  it.each(hostile.CASES.filter((c) => c.expect.fatal).map((c) => [c.file]))('%s: openImage throws a FatError', (file) => {
    let err: unknown;
    try {
      const v = open(file);
      try {
        [...v.walk('/')];
      } finally {
        v.close();
      }
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FatError);
    expect(fatalCodes).toContain((err as FatError).code);
    expect((err as Error).message).not.toMatch(/\n/);
  });

  const chainCases = hostile.CASES.filter((c) => c.file.startsWith('chain-') || c.file.startsWith('start-') || c.file === 'size-4g.img');
  it.each(chainCases.map((c) => [c.file, Object.keys(c.expect.cat!).find((p) => c.expect.cat![p] === 'error')!]))(
    '%s: readFile(%s) throws FAT_CORRUPT',
    (file, p) => {
      const v = open(file);
      try {
        let err: unknown;
        try {
          v.readFile(p);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(FatError);
        // A 4 GiB file cannot be read into one buffer at all: EFBIG/EINVAL is as good an answer.
        expect(file === 'size-4g.img' ? ['FAT_CORRUPT', 'EFBIG', 'EINVAL'] : ['FAT_CORRUPT'], (err as Error).message).toContain((err as FatError).code);
        expect(Buffer.from(v.readFile('/HELLO.TXT' === p ? '/SUB/INNER.TXT' : '/HELLO.TXT')).length).toBeGreaterThan(0);
      } finally {
        v.close();
      }
    },
  );

  it.each([['lfn-bad-checksum.img'], ['lfn-bad-order.img'], ['lfn-no-last.img']])('%s: readdir falls back to the short name', (file) => {
    const v = open(file);
    try {
      const names = v.readdir('/');
      expect(names).toContain('LONGFI~1.TXT');
      expect(names).not.toContain('Long File Name.txt');
    } finally {
      v.close();
    }
  });

  it.each([['dir-self.img'], ['dir-parent.img'], ['dir-cycle.img']])('%s: walk ends', (file) => {
    const v = open(file);
    try {
      let n = 0;
      try {
        for (const _ of v.walk('/')) if (++n > 10_000) break;
      } catch (e) {
        expect(e).toBeInstanceOf(FatError);
      }
      expect(n).toBeLessThan(10_000);
    } finally {
      v.close();
    }
  });
});

const fat32Gate = oracleGate(['mkfs.fat', 'mcopy']);

describe('FAT32 hostile images (made at test time)', () => {
  it('mkfs.fat and mcopy are installed (required when CI=true)', (ctx) => {
    fat32Gate.assertUnderCi();
    if (fat32Gate.missing.length > 0) ctx.skip();
  });

  // Only the head of the image holds the boot sector, the FATs and the root cluster: the cases
  // patch that and write it into a sparse file of the full size.
  const HEAD = 2 * 1024 * 1024;
  let head: Buffer;
  let size = 0;
  beforeAll(() => {
    if (!fat32Gate.run) return;
    const img = path.join(work, 'fat32-base.img');
    mkfsFat(img, { kib: 34000, args: ['-F', '32', '-s', '1'] });
    const host = path.join(work, 'fat32-host');
    fs.mkdirSync(host, { recursive: true });
    fs.writeFileSync(path.join(host, 'HELLO.TXT'), BASE_BYTES.get('HELLO.TXT')!);
    mcopyIn(img, [path.join(host, 'HELLO.TXT')], '');
    size = fs.statSync(img).size;
    head = Buffer.alloc(HEAD);
    const fd = fs.openSync(img, 'r');
    try {
      fs.readSync(fd, head, 0, HEAD, 0);
    } finally {
      fs.closeSync(fd);
    }
  });

  describe.runIf(fat32Gate.run).each(hostile.FAT32_CASES.map((c) => [c.name, c] as const))('%s', (name, c) => {
    it(`${c.breaks}: no crash, no hang`, async () => {
      const buf = Buffer.from(head);
      c.make(buf);
      const img = path.join(work, `${name}.img`);
      fs.writeFileSync(img, buf);
      fs.truncateSync(img, size);
      await checkCase(name, img, { ...c.expect, cat: c.expect.cat ?? { '/HELLO.TXT': 'any' } });
    }, CASE_TIMEOUT_MS);
  });
});

/**
 * Random corruption of base.img's metadata (boot sector, FAT, root directory, SUB's cluster)
 * through the library, in a worker thread running dist/ so that an endless loop can be stopped
 * and reported: every failure must be a FatError; nothing may hang. Fixed seeds: reproducible.
 */
const FUZZ_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { Volume, MemoryDevice, FatError } = await import(workerData.lib);
  const base = new Uint8Array(require('node:fs').readFileSync(workerData.base));
  let x = workerData.seed >>> 0 || 1;
  const rnd = (n) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
  const REGIONS = [[0, 62, 15], [512, 1024, 35], [1536, 2560, 30], [6144, 6656, 20]];
  const SPECIAL = [0x00, 0xff, 0xe5, 0x0f, 0x10, 0x2e, 0x05, 0x40, 0x41, 0x80, 0xf7, 0xf8];
  const pick = () => { let r = rnd(100); for (const [a, b, w] of REGIONS) { if (r < w) return a + rnd(b - a); r -= w; } return 0; };
  const bad = [];
  let walked = 0;
  for (let i = 0; i < workerData.count; i++) {
    const img = base.slice();
    const muts = [];
    for (let k = 1 + rnd(6); k > 0; k--) {
      const at = pick();
      const v = rnd(2) ? SPECIAL[rnd(SPECIAL.length)] : rnd(256);
      img[at] = v;
      muts.push([at, v]);
    }
    parentPort.postMessage({ progress: i, muts });
    try {
      const vol = Volume.open(new MemoryDevice(img, { readOnly: true }), { readOnly: true });
      try {
        vol.info();
        let n = 0;
        for (const e of vol.walk('/')) {
          if (++n > 5000) throw new Error('walk yielded more than 5000 entries from a 75-cluster volume');
          try {
            vol.stat(e.path);
            if (e.stats.isFile() && e.stats.size <= 1 << 20) vol.readFile(e.path);
          } catch (err) {
            if (!(err instanceof FatError)) throw err;
          }
        }
        walked++;
      } finally {
        vol.close();
      }
    } catch (err) {
      if (!(err instanceof FatError)) bad.push({ i, muts, error: String(err && err.stack || err).split('\\n').slice(0, 3).join(' | ') });
    }
  }
  parentPort.postMessage({ done: true, bad, walked });
})().catch((e) => parentPort.postMessage({ done: true, bad: [{ error: 'worker failed: ' + (e && e.stack || e) }] }));
`;

describe('random metadata corruption through the library', () => {
  it.each([[1], [2], [3], [4]])('seed %i: 1000 mutated images, only FatErrors, no hang', async (seed) => {
    const { Worker } = await import('node:worker_threads');
    const lib = new URL('../../dist/index.js', import.meta.url).href;
    const result = await new Promise<{ bad: unknown[]; hung?: unknown; walked?: number }>((resolve) => {
      const w = new Worker(FUZZ_WORKER, { eval: true, workerData: { lib, base: path.join(hostile.HOSTILE_DIR, 'base.img'), seed, count: 1000 } });
      let last: unknown;
      let timer = setTimeout(() => undefined, 0);
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          void w.terminate();
          resolve({ bad: [], hung: last });
        }, 10_000);
      };
      arm();
      w.on('message', (m: { progress?: number; done?: boolean; bad?: unknown[]; walked?: number }) => {
        if (m.done) {
          clearTimeout(timer);
          void w.terminate();
          resolve({ bad: m.bad ?? [], walked: m.walked });
        } else {
          last = m;
          arm();
        }
      });
      w.on('error', (e) => {
        clearTimeout(timer);
        resolve({ bad: [{ error: `worker error: ${String(e)}` }] });
      });
    });
    expect(result.hung, `hung on ${JSON.stringify(result.hung)}`).toBeUndefined();
    expect(result.bad.slice(0, 5)).toEqual([]);
    // Most mutations must leave a volume that opens, or the fuzzing only tests the BPB checks.
    expect(result.walked).toBeGreaterThan(500);
  }, 120_000);
});
