/**
 * Crash safety of `resizePartition` (issue #17): the partition-table writes of a partition resize
 * (MBR primary, MBR logical, GPT), interrupted at every write index with the crash device of the
 * in-place resize tests (the k-th write possibly torn: only its first sector persisted). After
 * each crash the partition table on the disk is read as a reader finds it (fatkit's reader, and
 * sfdisk --json for the states around the table writes), and:
 * - the partition still starts where it did and the volume's boot sector lies wholly inside the
 *   size the table gives it (volume <= entry, at every write);
 * - the states follow the order resizePartition writes: growing, old entry + old volume, then new
 *   entry + old volume (the entry grows first: a partition larger than its volume is valid), then
 *   new entry + new volume; shrinking, old entry + new volume (the volume shrinks first, inside
 *   the old partition) before the entry follows. Never a volume larger than its entry;
 * - the volume checks out but for what the in-place resize's own crash tests allow (lost clusters,
 *   FAT copies that differ, a stale `..`, the backup boot sector and FSInfo behind), and after
 *   `check --repair` every file is there, byte for byte, and the volume is clean;
 * - nothing outside the partition (old or new range) and the table's own sectors is written.
 *
 * The one window: a GPT whose primary array is written but whose primary header is not yet (or a
 * torn array) fails its CRC, and readers (the kernel, sgdisk, sfdisk, fatkit) take the backup,
 * written first and already new: named GPT_PRIMARY_STALE below and bounded to that one write.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MemoryDevice, SliceDevice, Volume, check, findFatVolume, readPartitionTable, resizePartition, type BlockDevice,
} from '../../../src/index.js';
import { CrashDevice } from '../../crash/crash-device.js';
import { haveOracles, oracleEnv } from '../oracle-helpers.js';

const MIB = 1024 * 1024;
const S = 512;
const NOW = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 6));
const ALLOWED = new Set(['LOST_CLUSTERS', 'FATS_DIFFER', 'DIRTY', 'FSINFO_FREE', 'FSINFO_NEXT', 'FSINFO_SIGNATURE', 'BOOT_BACKUP', 'BAD_DOT']);
const haveSfdisk = haveOracles && spawnSync('sh', ['-c', 'command -v sfdisk || test -x /usr/sbin/sfdisk || test -x /sbin/sfdisk']).status === 0;
if (!haveSfdisk && process.env.CI === 'true') throw new Error('sfdisk and mkfs.fat must be installed under CI=true');

const bytes = (n: number, k: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + k * 13 + (i >> 8)) & 0xff);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-part-crash-'));

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: oracleEnv, ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface Fixture { image: Uint8Array; files: Map<string, Uint8Array>; n: number; start: number }

/**
 * A disk of `mib` MiB partitioned by sfdisk (`label` dos or gpt), partition `n` at `start` formatted
 * by mkfs.fat (FAT16, one sector per cluster, `kib` KiB) and filled through the library: a deep
 * tree at its first clusters, a hole from a delete and, with `fillEnd`, data near its end (so a
 * grow moves the clusters under the grown FATs and a shrink those past the end). `extraMib` zero
 * MiB are then appended (a disk made larger after partitioning, its GPT backup left behind).
 */
function fixture(label: string, script: string[], mib: number, n: number, start: number, kib: number, fillEnd: boolean, extraMib = 0): Fixture {
  const file = path.join(scratch, `${label}-${n}.img`);
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, '');
  fs.truncateSync(file, mib * MIB);
  run('sfdisk', ['--no-reread', '--no-tell-kernel', file], `label: ${label}\n${script.map((l) => `${file}${l}`).join('\n')}\n`);
  run('mkfs.fat', ['-F', '16', '-s', '1', '--invariant', '--offset', String(start), file, String(kib)]);
  const disk = new MemoryDevice(new Uint8Array(fs.readFileSync(file)));
  fs.rmSync(file);
  const vol = Volume.open(new SliceDevice(disk, start, (kib * 1024) / S), { now: NOW });
  const files = new Map<string, Uint8Array>();
  const put = (p: string, data: Uint8Array): void => {
    vol.mkdir(p.slice(0, p.lastIndexOf('/')) || '/', { recursive: true });
    vol.writeFile(p, data);
    files.set(p, data);
  };
  put('/a/b/c/deep.txt', bytes(700, 1));
  put('/a/first.bin', bytes(3000, 2));
  for (let i = 0; i < 6; i++) put(`/a/b/f${i}.dat`, bytes(900 + i * 300, 3 + i));
  put('/gone.bin', bytes(5000, 30));
  put('/x/y/Long Name In Y.txt', bytes(2500, 32));
  vol.rm('/gone.bin');
  files.delete('/gone.bin');
  if (fillEnd) {
    const free = vol.info().freeClusters;
    vol.writeFile('/pad.bin', new Uint8Array((free - 30) * S));
    put('/x/late.bin', bytes(6000, 40));
    put('/late dir/z.txt', bytes(800, 41));
    vol.rm('/pad.bin');
  }
  vol.close();
  const image = new Uint8Array(disk.bytes.length + extraMib * MIB);
  image.set(disk.bytes);
  return { image, files, n, start };
}

