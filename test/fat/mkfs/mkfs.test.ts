import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import type { BlockDevice } from '../../../src/fat/device/block-device.js';
import { decodeBootSector, validateBootSector } from '../../../src/fat/format/boot-sector.js';
import { computeGeometry } from '../../../src/fat/format/geometry.js';
import { decodeFsInfo } from '../../../src/fat/format/fs-info.js';
import { decodeDirEntry } from '../../../src/fat/format/dir-entry.js';
import { encodeDosTime } from '../../../src/fat/format/dos-time.js';
import { le16, le32 } from '../../../src/fat/format/bytes.js';
import { mkfs, normalizeLabel, volumeIdFromTime } from '../../../src/fat/mkfs/mkfs.js';
import { readPartitionTable, findFatVolume } from '../../../src/fat/disk/partition.js';
import { Volume } from '../../../src/fat/volume/volume.js';

const K = 1024;
const M = 1024 * K;
const EPOCH = 1426325213; // mkfs.fat --invariant's time

const sector = (dev: MemoryDevice, lba: number): Uint8Array => dev.bytes.subarray(lba * dev.sectorSize, (lba + 1) * dev.sectorSize);

/** Counts the sectors written through it. */
class CountingDevice implements BlockDevice {
  written = 0;
  writes = 0;
  constructor(private inner: BlockDevice) {}
  get sectorSize() { return this.inner.sectorSize; }
  get sectorCount() { return this.inner.sectorCount; }
  get readOnly() { return this.inner.readOnly; }
  read(lba: number, into: Uint8Array) { this.inner.read(lba, into); }
  write(lba: number, data: Uint8Array) { this.written += data.length / this.sectorSize; this.writes++; this.inner.write(lba, data); }
  flush() { this.inner.flush(); }
  close() { this.inner.close(); }
}

const savedEpoch = process.env.SOURCE_DATE_EPOCH;
afterEach(() => {
  if (savedEpoch === undefined) delete process.env.SOURCE_DATE_EPOCH;
  else process.env.SOURCE_DATE_EPOCH = savedEpoch;
});

describe('mkfs on a FAT12 floppy', () => {
  const dev = new MemoryDevice(1440 * K);
  const r = mkfs(dev, { volumeId: 0x1234abcd });

  it('writes a boot sector the reader accepts, with the mkfs.fat geometry', () => {
    const bs = decodeBootSector(sector(dev, 0));
    validateBootSector(bs);
    expect([...bs.jump]).toEqual([0xeb, 0x3c, 0x90]);
    expect(bs.oemName).toBe('FATKIT  ');
    expect(bs.fsType).toBe('FAT12   ');
    expect(bs.volumeLabel).toBe('NO NAME    ');
    expect(bs.volumeId).toBe(0x1234abcd);
    expect(bs.extSignature).toBe(0x29);
    expect(bs.media).toBe(0xf0);
    expect(bs.driveNumber).toBe(0);
    expect([bs.sectorsPerTrack, bs.heads, bs.totalSectors16, bs.totalSectors32]).toEqual([18, 2, 2880, 0]);
    const g = computeGeometry(bs, dev.sectorCount);
    expect(g.fatType).toBe(12);
    expect(g.clusterCount).toBe(r.layout.clusterCount);
    expect(g.dataStart).toBe(r.layout.dataStart);
  });

  it('writes both FATs with the media byte and end-of-chain in entries 0 and 1', () => {
    for (const start of [1, 10]) {
      const s = sector(dev, start);
      expect([...s.subarray(0, 4)]).toEqual([0xf0, 0xff, 0xff, 0x00]);
      expect(s.subarray(3).every((b) => b === 0)).toBe(true);
    }
  });

  it('leaves an empty root and no label entry', () => {
    for (let s = r.layout.rootDirStart; s < r.layout.dataStart; s++) expect(sector(dev, s).every((b) => b === 0)).toBe(true);
    expect(r.label).toBeUndefined();
  });
});

