import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { FatError, createImageFile, mkfs, formatSize, validateMkfsOptions, buildImageFromDir, formatPartitionInPlace, retryWhileBusy, minimumVolumeBytes, formatPartitionType, tableOverhead, alignedPartitionBytes, partitionTypeName, formatVolumeId, writeBmapFile, type FormattedPartition, type MkfsOptions, type MkfsResult, type BuildResult } from '../../index.js';
import { Progress } from '../progress.js';
import { lockWait, warnSkipped } from '../volume.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { writeOut } from '../output.js';
import { checkGlobs, nonEmpty } from '../option-checks.js';
import { parseSize } from '../size.js';

interface MakeOptions {
  size?: string;
  from?: string;
  fat?: string;
  clusterSize?: string;
  sectorSize?: string;
  label?: string;
  volumeId?: string;
  reservedSectors?: string;
  fats?: string;
  rootEntries?: string;
  media?: string;
  align: boolean;
  partition?: string;
  esp?: boolean;
  diskSize?: string;
  diskGuid?: string;
  partitionGuid?: string;
  partitionName?: string;
  force?: boolean;
  json?: boolean;
  /** --bmap FILE: a bmaptool block map of the new image, written once it is made. */
  bmap?: string;
  free?: string;
  include?: string[];
  exclude?: string[];
  followSymlinks: boolean;
  skipSpecial?: boolean;
  sync?: boolean;
  /** The global --code-page (short names of --from's files). */
  codePage?: 'cp437' | 'cp850';
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `--free SIZE|PCT`: bytes, or a percentage of the clusters. */
function parseFree(text: string | undefined): { freeBytes?: number; freePercent?: number } {
  if (text === undefined) return {};
  const pct = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (pct) {
    const p = Number(pct[1]);
    if (p >= 100) throw usage(`--free ${text}: a percentage below 100`);
    return { freePercent: p };
  }
  return { freeBytes: parseSize(text, '--free') };
}

const usage = (message: string): CliError => new CliError(message, EXIT_USAGE);

function integer(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) throw usage(`${what}: "${text}" is not a whole number`);
  return Number(text.trim());
}

function hexNumber(text: string | undefined, what: string, maxDigits: number): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(?:0x)?([0-9a-f]+)$/i.exec(text.trim());
  if (!m || m[1].length > maxDigits) throw usage(`${what}: "${text}" is not a hexadecimal number of at most ${maxDigits} digits`);
  return parseInt(m[1], 16);
}

