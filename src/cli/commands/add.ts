import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { Command } from 'commander';
import {
  FatError, HostTreeError, MAX_FILE_SIZE, cleanName, collectTree, comparePaths, describeSkip, formatSize, specialKind, fileReader, writeItems, type AddItem, type Volume,
} from '../../index.js';
import { Progress } from '../progress.js';
import { openVolume, whenImageFree, warn, warnSkipped, writeOut } from '../volume.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { components, foldKey, listSome, nameProblem, probe, volPath, writeClock, type Found } from '../write-support.js';

interface AddOptions {
  to: string;
  overwrite?: boolean;
  parents?: boolean;
  verbose?: boolean;
  skipSpecial?: boolean;
}

/** One entry to create in the image, in the order it is written (a directory before its contents). */
interface PlanItem {
  type: 'file' | 'directory';
  /** The host path, as shown in messages. */
  host: string;
  /** Where to read it. */
  abs: string;
  /** Target name components below the root, cleaned as the library stores them. */
  target: string[];
  size: number;
  mtimeMs: number;
  /** Set while checking against the image: 'new' (created), 'merge' (an existing directory) or 'replace'. */
  action?: 'new' | 'merge' | 'replace';
}

/**
 * The names a source contributes below --to: its own name (cp -r), nothing for `.`, `..` and `/`
 * (their contents go straight into --to), or with --parents its whole path as given.
 */
function sourceBase(src: string, parents: boolean): string[] {
  if (parents) {
    const parts = nodePath.normalize(src).split(nodePath.sep).filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) throw new CliError(`--parents: ${src} must not go up with ".."`, EXIT_USAGE);
    return parts;
  }
  const base = nodePath.basename(src.replace(/[/\\]+$/, ''));
  return base === '' || base === '.' || base === '..' ? [] : [base];
}

interface Sources {
  items: PlanItem[];
  problems: string[];
}

/** Component-wise order: a directory, then everything in it, then its next sibling (like cp -r). */
function preOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = comparePaths(x[i]!, y[i]!);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

/**
 * Read the sources' metadata (nothing else) and list what to create, in order. Directories are
 * read by the library's walker (collectTree), with its policy: loops, dangling links, unreadable
 * entries and special files are problems, special files skipped with a warning under --skip-special.
 */
async function collectSources(sources: string[], opts: AddOptions, image: string): Promise<Sources> {
  const items: PlanItem[] = [];
  const problems: string[] = [];
  const imageStat = fs.statSync(image, { throwIfNoEntry: false });
  const isImage = (st: fs.Stats): boolean => imageStat !== undefined && st.dev === imageStat.dev && st.ino === imageStat.ino;
  const bases = sources.map((src) => sourceBase(src, opts.parents === true));
  for (const [k, src] of sources.entries()) {
    const base = bases[k];
    let st: fs.Stats;
    try {
      st = fs.statSync(src);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const link = code === 'ENOENT' && fs.lstatSync(src, { throwIfNoEntry: false })?.isSymbolicLink();
      problems.push(`${src} (${code === 'ELOOP' ? 'symlink loop' : link ? 'dangling symlink' : code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code})`);
      continue;
    }
    const kind = specialKind(st);
    if (kind) {
      // A special file named as a source: the walker's policy, as for one found inside a directory.
      if (opts.skipSpecial) warn(`skipped ${src}: ${describeSkip({ path: src, reason: 'special', kind })}`);
      else problems.push(`${src} (not a regular file or directory)`);
      continue;
    }
    if (opts.parents) {
      // cp --parents: the directories of the path as given come along (with their own times).
      for (let i = 1; i < base.length; i++) {
        const host = base.slice(0, i).join('/');
        const dirPath = nodePath.isAbsolute(src) ? `/${host}` : host;
        items.push({ type: 'directory', host: dirPath, abs: dirPath, target: base.slice(0, i), size: 0, mtimeMs: fs.statSync(dirPath).mtimeMs });
      }
    }
    if (!st.isDirectory()) {
      if (base.length === 0) {
        problems.push(`${src} (not a directory)`);
        continue;
      }
      if (isImage(st)) {
        warn(`skipped ${src}: ${describeSkip({ path: src, reason: 'image' })}`);
        continue;
      }
      try {
        fs.accessSync(src, fs.constants.R_OK);
      } catch {
        problems.push(`${src} (permission denied)`);
        continue;
      }
      items.push({ type: 'file', host: src, abs: src, target: base, size: st.size, mtimeMs: st.mtimeMs });
      continue;
    }
    const hostPath = (rel: string): string => nodePath.join(src, ...rel.split('/'));
    let tree;
    try {
      tree = await collectTree(src, { skipSpecial: opts.skipSpecial === true, image, allowCaseCollisions: true });
    } catch (e) {
      if (!(e instanceof HostTreeError)) throw e;
      for (const p of e.problems) problems.push(`${hostPath(p.path)} (${p.reason})`);
      continue;
    }
    tree.skipped.forEach(warnSkipped(src));
    items.push({ type: 'directory', host: src, abs: src, target: base, size: 0, mtimeMs: st.mtimeMs });
    for (const h of tree.entries.sort((a, b) => preOrder(a.path, b.path))) {
      items.push({ type: h.type, host: hostPath(h.path), abs: h.absPath, target: [...base, ...h.path.split('/')], size: h.size, mtimeMs: h.mtimeMs });
    }
  }
  return { items, problems };
}

