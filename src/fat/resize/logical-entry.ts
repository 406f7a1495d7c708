import type { BlockDevice } from '../device/block-device.js';
import type { Partition } from '../disk/partition.js';
import { EXTENDED_TYPES, rawEntry, readEbrChain, type EbrLink } from '../disk/ebr.js';
import { put32 } from '../format/bytes.js';
import { FatError } from '../errors.js';

/**
 * An MBR logical partition's place in its extended partition: the extended partition's MBR slot,
 * the partition's own EBR (whose first entry gives its start, relative to the EBR, and its size)
 * and the EBR before it (whose second entry links to the partition's EBR and, as fdisk, sfdisk and
 * parted write it, counts from that EBR to the logical partition's end). The disk counts the
 * table's sectors.
 */
export interface LogicalPlace {
  /** The extended partition's MBR entry (0-3), start and size. */
  extSlot: number;
  extStart: number;
  extSectors: number;
  link: EbrLink;
  prev?: EbrLink;
  /** Every EBR of the chain (the others are in the way of a growing logical partition). */
  links: EbrLink[];
}

/** Find logical partition `p` in the EBR chain on the disk, or say why it is not where the table put it. */
export function logicalPlace(disk: BlockDevice, p: Partition): LogicalPlace {
  const mbr = new Uint8Array(disk.sectorSize);
  disk.read(0, mbr);
  const extSlot = [0, 1, 2, 3].find((i) => {
    const e = rawEntry(mbr, i);
    return EXTENDED_TYPES.includes(e.type) && e.count > 0;
  });
  if (extSlot === undefined) throw new FatError('FAT_CORRUPT', `partition ${p.index} is a logical partition but the MBR has no extended partition`);
  const ext = rawEntry(mbr, extSlot);
  const { links } = readEbrChain(disk, disk.sectorSize, ext.start);
  const at = links.findIndex((l) => l.index === p.index);
  const link = links[at];
  if (link === undefined || link.lba + link.logical.start !== p.startLba) {
    throw new FatError('FAT_CORRUPT', `partition ${p.index}'s extended boot record does not say where the partition starts`);
  }
  return { extSlot, extStart: ext.start, extSectors: ext.count, link, ...(at > 0 ? { prev: links[at - 1] } : {}), links };
}

/** Rewrite one 16-byte entry of the MBR or EBR at `lba`: its size, and its end CHS saturated (LBA is what counts). */
function setCount(disk: BlockDevice, lba: number, slot: number, sectors: number): void {
  const b = new Uint8Array(disk.sectorSize);
  disk.read(lba, b);
  const e = 446 + 16 * slot;
  put32(b, e + 12, sectors);
  b.set([0xfe, 0xff, 0xff], e + 5);
  disk.write(lba, b);
}

/**
 * Set logical partition `p` to `sectors` sectors, growing the extended partition when the new end
 * passes it. Every write is one sector, and each state between them is one a reader accepts:
 * growing, the containers first (the extended partition's MBR entry, then the link in the EBR
 * before), then the partition's own entry, so that no container is ever smaller than what it
 * holds; shrinking, the partition's entry first, then the link (the extended partition keeps its
 * size: the space freed inside it stays there for other logical partitions).
 */
export function setLogicalSectors(disk: BlockDevice, p: Partition, sectors: number, barrier: () => void): void {
  const place = logicalPlace(disk, p);
  const { link, prev } = place;
  const end = p.startLba + sectors;
  const own = (): void => setCount(disk, link.lba, 0, sectors);
  const linkToOwn = (): void => {
    if (prev !== undefined) setCount(disk, prev.lba, 1, end - link.lba);
  };
  if (sectors > p.sectorCount) {
    if (end > place.extStart + place.extSectors) {
      setCount(disk, 0, place.extSlot, end - place.extStart);
      barrier();
    }
    if (prev !== undefined) {
      linkToOwn();
      barrier();
    }
    own();
  } else {
    own();
    if (prev !== undefined) {
      barrier();
      linkToOwn();
    }
  }
}