/** Turn the command-line options into mkfs options (usage errors for malformed values). */
export function mkfsOptionsFrom(o: MakeOptions, partition: string | undefined): MkfsOptions & { sectorSize: number } {
  const sectorSize = integer(o.sectorSize, '--sector-size') ?? 512;
  if (![512, 1024, 2048, 4096].includes(sectorSize)) throw usage(`--sector-size must be 512, 1024, 2048 or 4096, not ${sectorSize}`);
  const fat = o.fat === undefined || o.fat === 'auto' ? undefined : integer(o.fat, '--fat');
  if (fat !== undefined && fat !== 12 && fat !== 16 && fat !== 32) throw usage(`--fat must be 12, 16 or 32, not ${fat}`);
  const fats = integer(o.fats, '--fats');
  if (fats !== undefined && fats !== 1 && fats !== 2) throw usage(`--fats must be 1 or 2, not ${fats}`);
  if (partition !== undefined && partition !== 'mbr' && partition !== 'gpt' && partition !== 'none') {
    throw usage(`--partition for make takes "mbr", "gpt" (or "none"), or the number of a partition of an existing disk, not "${partition}"`);
  }
  const scheme = partition === 'mbr' || partition === 'gpt' ? partition : 'none';
  const options: MkfsOptions & { sectorSize: number } = { sectorSize, align: o.align, partition: scheme };
  if (scheme === 'none' && (o.esp || o.diskSize !== undefined)) throw usage('--esp and --disk-size go with --partition gpt or --partition mbr');
  if (scheme !== 'gpt' && (o.diskGuid ?? o.partitionGuid ?? o.partitionName) !== undefined) {
    throw usage('--disk-guid, --partition-guid and --partition-name go with --partition gpt');
  }
  if (o.esp) options.esp = true;
  if (o.diskGuid !== undefined) options.diskGuid = o.diskGuid;
  if (o.partitionGuid !== undefined) options.partitionGuid = o.partitionGuid;
  if (o.partitionName !== undefined) options.partitionName = o.partitionName;
  if (fat !== undefined) options.fatType = fat;
  if (fats !== undefined) options.numFats = fats;
  if (o.clusterSize !== undefined) options.clusterSize = parseSize(o.clusterSize, '--cluster-size');
  if (o.label !== undefined) options.label = o.label;
  // ABCD-1234, as fat info and make --json print it, or 8 hex digits.
  const volumeId = hexNumber(o.volumeId?.replace(/^\s*([0-9a-f]{4})-([0-9a-f]{4})\s*$/i, '$1$2'), '--volume-id', 8);
  if (volumeId !== undefined) options.volumeId = volumeId;
  const reserved = integer(o.reservedSectors, '--reserved-sectors');
  if (reserved !== undefined) options.reservedSectors = reserved;
  const rootEntries = integer(o.rootEntries, '--root-entries');
  if (rootEntries !== undefined) options.rootEntries = rootEntries;
  const media = hexNumber(o.media, '--media', 2);
  if (media !== undefined) options.media = media;
  try {
    // Values no image size could make valid (cluster size, label, reserved sectors, ...) are usage errors.
    validateMkfsOptions(options, sectorSize);
  } catch (e) {
    if (e instanceof FatError && e.code === 'EINVAL') throw usage(e.message);
    throw e;
  }
  return options;
}

/** Refuse to replace anything but a regular file, and that only with --force. */
function checkTarget(img: string, force: boolean): void {
  const parent = path.dirname(path.resolve(img));
  if (!fs.existsSync(parent)) throw new CliError(`cannot create ${img}: no such directory ${path.dirname(img)}`);
  let st: fs.Stats;
  try {
    st = fs.statSync(img);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isFile()) throw new CliError(`${img} exists and is not a regular file`);
  if (!force) throw new CliError(`${img} already exists (use --force to replace it)`);
}

/** Make the image in a temporary file beside IMG, then rename it over IMG (createImageFile). */
export function makeImage(img: string, bytes: number, options: MkfsOptions & { sectorSize: number }): MkfsResult {
  return createImageFile(img, bytes, { sectorSize: options.sectorSize }, (device) => mkfs(device, { ...options, assumeZeroed: true }));
}

/** The ESP warning: FAT12/16 asked for an EFI System Partition. */
export function espWarning(options: MkfsOptions): string | undefined {
  if (!options.esp || options.fatType === undefined || options.fatType === 32) return undefined;
  return `fat: warning: a FAT${options.fatType} EFI System Partition: some UEFI firmware only boots from FAT32\n`;
}

function summary(img: string, r: MkfsResult, bytes: number): string {
  const l = r.layout;
  const volume = `FAT${l.fatType}, ${formatSize(l.totalSectors * l.sectorSize)}, ${l.clusterCount} clusters of ${formatSize(l.clusterSize)}`;
  const label = r.label ? `, label ${r.label}` : '';
  const t = r.table;
  const typeText = t === undefined ? '' : typeof t.type === 'number' ? `type 0x${t.type.toString(16).toUpperCase().padStart(2, '0')}` : partitionTypeName(t.type) ?? t.type;
  const part = t !== undefined ? ` in ${t.scheme.toUpperCase()} partition 1 (${typeText}) at ${formatSize(r.volumeStart * l.sectorSize)}` : '';
  return `made ${img}: ${formatSize(bytes)} image, ${volume}${label}${part}\n`;
}