/**
 * Checks that need no image: names FAT cannot hold, files too large, sources that would land on
 * the same entry. Names are replaced by their cleaned form; merged duplicate directories dropped.
 */
function checkNames(items: PlanItem[], toParts: string[]): PlanItem[] {
  const bad: string[] = [];
  for (const it of items) {
    const last = it.target[it.target.length - 1];
    if (last === undefined) continue;
    const why = nameProblem(last);
    if (why) bad.push(`${it.host} (${why})`);
  }
  if (bad.length) throw new CliError(`names FAT cannot hold: ${listSome(bad)}`);

  const big = items.filter((it) => it.type === 'file' && it.size > MAX_FILE_SIZE);
  if (big.length) throw new CliError(`too large for FAT (4 GiB - 1 at most): ${listSome(big.map((it) => `${it.host} (${formatSize(it.size)})`))}`);

  const cleaned = toParts.map((p) => cleanName(p));
  const byKey = new Map<string, PlanItem[]>();
  const kept: PlanItem[] = [];
  for (const it of items) {
    it.target = [...cleaned, ...it.target.map((p) => cleanName(p))];
    const key = foldKey(it.target);
    const same = byKey.get(key);
    if (!same) {
      byKey.set(key, [it]);
      kept.push(it);
      continue;
    }
    // The same directory named twice (`a/site b/site`, or a --parents prefix) merges, like cp -r.
    if (it.type === 'directory' && same.every((o) => o.type === 'directory' && volPath(o.target) === volPath(it.target))) continue;
    same.push(it);
  }
  const groups = [...byKey.entries()].filter(([, g]) => g.length > 1);
  // Report only the topmost clash: what lies below two clashing directories clashes too.
  const clashing = new Set(groups.map(([k]) => k));
  const top = groups.filter(([k]) => ![...clashing].some((c) => k.startsWith(`${c}/`)));
  if (top.length) {
    const text = top.map(([, g]) => `${listSome(g.map((it) => it.host), 5)} -> ${volPath(g[0].target)}`).join('; ');
    throw new CliError(`sources would be the same entry (FAT names ignore case): ${text}`);
  }
  return kept;
}

/**
 * Compare the plan with the image: what exists and what would be replaced. Whether it fits (space,
 * directory entries) the library checks before it writes anything (writeItems).
 */
function checkImage(vol: Volume, items: PlanItem[], toParts: string[], overwrite: boolean): void {
  const newKeys = new Set<string>();
  for (let i = 1; i <= toParts.length; i++) {
    const pre = toParts.slice(0, i);
    if (newKeys.has(foldKey(pre.slice(0, -1)))) newKeys.add(foldKey(pre));
    else {
      const found = probe(vol, pre);
      if (found === 'file') throw new CliError(`--to ${volPath(pre)}: not a directory`);
      if (found === 'none') newKeys.add(foldKey(pre));
    }
  }
  const exists: string[] = [];
  const conflicts: string[] = [];
  for (const it of items) {
    if (it.target.length === toParts.length) {
      it.action = 'merge'; // `.` copied into --to itself
      continue;
    }
    const parentNew = newKeys.has(foldKey(it.target.slice(0, -1)));
    const found: Found = parentNew ? 'none' : probe(vol, it.target);
    if (found === 'none') {
      it.action = 'new';
      if (it.type === 'directory') newKeys.add(foldKey(it.target));
    } else if (found === 'directory') {
      if (it.type === 'file') conflicts.push(`cannot overwrite directory ${vol.realpath(volPath(it.target))} with file ${it.host}`);
      it.action = 'merge';
    } else if (it.type === 'directory') {
      conflicts.push(`cannot overwrite file ${vol.realpath(volPath(it.target))} with directory ${it.host}`);
    } else if (!overwrite) {
      exists.push(vol.realpath(volPath(it.target)));
    } else {
      it.action = 'replace';
    }
  }
  if (conflicts.length) throw new CliError(listSome(conflicts, 3));
  if (exists.length) throw new CliError(`${listSome(exists)} already ${exists.length === 1 ? 'exists' : 'exist'} (use --overwrite)`);
}

