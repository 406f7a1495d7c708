import type { Volume } from './volume.js';
import { ATTR, type RawDirEntry } from '../format/dir-entry.js';
import { encodeDosTime } from '../format/dos-time.js';
import { FatError } from '../errors.js';

const LABEL_ILLEGAL = /["*+,./:;<=>?[\\\]|\u0000-\u001f\u007f]/u;

/**
 * The 11 stored bytes of a volume label: upper-cased (as Windows and mlabel store it), in the OEM
 * code page, space padded. Throws EINVAL naming the rule that a label breaks.
 */
export function encodeLabel(label: string, vol: Pick<Volume, 'page'>): Uint8Array {
  const up = label.toUpperCase().replace(/ +$/, '');
  if (up.length === 0) throw new FatError('EINVAL', 'a volume label cannot be empty (remove it instead)');
  const bad = LABEL_ILLEGAL.exec(up);
  if (bad) throw new FatError('EINVAL', `invalid volume label ${JSON.stringify(label)}: it cannot contain ${JSON.stringify(bad[0])} (allowed: letters, digits, spaces and !#$%&'()-@^_\`{}~)`);
  const bytes: number[] = [];
  for (const ch of up) {
    const b = vol.page.encode(ch);
    if (b === undefined) throw new FatError('EINVAL', `invalid volume label ${JSON.stringify(label)}: ${JSON.stringify(ch)} is not in code page ${vol.page.name}`);
    bytes.push(b);
  }
  if (bytes.length > 11) throw new FatError('EINVAL', `volume label ${JSON.stringify(label)} is ${bytes.length} characters long (at most 11)`);
  if (bytes[0] === 0x20) throw new FatError('EINVAL', 'a volume label cannot start with a space');
  const raw = new Uint8Array(11).fill(0x20);
  raw.set(bytes);
  if (raw[0] === 0xe5) raw[0] = 0x05;
  return raw;
}

/** Set (or with undefined/empty, remove) the label: the boot sector(s) and the root directory entry. */
export function setLabel(vol: Volume, label: string | undefined): void {
  vol.beginWrite();
  const raw = label === undefined || label.trim() === '' ? undefined : encodeLabel(label, vol);
  const bootBytes = raw ?? Uint8Array.from('NO NAME    ', (c) => c.charCodeAt(0));
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
