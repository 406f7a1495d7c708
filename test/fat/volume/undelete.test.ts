/**
 * Issue 18: deleted entries listed and brought back, on fatkit's own FAT12, FAT16 and FAT32
 * volumes (the mtools-made ones are in undelete-oracle.test.ts): byte for byte, `check` clean,
 * and every refusal a FatError with its reason (clusters in use, outside the volume, sizes that
 * do not fit the cluster, names taken).
 */
import { describe, expect, it } from 'vitest';
import { MemoryDevice, Volume, mkfs, check, listDeleted, undelete, deletedEntry, type FatError } from '../../../src/core.js';

const T = Date.UTC(2024, 2, 3, 4, 5, 6);

function fresh(fat: 12 | 16 | 32): { dev: MemoryDevice; vol: Volume } {
  const dev = new MemoryDevice(fat === 32 ? 40 << 20 : fat === 16 ? 8 << 20 : 1 << 20);
  mkfs(dev, { fatType: fat, time: T, volumeId: 7, ...(fat === 16 ? { clusterSize: 1024 } : {}) });
  return { dev, vol: Volume.open(dev, { now: () => new Date(T) }) };
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);

const fail = (f: () => unknown): FatError => {
  try {
    f();
  } catch (e) {
    return e as FatError;
  }
  throw new Error('expected an error');
};

const clean = (vol: Volume): void => expect(check(vol).problems.map((p) => p.message)).toEqual([]);

describe.each([12, 16, 32] as const)('FAT%i', (fat) => {
  it('lists deleted files and brings them back byte for byte, long names with them', () => {
    const { vol } = fresh(fat);
    const a = bytes(5000, 1);
    const b = bytes(700, 2);
    vol.writeFile('/A long name.bin', a);
    vol.writeFile('/B.TXT', b);
    vol.mkdir('/sub');
    vol.writeFile('/sub/c.dat', bytes(3000, 3));
    vol.rm('/A long name.bin');
    vol.rm('/B.TXT');
    const list = listDeleted(vol);
    expect(list.map((e) => [e.path, e.shortName, e.recoverable, e.firstCharKnown, e.size])).toEqual([
      ['/A long name.bin', 'ALONGN~1.BIN', true, true, 5000],
      ['/?.TXT', '?.TXT', true, false, 700],
    ]);
    expect(list[0].mtime.getTime()).toBe(T);
    expect(undelete(vol, '/a long NAME.bin')).toEqual({ path: '/A long name.bin', type: 'file', size: 5000, clusters: list[0].clusters, longName: true });
    expect(vol.readFile('/A long name.bin')).toEqual(a);
    expect(fail(() => undelete(vol, '/?.txt')).code).toBe('EINVAL');
    expect(undelete(vol, '/X.TXT', { firstChar: 'b' }).path).toBe('/B.TXT');
    expect(vol.readFile('/B.TXT')).toEqual(b);
    expect(listDeleted(vol)).toEqual([]);
    clean(vol);
    vol.close();
    const again = Volume.open(vol.device);
    expect(again.readFile('/A long name.bin')).toEqual(a);
    clean(again);
  });

  it('refuses a file whose run from its first cluster is in use now (a fragmented file), and takes back a contiguous one', () => {
    const { vol } = fresh(fat);
    const cs = vol.geo.clusterSize;
    vol.writeFile('/x', bytes(2 * cs, 1));
    vol.writeFile('/y', bytes(2 * cs, 2));
    vol.appendFile('/x', bytes(2 * cs, 3)); // x continues after y: fragmented
    vol.writeFile('/v', bytes(3 * cs, 5));
    vol.rm('/x');
    vol.rm('/v');
    const [x, v] = listDeleted(vol);
    expect(x).toMatchObject({ name: '?', recoverable: false });
    expect(x.problem).toMatch(/^cluster \d+ is in use by another file$/);
    const e = fail(() => undelete(vol, '/?', { firstChar: 'x', entry: x.entry }));
    expect(e.code).toBe('EBUSY');
    expect(e.message).toMatch(/^cannot undelete \/\?: cluster \d+ is in use by another file$/);
    expect(undelete(vol, '/?', { firstChar: 'v', entry: v.entry }).path).toBe('/v');
    expect(vol.readFile('/v')).toEqual(bytes(3 * cs, 5));
    clean(vol);
  });

  it('brings a directory back when its . and .. survive, then what was in it; --to renames and moves', () => {
    const { vol } = fresh(fat);
    vol.mkdir('/dir/deeper', { recursive: true });
    vol.writeFile('/dir/deeper/File one.txt', bytes(1234, 6));
    vol.writeFile('/dir/two.txt', bytes(10, 7));
    vol.mkdir('/elsewhere');
    vol.rm('/dir', { recursive: true });
    expect(listDeleted(vol).map((e) => [e.path, e.type, e.recoverable])).toEqual([['/?ir', 'directory', true]]);
    expect(undelete(vol, '/?ir', { firstChar: 'd' })).toMatchObject({ path: '/dir', type: 'directory', clusters: 1 });
    expect(vol.readdir('/dir')).toEqual([]);
    expect(listDeleted(vol, '/dir').map((e) => e.path)).toEqual(['/dir/?eeper', '/dir/?wo.txt']);
    expect(undelete(vol, '/dir/?eeper', { to: '/elsewhere/Deeper Moved' })).toMatchObject({ path: '/elsewhere/Deeper Moved', type: 'directory' });
    expect(undelete(vol, '/elsewhere/deeper moved/file one.txt').path).toBe('/elsewhere/Deeper Moved/File one.txt');
    expect(vol.readFile('/elsewhere/Deeper Moved/File one.txt')).toEqual(bytes(1234, 6));
    expect(undelete(vol, '/dir/?wo.txt', { to: '/two again.txt' })).toMatchObject({ path: '/two again.txt', longName: true });
    expect(vol.readFile('/two again.txt')).toEqual(bytes(10, 7));
    clean(vol);
  });
});

