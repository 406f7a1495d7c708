import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../../src/fat/device/memory.js';
import { SliceDevice } from '../../../src/fat/device/slice.js';
import { thrown } from './tmp.js';

describe('SliceDevice', () => {
  it('must fit inside its base', () => {
    const base = new MemoryDevice(10 * 512);
    expect(thrown(() => new SliceDevice(base, 8, 3))?.code).toBe('EINVAL');
    expect(thrown(() => new SliceDevice(base, -1, 3))?.code).toBe('EINVAL');
    expect(thrown(() => new SliceDevice(base, 0, 2.5))?.code).toBe('EINVAL');
    expect(new SliceDevice(base, 8, 2).sectorCount).toBe(2);
  });

  it('takes its sector size from the base and maps sector numbers', () => {
    const base = new MemoryDevice(10 * 4096, { sectorSize: 4096 });
    const s = new SliceDevice(base, 4, 3);
    expect(s.sectorSize).toBe(4096);
    s.write(1, new Uint8Array(4096).fill(0x33));
    expect(base.bytes[5 * 4096]).toBe(0x33);
    expect(base.bytes[4 * 4096]).toBe(0);
  });

  it('leaves the base open when closed, unless it owns it', () => {
    const base = new MemoryDevice(4 * 512);
    const s = new SliceDevice(base, 1, 2);
    s.close();
    base.read(0, new Uint8Array(512)); // still open
    expect(thrown(() => s.read(0, new Uint8Array(512)))?.code).toBe('EBADF');
    const owned = new SliceDevice(base, 1, 2, { ownsBase: true });
    owned.close();
    expect(thrown(() => base.read(0, new Uint8Array(512)))?.code).toBe('EBADF');
  });

  it('can be read-only over a writable base, and is read-only over a read-only one', () => {
    const base = new MemoryDevice(4 * 512);
    const ro = new SliceDevice(base, 0, 4, { readOnly: true });
    expect(ro.readOnly).toBe(true);
    expect(thrown(() => ro.write(0, new Uint8Array(512).fill(1)))?.code).toBe('EROFS');
    expect(base.bytes.every((x) => x === 0)).toBe(true);
    expect(new SliceDevice(new MemoryDevice(1024, { readOnly: true }), 0, 1).readOnly).toBe(true);
  });

  it('passes flush to its base', () => {
    const base = new MemoryDevice(4 * 512);
    const s = new SliceDevice(base, 0, 4);
    base.close();
    expect(thrown(() => s.flush())?.code).toBe('EBADF');
  });
});
