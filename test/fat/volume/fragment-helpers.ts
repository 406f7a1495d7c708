/** Volumes for the extents, usage and attrib tests (issue 18): fresh, fragmented, damaged. */
import { MemoryDevice, Volume, mkfs, type FatType } from '../../../src/index.js';
import { writeFatEntry } from '../../../src/fat/table/fat-entry.js';

const T0 = Date.UTC(2024, 0, 1);

/** A fresh volume of `mib` MiB (`fat` type, 512-byte clusters unless FAT12), open for writing. */
export function freshVolume(fat: FatType, bytes = fat === 32 ? 34 << 20 : fat === 16 ? 16 << 20 : 1440 * 1024): { dev: MemoryDevice; vol: Volume } {
  const dev = new MemoryDevice(bytes);
  mkfs(dev, { fatType: fat, ...(fat === 12 ? {} : { clusterSize: 512 }), volumeId: 0x1234abcd, time: T0 });
  return { dev, vol: Volume.open(dev, { now: () => new Date(T0) }) };
}

/** Fill the volume with six files, remove every other one, write a file bigger than any hole. */
export function fragment(vol: Volume): { big: string; holeClusters: number } {
  const cs = vol.geo.clusterSize;
  const k = Math.floor((vol.info().freeClusters - 4) / 6);
  for (let i = 0; i < 6; i++) vol.writeFile(`/fill${i}`, new Uint8Array(k * cs));
  for (let i = 1; i < 6; i += 2) vol.rm(`/fill${i}`);
  vol.writeFile('/big', new Uint8Array((2 * k + 1) * cs).fill(7));
  return { big: '/big', holeClusters: k };
}

/** Set FAT entry `n` to `value` in every FAT copy of the image in `dev` (FAT12 images only). */
export function setFat12(dev: MemoryDevice, vol: Volume, n: number, value: number): void {
  const g = vol.geo;
  for (let f = 0; f < g.numFats; f++) {
    const base = (g.fatStart + f * g.fatSize) * g.sectorSize;
    writeFatEntry(dev.bytes.subarray(base, base + g.fatSize * g.sectorSize), 12, n, value);
  }
}