describe('refusals', () => {
  /** A FAT16 volume with one deleted file /?ILE.BIN whose entry `edit` changes on the device. */
  function withDeleted(edit: (entry: DataView) => void): Volume {
    const { dev, vol } = fresh(16);
    vol.writeFile('/FILE.BIN', bytes(3000, 1));
    vol.writeFile('/KEEP.BIN', bytes(3000, 2));
    vol.rm('/FILE.BIN');
    const off = vol.geo.rootDirStart * vol.geo.sectorSize; // entry 0 of the fixed root
    vol.close();
    edit(new DataView(dev.bytes.buffer, dev.bytes.byteOffset + off, 32));
    return Volume.open(dev);
  }

  it('an entry pointing outside the volume', () => {
    const vol = withDeleted((e) => e.setUint16(26, 0xfff0, true));
    expect(listDeleted(vol)[0]).toMatchObject({ recoverable: false, problem: `its first cluster 65520 is outside the volume (clusters 2..${vol.fat.maxCluster})` });
    const err = fail(() => undelete(vol, '/FILE.BIN', { firstChar: 'F' }));
    expect([err.code, err.message]).toEqual(['FAT_CORRUPT', `cannot undelete /?ILE.BIN: its first cluster 65520 is outside the volume (clusters 2..${vol.fat.maxCluster})`]);
  });

  it('a run that would pass the end of the volume', () => {
    const vol = withDeleted((e) => e.setUint16(26, 0, true));
    const max = vol.fat.maxCluster;
    const v2 = withDeleted((e) => e.setUint16(26, max - 1, true));
    expect(listDeleted(v2)[0].problem).toBe(`its 3 clusters from cluster ${max - 1} run past the end of the volume (cluster ${max})`);
    expect(listDeleted(vol)[0].problem).toBe('it is 3000 bytes long but has no first cluster');
  });

  it('a chain through used clusters', () => {
    const vol = withDeleted((e) => e.setUint16(26, e.getUint16(26, true) + 3, true)); // into KEEP.BIN
    const err = fail(() => undelete(vol, '/FILE.BIN', { firstChar: 'F' }));
    expect(err.code).toBe('EBUSY');
    expect(err.message).toMatch(/cluster \d+ is in use by another file$/);
  });

  it('a size that does not fit its cluster (0 bytes with a cluster)', () => {
    const vol = withDeleted((e) => e.setUint32(28, 0, true));
    expect(fail(() => undelete(vol, '/FILE.BIN', { firstChar: 'F' })).message).toMatch(/^cannot undelete \/\?ILE\.BIN: it is 0 bytes long but starts at cluster \d+$/);
  });

  it('a name taken since, a first character that cannot start a name or does not match the long name, nothing of that name', () => {
    const { vol } = fresh(16);
    vol.writeFile('/FILE.BIN', 'one');
    vol.writeFile('/KEEP.BIN', 'keep');
    vol.rm('/FILE.BIN');
    vol.writeFile('/File.bin', ''); // a long name: its 2 entries go past the 1-entry hole; short name FILE.BIN
    expect(fail(() => undelete(vol, '/FILE.BIN', { firstChar: 'F' })).code).toBe('EEXIST');
    expect(fail(() => undelete(vol, '/FILE.BIN', { firstChar: '*' })).code).toBe('EINVAL');
    expect(undelete(vol, '/FILE.BIN', { to: '/restored' }).path).toBe('/restored');
    expect(vol.readFile('/restored', 'utf8')).toBe('one');
    vol.writeFile('/Some long name', 'x');
    vol.rm('/Some long name');
    expect(fail(() => undelete(vol, '/Some long name', { firstChar: 'X' })).message).toMatch(/does not match its long name \(whose checksum gives "S"\)$/);
    expect(fail(() => undelete(vol, '/nothing')).code).toBe('ENOENT');
    clean(vol);
  });

  it('a subdirectory that cannot be read is reported and left out of the listing', () => {
    const { dev, vol } = fresh(16);
    vol.mkdir('/bad');
    vol.writeFile('/gone.txt', 'x');
    vol.rm('/gone.txt');
    const c = vol.stat('/bad').firstCluster;
    vol.close();
    const v2 = Volume.open(dev);
    v2.fat.set(c, 0); // its chain now runs into a free cluster
    expect(listDeleted(v2).map((e) => e.path)).toEqual(['/?one.txt']);
    expect(v2.problems.some((p) => p.path === '/bad' && p.skipped)).toBe(true);
  });

  it('several deleted entries of one name: the one whose clusters are free, else a choice by entry', () => {
    const { vol } = fresh(12);
    vol.writeFile('/a.txt', 'first');
    vol.writeFile('/b.txt', 'second');
    vol.writeFile('/c.txt', 'after them');
    vol.rm('/a.txt');
    vol.rm('/b.txt');
    const err = fail(() => undelete(vol, '/?.TXT', { firstChar: 'A' }));
    expect(err.message).toBe('2 deleted entries match /?.TXT (entries 0, 1): choose one by its entry number');
    expect(deletedEntry(vol, '/?.TXT', { entry: 1 }).entry).toBe(1);
    vol.writeFile('/a long file name.bin', 'takes the first cluster freed'); // 3 entries: past the 2-entry hole
    expect(listDeleted(vol).map((e) => e.recoverable)).toEqual([false, true]);
    undelete(vol, '/?.txt', { firstChar: 'B' });
    expect(vol.readFile('/b.txt', 'utf8')).toBe('second');
    clean(vol);
  });
});
