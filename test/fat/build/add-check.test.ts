import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { mkfs } from '../../../src/fat/mkfs/mkfs.js';
import { Volume } from '../../../src/fat/volume/volume.js';
import { FatError } from '../../../src/fat/errors.js';
import { addTree, writeItems, type AddItem } from '../../../src/fat/build/add-tree.js';
import type { BuildEntry } from '../../../src/fat/build/plan.js';
import { check } from '../../../src/fat/check/check.js';

/* writeItems / addTree check everything before writing anything (issue 12, item 3). */

const NOW = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));

function volume(bytes: number, fatType?: 12 | 16 | 32, fill?: (v: Volume) => void): { dev: MemoryDevice; vol: Volume } {
  const dev = new MemoryDevice(bytes);
  mkfs(dev, { ...(fatType ? { fatType } : {}), volumeId: 1, now: NOW() } as Parameters<typeof mkfs>[1]);
  if (fill) {
    const v = Volume.open(dev, { now: NOW, closeDevice: false });
    fill(v);
    v.close();
  }
  return { dev, vol: Volume.open(dev, { now: NOW, closeDevice: false }) };
}

const data = (n: number, k = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i + k) & 0xff);
const file = (dest: string, size = 0, k = 1): AddItem => ({
  dest,
  type: 'file',
  size,
  read: (pos, into) => {
    const n = Math.min(into.length, size - pos);
    for (let i = 0; i < n; i++) into[i] = (pos + i + k) & 0xff;
    return n;
  },
});

/** `fn` fails with `code` and the device is byte for byte as before. */
function refusedUnchanged(dev: MemoryDevice, fn: () => unknown, code: string, message?: RegExp): FatError {
  const before = dev.bytes.slice();
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FatError);
  expect((err as FatError).code).toBe(code);
  if (message) expect((err as FatError).message).toMatch(message);
  expect(Buffer.from(dev.bytes).equals(Buffer.from(before)), 'nothing was written').toBe(true);
  return err as FatError;
}