export function register(program: Command): void {
  program
    .command('add')
    .description('copy host files and directories into an image, keeping modification times')
    .argument('<image>', 'the image file')
    .argument('<sources...>', 'host files and directories (a directory is copied as itself, with everything in it)')
    .option('--to <dir>', 'the directory in the image to copy into (created with its parents)', '/')
    .option('--overwrite', 'replace files that already exist in the image')
    .option('-p, --parents', 'recreate each source path below --to (like cp --parents)')
    .option('-v, --verbose', 'print each file and directory created')
    .option('--skip-special', 'leave sockets, FIFOs and devices out (one warning each) instead of failing')
    .addHelpText('after', `
Like cp -r SRC... DIR/: a directory SRC becomes DIR/<its name>, and "SRC/." copies its contents.
Directories merge with ones already in the image; an existing file is an error unless --overwrite.
Symbolic links are followed. Everything is checked before anything is written, and every offender
listed: symbolic-link loops, dangling links, unreadable sources, sockets, FIFOs and devices (left
out, with a warning each, under --skip-special), names FAT cannot hold, names that differ only in
case, existing files, files over 4 GiB - 1, the room in each directory (65,536 entries; a FAT12/16
root's fixed size) and the free space (what --overwrite replaces counts as freed). The image itself
is left out.
Modification times are kept (clamped to SOURCE_DATE_EPOCH when it is set); creation and access
times are the time of the copy, or SOURCE_DATE_EPOCH.`)
    .action(async (image: string, sources: string[], opts: AddOptions, cmd: Command) => {
      const clock = writeClock();
      const badTo = components(opts.to ?? '/').map(nameProblem).find((why) => why !== undefined);
      if (badTo) throw new CliError(`--to ${opts.to}: ${badTo}`, EXIT_USAGE);
      const toParts = components(opts.to ?? '/');
      const { items: collected, problems } = await collectSources(sources, opts, image);
      if (problems.length) throw new CliError(`cannot read ${listSome(problems)}`);
      const items = checkNames(collected, toParts);

      const cv = await whenImageFree(cmd, () => openVolume(image, cmd, { write: true, now: clock.now }));
      const vol = cv.volume;
      const files = items.filter((it) => it.type === 'file').length;
      let added = 0;
      let current = '';
      let out = '';
      try {
        checkImage(vol, items, toParts, opts.overwrite === true);
        const say = (line: string): void => {
          if (opts.verbose) out += `${line}\n`;
        };
        const now = clock.now();
        const work: AddItem[] = [];
        const written = new Set<AddItem>();
        // --to and its missing parents are made with the rest (after everything is checked).
        let have = 0;
        while (have < toParts.length && probe(vol, toParts.slice(0, have + 1)) === 'directory') have++;
        const real = components(vol.realpath(volPath(toParts.slice(0, have))));
        for (let i = have + 1; i <= toParts.length; i++) {
          work.push({ dest: volPath([...real, ...toParts.slice(have, i)]), type: 'directory', size: 0, times: { mtime: now, atime: now, birthtime: now } });
        }
        for (const it of items) {
          if (it.action === 'merge') continue;
          const times = { mtime: clock.clamp(it.mtimeMs), atime: now, birthtime: now };
          work.push({
            dest: volPath(it.target),
            type: it.type,
            size: it.size,
            times,
            ...(it.type === 'file' ? { read: fileReader(it.abs, it.size) } : {}),
          });
        }
        // Data in large transfers, FAT and entries in batches (the builder's way of writing).
        const progress = await Progress.open(cmd.optsWithGlobals<{ quiet?: boolean }>().quiet === true || opts.verbose === true);
        try {
          writeItems(vol, work, {
            onStart: (item) => {
              current = item.dest;
            },
            onItem: (item) => {
              if (item.type === 'file') added++;
              written.add(item);
            },
            onProgress: (p) => progress.update(p),
          });
        } finally {
          progress.stop();
          // -v lists what was made in the sources' order (the writer puts 8.3 names first).
          for (const item of work) if (written.has(item)) say(item.type === 'directory' ? `${item.dest}/` : item.dest);
        }
      } catch (e) {
        if (e instanceof FatError && e.code === 'ENOSPC' && current !== '') {
          throw new CliError(`${e.message} (while writing ${current}; ${added} of ${files} files added)`);
        }
        throw e;
      } finally {
        vol.close();
      }
      // Printed once the volume is closed: a reader that goes away (EPIPE) cannot leave it dirty.
      if (out) await writeOut(out);
      if (cv.skipped) process.exitCode = 1;
    });
}
