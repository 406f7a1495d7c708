import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planBuild, planImageBytes, type BuildEntry } from '../../../src/fat/build/plan.js';
import { buildImageFromDir } from '../../../src/host/build-image.js';
import { openImage } from '../../../src/host/open-image.js';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { mkfs } from '../../../src/fat/mkfs/mkfs.js';
import { Volume } from '../../../src/fat/volume/volume.js';
import { FatError } from '../../../src/fat/errors.js';
import { fsckProblems, haveOracles, oracleEnv } from '../oracle-helpers.js';

/* FAT's per-directory limit and the FAT12/16 root when sizing images (issue 12, items 2 and 10). */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-limits-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const files = (n: number, name: (i: number) => string, under = ''): BuildEntry[] =>
  Array.from({ length: n }, (_, i) => ({ path: `${under}${name(i)}`, type: 'file' as const, size: 0, mtimeMs: 0, read: () => 0 }));

function thrown(fn: () => unknown): FatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FatError);
    return e as FatError;
  }
  throw new Error('did not throw');
}

describe('a directory holds at most 65,536 entries', () => {
  it('the builder refuses 65,535 short names in one directory (65,537 with . and ..), naming it', () => {
    const entries: BuildEntry[] = [{ path: 'big', type: 'directory', size: 0, mtimeMs: 0 }, ...files(65535, (i) => `F${i}`, 'big/')];
    const e = thrown(() => planBuild(entries, {}));
    expect(e.code).toBe('ENOSPC');
    expect(e.message).toBe('too many entries for a FAT directory (at most 65536, counting long-name slots, . and ..): /big needs 65537 entries for its 65535 names');
    // 65,534 fit exactly.
    expect(() => planBuild(entries.slice(0, 65535), {})).not.toThrow();
  });

  it('counts long-name slots: 25,000 long names need 75,000 entries', () => {
    const e = thrown(() => planBuild(files(25000, (i) => `a long file name ${String(i).padStart(5, '0')}`), { fatType: 32 }));
    expect(e.message).toMatch(/: \/ needs 75000 entries for its 25000 names$/);
  });

  it('fat make --from refuses a host directory of 65,535 files before writing anything', async () => {
    const src = path.join(dir, 'many');
    fs.mkdirSync(path.join(src, 'd'), { recursive: true });
    for (let i = 0; i < 65535; i++) fs.writeFileSync(path.join(src, 'd', `F${i}`), '');
    const img = path.join(dir, 'many.img');
    await expect(buildImageFromDir(img, { from: src })).rejects.toThrow(/\/d needs 65537 entries/);
    expect(fs.existsSync(img)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.many'))).toEqual([]);
  }, 120_000);

  it('a volume refuses to grow a directory past 65,536 entries (ENOSPC naming it), and reads every entry it took', () => {
    const dev = new MemoryDevice(64 << 20);
    mkfs(dev, { fatType: 16 });
    const vol = Volume.open(dev, { closeDevice: false });
    vol.mkdir('/d');
    // 255-character names take 20 slots and the short entry: 21 entries each.
    const name = (i: number): string => `${String(i).padStart(5, '0')}${'x'.repeat(250)}`;
    let made = 0;
    let err: FatError | undefined;
    for (;; made++) {
      try {
        vol.writeFile(`/d/${name(made)}`, '');
      } catch (e) {
        err = e as FatError;
        break;
      }
    }
    expect(made).toBe(Math.floor(65534 / 21));
    expect(err?.code).toBe('ENOSPC');
    expect(err?.message).toBe('directory /d is full (FAT allows 65536 entries)');
    // A short name still fits in what is left (65534 - 3120 * 21 = 14 entries).
    vol.writeFile('/d/LAST.TXT', 'last');
    vol.close();
    const again = Volume.open(dev, { readOnly: true });
    const names = again.readdir('/d');
    expect(names.length).toBe(made + 1);
    expect(names[made - 1]).toBe(name(made - 1));
    expect(again.readFile('/d/LAST.TXT', 'utf8')).toBe('last');
    again.close();
  });
});

describe('auto size raises the FAT12/16 root before growing the volume', () => {
  const root600 = files(600, (i) => `F${i}`);

  it('600 empty files in the root: a small image with a larger root, not 512 MiB of FAT32', () => {
    const plan = planBuild(root600, {});
    expect(plan.layout.fatType).toBe(12);
    expect(plan.layout.rootEntries).toBeGreaterThanOrEqual(600);
    expect(plan.layout.rootEntries % 16).toBe(0);
    expect(planImageBytes(plan, {})).toBeLessThan(1 << 20);
    const p16 = planBuild(root600, { fatType: 16 });
    expect(p16.layout.fatType).toBe(16);
    expect(planImageBytes(p16, { fatType: 16 })).toBeLessThan(9 << 20); // FAT16's own minimum is about 8 MiB
    // An explicit root entry count is kept: then the tree does not fit a FAT12/16 root of 512.
    expect(thrown(() => planBuild(root600, { fatType: 16, rootEntries: 512, size: 16 << 20 })).message).toMatch(/root directory needs 600 entries but a FAT16 root holds 512/);
    // A size asked for keeps mkfs.fat's layout for it.
    expect(thrown(() => planBuild(root600, { size: 4 << 20 })).message).toMatch(/root directory needs 600 entries/);
  });

  it.each([[undefined], [16 as const]])('fat make --from of 600 files (--fat %s): fsck.fat and mtools read every file', async (fatType) => {
    const src = path.join(dir, `root600-${fatType ?? 'auto'}`);
    fs.mkdirSync(src);
    for (let i = 0; i < 600; i++) fs.writeFileSync(path.join(src, `file${i}.txt`), '');
    const img = path.join(dir, `root600-${fatType ?? 'auto'}.img`);
    const r = await buildImageFromDir(img, { from: src, ...(fatType ? { fatType } : {}) });
    expect(r.imageBytes).toBeLessThan(fatType === 16 ? 9 << 20 : 1 << 20);
    expect(fs.statSync(img).size).toBe(r.imageBytes);
    const vol = openImage(img);
    expect(vol.readdir('/').length).toBe(600);
    expect(vol.info().rootEntries).toBe(r.plan.layout.rootEntries);
    vol.close();
    if (haveOracles) {
      expect(fsckProblems(img).problems).toEqual([]);
      const m = spawnSync('mdir', ['-i', img, '-b', '::/'], { encoding: 'utf8', env: oracleEnv });
      expect(m.status).toBe(0);
      expect(m.stdout.trim().split('\n').length).toBe(600);
    }
  });
});
