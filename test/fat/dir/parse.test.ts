import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDirectory, unsafeNameReason, type DirLocation, type ParsedDirectory, type VolumeCore } from '../../../src/fat/dir/directory.js';
import { ATTR, ENTRY_DELETED, ENTRY_FREE, ENTRY_SIZE, decodeDirEntry, isLongNameSlot } from '../../../src/fat/format/dir-entry.js';
import { decodeLongNameSlot, encodeLongName, joinLongName, type LongNameSlot } from '../../../src/fat/format/long-name.js';
import { decodeShortName, isDotName, rawShortName, shortNameChecksum } from '../../../src/fat/format/short-name.js';
import { codePage } from '../../../src/fat/format/code-page.js';

/**
 * parseDirectory decodes straight from the sector bytes (issue #16). This is the decoding it
 * replaced, built from the format codecs one slot and one name at a time: on any directory bytes,
 * hostile ones included, both must give the same records, label, `..`, end and problems.
 */
function reference(core: VolumeCore, buf: Uint8Array, loc: DirLocation, path: string): ParsedDirectory {
  const fat32 = core.geo.fatType === 32;
  const isRoot = loc.kind === 'fixed' || (fat32 && loc.cluster === core.geo.rootCluster && path === '/');
  const entryCount = Math.min(buf.length / ENTRY_SIZE, 65536);
  const listing: ParsedDirectory = { records: [], end: entryCount, entryCount, problems: [] };
  let run: { slots: LongNameSlot[]; next: number; checksum: number; start: number } | undefined;
  const orphan = (i: number, why: string): void => {
    listing.problems.push({ path, message: `long-name slots before entry ${i} ${why}; using the short name`, skipped: false });
  };
  for (let i = 0; i < entryCount; i++) {
    const off = i * ENTRY_SIZE;
    const first = buf[off];
    if (first === ENTRY_FREE) {
      listing.end = i;
      break;
    }
    if (first === ENTRY_DELETED) {
      run = undefined;
      continue;
    }
    const attr = buf[off + 11];
    if (isLongNameSlot(attr)) {
      const slot = decodeLongNameSlot(buf, off);
      if (slot.last) {
        if (run) orphan(i, 'were not followed by their entry');
        run = slot.order >= 1 && slot.order <= 20 ? { slots: [slot], next: slot.order, checksum: slot.checksum, start: i } : undefined;
        if (!run) listing.problems.push({ path, message: `long-name slot ${i} has invalid order ${slot.order}`, skipped: false });
      } else if (run && slot.order === run.next - 1 && slot.checksum === run.checksum) {
        run.slots.push(slot);
        run.next = slot.order;
      } else {
        listing.problems.push({ path, message: `long-name slot ${i} is out of order or from another name; ignored`, skipped: false });
        run = undefined;
      }
      continue;
    }
    const raw = decodeDirEntry(buf, off, fat32);
    if (attr & ATTR.VOLUME_ID && !(attr & ATTR.DIRECTORY)) {
      if (run) orphan(i, 'precede the volume label');
      run = undefined;
      if (isRoot && listing.label === undefined) {
        listing.label = core.page.decode(raw.name).replace(/ +$/, '');
        listing.labelIndex = i;
      }
      continue;
    }
    if (isDotName(raw.name)) {
      run = undefined;
      if (raw.name[1] === 0x2e && listing.dotDotCluster === undefined) {
        listing.dotDotCluster = raw.cluster;
        listing.dotDotIndex = i;
      }
      continue;
    }
    let name = decodeShortName(raw.name, raw.caseFlags, core.page);
    let firstSlot = i;
    let hasLongName = false;
    if (run) {
      if (run.next !== 1) orphan(i, 'are incomplete');
      else if (run.checksum !== shortNameChecksum(raw.name)) orphan(i, 'have a checksum that does not match');
      else {
        const long = joinLongName([...run.slots].reverse());
        if (long === undefined) orphan(i, 'hold an empty or over-long name');
        else {
          name = long;
          firstSlot = run.start;
          hasLongName = true;
        }
      }
      run = undefined;
    }
    const unsafe = unsafeNameReason(name);
    if (unsafe) {
      listing.problems.push({ path: path === '/' ? `/${name}` : `${path}/${name}`, message: `skipped entry: ${unsafe}`, skipped: true });
      continue;
    }
    listing.records.push({ name, shortName: rawShortName(raw.name, core.page), raw, index: i, firstSlot, hasLongName });
  }
  return listing;
}

const core = (fatType: 12 | 16 | 32): VolumeCore => ({ geo: { fatType, rootCluster: 2 }, page: codePage('cp850') }) as unknown as VolumeCore;