function json(img: string, r: MkfsResult, bytes: number): string {
  const l = r.layout;
  return `${JSON.stringify({
    image: img,
    imageSize: bytes,
    fatType: l.fatType,
    sectorSize: l.sectorSize,
    totalSectors: l.totalSectors,
    volumeSize: l.totalSectors * l.sectorSize,
    clusterSize: l.clusterSize,
    clusterCount: l.clusterCount,
    reservedSectors: l.reservedSectors,
    numFats: l.numFats,
    fatSize: l.fatSize,
    rootEntries: l.rootEntries,
    media: l.media,
    volumeId: formatVolumeId(r.volumeId),
    label: r.label ?? null,
    partition: r.table === undefined ? null : {
      table: r.table.scheme, index: 1, type: r.table.type, start: r.volumeStart,
      ...(r.table.diskGuid !== undefined ? { diskGuid: r.table.diskGuid, guid: r.table.partitionGuid } : {}),
    },
  }, null, 2)}\n`;
}

export function register(program: Command): void {
  program
    .command('make')
    .description('make a fresh FAT image, laid out exactly as mkfs.fat would')
    .argument('<image>', 'the image file to create')
    .option('--size <size>', 'image size: bytes, or a number with K, M, G or T (also KiB/KB...: binary units; 1.44M, 0x200)')
    .option('--from <dir>', 'fill the image with the files of a directory (then --size defaults to auto)')
    .option('--free <size|pct>', 'with --size auto: keep this much free space (a SIZE as --size takes, or a percentage like 10%)')
    .option('--include <glob>', 'with --from: only paths matching this glob (repeatable)', collect)
    .option('--exclude <glob>', 'with --from: leave out paths matching this glob, and directories with everything in them (repeatable)', collect)
    .option('--no-follow-symlinks', 'with --from: leave symbolic links out instead of following them')
    .option('--skip-special', 'with --from: leave sockets, FIFOs and devices out (one warning each) instead of failing')
    .option('--sync', 'with --from: flush the image to the disk (fdatasync) before it is renamed into place')
    .addOption(new Option('--fat <bits>', 'FAT type: 12, 16 or 32 (default: FAT32 from 512 MiB, else FAT12/16)'))
    .option('--cluster-size <bytes>', 'cluster size in bytes (a power of two, sector size to 64 KiB)')
    .option('--sector-size <bytes>', 'logical sector size: 512, 1024, 2048 or 4096', '512')
    .option('--label <label>', 'volume label (up to 11 printable ASCII characters, case kept; see fat label --help)')
    .option('--volume-id <hex>', 'volume id: 8 hex digits, or ABCD-1234 as fat info prints it (default: from SOURCE_DATE_EPOCH, else the clock)')
    .option('--reserved-sectors <n>', 'minimum reserved sectors (default 1, or 32 on FAT32)')
    .option('--fats <n>', 'number of FATs: 1 or 2', '2')
    .option('--root-entries <n>', 'minimum root directory entries on FAT12/16 (16 to 32768; default 512)')
    .option('--media <hex>', 'media descriptor byte: F0 or F8 to FF (default F8)')
    .option('--no-align', 'do not align the FATs and data to the cluster size, nor round the size to tracks')
    .option('--partition <table|n>', '"mbr" or "gpt": a partition table with one FAT partition at 1 MiB (--size is then the disk\'s); N: format partition N of an existing disk in place')
    .option('--esp', 'with --partition mbr|gpt: an EFI System Partition (type EF / C12A7328-...; FAT32 of at least 65525 clusters unless --fat says otherwise; the size grows to that minimum)')
    .option('--disk-size <size>', 'with --partition mbr|gpt: the disk\'s size, larger than the partition (--size, or auto, is then the partition\'s); the rest is left free')
    .option('--disk-guid <guid>', 'with --partition gpt: the disk GUID (default: random, or derived from SOURCE_DATE_EPOCH / --volume-id)')
    .option('--partition-guid <guid>', 'with --partition gpt: the partition\'s unique GUID (default as --disk-guid)')
    .option('--partition-name <name>', 'with --partition gpt: the partition name (default "EFI System" with --esp, else "Microsoft basic data")')
    .option('-f, --force', 'replace IMAGE if it exists')
    .option('--json', 'print what was made as JSON')
    .option('--bmap <file>', 'also write a bmaptool block map of the new image to FILE (as fat bmap IMAGE -o FILE)')
    // --bmap: checked before anything is made, written once the image is in place.
    .hook('preAction', (cmd) => {
      const { bmap } = cmd.opts<MakeOptions>();
      nonEmpty(bmap, '--bmap');
      if (bmap !== undefined && path.resolve(bmap) === path.resolve(String(cmd.args[0]))) throw usage('--bmap names the image itself');
    })
    .hook('postAction', (cmd) => {
      const { bmap } = cmd.opts<MakeOptions>();
      if (bmap !== undefined) writeBmapFile(String(cmd.args[0]), bmap);
    })
    .addHelpText('after', `
Examples:
  fat make floppy.img --size 1440K
  fat make site.img --from _site                 smallest image that holds the tree
  fat make site.img --from _site --free 10%      ... with 10% of its clusters free
  fat make disk.img --size 64M --fat 32 --label DATA --partition mbr
  fat make disk.img --from esp/ --partition gpt --esp      a disk whose EFI System Partition holds esp/
  fat make disk.img --size 100M --disk-size 1G --partition gpt   a 100 MiB partition, the rest free
  fat make disk.img --partition 2 --from data/    format partition 2 of an existing disk in place

With --from, symbolic-link loops, dangling links, unreadable entries, sockets, FIFOs and devices
(unless --skip-special), names FAT cannot hold, names that differ only in case, files over
4 GiB - 1 and trees that do not fit fail before anything is written, listing the offending paths.
IMAGE itself is left out when it lies inside DIR. Globs: "posts/*" leaves posts empty; "posts",
"posts/" and "posts/**" leave it out; "**/*.map" matches at any depth.
The image is made as .IMAGE.tmp-PID-XXX beside IMAGE and renamed into place; an interrupted run
(SIGINT, SIGTERM: exit 130, 143) removes it, and one killed outright is removed by the next run.
Modification times come from the files, clamped to SOURCE_DATE_EPOCH when it is set, which also
fixes the volume id: the same tree and SOURCE_DATE_EPOCH give a byte-identical image.
A GPT's disk and partition GUIDs are random unless given, or derived from the volume id and
SOURCE_DATE_EPOCH when either is fixed (so those builds stay byte-identical).`)
    .action(async (image: string, opts: MakeOptions, cmd: Command) => {
      nonEmpty(image, 'make'); // "" would resolve to the current directory
      const globals = cmd.optsWithGlobals<{ partition?: string; offset?: string; quiet?: boolean; codePage?: 'cp437' | 'cp850' }>();
      // The global --partition (a number, for the other commands) takes `--partition mbr` wherever it
      // is written: read it from either place.
      const partition = opts.partition ?? globals.partition;
      opts.codePage = globals.codePage; // the global --code-page: short names of --from's files
      if (globals.offset !== undefined) throw usage('make does not take --offset (use --partition mbr for a partitioned image)');
      const wait = lockWait(cmd);
      if (partition !== undefined && /^\s*\d+\s*$/.test(partition)) return formatInPlace(image, Number(partition), opts, cmd, globals.quiet === true, wait);
      if (opts.from !== undefined) return makeFrom(image, opts, partition, globals.quiet === true, wait);
      if (opts.free !== undefined || opts.include || opts.exclude || opts.skipSpecial) throw usage('--free, --include, --exclude and --skip-special go with --from DIR');
      if (opts.size === undefined && !opts.esp && opts.diskSize === undefined) throw usage('make needs --size SIZE (e.g. --size 64M), or --from DIR');
      if (opts.size === 'auto') throw usage('--size auto goes with --from DIR (it sizes the image for the tree)');
      const options = mkfsOptionsFrom(opts, partition);
      const { bytes, volumeBytes } = makeSizes(opts, options);
      checkTarget(image, opts.force ?? false);
      const warning = espWarning(options);
      if (warning) process.stderr.write(warning);
      if (volumeBytes !== undefined) options.size = volumeBytes;
      const result = await retryWhileBusy(() => makeImage(image, bytes, options), wait);
      if (opts.json) await writeOut(json(image, result, bytes));
      else if (!globals.quiet) await writeOut(summary(image, result, bytes));
    });
}

