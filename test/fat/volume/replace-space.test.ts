import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { mkfs } from '../../../src/fat/mkfs/mkfs.js';
import { Volume } from '../../../src/fat/volume/volume.js';
import { check } from '../../../src/fat/check/check.js';
import { CrashDevice } from '../../crash/crash-device.js';

/* Replacing a file counts the clusters the old one frees (issue 12, item 4). */

const NOW = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));
const bytes = (n: number, k: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + k * 13) & 0xff);
const ALLOWED = new Set(['LOST_CLUSTERS', 'DIRTY', 'FSINFO_FREE', 'FSINFO_NEXT', 'FATS_DIFFER']);

function image(fill: Record<string, Uint8Array>): Uint8Array {
  const dev = new MemoryDevice(1 << 20);
  mkfs(dev, { volumeId: 0x1234abcd, now: NOW() } as Parameters<typeof mkfs>[1]);
  const vol = Volume.open(dev, { now: NOW });
  for (const [p, d] of Object.entries(fill)) vol.writeFile(p, d);
  vol.close();
  return dev.bytes.slice();
}

const OLD = bytes(900 << 10, 1);
const NEW = bytes(950 << 10, 2);

describe('replacing a file on a nearly full volume', () => {
  it('a 950K file replaces a 900K one on a 1M image (the old clusters are counted as free)', () => {
    const dev = new MemoryDevice(image({ '/big.bin': OLD, '/keep.txt': bytes(100, 3) }));
    const vol = Volume.open(dev, { now: NOW });
    const free = vol.info().freeBytes;
    expect(free).toBeLessThan(NEW.length);
    vol.writeFile('/big.bin', NEW);
    expect(vol.readFile('/big.bin')).toEqual(NEW);
    expect(vol.readFile('/keep.txt')).toEqual(bytes(100, 3));
    vol.close();
    expect(check(new MemoryDevice(dev.bytes.slice())).problems).toEqual([]);
  });

  it('what does not fit even then is refused before anything is written', () => {
    const base = image({ '/big.bin': OLD });
    const dev = new MemoryDevice(base.slice());
    const vol = Volume.open(dev, { now: NOW });
    expect(() => vol.writeFile('/big.bin', bytes(1100 << 10, 4))).toThrow(/no space left on the volume: \/big.bin needs \d+ clusters, \d+ are free and the old file frees \d+/);
    expect(vol.readFile('/big.bin')).toEqual(OLD);
    vol.close();
    expect(check(new MemoryDevice(dev.bytes.slice())).problems).toEqual([]);
  });

  /** Crash the replacement after every write: what is on disk, and what check says. */
  function crashes(base: Uint8Array, path: string, data: Uint8Array, old: Uint8Array): { writes: number; states: Set<string>; failures: string[] } {
    const states = new Set<string>();
    const failures: string[] = [];
    let writes = Infinity;
    for (let k = 0; k <= writes; k++) {
      const dev = new CrashDevice(base, { persist: k });
      const vol = Volume.open(dev, { now: NOW });
      vol.writeFile(path, data);
      vol.close();
      if (writes === Infinity) {
        writes = dev.writes;
        k = -1;
        continue;
      }
      const disk = new MemoryDevice(dev.disk.slice());
      const problems = check(disk).problems.filter((p) => !ALLOWED.has(p.code));
      for (const p of problems) failures.push(`k=${k}/${writes}: ${p.code} ${p.message}`);
      const after = Volume.open(disk, { readOnly: true });
      const got = after.readFile(path);
      states.add(equalBytes(got, old) ? 'old' : equalBytes(got, data) ? 'new' : got.length === 0 ? 'empty' : `other (${got.length} bytes)`);
      after.close();
    }
    return { writes, states, failures };
  }

  const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

  it('with room for both, the order stays data, FAT, entry, then the old clusters: a crash leaves the old or the new file', () => {
    const small = bytes(300 << 10, 5);
    const r = crashes(image({ '/f.bin': small }), '/f.bin', bytes(310 << 10, 6), small);
    expect(r.failures).toEqual([]);
    expect([...r.states].sort()).toEqual(['new', 'old']);
  });

  it('without room for both, the old file is emptied and freed first: a crash leaves it old, empty or new, never cross-linked', () => {
    const r = crashes(image({ '/big.bin': OLD }), '/big.bin', NEW, OLD);
    expect(r.failures).toEqual([]);
    expect([...r.states].sort()).toEqual(['empty', 'new', 'old']);
  });
});
