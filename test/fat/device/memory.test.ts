/**
 * MemoryDevice as a user writes it: made, formatted, mounted, closed and mounted again; sizes that
 * no device can have are FatError EINVAL. And the rule behind it: a Volume closes only a device it
 * was handed with `closeDevice: true` (openImage's file and mmap devices), never one it did not open.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FatError, FileDevice, MemoryDevice, Volume, mkfs, openImage } from '../../../src/index.js';
import { openFds, scratchDir, thrown } from './tmp.js';
import { runMmap } from './mmap-env.js';

const dir = scratchDir('memory-device');

describe('MemoryDevice', () => {
  it('stays usable after a volume on it is closed: mount, write, close, mount again', () => {
    const dev = new MemoryDevice(4 << 20);
    mkfs(dev, { label: 'DATA' });
    const v = Volume.open(dev);
    v.writeFile('/a.txt', 'first');
    v.close();
    const again = Volume.open(dev);
    expect(again.readFile('/a.txt', 'utf8')).toBe('first');
    again.writeFile('/b.txt', 'second');
    again.close();
    const third = Volume.open(dev, { readOnly: true });
    expect(third.readdir('/')).toEqual(['a.txt', 'b.txt']);
    expect(third.info().label).toBe('DATA');
    third.close();
  });

  it('is closed with the volume when handed over with closeDevice: true', () => {
    const dev = new MemoryDevice(4 << 20);
    mkfs(dev);
    Volume.open(dev, { closeDevice: true }).close();
    expect((thrown(() => Volume.open(dev)) as FatError).code).toBe('EBADF');
  });

  it.each([
    ['a negative size', -512],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a fractional size', 1024.5],
    ['a size that is not whole sectors', 1000],
    ['a size beyond safe integers', 2 ** 60],
    ['a size no engine allocates', 2 ** 45],
  ])('%s is EINVAL, not a RangeError', (_what, size) => {
    const e = thrown(() => new MemoryDevice(size));
    expect(e).toBeInstanceOf(FatError);
    expect(e?.code).toBe('EINVAL');
    expect(e?.message).not.toMatch(/\n/);
  });

  it('a zero-byte device is allowed (and grows); growing to an invalid size is EINVAL', () => {
    const dev = new MemoryDevice(0);
    expect(dev.sectorCount).toBe(0);
    dev.grow(8);
    expect(dev.sectorCount).toBe(8);
    for (const bad of [Number.NaN, -1, 2.5]) expect(thrown(() => dev.grow(bad))?.code).toBe('EINVAL');
    expect(dev.sectorCount).toBe(8);
    expect(thrown(() => new MemoryDevice('64' as unknown as number))?.code).toBe('EINVAL');
  });
});

describe('who closes a device', () => {
  const image = (name: string): string => {
    const p = path.join(dir, name);
    const dev = new MemoryDevice(2 << 20);
    mkfs(dev);
    fs.writeFileSync(p, dev.bytes);
    return p;
  };

  it('a FileDevice the caller opened stays open after the volume closes', () => {
    const dev = FileDevice.open(image('own.img'));
    Volume.open(dev).close();
    const v = Volume.open(dev);
    v.writeFile('/x.txt', 'x');
    v.close();
    dev.close();
    const ro = openImage(path.join(dir, 'own.img'));
    expect(ro.readFile('/x.txt', 'utf8')).toBe('x');
    ro.close();
  });

  it.each([['file'], ['mmap']] as const)('openImage (%s) closes the device it opened with the volume', (backend) => {
    if (backend === 'mmap' && !runMmap) return;
    const p = image(`${backend}.img`);
    const before = openFds();
    const v = openImage(p, { readOnly: false, backend });
    v.writeFile('/y.txt', 'y');
    v.close();
    expect(openFds(), 'the image file was closed').toBe(before);
  });
});