describe('mkfs on FAT32', () => {
  const dev = new MemoryDevice(40 * M);
  const r = mkfs(dev, { fatType: 32, label: 'FAT32 DISK', volumeId: 0xcafef00d, time: EPOCH * 1000 });
  const l = r.layout;

  it('writes FSInfo at 1 and 7 and the backup boot sector at 6', () => {
    expect(l.fatType).toBe(32);
    expect([l.fsInfoSector, l.backupBootSector, l.backupFsInfoSector]).toEqual([1, 6, 7]);
    expect(sector(dev, 6)).toEqual(sector(dev, 0));
    for (const s of [1, 7]) {
      expect(decodeFsInfo(sector(dev, s))).toEqual({ freeCount: l.clusterCount - 1, nextFree: 2 });
      expect([sector(dev, s)[510], sector(dev, s)[511]]).toEqual([0x55, 0xaa]);
    }
    const bs = decodeBootSector(sector(dev, 0));
    expect([...bs.jump]).toEqual([0xeb, 0x58, 0x90]);
    expect([bs.rootCluster, bs.fsInfoSector, bs.backupBootSector, bs.extFlags, bs.fatSize16, bs.rootEntries]).toEqual([2, 1, 6, 0, 0, 0]);
    expect(bs.fsType).toBe('FAT32   ');
    expect(bs.volumeLabel).toBe('FAT32 DISK ');
  });

  it('marks clusters 0-2 in every FAT (the root directory is cluster 2)', () => {
    for (let i = 0; i < l.numFats; i++) {
      const s = sector(dev, l.fatStart + i * l.fatSize);
      expect([le32(s, 0), le32(s, 4), le32(s, 8), le32(s, 12)]).toEqual([0x0ffffff8, 0x0fffffff, 0x0ffffff8, 0]);
    }
  });

  it('puts the label entry first in the root cluster, stamped with the creation time', () => {
    const root = sector(dev, l.dataStart);
    const e = decodeDirEntry(root, 0, true);
    const t = encodeDosTime(EPOCH * 1000);
    expect(new TextDecoder().decode(e.name)).toBe('FAT32 DISK ');
    expect(e.attr).toBe(0x08);
    expect([e.ctimeTenths, e.ctime, e.cdate, e.adate, e.mtime, e.mdate, e.cluster, e.size]).toEqual([0, t.time, t.date, t.date, t.time, t.date, 0, 0]);
    expect(root.subarray(32).every((b) => b === 0)).toBe(true);
    expect(r.label).toBe('FAT32 DISK');
  });

  it('reads back through Volume', () => {
    const v = Volume.open(dev);
    const info = v.info();
    expect(info.fatType).toBe(32);
    expect(info.clusterCount).toBe(l.clusterCount);
    expect(info.label).toBe('FAT32 DISK');
    expect(info.freeClusters).toBe(l.clusterCount - 1);
  });
});

describe('volume ids', () => {
  it('derives the id from SOURCE_DATE_EPOCH as (seconds << 20) | 0', () => {
    process.env.SOURCE_DATE_EPOCH = String(EPOCH);
    const a = mkfs(new MemoryDevice(1440 * K));
    const b = mkfs(new MemoryDevice(1440 * K));
    expect(a.volumeId).toBe(((EPOCH % 4096) * 0x100000) >>> 0);
    expect(a.volumeId).toBe(0xedd00000);
    expect(b.volumeId).toBe(a.volumeId);
  });

  it('makes byte-identical images from the same SOURCE_DATE_EPOCH and options', () => {
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    const a = new MemoryDevice(2 * M);
    const b = new MemoryDevice(2 * M);
    mkfs(a, { label: 'SAME' });
    mkfs(b, { label: 'SAME' });
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
  });

  it('takes the clock otherwise, with microseconds mixed in', () => {
    delete process.env.SOURCE_DATE_EPOCH;
    expect(volumeIdFromTime(1000 * 4097 + 1.5)).toBe((0x100000 | 1500) >>> 0);
    const before = Date.now();
    const r = mkfs(new MemoryDevice(1440 * K));
    const sec = Math.floor(before / 1000) % 4096;
    expect([sec, (sec + 1) % 4096]).toContain(Math.floor(r.volumeId / 0x100000));
  });

  it('an explicit id wins', () => {
    process.env.SOURCE_DATE_EPOCH = String(EPOCH);
    expect(mkfs(new MemoryDevice(1440 * K), { volumeId: 0 }).volumeId).toBe(0);
    expect(() => mkfs(new MemoryDevice(1440 * K), { volumeId: 2 ** 32 })).toThrow(/not a 32-bit number/);
  });
});

