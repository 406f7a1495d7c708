/**
 * check --repair through an open Volume: the volume is right afterwards, without reopening. It
 * lists, reads and writes (an open handle included) what the repair left, a second check on it is
 * clean, and after close the image is clean for check and for fsck.fat.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryDevice, Volume, check, mkfs, type FatType } from '../../../src/index.js';
// @ts-expect-error: a plain ES module without type declarations.
import * as hostile from '../../fixtures/hostile/make-hostile.mjs';
import { fsckProblems, haveOracles } from '../oracle-helpers.js';

const { bpb, fatGet, fatSet, findEntry } = hostile as {
  bpb: (b: Buffer) => { fat32: boolean; rootCluster: number };
  fatGet: (b: Buffer, n: number) => number;
  fatSet: (b: Buffer, n: number, v: number) => void;
  findEntry: (b: Buffer, dirCluster: number, name11: string) => number;
};

const NOW = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));
const SIZES: Record<FatType, number> = { 12: 1024 * 1024, 16: 5 * 1024 * 1024, 32: 34 * 1024 * 1024 };
const multi = Uint8Array.from({ length: 2560 }, (_, i) => i & 0xff);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-repair-open-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A labelled volume with files, then damaged in five ways check repairs. */
function damagedImage(fatType: FatType): Buffer {
  const dev = new MemoryDevice(SIZES[fatType]);
  mkfs(dev, { fatType, sectorsPerCluster: 1, volumeId: 0x1234abcd, label: 'ROOTLABEL' } as Parameters<typeof mkfs>[1]);
  const v = Volume.open(dev, { now: NOW });
  v.writeFile('/HELLO.TXT', 'hello world\n');
  v.writeFile('/MULTI.BIN', multi);
  v.writeFile('/DUP.TXT', 'second\n');
  v.mkdir('/SUB');
  v.writeFile('/SUB/INNER.TXT', 'inner\n');
  v.close();
  const b = Buffer.from(dev.bytes);
  const root = bpb(b).fat32 ? bpb(b).rootCluster : 0;
  b.writeUInt32LE(1000, findEntry(b, root, 'MULTI   BIN') + 28); // chain longer than the size
  b.write('HELLO   TXT', findEntry(b, root, 'DUP     TXT'), 'latin1'); // a duplicate name
  fatSet(b, 600, 601); // lost clusters
  fatSet(b, 601, 0x0fffffff);
  if (fatType === 32) fatSet(b, 1, fatGet(b, 1) & ~0x08000000); // not cleanly unmounted
  else b[37] |= 1;
  if (fatType !== 32) b.write('OTHER      ', 43, 'latin1'); // the boot sector label differs
  return b;
}

describe.each([12, 16, 32] as FatType[])('check --repair through an open volume on FAT%i', (fatType) => {
  it('leaves the volume right: list, read, write, a handle, check again, close, fsck.fat', () => {
    const dev = new MemoryDevice(new Uint8Array(damagedImage(fatType)));
    const vol = Volume.open(dev, { now: NOW });
    // Fill the caches before the repair: the root listing, the label, a handle's chain.
    expect(vol.readdir('/')).toEqual(['HELLO.TXT', 'MULTI.BIN', 'HELLO.TXT', 'SUB']);
    expect(vol.info().dirty).toBe(true);
    const h = vol.openFile('/MULTI.BIN', 'r+');
    const freeBefore = vol.info().freeClusters;

    const r = check(vol, { repair: true });
    expect(r.repaired).toBe(true);
    expect(r.problems.filter((p) => !p.repaired)).toEqual([]);
    const renamed = /renamed to (\S+)/.exec(r.problems.find((p) => p.code === 'DUPLICATE_NAME')!.message)![1];

    // The same volume sees the repair.
    expect(vol.readdir('/').sort()).toEqual(['FSCK0000.REC', 'HELLO.TXT', 'MULTI.BIN', 'SUB', renamed].sort());
    expect(vol.readFile(`/${renamed}`, 'utf8')).toBe('second\n');
    expect(vol.readFile('/FSCK0000.REC')).toHaveLength(2 * 512);
    const info = vol.info();
    expect(info.dirty).toBe(true); // repaired, then marked again: the 'r+' handle's writes are under way
    expect(info.bootSectorLabel).toBe('ROOTLABEL');
    // Lost clusters went to FSCK0000.REC (2); MULTI.BIN's tail (3) was freed.
    expect(info.freeClusters).toBe(freeBefore + 3);
    if (fatType === 32) expect(info.fsInfo?.freeCount).toBe(info.freeClusters);

    // The handle opened before the repair follows the cut chain.
    expect(h.stat().size).toBe(1000);
    const back = new Uint8Array(1000);
    expect(h.read(back, 0, 1000, 0)).toBe(1000);
    expect(back).toEqual(multi.subarray(0, 1000));
    h.write(multi.subarray(1000), 1000);
    h.close();

    // Writes through the same volume land beside what the repair left.
    vol.writeFile('/NEW.TXT', new Uint8Array(3000).fill(0x4e));
    vol.mkdir('/SUB/D');
    vol.writeFile('/SUB/D/deep.txt', 'deep\n');
    vol.rm(`/${renamed}`);
    expect(check(vol).problems).toEqual([]);
    vol.close();

    const after = check(new MemoryDevice(dev.bytes.slice(), { readOnly: true }));
    expect(after.problems).toEqual([]);
    const again = Volume.open(new MemoryDevice(dev.bytes.slice()), { readOnly: true });
    expect(again.readFile('/MULTI.BIN')).toEqual(multi);
    expect(again.readFile('/SUB/D/deep.txt', 'utf8')).toBe('deep\n');
    expect(again.readFile('/SUB/INNER.TXT', 'utf8')).toBe('inner\n');
    expect(again.readFile('/HELLO.TXT', 'utf8')).toBe('hello world\n');
    expect(again.info().label).toBe('ROOTLABEL');
    again.close();
    if (haveOracles) {
      const p = path.join(work, `fat${fatType}.img`);
      fs.writeFileSync(p, dev.bytes);
      expect(fsckProblems(p)).toEqual({ status: 0, problems: [] });
    }
  });

  it('an open volume that wrote keeps its own dirty mark until close, and check does not call it damage', () => {
    const dev = new MemoryDevice(new Uint8Array(damagedImage(fatType)));
    const vol = Volume.open(dev, { now: NOW });
    check(vol, { repair: true });
    expect(vol.info().dirty).toBe(false); // nothing written through it yet: the repair cleaned it
    vol.writeFile('/A.TXT', 'a');
    expect(vol.info().dirty).toBe(true); // mid-write, as a mounted volume is
    expect(check(vol).problems).toEqual([]);
    expect(check(vol, { repair: true }).repaired).toBe(false);
    vol.close();
    expect(Volume.open(new MemoryDevice(dev.bytes.slice()), { readOnly: true }).info().dirty).toBe(false);
  });
});