/** What the disk says after a crash: partition n's entry and the volume in it. */
interface State { entry: number; volume: number; backupUsed: boolean }

function stateOf(disk: Uint8Array, fx: Fixture): State {
  const dev = new MemoryDevice(disk, { readOnly: true });
  const table = readPartitionTable(dev);
  if (table === undefined) throw new Error('no partition table');
  const p = table.partitions.find((q) => q.index === fx.n);
  if (p === undefined) throw new Error(`no partition ${fx.n}`);
  expect(p.startLba).toBe(fx.start);
  // A logical partition lies inside its extended partition.
  const ext = p.index > 4 ? table.partitions.find((q) => q.index <= 4 && (q.type === 0x05 || q.type === 0x0f || q.type === 0x85)) : undefined;
  if (p.index > 4 && (ext === undefined || p.startLba + p.sectorCount > ext.startLba + ext.sectorCount)) throw new Error(`partition ${p.index} sticks out of its extended partition`);
  const bs = Buffer.from(disk.subarray(fx.start * S, fx.start * S + S));
  const volume = bs.readUInt16LE(19) || bs.readUInt32LE(32);
  return { entry: p.sectorCount, volume, backupUsed: table.warnings.some((w) => w.startsWith('primary GPT unusable')) };
}

/** The volume through the table on the disk: check's problems beyond the allowed ones, then, repaired, every file. */
function volumeProblems(disk: Uint8Array, fx: Fixture): string[] {
  const out: string[] = [];
  const copy = new MemoryDevice(disk.slice());
  const vdev: BlockDevice = findFatVolume(copy, { partition: fx.n });
  for (const p of check(vdev).problems) if (!ALLOWED.has(p.code)) out.push(`check: ${p.code} ${p.path ?? ''} ${p.message}`);
  check(vdev, { repair: true });
  for (const p of check(vdev).problems) out.push(`after repair: ${p.code} ${p.message}`);
  const vol = Volume.open(vdev, { readOnly: true });
  try {
    for (const [p, data] of fx.files) {
      try {
        if (Buffer.compare(vol.readFile(p) as Uint8Array, data) !== 0) out.push(`after repair: ${p}: content differs`);
      } catch (e) {
        out.push(`after repair: ${p}: ${(e as Error).message}`);
      }
    }
  } finally {
    vol.close();
  }
  return out;
}

