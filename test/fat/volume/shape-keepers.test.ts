/**
 * Issue #16: V8 forgets a class's object layout (hidden class) once a full garbage collection
 * finds none of its objects alive, and throws away the optimized code built on it. A program that
 * opened a volume, wrote and closed it, again and again with full collections in between (the
 * benchmarks do exactly that), ran the volume and directory code unoptimized every time: writing
 * 2,000 files took 4x as long (measured with `node --trace-deopt`: "reason: weak objects"). One
 * small instance of each such class is kept alive (the "shape keepers"); a keeper only helps if it
 * has the same hidden class as the real objects, which this test checks in a child Node with V8's
 * natives (after volumes made, written, walked, read and closed, full collections between them).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist');
const url = (p: string): string => pathToFileURL(path.join(dist, p)).href;

/** Volumes made, written, listed, read and closed in rounds, three full collections between rounds. */
const SCRIPT = `
import { MemoryDevice, Volume, mkfs } from '${url('core.js')}';
import { SHAPE_KEEPER } from '${url('fat/dir/dir-handle.js')}';
import { STATS_SHAPE_KEEPER } from '${url('fat/dir/stats.js')}';
import { FAT_TABLE_SHAPE_KEEPER } from '${url('fat/table/fat-table.js')}';
import { SECTOR_IO_SHAPE_KEEPER } from '${url('fat/table/sector-io.js')}';
import { MEMORY_DEVICE_SHAPE_KEEPER } from '${url('fat/device/memory.js')}';
import { keptVolume } from '${url('fat/volume/volume.js')}';
const template = new MemoryDevice(16 << 20);
mkfs(template, { fatType: 16, volumeId: 1, time: 0 });
const now = new Date(Date.UTC(2024, 0, 1));
let same;
for (let round = 0; round < 6; round++) {
  const dev = new MemoryDevice(template.bytes.slice());
  const vol = Volume.open(dev, { now: () => now });
  for (let d = 0; d < 20; d++) {
    vol.mkdir('/dir ' + d);
    for (let f = 0; f < 60; f++) vol.writeFile('/dir ' + d + '/file number ' + f + '.txt', 'data ' + f, { mtime: now });
  }
  let n = 0;
  for (const e of vol.walk('/')) if (!e.stats.isDirectory()) n += vol.readFile(e.path).length;
  const dir = vol.dirAt('/dir 3').dir;
  same = [%HaveSameMap(SHAPE_KEEPER, dir), %HaveSameMap(STATS_SHAPE_KEEPER, vol.stat('/dir 3')), %HaveSameMap(FAT_TABLE_SHAPE_KEEPER, vol.fat),
    %HaveSameMap(SECTOR_IO_SHAPE_KEEPER, vol.io), %HaveSameMap(MEMORY_DEVICE_SHAPE_KEEPER, dev), %HaveSameMap(keptVolume(), vol)];
  vol.close();
  globalThis.gc(); globalThis.gc(); globalThis.gc();
}
console.log('same ' + JSON.stringify(same));
`;

describe('shape keepers', () => {
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8', maxBuffer: 1 << 26 });

  it('each keeper has the layout of the real objects (Directory, FatStats, FatTable, SectorIO, MemoryDevice, Volume)', () => {
    expect(out.split('\n').find((l) => l.startsWith('same '))).toBe('same [true,true,true,true,true,true]');
  });
});
