import type { Command } from 'commander';
import {
  espVolumeProblem, formatPartitionType, formatSize, fragmentation, partitionTypeName, type Fragmentation, type PartitionTable, type VolumeInfo,
} from '../../index.js';
import { openVolume, writeOut, type CliVolume } from '../volume.js';

const hex = (n: number, w = 2): string => `0x${n.toString(16).toUpperCase().padStart(w, '0')}`;

/** Image files are opened with 512-byte sectors (open-image-device.ts): partitions count in those. */
const IMAGE_SECTOR = 512;

/** A partition table as fat info prints it: offsets and sizes in bytes. */
interface TableJson {
  scheme: string;
  sectorSize: number;
  diskGuid?: string;
  diskSignature?: string;
  partitions: {
    number: number; type: string; typeName: string | null; guid?: string; start: number; size: number; name?: string; bootable?: boolean; fat: boolean;
  }[];
}

function tableJson(t: PartitionTable, deviceSectorSize: number): TableJson {
  return {
    scheme: t.scheme,
    sectorSize: t.sectorSize,
    ...(t.diskGuid !== undefined ? { diskGuid: t.diskGuid } : {}),
    ...(t.diskSignature !== undefined ? { diskSignature: hex(t.diskSignature, 8) } : {}),
    partitions: t.partitions.map((p) => ({
      number: p.index,
      type: formatPartitionType(p.type),
      typeName: partitionTypeName(p.type) ?? null,
      ...(p.guid !== undefined ? { guid: p.guid } : {}),
      start: p.startLba * deviceSectorSize,
      size: p.sectorCount * deviceSectorSize,
      ...(p.name !== undefined ? { name: p.name } : {}),
      ...(p.bootable ? { bootable: true } : {}),
      fat: p.isFat,
    })),
  };
}

/** Where the volume lies on a whole disk, and what else sector 0 could be read as. */
interface Placement {
  partition?: { number: number; scheme: string; type: string; name?: string; tableSectorSize: number };
  table?: TableJson;
  notes: string[];
}

function placement(where: CliVolume['location'], i: VolumeInfo, deviceSectorSize: number): Placement {
  const notes: string[] = [];
  const { partition: p, table, alsoTable } = where;
  const esp = p && espVolumeProblem(p.type, i.fatType, i.clusterCount);
  if (esp) notes.push(`warning: ${esp}`);
  if (alsoTable) {
    const list = alsoTable.partitions.filter((x) => x.isFat).map((x) => x.index).join(', ');
    notes.push(`sector 0 is this volume's boot sector and also reads as an ${alsoTable.scheme.toUpperCase()} partition table with FAT partition(s) ${list}: --partition N opens one of those`);
  }
  for (const w of table?.warnings ?? []) notes.push(w);
  if (!p || !table) return { notes };
  return {
    partition: {
      number: p.index,
      scheme: table.scheme,
      type: formatPartitionType(p.type),
      ...(p.name !== undefined ? { name: p.name } : {}),
      tableSectorSize: table.sectorSize,
    },
    table: tableJson(table, deviceSectorSize),
    notes,
  };
}

function human(i: VolumeInfo, where: Placement, frag: Fragmentation): string {
  const rows: [string, string][] = [
    ['type', `FAT${i.fatType}`],
    ['label', i.label ?? '(none)'],
    ['volume id', i.volumeIdHex],
    ['oem name', i.oemName],
    ['media', hex(i.media)],
    ['sector size', `${i.sectorSize}`],
    ['sectors', `${i.totalSectors}`],
    ['cluster size', `${i.clusterSize} (${i.sectorsPerCluster} sectors)`],
    ['clusters', `${i.clusterCount} (${i.usedClusters} used, ${i.freeClusters} free${i.badClusters ? `, ${i.badClusters} bad` : ''})`],
    ['capacity', `${formatSize(i.totalBytes)} (${formatSize(i.freeBytes)} free)`],
    ['reserved sectors', `${i.reservedSectors}`],
    ['FATs', `${i.numFats} of ${i.fatSize} sectors`],
    [i.fatType === 32 ? 'root cluster' : 'root entries', i.fatType === 32 ? `${i.rootCluster}` : `${i.rootEntries}`],
    ['data starts at', `sector ${i.dataStart}`],
    ['hidden sectors', `${i.hiddenSectors}`],
    ['geometry', `${i.heads} heads, ${i.sectorsPerTrack} sectors per track`],
    ['state', i.dirty ? 'dirty (not cleanly unmounted)' : 'clean'],
    ['fragmented', `${frag.fragmentedFiles} of ${frag.files} files`],
  ];
  const p = where.partition;
  if (p) {
    const name = p.name !== undefined ? ` "${p.name}"` : '';
    rows.unshift(['partition', `${p.number} of ${p.scheme.toUpperCase()} (type ${p.type}${name}, table in ${p.tableSectorSize}-byte sectors)`]);
  }
  const t = where.table;
  if (t) {
    const id = t.diskGuid !== undefined ? `, disk GUID ${t.diskGuid}` : t.diskSignature !== undefined ? `, disk signature ${t.diskSignature}` : '';
    rows.push(['table', `${t.scheme.toUpperCase()} in ${t.sectorSize}-byte sectors${id}`]);
    for (const q of t.partitions) {
      const type = q.typeName !== null ? `${q.typeName} (${q.type})` : q.type;
      const extra = [q.guid !== undefined ? `GUID ${q.guid}` : '', q.name !== undefined ? `"${q.name}"` : '', q.bootable ? 'bootable' : ''].filter(Boolean).join(', ');
      rows.push([`  ${q.number}`, `${type}, ${formatSize(q.size)} at ${formatSize(q.start)} (byte ${q.start})${extra ? `, ${extra}` : ''}`]);
    }
  }
  for (const n of where.notes) rows.push(['note', n]);
  if (i.fsInfo) {
    const f = i.fsInfo;
    rows.push(['fsinfo', `free ${f.freeCount === 0xffffffff ? 'unknown' : f.freeCount}, next ${f.nextFree === 0xffffffff ? 'unknown' : f.nextFree}`]);
  }
  return rows.map(([k, v]) => `${`${k}:`.padEnd(18)}${v}\n`).join('');
}

/**
 * `fat info --json`: the library's VolumeInfo with the CLI's one shape per field (README): the volume
 * id as `ABCD-1234` (as fat make --json, blkid and DOS print it; --volume-id takes it back), and
 * every field present, null when absent (label, fsInfo).
 */
export function infoJson(i: VolumeInfo): Record<string, unknown> {
  const { volumeIdHex, ...rest } = i;
  return { ...rest, volumeId: volumeIdHex, label: i.label ?? null, fsInfo: i.fsInfo ?? null };
}

export function register(program: Command): void {
  program
    .command('info')
    .description('show the volume: type, geometry, label, id, clusters, free space')
    .argument('<image>', 'the image file')
    .option('--json', 'print the fields as JSON (volumeId as ABCD-1234; null for what the volume lacks)')
    .action(async (image: string, opts: { json?: boolean }, cmd: Command) => {
      const { volume, location } = openVolume(image, cmd);
      try {
        const i = volume.info();
        const where = placement(location, i, IMAGE_SECTOR);
        // Files whose chains run in more than one piece (a corrupt chain is reported, not counted).
        const frag = fragmentation(volume);
        const json = { ...infoJson(i), fragmentedFiles: frag.fragmentedFiles, ...where, partition: where.partition ?? null, table: where.table ?? null };
        await writeOut(opts.json ? `${JSON.stringify(json, null, 2)}\n` : human(i, where, frag));
      } finally {
        volume.close();
      }
    });
}
