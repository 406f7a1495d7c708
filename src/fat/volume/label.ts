import type { Volume } from './volume.js';
import { ATTR, type RawDirEntry } from '../format/dir-entry.js';
import { encodeDosTime } from '../format/dos-time.js';
import { encodeLabel, NO_NAME } from '../format/label.js';

/**
 * Set (or with undefined, blank or "NO NAME", remove) the label: the boot sector(s) and the root
 * directory entry. format/label.ts's rule, upper-cased as Windows and mlabel store labels.
 */
export function setLabel(vol: Volume, label: string | undefined): void {
  const raw = label === undefined ? undefined : encodeLabel(label);
  vol.beginWrite();
  const bootBytes = raw ?? Uint8Array.from(NO_NAME, (c) => c.charCodeAt(0));
  // The root entry first: it is what can fail (a full FAT12/16 root), before anything is written.
  const root = vol.dirAt('/').dir;
  let entry: RawDirEntry | undefined;
  if (raw) {
    const t = encodeDosTime(vol.now());
    entry = { name: raw, attr: ATTR.VOLUME_ID, caseFlags: 0, ctimeTenths: 0, ctime: 0, cdate: 0, adate: 0, cluster: 0, mtime: t.time, mdate: t.date, size: 0 };
  }
  root.transaction(() => root.setLabelEntry(entry));
  root.label = raw ? vol.page.decode(raw).replace(/ +$/, '') : undefined;
  const bs = vol.bootSector;
  const ext = vol.geo.fatType === 32 ? 64 : 36;
  const sectors = [0];
  if (vol.geo.fatType === 32 && bs.backupBootSector > 0 && bs.backupBootSector < vol.geo.reservedSectors) sectors.push(bs.backupBootSector);
  if (bs.extSignature === 0x29) {
    for (const s of sectors) {
      const b = vol.io.readSectors(s, 1);
      b.set(bootBytes, ext + 7);
      vol.io.write(s, b);
    }
    bs.volumeLabel = String.fromCharCode(...bootBytes);
  }
  vol.fat.flush();
  root.flush();
}