describe('labels', () => {
  it('accepts what mkfs.fat accepts and keeps the case', () => {
    expect(normalizeLabel('hello')).toBe('hello      ');
    expect(normalizeLabel('A B')).toBe('A B        ');
    expect(normalizeLabel('ABCDEFGHIJK')).toBe('ABCDEFGHIJK');
    expect(normalizeLabel('')).toBeUndefined();
    expect(normalizeLabel('NO NAME')).toBeUndefined();
  });

  it('refuses illegal characters, naming the rule (format/label.ts, the rule of fat label too)', () => {
    expect(() => normalizeLabel('A*B')).toThrow('invalid volume label "A*B": it cannot contain "*" (nor any of "*+,./:;<=>?[\\]|)');
    expect(() => normalizeLabel('DISK.1')).toThrow(/cannot contain "\."/);
    expect(() => normalizeLabel('TOOLONGLABEL')).toThrow('invalid volume label "TOOLONGLABEL": it is 12 characters long (at most 11)');
    expect(() => normalizeLabel(' LEAD')).toThrow(/cannot start with a space/);
    expect(() => normalizeLabel('caf\u00e9')).toThrow(/"\u00e9" is not printable ASCII/);
    expect(() => normalizeLabel('TAB\t')).toThrow(/not printable ASCII/);
  });
});

