import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDevice, mkfs, sourceDateEpoch, sourceDateEpochMs, Volume } from '../../src/index.js';
import { parseSourceDateEpoch } from '../../src/fat/source-date-epoch.js';

const saved = process.env.SOURCE_DATE_EPOCH;
afterEach(() => {
  if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
  else process.env.SOURCE_DATE_EPOCH = saved;
});

describe('SOURCE_DATE_EPOCH: one parser, a core reader and a Node reader that agree', () => {
  it('parses whole seconds, ignores blank, refuses anything else', () => {
    expect(parseSourceDateEpoch('1700000000')).toBe(1_700_000_000_000);
    expect(parseSourceDateEpoch(' 42 ')).toBe(42_000);
    expect(parseSourceDateEpoch('')).toBeUndefined();
    expect(parseSourceDateEpoch('   ')).toBeUndefined();
    expect(parseSourceDateEpoch(undefined)).toBeUndefined();
    for (const bad of ['1.5', '-1', 'abc', '1e9', '99999999999999999999']) {
      expect(() => parseSourceDateEpoch(bad), bad).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
  });

  it('the core (mkfs) and the Node reader see the same value, and refuse the same bad value', () => {
    process.env.SOURCE_DATE_EPOCH = '1600000000';
    expect(sourceDateEpoch()).toBe(1_600_000_000);
    expect(sourceDateEpochMs()).toBe(1_600_000_000_000);
    const dev = new MemoryDevice(4 << 20);
    mkfs(dev, { label: 'SDE' });
    const v = Volume.open(dev, { closeDevice: false });
    // mkfs.fat's volume id from the time: (seconds % 4096) << 20, microseconds 0.
    expect(v.info().volumeId).toBe(((1_600_000_000 % 4096) * 0x100000) >>> 0);
    v.close();

    process.env.SOURCE_DATE_EPOCH = 'yesterday';
    expect(() => sourceDateEpochMs()).toThrow(/SOURCE_DATE_EPOCH must be a whole number/);
    expect(() => mkfs(new MemoryDevice(4 << 20), {})).toThrow(/SOURCE_DATE_EPOCH must be a whole number/);
  });
});