/** A short entry's 11 name bytes: upper-case 8.3 names, odd bytes (0x05, high, `/`, NUL) too. */
const shortName = fc.oneof(
  fc.tuple(fc.stringMatching(/^[A-Z0-9_~]{1,8}$/), fc.stringMatching(/^[A-Z0-9]{0,3}$/)).map(([b, e]) => Uint8Array.from(b.padEnd(8, ' ') + e.padEnd(3, ' '), (c) => c.charCodeAt(0))),
  fc.uint8Array({ minLength: 11, maxLength: 11 }).map((b) => (b[0] === 0 || b[0] === 0xe5 ? Uint8Array.of(0x05, ...b.subarray(1)) : b)),
  fc.constantFrom(Uint8Array.from('.          ', (c) => c.charCodeAt(0)), Uint8Array.from('..         ', (c) => c.charCodeAt(0)), Uint8Array.from('.. X       ', (c) => c.charCodeAt(0))),
);

/** One directory item: a short entry (maybe with long-name slots, maybe broken), a label, a deleted slot or a stray slot. */
const item = fc.oneof(
  { weight: 5, arbitrary: fc.record({
    name: shortName,
    attr: fc.constantFrom(0x20, 0x10, 0x01, 0x08, 0x18, 0x00, 0x27),
    caseFlags: fc.constantFrom(0, 0x08, 0x10, 0x18, 0xff),
    rest: fc.uint8Array({ minLength: 19, maxLength: 19 }),
    long: fc.option(fc.string({ unit: fc.oneof(fc.constantFrom('a', 'B', ' ', '.', '/', '\\', '\u0000', 'é', '\ud83d', '\ude00', '日'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 0, maxLength: 280 }), { nil: undefined }),
    breakIt: fc.constantFrom('none', 'none', 'none', 'checksum', 'drop-first', 'drop-last', 'order', 'deleted-between'),
  }).map((e) => {
    const entry = new Uint8Array(32);
    entry.set(e.name, 0);
    entry[11] = e.attr;
    entry[12] = e.caseFlags;
    entry.set(e.rest, 13);
    if (e.long === undefined) return [entry];
    const units = e.long.slice(0, 20 * 13);
    let slots = encodeLongName(units, shortNameChecksum(e.name));
    const n = slots.length / 32;
    if (n === 0) return [entry];
    if (e.breakIt === 'checksum') slots[13] ^= 1;
    if (e.breakIt === 'drop-first' && n > 1) slots = slots.slice(32);
    if (e.breakIt === 'drop-last' && n > 1) slots = slots.slice(0, -32);
    if (e.breakIt === 'order') slots[0] = (slots[0] & 0x40) | 25;
    const out = [];
    for (let k = 0; k < slots.length / 32; k++) out.push(slots.slice(k * 32, k * 32 + 32));
    if (e.breakIt === 'deleted-between') out.push(Uint8Array.of(0xe5, ...new Uint8Array(31)));
    out.push(entry);
    return out;
  }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => [b]) },
  { weight: 1, arbitrary: fc.constant([Uint8Array.of(0xe5, ...new Uint8Array(31))]) },
);

const directory = fc.tuple(fc.array(item, { maxLength: 40 }), fc.boolean()).map(([items, ended]) => {
  const entries = items.flat();
  if (ended) entries.push(new Uint8Array(32));
  const buf = new Uint8Array(Math.ceil(Math.max(entries.length, 1) / 16) * 512);
  entries.forEach((e, i) => {
    if (i < buf.length / 32) buf.set(e, i * 32);
  });
  return buf;
});

describe('parseDirectory decodes straight from the bytes, as the slot-by-slot decoding did', () => {
  it('on valid and broken long names, labels, dot entries, odd short names and random bytes', () => {
    fc.assert(
      fc.property(directory, fc.constantFrom<12 | 16 | 32>(12, 16, 32), fc.constantFrom<DirLocation>({ kind: 'fixed' }, { kind: 'chain', cluster: 2 }, { kind: 'chain', cluster: 9 }), fc.constantFrom('/', '/sub'), (buf, fat, loc, path) => {
        expect(parseDirectory(core(fat), buf, loc, path)).toEqual(reference(core(fat), buf, loc, path));
      }),
      { numRuns: 400, seed: 16 },
    );
  });

  it('joins a 255-unit name, keeps surrogate pairs and stops at the first NUL unit', () => {
    const name = `${'x'.repeat(250)}😀ab`;
    const short = Uint8Array.from('XXXXXX~1   ', (c) => c.charCodeAt(0));
    const buf = new Uint8Array(1024);
    const slots = encodeLongName(name, shortNameChecksum(short));
    buf.set(slots, 0);
    buf.set(short, slots.length);
    buf[slots.length + 11] = 0x20;
    const parsed = parseDirectory(core(16), buf, { kind: 'chain', cluster: 9 }, '/d');
    expect(parsed.records.map((r) => [r.name, r.shortName, r.hasLongName, r.firstSlot, r.index])).toEqual([[name, 'XXXXXX~1', true, 0, slots.length / 32]]);
    expect(parsed).toEqual(reference(core(16), buf, { kind: 'chain', cluster: 9 }, '/d'));
  });
});