describe('writing', () => {
  it('writes only a handful of sectors on a zeroed device', () => {
    const dev = new CountingDevice(new MemoryDevice(600 * M / 16)); // 37.5 MiB FAT16
    mkfs(dev, { assumeZeroed: true, label: 'X' });
    expect(dev.written).toBe(1 + 2 + 1); // boot, one sector per FAT, the label's root sector
  });

  it('clears stale metadata on a used device, and leaves the data area alone', () => {
    const mem = new MemoryDevice(4 * M);
    mem.bytes.fill(0xaa);
    const r = mkfs(mem);
    const l = r.layout;
    const firstFatSectors = [l.fatStart, l.fatStart + l.fatSize];
    for (let s = 1; s < l.dataStart; s++) {
      const b = sector(mem, s);
      const from = firstFatSectors.includes(s) ? 3 : 0; // FAT12: F8 FF FF
      expect(b.subarray(from).every((x) => x === 0), `sector ${s}`).toBe(true);
    }
    expect(sector(mem, 0).subarray(512 - 2)).toEqual(new Uint8Array([0x55, 0xaa]));
    expect(sector(mem, l.dataStart).every((b) => b === 0xaa)).toBe(true);
  });

  it('writes FAT32 FATs of an 8 GiB volume in large transfers', () => {
    const sparse = new CountingDevice({
      sectorSize: 512, sectorCount: 16 * M, readOnly: false,
      read() {}, write() {}, flush() {}, close() {},
    });
    const t0 = Date.now();
    const r = mkfs(sparse, { volumeId: 1 });
    expect(r.layout.fatSize).toBe(16360);
    expect(sparse.written).toBe(32 + 2 * 16360 + 8);
    expect(sparse.writes).toBeLessThan(20);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('works on 4096-byte sectors', () => {
    const dev = new MemoryDevice(64 * M, { sectorSize: 4096 });
    const r = mkfs(dev);
    const bs = decodeBootSector(sector(dev, 0));
    expect(bs.bytesPerSector).toBe(4096);
    expect([sector(dev, 0)[510], sector(dev, 0)[511], sector(dev, 0)[4094]]).toEqual([0x55, 0xaa, 0]);
    expect(computeGeometry(bs, dev.sectorCount).clusterCount).toBe(r.layout.clusterCount);
  });

  it('refuses read-only devices, sizes beyond the device and bad cluster sizes', () => {
    expect(() => mkfs(new MemoryDevice(1440 * K, { readOnly: true }))).toThrow('device is read-only');
    expect(() => mkfs(new MemoryDevice(1440 * K), { size: 2880 * K })).toThrow('volume of 2.8 MiB does not fit in the device (1.4 MiB available)');
    expect(() => mkfs(new MemoryDevice(1440 * K), { clusterSize: 3000 })).toThrow('cluster size 3000 must be a power of two from 512 (the sector size) to 65536 bytes');
    expect(() => mkfs(new MemoryDevice(1440 * K), { clusterSize: 128 * K })).toThrow(/to 65536 bytes/);
  });

  it('formats a smaller volume at the start of a larger device when asked', () => {
    const dev = new MemoryDevice(4 * M);
    const r = mkfs(dev, { size: 1440 * K });
    expect(r.layout.totalSectors).toBe(2880);
  });
});

describe('--partition mbr', () => {
  const dev = new MemoryDevice(64 * M);
  const r = mkfs(dev, { partition: 'mbr', volumeId: 0x1234abcd, label: 'PART' });

  it('writes an MBR with one LBA FAT partition at 1 MiB filling the disk', () => {
    const mbr = sector(dev, 0);
    expect([mbr[510], mbr[511]]).toEqual([0x55, 0xaa]);
    expect(le32(mbr, 0x1b8)).toBe(0x1234abcd);
    expect(mbr[0x1be]).toBe(0);
    expect(mbr[0x1be + 4]).toBe(0x0e);
    expect(le32(mbr, 0x1be + 8)).toBe(2048);
    expect(le32(mbr, 0x1be + 12)).toBe(dev.sectorCount - 2048);
    expect(mbr.subarray(0x1ce, 0x1fe).every((b) => b === 0)).toBe(true);
    expect(r.volumeStart).toBe(2048);
    expect(r.partitionType).toBe(0x0e);
  });

  it('sets hidden sectors and lays the volume out for the partition size', () => {
    const bs = decodeBootSector(sector(dev, 2048));
    expect(bs.hiddenSectors).toBe(2048);
    expect(r.layout.totalSectors).toBeLessThanOrEqual(dev.sectorCount - 2048);
    expect(le16(sector(dev, 2048), 510)).toBe(0xaa55);
  });

  it('is found by partition discovery and read back', () => {
    const table = readPartitionTable(dev);
    expect(table?.partitions.length).toBe(1);
    const v = Volume.open(findFatVolume(dev));
    expect(v.info().label).toBe('PART');
    expect(v.info().clusterCount).toBe(r.layout.clusterCount);
  });

  it('uses type 0x0C for FAT32 and 0x01 for FAT12, and refuses disks of 1 MiB or less', () => {
    const sparse = { sectorSize: 512, sectorCount: 1 * 1024 * M / 512, readOnly: false, data: new Map<number, Uint8Array>(),
      read() {}, write(lba: number, d: Uint8Array) { if (lba === 0) this.data.set(0, d.slice()); }, flush() {}, close() {} };
    expect(mkfs(sparse, { partition: 'mbr', assumeZeroed: true }).partitionType).toBe(0x0c);
    expect(sparse.data.get(0)![0x1be + 4]).toBe(0x0c);
    expect(mkfs(new MemoryDevice(3 * M), { partition: 'mbr' }).partitionType).toBe(0x01);
    expect(() => mkfs(new MemoryDevice(1 * M), { partition: 'mbr' })).toThrow(/larger than 1 MiB/);
  });
});
