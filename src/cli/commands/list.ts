import { Option, type Command } from 'commander';
import { ATTR, isFragmentedFile, type FatStats } from '../../index.js';
import { openVolume, writeOut } from '../volume.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { printDeleted } from '../list-deleted.js';

interface ListOptions {
  depth?: string;
  long?: boolean;
  json?: boolean;
  fragmented?: boolean;
  deleted?: boolean;
}

/** `drhsa` letters, `-` where a bit is clear. */
export function attributeLetters(attr: number): string {
  return [
    attr & ATTR.DIRECTORY ? 'd' : '-',
    attr & ATTR.READ_ONLY ? 'r' : '-',
    attr & ATTR.HIDDEN ? 'h' : '-',
    attr & ATTR.SYSTEM ? 's' : '-',
    attr & ATTR.ARCHIVE ? 'a' : '-',
  ].join('');
}

const isoSeconds = (d: Date): string => d.toISOString().replace('T', ' ').slice(0, 19);

function longLine(path: string, s: FatStats): string {
  const shown = s.isDirectory() ? `${path}/` : path;
  return `${attributeLetters(s.attributes)} ${String(s.size).padStart(12)}  ${isoSeconds(s.mtime)}  ${s.shortName.padEnd(12)}  ${shown}`;
}

export function register(program: Command): void {
  program
    .command('list')
    .alias('ls')
    .description('list the files in an image (recursively by default)')
    .argument('<image>', 'the image file')
    .argument('[path]', 'the directory or file to list', '/')
    .addOption(new Option('--depth <n>', 'descend at most N levels (1 = only the entries of PATH)'))
    .option('-l, --long', 'show attributes, size, modification time (UTC) and short name')
    .option('--json', 'print a JSON array of { path, type, size, mtime, shortName, attributes }')
    .option('--fragmented', 'list only files whose clusters are not in one run (fat map shows them)')
    .option('--deleted', 'list deleted entries instead: size, time, first cluster, whether fat undelete can bring them back')
    .addHelpText('after', '\nDirectories are shown with a trailing "/". Times are the FAT fields, read as UTC.')
    .action(async (image: string, path: string, opts: ListOptions, cmd: Command) => {
      let depth: number | undefined;
      if (opts.depth !== undefined) {
        depth = Number(opts.depth);
        if (!Number.isInteger(depth) || depth < 1) throw new CliError(`--depth takes a whole number from 1, not "${opts.depth}"`, EXIT_USAGE);
      }
      if (opts.deleted && opts.fragmented) throw new CliError('--deleted and --fragmented cannot be used together', EXIT_USAGE);
      const cv = openVolume(image, cmd);
      const vol = cv.volume;
      try {
        if (opts.deleted) {
          await printDeleted(vol, path, depth, opts.json === true);
          if (cv.skipped) process.exitCode = 1;
          return;
        }
        const json: unknown[] = [];
        let out = '';
        for (const e of vol.walk(path, depth === undefined ? {} : { depth })) {
          const s = e.stats;
          if (opts.fragmented && !isFragmentedFile(vol, e)) continue;
          if (opts.json) {
            json.push({
              path: e.path,
              type: s.isDirectory() ? 'directory' : 'file',
              size: s.size,
              mtime: s.mtime.toISOString(),
              shortName: s.shortName,
              attributes: s.attributes,
            });
            continue;
          }
          out += opts.long ? `${longLine(e.path, s)}\n` : `${s.isDirectory() ? `${e.path}/` : e.path}\n`;
          if (out.length > 65536) {
            await writeOut(out);
            out = '';
          }
        }
        await writeOut(opts.json ? `${JSON.stringify(json, null, 2)}\n` : out);
      } finally {
        vol.close();
      }
      if (cv.skipped) process.exitCode = 1;
    });
}
