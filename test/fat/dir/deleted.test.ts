/** The raw scanner of deleted entries: long names from surviving slots, the lost first byte from their checksum. */
import { describe, expect, it } from 'vitest';
import { firstByteForChecksum, legalFirstByte, scanDeleted } from '../../../src/fat/dir/deleted.js';
import { encodeLongName } from '../../../src/fat/format/long-name.js';
import { shortNameChecksum } from '../../../src/fat/format/short-name.js';
import { codePage } from '../../../src/fat/format/code-page.js';

const page = codePage('cp437');
const name11 = (s: string): Uint8Array => Uint8Array.from(s.padEnd(11), (c) => c.charCodeAt(0));

/** A directory: `long` slots (when given) then the short entry, all deleted as Linux, Windows and mtools delete them. */
function deletedDir(short: string, long?: string, opts: { cluster?: number; size?: number; attr?: number } = {}): Uint8Array {
  const raw = name11(short);
  const slots = long ? encodeLongName(long, shortNameChecksum(raw)) : new Uint8Array(0);
  const buf = new Uint8Array(512);
  buf.set(slots, 0);
  const at = slots.length;
  buf.set(raw, at);
  buf[at + 11] = opts.attr ?? 0x20;
  buf[at + 26] = (opts.cluster ?? 5) & 0xff;
  buf[at + 27] = (opts.cluster ?? 5) >> 8;
  new DataView(buf.buffer).setUint32(at + 28, opts.size ?? 1000, true);
  for (let i = 0; i <= at / 32; i++) buf[i * 32] = 0xe5;
  return buf;
}

describe('scanDeleted', () => {
  it('rebuilds a long name from its deleted slots and recovers the lost first byte from their checksum', () => {
    const [e] = scanDeleted(deletedDir('HELLOW~1TXT', 'Hello world, a long name.txt'), false, page);
    expect(e).toMatchObject({ index: 3, slots: [2, 1, 0], longName: 'Hello world, a long name.txt', shortPattern: '?ELLOW~1.TXT', firstByte: 0x48 });
    expect(e.raw).toMatchObject({ cluster: 5, size: 1000 });
  });

  it('a short name alone keeps its first character lost', () => {
    const [e] = scanDeleted(deletedDir('README  TXT'), false, page);
    expect(e).toMatchObject({ index: 0, slots: [], shortPattern: '?EADME.TXT' });
    expect(e.longName).toBeUndefined();
    expect(e.firstByte).toBeUndefined();
  });

  it('exactly one first byte matches a checksum, and slots whose byte is not a legal first character are not its long name', () => {
    const raw = name11('ABCDEFGHTXT');
    for (let b = 0; b < 256; b++) {
      raw[0] = b;
      expect(firstByteForChecksum(raw, shortNameChecksum(raw))).toBe(b);
    }
    expect(legalFirstByte(0x61)).toBe(false);
    expect(legalFirstByte(0x20)).toBe(false);
    expect(legalFirstByte(0x05)).toBe(true);
    // Slots of another name (their checksum gives a lower-case first byte): the short name stands alone.
    const buf = deletedDir('README  TXT', 'readme.txt');
    let bad = 0;
    for (let c = 0; c < 256; c++) {
      const r = name11('README  TXT');
      r[0] = 0x61;
      if (shortNameChecksum(r) === c) bad = c;
    }
    buf[13] = bad;
    const [e] = scanDeleted(buf, false, page);
    expect(e.longName).toBeUndefined();
    expect(e.slots).toEqual([]);
  });

  it('stops at the end marker, and leaves out slots, labels and stray bytes', () => {
    const buf = deletedDir('A       TXT');
    buf.set(deletedDir('B       TXT').subarray(0, 32), 64); // after the end marker at entry 1
    expect(scanDeleted(buf, false, page).map((e) => e.index)).toEqual([0]);
    const label = deletedDir('MYLABEL    ', undefined, { attr: 0x08 });
    expect(scanDeleted(label, false, page)).toEqual([]);
    const stray = deletedDir('A       TXT');
    stray[3] = 0x01;
    expect(scanDeleted(stray, false, page)).toEqual([]);
  });

  it('reads the FAT32 high word of the first cluster', () => {
    const buf = deletedDir('BIG     BIN', undefined, { cluster: 7 });
    buf[20] = 0x02;
    expect(scanDeleted(buf, true, page)[0].raw.cluster).toBe(0x20007);
    expect(scanDeleted(buf, false, page)[0].raw.cluster).toBe(7);
  });
});