/**
 * `fat make IMG --partition N [--from DIR]`: format partition N of an existing disk in place (the
 * volume is the partition's size; the table and the rest of the disk are left as they are).
 */
async function formatInPlace(image: string, n: number, opts: MakeOptions, cmd: Command, quiet: boolean, wait: number): Promise<void> {
  const fixed = 'formats partition N of an existing disk';
  if (opts.size !== undefined || opts.diskSize !== undefined || opts.free !== undefined) {
    throw usage(`make --partition N ${fixed}: it takes no --size (the partition's size is the volume's)`);
  }
  if (opts.esp || opts.diskGuid !== undefined || opts.partitionGuid !== undefined || opts.partitionName !== undefined) {
    throw usage(`make --partition N ${fixed}: its table is left as it is (no --esp, --disk-guid, --partition-guid or --partition-name)`);
  }
  if (n < 1) throw usage('--partition takes a partition number from 1');
  if (opts.from === undefined && (opts.include || opts.exclude || opts.skipSpecial)) throw usage('--include, --exclude and --skip-special go with --from DIR');
  if (opts.from !== undefined) {
    nonEmpty(opts.from, '--from');
    checkGlobs(opts);
  }
  const { sectorSize, partition: _none, ...options } = mkfsOptionsFrom(opts, undefined);
  const given = cmd.getOptionValueSource('sectorSize') === 'cli';
  // Formatting in place cannot be undone halfway (there is no temporary file to drop): SIGINT and
  // SIGTERM are held until the partition is consistent, then honoured; a second one stops at once.
  let stopping: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
    stopping = signal;
    process.stderr.write(`fat: finishing partition ${n} before stopping (stopping now would leave it half-written)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let done: FormattedPartition;
  try {
    done = await retryWhileBusy(() => formatPartitionInPlace(image, n, {
      ...options,
      ...(given ? { sectorSize } : {}),
      sync: opts.sync === true,
      ...(opts.from !== undefined ? {
        build: {
          ...(opts.codePage ? { codePage: opts.codePage } : {}),
          from: opts.from,
          followSymlinks: opts.followSymlinks,
          skipSpecial: opts.skipSpecial === true,
          onSkip: warnSkipped(opts.from),
          ...(opts.include ? { include: opts.include } : {}),
          ...(opts.exclude ? { exclude: opts.exclude } : {}),
        },
      } : {}),
    }), wait);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (stopping) process.exit(stopping === 'SIGINT' ? 130 : 143);
  const r = done.result;
  if (opts.json) {
    const base = JSON.parse(json(image, r, fs.statSync(image).size)) as Record<string, unknown>;
    const p = { table: done.table.scheme, index: n, type: done.partition.type, start: r.layout.hiddenSectors };
    await writeOut(`${JSON.stringify({ ...base, partition: p }, null, 2)}\n`);
  } else if (!quiet) {
    const l = r.layout;
    const what = `FAT${l.fatType}, ${formatSize(l.totalSectors * l.sectorSize)}, ${l.clusterCount} clusters of ${formatSize(l.clusterSize)}${r.label ? `, label ${r.label}` : ''}`;
    const type = partitionTypeName(done.partition.type) ?? formatPartitionType(done.partition.type);
    const files = 'files' in r ? `; ${r.files} file${r.files === 1 ? '' : 's'}, ${formatSize(r.bytes)}` : '';
    await writeOut(`formatted partition ${n} of ${image} (${done.table.scheme.toUpperCase()}, ${type}, at ${formatSize(l.hiddenSectors * l.sectorSize)}): ${what}${files}\n`);
  }
}

/** A size in whole sectors (usage errors otherwise). */
function sectorSize(text: string, what: string, ss: number): number {
  const bytes = parseSize(text, what);
  if (bytes % ss !== 0) throw usage(`${what} ${text} is not a whole number of ${ss}-byte sectors`);
  if (bytes === 0) throw usage(`${what} must be more than 0`);
  return bytes;
}

/**
 * The image's bytes and the volume's (undefined: it fills the partition) for make without --from:
 * --size is the disk's, or the partition's when --disk-size gives the disk's; an ESP without a
 * size gets the smallest FAT32 volume firmware accepts.
 */
function makeSizes(opts: MakeOptions, options: MkfsOptions & { sectorSize: number }): { bytes: number; volumeBytes?: number } {
  const ss = options.sectorSize;
  const o = tableOverhead(options.partition ?? 'none', ss);
  const espMin = (): number => alignedPartitionBytes(options.partition ?? 'none', Math.ceil(minimumVolumeBytes(options, ss) / ss) * ss);
  if (opts.diskSize !== undefined) {
    const bytes = sectorSize(opts.diskSize, '--disk-size', ss);
    const volumeBytes = opts.size !== undefined ? sectorSize(opts.size, '--size', ss) : options.esp ? espMin() : undefined;
    if (volumeBytes !== undefined && volumeBytes + o.before + o.after > bytes) {
      throw usage(`--disk-size ${opts.diskSize} cannot hold a partition of ${formatSize(volumeBytes)} and its table (${formatSize(o.before + o.after)})`);
    }
    return { bytes, ...(volumeBytes !== undefined ? { volumeBytes } : {}) };
  }
  if (opts.size !== undefined) return { bytes: sectorSize(opts.size, '--size', ss) };
  return { bytes: espMin() + o.before + o.after };
}

/** `fat make IMG --from DIR`: plan the image for the tree, then write it in one pass. */
async function makeFrom(image: string, opts: MakeOptions, partition: string | undefined, quiet: boolean, wait: number): Promise<void> {
  nonEmpty(opts.from, '--from');
  checkGlobs(opts);
  const options = mkfsOptionsFrom(opts, partition);
  const size = opts.size === undefined || opts.size === 'auto' ? 'auto' : parseSize(opts.size, '--size');
  if (size !== 'auto' && opts.free !== undefined) throw usage('--free goes with --size auto');
  const diskSize = opts.diskSize === undefined ? undefined : sectorSize(opts.diskSize, '--disk-size', options.sectorSize);
  checkTarget(image, opts.force ?? false);
  const warning = espWarning(options);
  if (warning) process.stderr.write(warning);
  const progress = await Progress.open(quiet || opts.json === true);
  // SIGINT and SIGTERM stop the build at its next step; the temporary image is removed, and the
  // exit status is the shell's for the signal. A second signal exits at once.
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143); // a second signal: at once
    abort.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: BuildResult & { imageBytes: number };
  try {
    result = await retryWhileBusy(() => buildImageFromDir(image, {
      ...options,
      ...parseFree(opts.free),
      ...(opts.codePage ? { codePage: opts.codePage } : {}),
      from: opts.from!,
      size,
      ...(diskSize !== undefined ? { diskSize } : {}),
      force: true,
      followSymlinks: opts.followSymlinks,
      skipSpecial: opts.skipSpecial === true,
      onSkip: warnSkipped(opts.from!),
      sync: opts.sync === true,
      signal: abort.signal,
      ...(opts.include ? { include: opts.include } : {}),
      ...(opts.exclude ? { exclude: opts.exclude } : {}),
      onProgress: (p) => progress.update(p),
    }), wait);
  } catch (e) {
    if (abort.signal.aborted) {
      progress.stop();
      process.exit(abort.signal.reason === 'SIGINT' ? 130 : 143);
    }
    throw e;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (opts.json) {
    const base = JSON.parse(json(image, result, result.imageBytes)) as Record<string, unknown>;
    await writeOut(`${JSON.stringify({ ...base, files: result.files, directories: result.directories, bytes: result.bytes, clustersUsed: result.clustersUsed }, null, 2)}\n`);
  } else if (!quiet) {
    const s = summary(image, result, result.imageBytes).replace(/\n$/, '');
    const n = (k: number, what: string): string => `${k} ${what}${k === 1 ? '' : 's'}`;
    await writeOut(`${s}; ${n(result.files, 'file')} and ${n(result.directories, 'directory').replace(/ys$/, 'ies')}, ${formatSize(result.bytes)}\n`);
  }
}
