import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { encodeGpt, gptEntrySectors } from '../../../src/fat/disk/gpt-encode.js';
import { derivedGuid, formatGuid, parseGuid, randomGuid } from '../../../src/fat/disk/guid.js';
import { readPartitionTable } from '../../../src/fat/disk/partition.js';
import { mkfs } from '../../../src/fat/mkfs/mkfs.js';
import { FatError } from '../../../src/fat/errors.js';
import { thrown } from '../device/tmp.js';
import { BASIC_DATA, EFI_SYSTEM, guidBytes } from './tables.js';

const le32 = (b: Uint8Array, o: number): number => Buffer.from(b.buffer, b.byteOffset, b.byteLength).readUInt32LE(o);
const le64 = (b: Uint8Array, o: number): number => Number(Buffer.from(b.buffer, b.byteOffset, b.byteLength).readBigUInt64LE(o));

function encodedDisk(ss: number, sectors: number, start: number, count: number): Uint8Array {
  const d = new Uint8Array(ss * sectors);
  const writes = encodeGpt({
    sectorSize: ss, diskSectors: sectors, diskGuid: '11111111-2222-4333-8444-555555555555',
    partition: { start, count, type: EFI_SYSTEM, guid: '0F0E0D0C-0B0A-4908-8706-050403020100', name: 'EFI System' },
  });
  for (const w of writes) d.set(w.data, w.lba * ss);
  return d;
}

describe('GUIDs', () => {
  it('parse and format as GPT stores them (first three fields little-endian)', () => {
    const text = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
    expect(Buffer.from(parseGuid(text))).toEqual(Buffer.from(guidBytes(text)));
    expect(formatGuid(parseGuid(text.toLowerCase()), 0)).toBe(text);
    expect(thrown(() => parseGuid('C12A7328-F81F-11D2-BA4B'))).toBeInstanceOf(FatError);
  });

  it('random ones are version 4 and differ; derived ones are a function of the seed', () => {
    const v4 = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;
    expect(randomGuid()).toMatch(v4);
    expect(randomGuid()).not.toBe(randomGuid());
    expect(derivedGuid('disk/x')).toMatch(v4);
    expect(derivedGuid('disk/x')).toBe(derivedGuid('disk/x'));
    expect(derivedGuid('disk/x')).not.toBe(derivedGuid('disk/y'));
  });
});

describe('encodeGpt', () => {
  for (const ss of [512, 4096]) {
    it(`lays out a ${ss}-byte-sector GPT as UEFI says, with the CRCs right (checked with zlib)`, () => {
      const sectors = (8 << 20) / ss;
      const start = (1 << 20) / ss;
      const es = gptEntrySectors(ss);
      expect(es).toBe(ss === 512 ? 32 : 4);
      const count = sectors - 1 - (es + 1) - start + 1;
      const d = encodedDisk(ss, sectors, start, count);
      // Protective MBR: one 0xEE entry from LBA 1 over the rest of the disk.
      expect([d[446 + 4], le32(d, 446 + 8), le32(d, 446 + 12), d[510], d[511]]).toEqual([0xee, 1, sectors - 1, 0x55, 0xaa]);
      for (const [at, other, entries] of [[1, sectors - 1, 2], [sectors - 1, 1, sectors - 1 - es]]) {
        const h = d.subarray(at * ss, at * ss + ss);
        expect(Buffer.from(h.subarray(0, 8)).toString()).toBe('EFI PART');
        const copy = Buffer.from(h.subarray(0, 92));
        copy.fill(0, 16, 20);
        expect(le32(h, 16)).toBe(crc32(copy));
        expect([le64(h, 24), le64(h, 32), le64(h, 40), le64(h, 48), le64(h, 72), le32(h, 80), le32(h, 84)])
          .toEqual([at, other, 2 + es, sectors - 2 - es, entries, 128, 128]);
        expect(le32(h, 88)).toBe(crc32(d.subarray(entries * ss, entries * ss + 128 * 128)));
      }
      const table = readPartitionTable(new MemoryDevice(d, { sectorSize: ss }));
      expect(table).toMatchObject({
        scheme: 'gpt', sectorSize: ss, diskGuid: '11111111-2222-4333-8444-555555555555', warnings: [],
        partitions: [{ index: 1, type: EFI_SYSTEM, guid: '0F0E0D0C-0B0A-4908-8706-050403020100', startLba: start, sectorCount: count, name: 'EFI System' }],
      });
    });
  }

  it('refuses a partition outside the usable sectors', () => {
    for (const [start, count] of [[33, 10], [2048, 16384 - 2048 - 32]]) {
      const e = thrown(() => encodedDisk(512, 16384, start, count));
      expect(e).toBeInstanceOf(FatError);
      expect(e?.message).toMatch(/does not fit the GPT's usable sectors 34\.\.16350/);
    }
  });
});

describe('mkfs with a GPT', () => {
  it('puts the volume at 1 MiB in a partition ending on a MiB boundary; GUIDs follow the volume id and time', () => {
    const make = (options: Parameters<typeof mkfs>[1]): MemoryDevice => {
      const dev = new MemoryDevice(64 << 20);
      mkfs(dev, { partition: 'gpt', ...options });
      return dev;
    };
    const a = make({ volumeId: 0x12345678, time: 1700000000000 });
    const b = make({ volumeId: 0x12345678, time: 1700000000000 });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    const table = readPartitionTable(a)!;
    expect(table.partitions).toMatchObject([{ index: 1, type: BASIC_DATA, startLba: 2048, sectorCount: 62 * 2048, isFat: true, name: 'Microsoft basic data' }]);
    const other = readPartitionTable(make({ volumeId: 0x12345679, time: 1700000000000 }))!;
    expect(other.diskGuid).not.toBe(table.diskGuid);
    const random = [make({}), make({})].map((d) => readPartitionTable(d)!);
    expect(random[0].diskGuid).not.toBe(random[1].diskGuid);
    const given = readPartitionTable(make({ esp: true, diskGuid: '{aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee}', partitionGuid: '01234567-89AB-4DEF-8123-456789ABCDEF', partitionName: 'boot' }))!;
    expect(given).toMatchObject({ diskGuid: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE', partitions: [{ type: EFI_SYSTEM, guid: '01234567-89AB-4DEF-8123-456789ABCDEF', name: 'boot' }] });
  });

  it('an ESP is FAT32 unless asked otherwise, and refuses a size too small for that', () => {
    const dev = new MemoryDevice(40 << 20);
    expect(mkfs(dev, { partition: 'gpt', esp: true }).layout.fatType).toBe(32);
    const small = thrown(() => mkfs(new MemoryDevice(20 << 20), { partition: 'gpt', esp: true }));
    expect(small?.message).toMatch(/FAT32 needs at least 65525 clusters/);
    expect(mkfs(new MemoryDevice(20 << 20), { partition: 'mbr', esp: true, fatType: 16 }).partitionType).toBe(0xef);
  });
});
