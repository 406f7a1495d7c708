import type { Command } from 'commander';
import { FatError, deletedEntry, firstCharByte, undelete, type CodePageName, type UndeleteOptions } from '../../index.js';
import { openVolume, whenImageFree, writeOut, type GlobalOptions } from '../volume.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { nonEmpty } from '../option-checks.js';
import { components, nameProblem } from '../write-support.js';

interface UndeleteCliOptions {
  to?: string;
  firstChar?: string;
  entry?: string;
  json?: boolean;
}

/** Ask for the lost first character on a terminal; undefined when there is none to ask. */
async function ask(shortName: string): Promise<string | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  const readline = await import('node:readline/promises'); // loaded only to ask (test/cli/startup.test.ts)
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(`fat: the first character of ${shortName} is lost; type it: `)).trim();
  } finally {
    rl.close();
  }
}

export function register(program: Command): void {
  program
    .command('undelete')
    .description('bring back a deleted file or directory (see fat list --deleted)')
    .argument('<image>', 'the image file')
    .argument('<path>', 'the deleted entry: its long name, or its short name (any first character, or ?)')
    .option('--to <path>', 'restore it under this path instead (its directory must exist)')
    .option('--first-char <c>', 'the lost first character of its short name (asked on a terminal; taken from the long name when that survives)')
    .option('--entry <n>', 'the entry number (fat list --deleted --json) when several deleted entries carry the name')
    .option('--json', 'print { path, type, size, clusters, longName } of what came back')
    .addHelpText('after', `
Deleting a file frees its clusters and overwrites the first byte of its name. undelete takes the
run of clusters the size needs from the first cluster (FAT32 keeps its high half), as FAT12/16
undeleters do, and refuses when any of them is in use now; a file that was fragmented comes back
only as far as that run is its own. A directory comes back when its first cluster still holds its
"." and ".."; what was in it stays deleted (undelete those one by one).`)
    .action(async (image: string, path: string, opts: UndeleteCliOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const page = (g.codePage ?? 'cp437') as CodePageName;
      nonEmpty(path, 'undelete');
      if (opts.to !== undefined) {
        const why = opts.to.trim() === '' ? 'needs a path, not ""' : components(opts.to).length === 0 ? 'is the root directory' : components(opts.to).map(nameProblem).find((w) => w !== undefined);
        if (why) throw new CliError(`--to ${opts.to}: ${why}`, EXIT_USAGE);
      }
      const check = (c: string): void => {
        try {
          firstCharByte(c, page);
        } catch (e) {
          if (e instanceof FatError) throw new CliError(`--first-char: ${e.message}`, EXIT_USAGE);
          throw e;
        }
      };
      if (opts.firstChar !== undefined) check(opts.firstChar);
      let entry: number | undefined;
      if (opts.entry !== undefined) {
        entry = /^\s*\d+\s*$/.test(opts.entry) ? Number(opts.entry) : NaN;
        if (!(entry >= 0 && entry < 65536)) throw new CliError(`--entry takes an entry number from 0 to 65535, not "${opts.entry}"`, EXIT_USAGE);
      }
      const cv = await whenImageFree(cmd, () => openVolume(image, cmd, { write: true, quietProblems: true }));
      const vol = cv.volume;
      let done;
      try {
        const options: UndeleteOptions = { ...(opts.to !== undefined ? { to: opts.to } : {}), ...(entry !== undefined ? { entry } : {}) };
        let firstChar = opts.firstChar;
        if (firstChar === undefined && opts.to === undefined) {
          const found = deletedEntry(vol, path, options);
          if (!found.firstCharKnown) {
            firstChar = await ask(found.shortName);
            if (firstChar === undefined) {
              throw new CliError(`${found.path}: the first character of its short name ${found.shortName} is lost: give it with --first-char C, or a new name with --to PATH`, EXIT_USAGE);
            }
            check(firstChar);
          }
        }
        done = undelete(vol, path, { ...options, ...(firstChar !== undefined ? { firstChar } : {}) });
      } finally {
        vol.close();
      }
      if (opts.json) await writeOut(`${JSON.stringify(done, null, 2)}\n`);
      else if (!g.quiet) await writeOut(`undeleted ${done.path}${done.type === 'directory' ? '/' : ''} (${done.size} bytes, ${done.clusters} cluster${done.clusters === 1 ? '' : 's'}${done.longName ? ', long name' : ''})\n`);
    });
}
