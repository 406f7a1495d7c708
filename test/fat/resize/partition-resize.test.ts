/**
 * resizePartition on tables built by hand (test/fat/disk/tables.ts, independent of fatkit's
 * encoders): MBR logical partitions of a 4Kn disk (the table counts 4096-byte sectors), an EBR
 * whose logical entry is empty in the way, a GPT partition with free space before the next one,
 * and EBR chains that do not say where the partition is (refused, one line, nothing written).
 */
import { describe, expect, it } from 'vitest';
import { FatError, MemoryDevice, SliceDevice, Volume, mkfs, partitionRoom, readPartitionTable, resizePartition } from '../../../src/index.js';
import { BASIC_DATA, ebr, mbr, writeGpt } from '../disk/tables.js';

const MIB = 1024 * 1024;
const NOW = (): Date => new Date(Date.UTC(2024, 1, 2, 3, 4, 6));
const data = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + (i >> 9)) & 0xff);

/** A FAT volume of `sectors` sectors at `start` of `disk`, holding /d/f.bin. */
function volumeAt(disk: MemoryDevice, start: number, sectors: number): void {
  const slice = new SliceDevice(disk, start, sectors);
  mkfs(slice, { volumeId: 0x1234, time: NOW() });
  const vol = Volume.open(slice, { now: NOW });
  vol.mkdir('/d');
  vol.writeFile('/d/f.bin', data(100_000));
  vol.close();
}

function readBack(disk: MemoryDevice, n: number): Uint8Array {
  const p = readPartitionTable(disk)!.partitions.find((q) => q.index === n)!;
  const vol = Volume.open(new SliceDevice(disk, p.startLba, p.sectorCount), { readOnly: true });
  try {
    return vol.readFile('/d/f.bin') as Uint8Array;
  } finally {
    vol.close();
  }
}

const ss = 4096;
/** 4Kn, 64 MiB (16384 sectors): extended 2 at 256 (4096 sectors), logical 5 at 512 (1024), an EBR with no logical partition at 2048, logical 6 at 3072 (1024). */
function fourKn(): MemoryDevice {
  const disk = new MemoryDevice(64 * MIB, { sectorSize: ss });
  const b = disk.bytes;
  b.set(mbr([{ type: 0x83, start: 8, count: 200 }, { type: 0x05, start: 256, count: 4096 }]), 0);
  b.set(ebr({ type: 0x0e, start: 256, count: 1024 }, { start: 1792, count: 1024 }), 256 * ss);
  b.set(ebr(undefined, { start: 2560, count: 1280 }), 2048 * ss);
  b.set(ebr({ type: 0x0e, start: 256, count: 1024 }), 2816 * ss);
  volumeAt(disk, 512, 1024);
  volumeAt(disk, 3072, 1024);
  return disk;
}