describe('writeItems: everything is checked before anything is written', () => {
  it('600 files into a 512-entry FAT16 root: refused, nothing added', () => {
    const { dev, vol } = volume(16 << 20, 16);
    const items = Array.from({ length: 600 }, (_, i) => file(`/F${i}.TXT`, 10));
    refusedUnchanged(dev, () => writeItems(vol, items), 'ENOSPC', /the root directory cannot hold the new names: they need 600 entries, 512 of its 512 are free/);
    // With deleted entries in the way the count is the same: 500 fit after 100 are removed.
    writeItems(vol, items.slice(0, 500));
    for (let i = 0; i < 100; i++) vol.rm(`/F${i}.TXT`);
    const extra = Array.from({ length: 13 }, (_, i) => file(`/X${i}.TXT`));
    refusedUnchanged(dev, () => writeItems(vol, items.slice(500, 600).concat(extra)), 'ENOSPC', /they need 113 entries, 112 of its 512 are free/);
    writeItems(vol, items.slice(500, 600).concat(file('/X1.TXT'), file('/X2.TXT'), file('/X3.TXT')));
    expect(vol.readdir('/').length).toBe(503);
    vol.close();
    expect(check(new MemoryDevice(dev.bytes.slice())).problems).toEqual([]);
  });

  it('a directory past 65,536 entries, counting long-name slots: refused, naming it', () => {
    const { dev, vol } = volume(64 << 20, 32, (v) => v.mkdir('/d'));
    // 21,845 names of 14-26 characters take 3 entries each: 65,535 + `.` and `..`.
    const items = Array.from({ length: 21845 }, (_, i) => file(`/d/a long name ${String(i).padStart(5, '0')}`));
    refusedUnchanged(dev, () => writeItems(vol, items), 'ENOSPC', /directory \/d would need 65537 entries \(FAT allows 65536/);
    const fresh = [{ dest: '/new', type: 'directory', size: 0 } as AddItem, ...items.map((it) => ({ ...it, dest: it.dest.replace('/d/', '/new/') }))];
    refusedUnchanged(dev, () => writeItems(vol, fresh), 'ENOSPC', /directory \/new would need 65537 entries/);
    // One fewer fits.
    writeItems(vol, items.slice(1));
    expect(vol.readdir('/d').length).toBe(21844);
    vol.close();
  });

  it('counts the clusters new and growing directories take, not only the files', () => {
    const { dev, vol } = volume(200 << 10, 12, (v) => {
      v.writeFile('/fill.bin', data((v.info().freeClusters - 3) * v.geo.clusterSize));
    });
    expect(vol.info().freeClusters).toBe(3);
    const cs = vol.geo.clusterSize;
    // Two new directories (a cluster each) and a file of two clusters: 4 > 3.
    refusedUnchanged(dev, () => writeItems(vol, [{ dest: '/a', type: 'directory', size: 0 }, { dest: '/a/b', type: 'directory', size: 0 }, file('/a/b/f.bin', 2 * cs)]), 'ENOSPC', /needed \(2 clusters of \d+ bytes for files, 2 for directories\)/);
    // A directory that must grow for its 17th entry.
    vol.mkdir('/g');
    for (let i = 0; i < cs / 32 - 2; i++) vol.writeFile(`/g/F${i}`, '');
    refusedUnchanged(dev, () => writeItems(vol, [file('/g/NEXT', 2 * cs)]), 'ENOSPC', /2 clusters of \d+ bytes for files, 1 for directories/);
    writeItems(vol, [file('/g/NEXT', cs)]);
    vol.close();
    expect(check(new MemoryDevice(dev.bytes.slice())).problems).toEqual([]);
  });

  it('counts what replaced files free, whatever the order of the items', () => {
    const { dev, vol } = volume(1 << 20, 12, (v) => v.writeFile('/big.bin', data(900 << 10)));
    writeItems(vol, [file('/new.bin', 40 << 10, 3), file('/big.bin', 850 << 10, 2)]);
    expect(vol.readFile('/big.bin')).toEqual(data(850 << 10, 2));
    expect(vol.readFile('/new.bin')).toEqual(data(40 << 10, 3));
    writeItems(vol, [file('/big.bin', 950 << 10, 4)]);
    expect(vol.readFile('/big.bin')).toEqual(data(950 << 10, 4));
    refusedUnchanged(dev, () => writeItems(vol, [file('/big.bin', 1000 << 10, 5)]), 'ENOSPC', /a replaced file needs/);
    vol.close();
    expect(check(new MemoryDevice(dev.bytes.slice())).problems).toEqual([]);
  });

  it('names, sizes and conflicts are checked first too', () => {
    const { dev, vol } = volume(1 << 20, 12, (v) => { v.mkdir('/dir'); v.writeFile('/file', 'f'); });
    refusedUnchanged(dev, () => writeItems(vol, [file('/ok.txt'), file('/bad?.txt')]), 'EINVAL', /bad\?\.txt/);
    refusedUnchanged(dev, () => writeItems(vol, [file('/ok.txt'), file('/dir')]), 'EISDIR', /\/dir is a directory/);
    refusedUnchanged(dev, () => writeItems(vol, [file('/ok.txt'), { dest: '/file/x', type: 'directory', size: 0 }]), 'ENOTDIR', /\/file is a file/);
    refusedUnchanged(dev, () => writeItems(vol, [file('/ok.txt'), file('/missing/x')]), 'ENOENT', /no directory \/missing/);
    refusedUnchanged(dev, () => writeItems(vol, [file('/ok.txt'), file('/huge', 2 ** 32)]), 'EFBIG');
    refusedUnchanged(dev, () => writeItems(vol, [file('/twice.txt'), file('/TWICE.TXT')]), 'EEXIST', /given twice/);
    vol.close();
  });

  it('a malformed call is EINVAL saying what is wrong', () => {
    const { dev, vol } = volume(1 << 20, 12);
    const bad = (fn: () => unknown, message: RegExp): FatError => refusedUnchanged(dev, fn, 'EINVAL', message);
    bad(() => addTree(vol, 'site' as unknown as BuildEntry[]), /^addTree: entries must be an array of BuildEntry$/);
    bad(() => addTree(vol, [{ path: 1 } as unknown as BuildEntry]), /^addTree: entry 0: path must be a non-empty relative path \(a string\)$/);
    bad(() => addTree(vol, [{ path: 'a', type: 'link', size: 0, mtimeMs: 0 } as unknown as BuildEntry]), /^addTree: entry 0: a: type must be 'file' or 'directory', not "link"$/);
    bad(() => addTree(vol, [{ path: 'a', type: 'file', size: 1, mtimeMs: 0 }]), /^addTree: entry 0: a: a file needs read\(position, into\)$/);
    bad(() => addTree(vol, [], { to: 5 as unknown as string }), /^addTree: options.to must be a volume path/);
    bad(() => writeItems(vol, [{ dest: 5 } as unknown as AddItem]), /^item 0 to add: dest must be a volume path/);
    bad(() => writeItems(vol, [{ dest: '/a', type: 'file', size: -1 } as AddItem]), /^item 0 to add: \/a: size must be a whole number of bytes$/);
    vol.close();
  });

  it('addTree makes `to` only once everything is checked', () => {
    const { dev, vol } = volume(1 << 20, 12);
    const entries: BuildEntry[] = [{ path: 'big.bin', type: 'file', size: 2 << 20, mtimeMs: 0, read: () => 0 }];
    refusedUnchanged(dev, () => addTree(vol, entries, { to: '/new/place' }), 'ENOSPC');
    expect(vol.exists('/new')).toBe(false);
    vol.close();
  });
});
