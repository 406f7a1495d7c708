import { describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import type { BlockDevice } from '../../../src/fat/device/block-device.js';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { SliceDevice } from '../../../src/fat/device/slice.js';
import { findFatVolume, locateFatVolume, readPartitionTable } from '../../../src/fat/disk/partition.js';
import { FatError } from '../../../src/fat/errors.js';
import { expectBytes } from '../device/bytes.js';
import { thrown } from '../device/tmp.js';
import { BASIC_DATA, EFI_SYSTEM, LINUX_FS, corruptGptHeader, ebr, fatBootSector, mbr, writeGpt } from './tables.js';

const SECTORS = 16384; // 8 MiB of 512-byte sectors

function disk(sectors = SECTORS, sectorSize = 512): Uint8Array {
  return new Uint8Array(sectors * sectorSize);
}

/** Put a FAT boot sector at byte `at` (volume of `sectors` sectors of `bps` bytes). */
function putFat(d: Uint8Array, at: number, sectors: number, bps = 512): Uint8Array {
  const bs = fatBootSector(sectors, bps, at / 512);
  d.set(bs, at);
  return bs;
}

function firstSector(dev: BlockDevice): Uint8Array {
  const b = new Uint8Array(dev.sectorSize);
  dev.read(0, b);
  return b;
}

function fatError(fn: () => unknown, code: string, message?: string | RegExp): FatError {
  const e = thrown(fn);
  expect(e, `expected FatError ${code}`).toBeInstanceOf(FatError);
  expect(e?.code).toBe(code);
  expect(e?.message).not.toMatch(/\n/);
  if (typeof message === 'string') expect(e?.message).toBe(message);
  else if (message) expect(e?.message).toMatch(message);
  return e as FatError;
}

describe('a FAT volume without a partition table', () => {
  it('is the device itself, with no table', () => {
    const d = disk();
    putFat(d, 0, SECTORS);
    const dev = new MemoryDevice(d);
    expect(readPartitionTable(dev)).toBeUndefined();
    expect(findFatVolume(dev)).toBe(dev);
    fatError(() => findFatVolume(dev, { partition: 1 }), 'ENOENT', 'no partition 1: the image has no partition table: it is a FAT volume without partitions');
  });

  it('wins over partition-like bytes in its boot code', () => {
    const d = disk();
    d.set(mbr([{ type: 0x0c, start: 2048, count: 4096 }]), 0);
    putFat(d, 2048 * 512, 4096);
    d.set(fatBootSector(SECTORS).subarray(0, 446), 0); // BPB over the MBR's code area; entries stay
    const dev = new MemoryDevice(d);
    expect(findFatVolume(dev)).toBe(dev);
    // Both readings exist: the volume at sector 0 opens by default and says so; a partition named
    // explicitly is read from the table (it used to be refused as "no partition table").
    const found = locateFatVolume(dev);
    expect(found.device).toBe(dev);
    expect(found.alsoTable?.partitions.map((p) => [p.index, p.isFat])).toEqual([[1, true]]);
    const part = locateFatVolume(dev, { partition: 1 });
    expect([part.partition?.index, part.device.sectorCount, (part.device as SliceDevice).startLba]).toEqual([1, 4096, 2048]);
    fatError(() => findFatVolume(dev, { partition: 2 }), 'ENOENT', 'no partition 2: the image has only partition 1');
  });

  it('a plain FAT volume has no second reading', () => {
    const d = disk();
    putFat(d, 0, SECTORS);
    expect(locateFatVolume(new MemoryDevice(d)).alsoTable).toBeUndefined();
  });
});

describe('MBR', () => {
  it('finds the one FAT partition and opens it as a slice', () => {
    const d = disk();
    d.set(mbr([{ type: 0x0c, start: 2048, count: 8192, bootable: true }]), 0);
    const bs = putFat(d, 2048 * 512, 8192);
    const dev = new MemoryDevice(d);
    const table = readPartitionTable(dev);
    expect(table).toEqual({
      scheme: 'mbr',
      diskSignature: 0,
      sectorSize: 512,
      partitions: [{ index: 1, type: 0x0c, startLba: 2048, sectorCount: 8192, bootable: true, isFat: true }],
      warnings: [],
    });
    const vol = findFatVolume(dev);
    expect(vol).toBeInstanceOf(SliceDevice);
    expect([vol.sectorCount, (vol as SliceDevice).startLba]).toEqual([8192, 2048]);
    expectBytes(firstSector(vol), bs);
    vol.write(8191, new Uint8Array(512).fill(0x77));
    expect(d[(2048 + 8191) * 512]).toBe(0x77);
    vol.close();
    firstSector(dev); // closing the slice leaves the disk open
  });

  it('reads logical partitions through the EBR chain, numbered from 5', () => {
    const d = disk();
    d.set(mbr([{ type: 0x83, start: 2048, count: 2048 }, { type: 0x0f, start: 4096, count: 8192 }]), 0);
    d.set(ebr({ type: 0x06, start: 63, count: 2000 }, { start: 2100, count: 1100 }), 4096 * 512);
    d.set(ebr({ type: 0x0b, start: 63, count: 1000 }), (4096 + 2100) * 512);
    const bs = putFat(d, (4096 + 63) * 512, 2000);
    const dev = new MemoryDevice(d);
    const table = readPartitionTable(dev);
    expect(table?.partitions.map((p) => [p.index, p.type, p.startLba, p.sectorCount, p.isFat])).toEqual([
      [1, 0x83, 2048, 2048, false],
      [2, 0x0f, 4096, 8192, false],
      [5, 0x06, 4159, 2000, true],
      [6, 0x0b, 6259, 1000, false],
    ]);
    expect(table?.warnings).toEqual([]);
    const found = locateFatVolume(dev);
    expect(found.partition?.index).toBe(5);
    expectBytes(firstSector(found.device), bs);
    fatError(() => findFatVolume(dev, { partition: 6 }), 'FAT_NOT_FAT', 'partition 6 (type 0x0b) holds no FAT file system');
    fatError(() => findFatVolume(dev, { partition: 2 }), 'EINVAL', /partition 2 \(type 0x0f\) is a container/);
    fatError(() => findFatVolume(dev, { partition: 3 }), 'ENOENT', 'no partition 3: the image has partitions 1, 2, 5, 6');
    fatError(() => findFatVolume(dev, { partition: 0 }), 'EINVAL', /partitions are numbered from 1/);
  });

  it('stops at a loop in the EBR chain and says so', () => {
    const d = disk();
    d.set(mbr([{ type: 0x05, start: 4096, count: 8192 }]), 0);
    d.set(ebr({ type: 0x0c, start: 63, count: 1000 }, { start: 2000, count: 1100 }), 4096 * 512);
    d.set(ebr({ type: 0x83, start: 63, count: 1000 }, { start: 0, count: 1100 }), (4096 + 2000) * 512); // back to the first
    putFat(d, (4096 + 63) * 512, 1000);
    const dev = new MemoryDevice(d);
    const table = readPartitionTable(dev);
    expect(table?.partitions.map((p) => p.index)).toEqual([1, 5, 6]);
    expect(table?.warnings).toEqual(['the extended partition\'s chain loops back to sector 4096: stopped there']);
    expect(locateFatVolume(dev).partition?.index).toBe(5);
  });

  it('stops after 128 logical partitions', () => {
    const d = disk();
    d.set(mbr([{ type: 0x05, start: 100, count: 4 * 200 }]), 0);
    for (let i = 0; i < 200; i++) d.set(ebr({ type: 0x83, start: 1, count: 2 }, { start: (i + 1) * 4, count: 4 }), (100 + i * 4) * 512);
    const table = readPartitionTable(new MemoryDevice(d));
    expect(table?.partitions.length).toBe(1 + 128);
    expect(table?.partitions.at(-1)?.index).toBe(132);
    expect(table?.warnings).toEqual(['more than 128 logical partitions: stopped there']);
  });

  it('refuses to choose between two FAT partitions, but opens the one asked for', () => {
    const d = disk();
    d.set(mbr([{ type: 0x0e, start: 2048, count: 4096 }, { type: 0x0c, start: 8192, count: 4096 }]), 0);
    putFat(d, 2048 * 512, 4096);
    const second = putFat(d, 8192 * 512, 4096);
    const dev = new MemoryDevice(d);
    fatError(() => findFatVolume(dev), 'EINVAL', 'the image has 2 FAT partitions (1, 2): choose one with --partition N');
    expectBytes(firstSector(findFatVolume(dev, { partition: 2 })), second);
  });

  it('says there is no FAT partition when none holds a FAT boot sector', () => {
    const d = disk();
    d.set(mbr([{ type: 0x0c, start: 2048, count: 4096 }, { type: 0x83, start: 8192, count: 4096 }]), 0);
    fatError(() => findFatVolume(new MemoryDevice(d)), 'FAT_NOT_FAT', 'not a FAT image: no FAT boot sector and no FAT partition in its partition table');
  });

  it('lists a partition beyond the end of the image, and fails only when it is chosen', () => {
    const d = disk();
    d.set(mbr([{ type: 0x0c, start: 2048, count: 4096 }, { type: 0x0c, start: 12288, count: 100000 }, { type: 0x0c, start: 900000, count: 10 }]), 0);
    const good = putFat(d, 2048 * 512, 4096);
    putFat(d, 12288 * 512, 100000);
    const dev = new MemoryDevice(d);
    const table = readPartitionTable(dev);
    expect(table?.partitions.map((p) => [p.index, p.isFat, p.problem !== undefined])).toEqual([
      [1, true, false],
      [2, true, true],
      [3, false, true],
    ]);
    fatError(() => findFatVolume(dev), 'EINVAL', /2 FAT partitions \(1, 2\)/);
    fatError(() => findFatVolume(dev, { partition: 2 }), 'FAT_CORRUPT', 'partition 2 (sectors 12288..112287) extends beyond the end of the image (16384 sectors)');
    fatError(() => findFatVolume(dev, { partition: 3 }), 'FAT_CORRUPT', /partition 3 .*beyond the end of the image/);
    expectBytes(firstSector(findFatVolume(dev, { partition: 1 })), good);
  });

  it('opens the only FAT partition even when another lies beyond the end', () => {
    const d = disk();
    d.set(mbr([{ type: 0x0c, start: 2048, count: 4096 }, { type: 0x83, start: 900000, count: 10 }]), 0);
    putFat(d, 2048 * 512, 4096);
    expect(locateFatVolume(new MemoryDevice(d)).partition?.index).toBe(1);
  });

  it('is not a table with a bad boot flag, no entry, or an entry at sector 0', () => {
    const bad = mbr([{ type: 0x0c, start: 2048, count: 4096 }]);
    bad[446] = 0x12;
    const cases = [bad, mbr([]), mbr([{ type: 0x0c, start: 0, count: 4096 }])];
    for (const sector0 of cases) {
      const d = disk();
      d.set(sector0, 0);
      putFat(d, 2048 * 512, 4096);
      const dev = new MemoryDevice(d);
      expect(readPartitionTable(dev)).toBeUndefined();
      fatError(() => findFatVolume(dev), 'FAT_NOT_FAT', /^not a FAT image: no FAT boot sector \(.*\) and no partition table$/);
    }
  });
});

describe('GPT', () => {
  it('reads a valid GPT behind its protective MBR', () => {
    const d = disk();
    writeGpt(d, [
      { type: EFI_SYSTEM, first: 2048, last: 4095, name: 'EFI system' },
      { type: LINUX_FS, first: 4096, last: 8191, name: 'root' },
      { type: BASIC_DATA, first: 8192, last: 12287, slot: 5 },
    ]);
    const bs = putFat(d, 2048 * 512, 2048);
    const dev = new MemoryDevice(d);
    const table = readPartitionTable(dev);
    const guid = (i: number): string => `00000000-0000-4000-8000-00000000000${i}`;
    expect(table).toEqual({
      scheme: 'gpt',
      diskGuid: '11111111-2222-4333-8444-555555555555',
      sectorSize: 512,
      partitions: [
        { index: 1, type: EFI_SYSTEM, guid: guid(1), startLba: 2048, sectorCount: 2048, name: 'EFI system', isFat: true },
        { index: 2, type: LINUX_FS, guid: guid(2), startLba: 4096, sectorCount: 4096, name: 'root', isFat: false },
        { index: 6, type: BASIC_DATA, guid: guid(3), startLba: 8192, sectorCount: 4096, isFat: false },
      ],
      warnings: [],
    });
    const found = locateFatVolume(dev);
    expect(found.partition?.index).toBe(1);
    expect(found.device.sectorCount).toBe(2048);
    expectBytes(firstSector(found.device), bs);
  });

  it('rejects a header with a bad CRC, and says so', () => {
    const d = disk();
    writeGpt(d, [{ type: BASIC_DATA, first: 2048, last: 4095 }], { backup: false });
    putFat(d, 2048 * 512, 2048);
    corruptGptHeader(d);
    const dev = new MemoryDevice(d);
    expect(readPartitionTable(dev)).toBeUndefined();
    fatError(() => findFatVolume(dev), 'FAT_NOT_FAT', 'not a FAT image: protective MBR but no valid GPT (GPT header crc32 mismatch)');
  });

  it('rejects an entry array with a bad CRC', () => {
    const d = disk();
    writeGpt(d, [{ type: BASIC_DATA, first: 2048, last: 4095 }], { backup: false });
    putFat(d, 2048 * 512, 2048);
    d[2 * 512 + 40] ^= 1; // the first entry's last LBA
    fatError(() => findFatVolume(new MemoryDevice(d)), 'FAT_NOT_FAT', /GPT partition entry array crc32 mismatch/);
  });

  it('falls back to the backup header when the primary is corrupt', () => {
    const d = disk();
    writeGpt(d, [{ type: BASIC_DATA, first: 2048, last: 4095 }]);
    putFat(d, 2048 * 512, 2048);
    corruptGptHeader(d);
    const table = readPartitionTable(new MemoryDevice(d));
    expect(table?.scheme).toBe('gpt');
    expect(table?.partitions.map((p) => [p.index, p.startLba, p.isFat])).toEqual([[1, 2048, true]]);
    expect(table?.warnings).toEqual(['primary GPT unusable (GPT header crc32 mismatch): read the backup at the end of the image']);
  });

  it('bounds the entry count and entry size, even under a valid CRC', () => {
    for (const [options, why] of [
      [{ entries: 2000 }, /2000 partition entries \(at most 1024/],
      [{ entrySize: 64 }, /entry size 64/],
      [{ entrySize: 8192, entries: 4 }, /entry size 8192/],
    ] as const) {
      const d = disk();
      writeGpt(d, [{ type: BASIC_DATA, first: 2048, last: 4095 }], { ...options, backup: false });
      putFat(d, 2048 * 512, 2048);
      fatError(() => findFatVolume(new MemoryDevice(d)), 'FAT_NOT_FAT', why);
    }
  });

  it('checks the LBAs a valid-CRC header gives: its own, its entries; then the backup, or a one-line error', () => {
    /** Set a 64-bit header field at LBA 1 and fix the header CRC, so only the value is wrong. */
    const patch = (d: Uint8Array, off: number, v: number): void => {
      const h = Buffer.from(d.buffer, d.byteOffset + 512, 512);
      h.writeBigUInt64LE(BigInt(v), off);
      h.writeUInt32LE(0, 16);
      h.writeUInt32LE(zlibCrc32(h.subarray(0, 92)), 16);
    };
    for (const [off, v, why] of [
      [24, 7, /GPT header at LBA 1 says it is at LBA 7/],
      [72, SECTORS + 5, /entries at LBA 16389 lie beyond the end of the image/],
      [72, 2 ** 60, /entries at LBA NaN lie beyond the end of the image/],
    ] as const) {
      const d = disk();
      writeGpt(d, [{ type: BASIC_DATA, first: 2048, last: 4095 }]);
      putFat(d, 2048 * 512, 2048);
      patch(d, off, v);
      const table = readPartitionTable(new MemoryDevice(d));
      expect(table?.partitions.map((p) => [p.index, p.startLba, p.isFat])).toEqual([[1, 2048, true]]);
      expect(table?.warnings[0]).toMatch(why);
      // Without the backup: one line saying why.
      const lone = disk();
      writeGpt(lone, [{ type: BASIC_DATA, first: 2048, last: 4095 }], { backup: false });
      putFat(lone, 2048 * 512, 2048);
      patch(lone, off, v);
      fatError(() => findFatVolume(new MemoryDevice(lone)), 'FAT_NOT_FAT', why);
    }
  });

  it('lists partitions whose LBAs are reversed or beyond the image, and refuses to open them', () => {
    const d = disk();
    writeGpt(d, [{ type: BASIC_DATA, first: 4095, last: 2048 }, { type: BASIC_DATA, first: 8192, last: SECTORS + 100 }, { type: BASIC_DATA, first: 2 ** 60, last: 2 ** 60 + 10 }]);
    const table = readPartitionTable(new MemoryDevice(d))!;
    expect(table.partitions.map((p) => p.problem)).toEqual([
      'has an invalid range (LBA 4095..2048)',
      `(sectors 8192..${SECTORS + 100}) extends beyond the end of the image (${SECTORS} sectors)`,
      expect.stringMatching(/invalid range|beyond the end/),
    ]);
    fatError(() => findFatVolume(new MemoryDevice(d), { partition: 1 }), 'FAT_CORRUPT', 'partition 1 has an invalid range (LBA 4095..2048)');
    fatError(() => findFatVolume(new MemoryDevice(d), { partition: 2 }), 'FAT_CORRUPT', /partition 2 \(sectors 8192\.\.16484\) extends beyond/);
  });

  it('accepts entry arrays of 1024 entries of 256 bytes', () => {
    const d = disk();
    writeGpt(d, [{ type: BASIC_DATA, first: 2048, last: 4095, slot: 1023 }], { entries: 1024, entrySize: 256, backup: false });
    putFat(d, 2048 * 512, 2048);
    expect(locateFatVolume(new MemoryDevice(d)).partition?.index).toBe(1024);
  });

  it('reads a GPT made for 4096-byte sectors from a 512-byte device, in 512-byte sectors', () => {
    const d = disk(32768); // 16 MiB
    writeGpt(d, [{ type: BASIC_DATA, first: 256, last: 256 + 1023 }], { unit: 4096 });
    const bs = putFat(d, 256 * 4096, 1024, 4096);
    const dev = new MemoryDevice(d);
    const table = readPartitionTable(dev);
    expect(table?.partitions).toEqual([{ index: 1, type: BASIC_DATA, guid: '00000000-0000-4000-8000-000000000001', startLba: 2048, sectorCount: 8192, isFat: true }]);
    const vol = findFatVolume(dev);
    expect(vol.sectorSize).toBe(512);
    const head = new Uint8Array(4096);
    vol.read(0, head);
    expectBytes(head, bs);
    // The same disk seen as a 4096-byte-sector device.
    const dev4k = new MemoryDevice(d, { sectorSize: 4096 });
    expect(readPartitionTable(dev4k)?.partitions.map((p) => [p.startLba, p.sectorCount, p.isFat])).toEqual([[256, 1024, true]]);
  });

  it('reads an MBR whose LBAs count 4096-byte sectors (a 4Kn disk) from a 512-byte device', () => {
    const d = disk(32768); // 16 MiB
    d.set(mbr([{ type: 0x0c, start: 256, count: 1024 }, { type: 0x83, start: 1280, count: 512 }]), 0);
    const bs = putFat(d, 256 * 4096, 1024, 4096);
    const dev = new MemoryDevice(d);
    const table = readPartitionTable(dev);
    expect(table?.sectorSize).toBe(4096);
    expect(table?.partitions.map((p) => [p.index, p.startLba, p.sectorCount, p.isFat])).toEqual([[1, 2048, 8192, true], [2, 10240, 4096, false]]);
    const vol = findFatVolume(dev);
    const head = new Uint8Array(4096);
    vol.read(0, head);
    expectBytes(head, bs);
    expect(locateFatVolume(dev, { partition: 1 }).partition?.startLba).toBe(2048);
    // The same disk seen as a 4096-byte-sector device reads the table in its own sectors.
    const dev4k = new MemoryDevice(d, { sectorSize: 4096 });
    expect(readPartitionTable(dev4k)?.partitions.map((p) => [p.startLba, p.sectorCount, p.isFat])).toEqual([[256, 1024, true], [1280, 512, false]]);
  });

  it('follows the EBR chain of a 4Kn disk in 4096-byte sectors', () => {
    const d = disk(32768);
    d.set(mbr([{ type: 0x05, start: 256, count: 2048 }]), 0);
    d.set(ebr({ type: 0x0c, start: 1, count: 1024 }), 256 * 4096);
    const bs = putFat(d, 257 * 4096, 1024, 4096);
    const found = locateFatVolume(new MemoryDevice(d));
    expect([found.partition?.index, found.partition?.startLba, found.table?.sectorSize]).toEqual([5, 257 * 8, 4096]);
    const head = new Uint8Array(4096);
    found.device.read(0, head);
    expectBytes(head, bs);
  });

  it('keeps the 512-byte reading when no unit finds a FAT partition', () => {
    const d = disk();
    d.set(mbr([{ type: 0x83, start: 256, count: 1024 }]), 0);
    const table = readPartitionTable(new MemoryDevice(d));
    expect([table?.sectorSize, table?.partitions[0].startLba]).toEqual([512, 256]);
  });

  it('uses the MBR entries of a hybrid MBR whose GPT is corrupt', () => {
    const d = disk();
    writeGpt(d, [{ type: BASIC_DATA, first: 2048, last: 4095 }], { backup: false });
    d.set(mbr([{ type: 0xee, start: 1, count: 2047 }, { type: 0x0c, start: 2048, count: 2048 }]), 0);
    corruptGptHeader(d);
    putFat(d, 2048 * 512, 2048);
    const found = locateFatVolume(new MemoryDevice(d));
    expect(found.table?.scheme).toBe('mbr');
    expect(found.partition?.index).toBe(2);
    expect(found.table?.warnings[0]).toMatch(/^hybrid MBR whose GPT is unusable \(GPT header crc32 mismatch\)/);
  });
});

describe('findFatVolume with an offset', () => {
  it('opens a slice from that byte to the end', () => {
    const d = disk();
    const bs = putFat(d, 2 ** 20, SECTORS - 2048);
    const dev = new MemoryDevice(d);
    const vol = findFatVolume(dev, { offset: 2 ** 20 });
    expect([(vol as SliceDevice).startLba, vol.sectorCount]).toEqual([2048, SECTORS - 2048]);
    expectBytes(firstSector(vol), bs);
  });

  it('refuses offsets off the sector grid, past the end, or with a partition', () => {
    const dev = new MemoryDevice(disk());
    fatError(() => findFatVolume(dev, { offset: 1000 }), 'EINVAL', 'offset 1000 is not a multiple of the 512-byte sector size');
    fatError(() => findFatVolume(new MemoryDevice(disk(8, 4096), { sectorSize: 4096 }), { offset: 512 }), 'EINVAL', /4096-byte sector size/);
    fatError(() => findFatVolume(dev, { offset: SECTORS * 512 }), 'EINVAL', /at or beyond the end of the image/);
    fatError(() => findFatVolume(dev, { offset: -512 }), 'EINVAL');
    fatError(() => findFatVolume(dev, { offset: 512, partition: 1 }), 'EINVAL', /either a partition or an offset/);
  });
});

describe('nothing recognisable', () => {
  it('says why sector 0 is not a FAT boot sector', () => {
    fatError(() => findFatVolume(new MemoryDevice(disk(64))), 'FAT_NOT_FAT', /^not a FAT image: no FAT boot sector \(.+\) and no partition table$/);
    const noise = disk(64).map((_, i) => (i * 2654435761) >>> 24);
    fatError(() => findFatVolume(new MemoryDevice(noise)), 'FAT_NOT_FAT', /^not a FAT image: /);
    fatError(() => findFatVolume(new MemoryDevice(0)), 'FAT_NOT_FAT', 'not a FAT image: the image is empty');
  });
});