describe('resizePartition: MBR logical partitions on a 4Kn disk', () => {
  it('logical 5 grows up to the EBR in its way (one with no partition), named in the refusal', () => {
    const disk = fourKn();
    const before = disk.bytes.slice();
    expect(() => resizePartition(disk, 5, 12 * MIB)).toThrow(
      'partition 5 cannot grow to 12 MiB: the extended boot record (sector 2048) comes right after it; it can grow to at most 6 MiB (6291456 bytes)');
    expect(Buffer.compare(disk.bytes, before)).toBe(0);
    const { partition } = resizePartition(disk, 5, 'max');
    expect(partition).toEqual({ index: 5, start: 512 * ss, size: 1536 * ss, diskSize: 64 * MIB });
    const table = readPartitionTable(disk)!;
    expect(table.sectorSize).toBe(ss);
    expect(table.partitions.map((p) => [p.index, p.startLba, p.sectorCount])).toEqual([[1, 8, 200], [2, 256, 4096], [5, 512, 1536], [6, 3072, 1024]]);
    expect(Buffer.compare(readBack(disk, 5), data(100_000))).toBe(0);
    expect(Buffer.compare(readBack(disk, 6), data(100_000))).toBe(0);
  });

  it('the last logical partition grows the extended partition to the disk\'s end; the link before it follows', () => {
    const disk = fourKn();
    // The partition may come from another reading of the table than the one passed (it was compared by identity).
    const room = partitionRoom(disk, readPartitionTable(disk)!, readPartitionTable(disk)!.partitions.find((p) => p.index === 6)!);
    expect([room.maxSectors, room.freeSectors]).toEqual([0xffffffff - 3072, 16384 - 3072]);
    resizePartition(disk, 6, 'max');
    const table = readPartitionTable(disk)!;
    expect(table.partitions.map((p) => [p.index, p.startLba, p.sectorCount])).toEqual([[1, 8, 200], [2, 256, 16384 - 256], [5, 512, 1024], [6, 3072, 16384 - 3072]]);
    // The empty EBR's link to 6's EBR (2816) counts to 6's new end.
    expect(Buffer.from(disk.bytes.subarray(2048 * ss + 446 + 16 + 12, 2048 * ss + 446 + 32)).readUInt32LE(0)).toBe(16384 - 2816);
    expect(Buffer.compare(readBack(disk, 6), data(100_000))).toBe(0);
    // And back down: the extended partition keeps its size.
    resizePartition(disk, 6, 3 * MIB);
    expect(readPartitionTable(disk)!.partitions.map((p) => p.sectorCount)).toEqual([200, 16384 - 256, 1024, 768]);
    expect(Buffer.compare(readBack(disk, 6), data(100_000))).toBe(0);
  });

  it('a disk that cannot grow refuses before writing; a bare volume has no partition to take max from', () => {
    const disk = fourKn();
    const before = disk.bytes.slice();
    expect(() => resizePartition(disk, 6, 100 * MIB)).toThrow(/^partition 6 would end past the disk's end: the disk cannot grow$/);
    expect(Buffer.compare(disk.bytes, before)).toBe(0);
    const bare = new MemoryDevice(8 * MIB);
    mkfs(bare, { time: NOW() });
    expect(() => resizePartition(bare, 1, 'max')).toThrow(/no partition 1: the image has no partition table/);
  });
});

describe('resizePartition: GPT and hostile tables', () => {
  it('a GPT partition takes the free space up to the next partition with max', () => {
    const disk = new MemoryDevice(32 * MIB);
    writeGpt(disk.bytes, [{ type: BASIC_DATA, first: 2048, last: 2048 + 8191 }, { type: BASIC_DATA, first: 30720, last: 40959 }]);
    volumeAt(disk, 2048, 8192);
    const before = disk.bytes.slice();
    expect(() => resizePartition(disk, 1, 20 * MIB)).toThrow(/^partition 1 cannot grow to 20 MiB: partition 2 starts right after it; it can grow to at most 14 MiB \(14680064 bytes\)$/);
    expect(Buffer.compare(disk.bytes, before)).toBe(0);
    resizePartition(disk, 1, 'max');
    const t = readPartitionTable(disk)!;
    expect(t.warnings).toEqual([]);
    expect(t.partitions.map((p) => [p.startLba, p.sectorCount])).toEqual([[2048, 30720 - 2048], [30720, 10240]]);
    expect(Buffer.compare(readBack(disk, 1), data(100_000))).toBe(0);
  });

  it('an EBR chain that loops is followed once: the logical partition still grows, and the loop is not followed again', () => {
    const disk = new MemoryDevice(32 * MIB);
    const b = disk.bytes;
    b.set(mbr([{ type: 0x05, start: 2048, count: 30000 }]), 0);
    // 5's EBR links to itself.
    b.set(ebr({ type: 0x0e, start: 2048, count: 8192 }, { start: 0, count: 10240 }), 2048 * 512);
    volumeAt(disk, 4096, 8192);
    resizePartition(disk, 5, 'max');
    const t = readPartitionTable(disk)!;
    expect(t.partitions.map((p) => [p.index, p.startLba, p.sectorCount])).toEqual([[1, 2048, 65536 - 2048], [5, 4096, 65536 - 4096]]);
    expect(Buffer.compare(readBack(disk, 5), data(100_000))).toBe(0);
  });

  it('refuses, one line and no byte written, when the extended partition is gone between reading the table and resizing', () => {
    const disk = new MemoryDevice(32 * MIB);
    const b = disk.bytes;
    b.set(mbr([{ type: 0x05, start: 2048, count: 30000 }]), 0);
    b.set(ebr({ type: 0x0e, start: 2048, count: 8192 }), 2048 * 512);
    volumeAt(disk, 4096, 8192);
    // The extended partition's entry turns into something else between reading and writing.
    const table = readPartitionTable(disk)!;
    const p = table.partitions.find((q) => q.index === 5)!;
    b[446 + 4] = 0x83;
    const before = disk.bytes.slice();
    let err: unknown;
    try {
      partitionRoom(disk, table, p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FatError);
    expect((err as FatError).code).toBe('FAT_CORRUPT');
    expect((err as FatError).message).toBe('partition 5 is a logical partition but the MBR has no extended partition');
    expect(Buffer.compare(disk.bytes, before)).toBe(0);
  });

  it('max refuses to shrink a partition that overlaps the next one or the GPT backup', () => {
    const disk = new MemoryDevice(32 * MIB);
    disk.bytes.set(mbr([{ type: 0x0e, start: 2048, count: 8192 }, { type: 0x0c, start: 6144, count: 4096 }]), 0);
    volumeAt(disk, 2048, 8192);
    const before = disk.bytes.slice();
    expect(() => resizePartition(disk, 1, 'max')).toThrow(/^partition 1 overlaps partition 2: max would shrink it; give a size$/);
    expect(Buffer.compare(disk.bytes, before)).toBe(0);
    // A GPT partition reaching into the backup (a table written for a larger disk, the disk cut short).
    const gpt = new MemoryDevice(16 * MIB);
    writeGpt(gpt.bytes, [{ type: BASIC_DATA, first: 2048, last: 32767 - 10 }]);
    volumeAt(gpt, 2048, 30000);
    expect(() => resizePartition(gpt, 1, 'max')).toThrow(/^partition 1 overlaps the GPT's backup at the disk's end: max would shrink it; give a size$/);
  });
});
