/**
 * Directory.insertNamed (issue #16) encodes a new entry's long-name slots straight into the
 * directory's bytes and keeps the record it was given instead of decoding the bytes again: the
 * slots must be exactly what encodeLongName makes (also over deleted entries with old bytes left in
 * them), and the record must say what the bytes say (what a reopened volume reads).
 */
import { describe, expect, it } from 'vitest';
import { MemoryDevice, Volume, mkfs, type FatType } from '../../../src/core.js';
import { encodeLongName } from '../../../src/fat/format/long-name.js';
import { shortNameChecksum } from '../../../src/fat/format/short-name.js';
import { clusterToSector } from '../../../src/fat/format/geometry.js';

const NOW = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));

function fresh(fatType: FatType): { dev: MemoryDevice; vol: Volume } {
  const dev = new MemoryDevice(fatType === 32 ? 34 << 20 : 16 << 20);
  mkfs(dev, { fatType, volumeId: 0x1234abcd, time: NOW().getTime() });
  return { dev, vol: Volume.open(dev, { now: NOW }) };
}

describe.each([16, 32] as FatType[])('new entries on FAT%i', (fatType) => {
  it('long-name slots over deleted entries are byte for byte encodeLongName (old cluster bytes cleared)', () => {
    const { dev, vol } = fresh(fatType);
    vol.mkdir('/d');
    // Eight 8.3 files with data (cluster fields set), then all removed: their entries keep their bytes but 0xE5.
    for (let i = 0; i < 8; i++) vol.writeFile(`/d/F${i}.BIN`, new Uint8Array(3000).fill(i + 1));
    for (let i = 0; i < 8; i++) vol.rm(`/d/F${i}.BIN`);
    const name = 'A long name that needs three slots.txt';
    vol.writeFile(`/d/${name}`, 'x');
    const cluster = vol.stat('/d').firstCluster;
    const short = vol.stat(`/d/${name}`).shortName;
    vol.close();
    const at = clusterToSector(vol.geo, cluster) * vol.geo.sectorSize;
    const dir = dev.bytes.subarray(at, at + vol.geo.clusterSize);
    // `.`, `..`, then the slots (reusing the first deleted entries), then the short entry.
    const slots = Math.ceil(name.length / 13);
    const shortRaw = dir.subarray((2 + slots) * 32, (2 + slots) * 32 + 11);
    expect(String.fromCharCode(...shortRaw).replace(/ +/g, ' ')).toContain(short.split('.')[0]);
    expect([...dir.subarray(2 * 32, (2 + slots) * 32)]).toEqual([...encodeLongName(name, shortNameChecksum(shortRaw))]);
  });

  it('the record says what the bytes say, even for attribute bits a byte cannot hold', () => {
    const { dev, vol } = fresh(fatType);
    vol.writeFile('/odd.txt', 'odd', { attributes: 0x101 });
    vol.mkdir('/sub');
    vol.writeFile('/sub/Mixed Case Name.TXT', 'm');
    const live = ['/odd.txt', '/sub', '/sub/Mixed Case Name.TXT'].map((p) => {
      const s = vol.stat(p);
      return [s.name, s.shortName, s.attributes, s.firstCluster, s.size, s.mtime.getTime()];
    });
    vol.close();
    const again = Volume.open(dev, { readOnly: true });
    const read = ['/odd.txt', '/sub', '/sub/Mixed Case Name.TXT'].map((p) => {
      const s = again.stat(p);
      return [s.name, s.shortName, s.attributes, s.firstCluster, s.size, s.mtime.getTime()];
    });
    expect(live).toEqual(read);
    expect(live[0][2]).toBe(0x21);
  });
});