/** sfdisk's view of a state written to a file: partition n's size (sectors) and what sfdisk -V says. */
function sfdiskView(disk: Uint8Array, n: number): { size: number | undefined; verify: string } {
  const file = path.join(scratch, 'state.img');
  fs.writeFileSync(file, disk);
  try {
    const r = spawnSync('sfdisk', ['--json', file], { encoding: 'utf8', env: oracleEnv });
    const parts = JSON.parse(r.stdout).partitiontable.partitions as { node: string; size: number }[];
    const v = spawnSync('sfdisk', ['-V', file], { encoding: 'utf8', env: oracleEnv });
    return { size: parts.find((q) => q.node === `${file}${n}`)?.size, verify: `${v.stdout}${v.stderr}`.replaceAll(file, 'IMG').replace(/\s+/g, ' ') };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** A CrashDevice that records where each write went. */
class RecordingCrash extends CrashDevice {
  log: { lba: number; sectors: number }[] = [];
  override write(lba: number, data: Uint8Array): void {
    this.log.push({ lba, sectors: data.length / S });
    super.write(lba, data);
  }
}

interface Scenario {
  name: string;
  make: () => Fixture;
  target: number;
  /** Sectors outside the partition the table may write (MBR, EBRs, GPT headers and arrays). */
  tableSectors: (disk: number) => number[];
}

const LOGICAL = ['1 : start=2048, size=2M, type=c', '2 : start=6144, size=7M, type=5', '5 : start=8192, size=2M, type=e', '6 : start=14336, size=3M, type=e'];
const gptTable = (disk: number, oldDisk: number): number[] => {
  const s = [0];
  for (let i = 1; i < 34; i++) s.push(i);
  for (const d of [disk, oldDisk]) for (let i = d - 33; i < d; i++) s.push(i);
  return s;
};

const SCENARIOS: Scenario[] = [
  {
    name: 'MBR primary grows (into the free space before partition 2)',
    make: () => fixture('dos', ['1 : start=2048, size=3M, type=e', '2 : start=16384, size=2M, type=c'], 16, 1, 2048, 3072, false),
    target: 6 * MIB, tableSectors: () => [0],
  },
  {
    name: 'MBR primary shrinks',
    make: () => fixture('dos', ['1 : start=2048, size=6M, type=e'], 16, 1, 2048, 6144, true),
    target: 3 * MIB, tableSectors: () => [0],
  },
  {
    name: 'MBR logical 6 grows past its extended partition (the extended entry, the link in 5\'s EBR, its own EBR)',
    make: () => fixture('dos', LOGICAL, 16, 6, 14336, 3072, false),
    target: 6 * MIB, tableSectors: () => [0, 6144, 12288],
  },
  {
    name: 'MBR logical 6 shrinks',
    make: () => fixture('dos', LOGICAL, 16, 6, 14336, 3072, true),
    target: 2 * MIB, tableSectors: () => [0, 6144, 12288],
  },
  {
    name: 'GPT partition grows to the end of a disk made larger (new backup, primary, old backup cleared, protective MBR)',
    make: () => fixture('gpt', ['1 : start=2048, size=3M'], 8, 1, 2048, 3072, false, 8),
    target: 10 * MIB, tableSectors: (disk) => gptTable(disk, disk - 8 * 2048),
  },
  {
    name: 'GPT partition shrinks',
    make: () => fixture('gpt', ['1 : start=2048, size=6M'], 8, 1, 2048, 6144, true),
    target: 3 * MIB, tableSectors: (disk) => gptTable(disk, disk),
  },
];

describe.runIf(haveSfdisk)('resizePartition: a crash at any write leaves every file readable through the table on the disk', () => {
  it.each(SCENARIOS)('$name', ({ make, target, tableSectors }) => {
    const fx = make();
    const mbr = readPartitionTable(new MemoryDevice(fx.image, { readOnly: true }))?.scheme === 'mbr';
    const before = stateOf(fx.image, fx);
    const grow = target / S > before.entry;
    const full = new RecordingCrash(fx.image, { persist: Infinity });
    const { partition } = resizePartition(full, fx.n, target);
    expect(partition.size).toBe(target);
    const after = stateOf(full.disk, fx);
    expect(after).toEqual({ entry: target / S, volume: target / S, backupUsed: false });
    expect(volumeProblems(full.disk, fx)).toEqual([]);
    // Every write lands in the partition (its larger extent) or on the table's own sectors.
    const lo = fx.start;
    const hi = fx.start + Math.max(before.entry, after.entry);
    const table = new Set(tableSectors(full.sectorCount));
    const stray = full.log.filter((w) => !(w.lba >= lo && w.lba + w.sectors <= hi) && !(w.sectors <= 33 && Array.from({ length: w.sectors }, (_, i) => w.lba + i).every((s) => table.has(s))));
    expect(stray).toEqual([]);

    const writes = full.log.length;
    const tableWrites = full.log.map((w, i) => (w.lba < lo || w.lba >= hi ? i + 1 : 0)).filter((k) => k > 0);
    const failures: string[] = [];
    const seen: string[] = [];
    let stale = 0;
    for (let k = 0; k <= writes; k++) {
      for (const tear of [false, true]) {
        if (tear && (k === 0 || full.log[k - 1].sectors <= 1)) continue;
        const dev = new CrashDevice(fx.image, { persist: k, tear });
        resizePartition(dev, fx.n, target);
        const at = `write ${k}${tear ? ' (torn)' : ''}`;
        const s = stateOf(dev.disk, fx);
        if (s.backupUsed) stale++;
        if (s.volume > s.entry) failures.push(`${at}: the volume (${s.volume} sectors) is larger than its entry (${s.entry})`);
        const label = `${s.entry === before.entry ? 'old' : s.entry === after.entry ? 'new' : `?${s.entry}`} entry + ${s.volume === before.volume ? 'old' : s.volume === after.volume ? 'new' : `?${s.volume}`} volume`;
        if (seen.at(-1) !== label) seen.push(label);
        for (const p of volumeProblems(dev.disk, fx)) failures.push(`${at}: ${p}`);
        // sfdisk reads the states around the table writes as fatkit does; an MBR (a logical
        // partition inside its extended partition, ...) passes sfdisk -V in each of them.
        if (tableWrites.includes(k) || tableWrites.includes(k + 1)) {
          const view = sfdiskView(dev.disk, fx.n);
          if (view.size !== s.entry) failures.push(`${at}: sfdisk reads partition ${fx.n} as ${view.size} sectors, fatkit as ${s.entry}`);
          if (mbr && !/No errors detected/.test(view.verify)) failures.push(`${at}: sfdisk -V: ${view.verify}`);
        }
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(seen).toEqual(grow
      ? ['old entry + old volume', 'new entry + old volume', 'new entry + new volume']
      : ['old entry + old volume', 'old entry + new volume', 'new entry + new volume']);
    // GPT_PRIMARY_STALE: only the write of the primary array (whole or torn) before its header.
    expect(stale).toBeLessThanOrEqual(2);
  });
});
