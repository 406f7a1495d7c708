import type { Command } from 'commander';
import { ATTR, attrib, type AttribEntry, type Attributes } from '../../index.js';
import { openVolume, whenImageFree, writeOut } from '../volume.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { writeClock } from '../write-support.js';

const LETTERS: Record<string, keyof Attributes> = { r: 'readOnly', h: 'hidden', s: 'system', a: 'archive' };

/** `+r`, `-hs`: attribute words (lower-case r, h, s, a after + or -). */
const ATTRIBUTE_WORD = /^[+-][rhsa]+$/;

/**
 * The words after `fat attrib` (commander passes the unknown `-r`, `-h`, `-s`, `-a` through, in
 * order): attribute words, the image (the first other word) and the paths. A word starting with
 * `-` that is neither is an unknown option; one starting with `+` is an unknown attribute (write a
 * path that starts with + as /+name).
 */
export function parseAttribWords(words: string[]): { image: string; paths: string[]; change: Attributes } {
  const change: Attributes = {};
  const rest: string[] = [];
  for (const w of words) {
    if (!ATTRIBUTE_WORD.test(w)) {
      if (w.startsWith('-') && w !== '-') throw new CliError(`unknown option '${w}' (attributes are +r -r +h -h +s -s +a -a; write a path that starts with - as /-name)`, EXIT_USAGE);
      if (w.startsWith('+')) throw new CliError(`unknown attribute '${w}' (attributes are +r -r +h -h +s -s +a -a; write a path that starts with + as /+name)`, EXIT_USAGE);
      rest.push(w);
      continue;
    }
    const on = w[0] === '+';
    for (const letter of w.slice(1)) {
      const key = LETTERS[letter];
      if (change[key] !== undefined && change[key] !== on) throw new CliError(`both +${letter} and -${letter} given`, EXIT_USAGE);
      change[key] = on;
    }
  }
  const [image, ...paths] = rest;
  if (image === undefined) throw new CliError("missing required argument 'image'", EXIT_USAGE);
  if (paths.length === 0) throw new CliError("missing required argument 'path'", EXIT_USAGE);
  return { image, paths, change };
}

/** mattrib's line: `  A  SHR     /path` (archive, then system, hidden, read-only). */
export function attribLine(e: AttribEntry): string {
  const a = e.attributes;
  const bit = (mask: number, letter: string): string => (a & mask ? letter : ' ');
  return `  ${bit(ATTR.ARCHIVE, 'A')}  ${bit(ATTR.SYSTEM, 'S')}${bit(ATTR.HIDDEN, 'H')}${bit(ATTR.READ_ONLY, 'R')}     ${e.path}`;
}

interface AttribOptions {
  recursive?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('attrib')
    .description('show or change the read-only, hidden, system and archive attributes (as mattrib)')
    .usage('[options] <image> <path...> [+r|-r] [+h|-h] [+s|-s] [+a|-a]')
    .argument('<image>', 'the image file')
    .argument('[words...]', 'the paths, and the attribute changes: +r -r +h -h +s -s +a -a (combinable: +rh)')
    // -h, -r, -s and -a are attribute changes here: help is --help only, unknown options are ours.
    .helpOption('--help', 'display help for command')
    .allowUnknownOption()
    .option('-R, --recursive', 'also every file and directory below a directory PATH')
    .option('--json', 'print a JSON array of { path, type, attributes } (after any change)')
    .addHelpText('after', `
Without changes, prints each PATH's attributes as mattrib does: "  A  SHR     /path" (archive,
system, hidden, read-only). With changes (in any place on the line: fat attrib img /f -r +h), sets
or clears those bits on each PATH (with -R also on everything below it; the root is left alone)
and prints nothing (--json prints the entries as they are now). The directory and volume-label
bits are never changed. A path starting with - or + is written /-name or /+name.`)
    .action(async (first: string, more: string[], opts: AttribOptions, cmd: Command) => {
      const { image, paths, change } = parseAttribWords([first, ...more]);
      const changing = Object.keys(change).length > 0;
      const cv = changing
        ? await whenImageFree(cmd, () => openVolume(image, cmd, { write: true, now: writeClock().now }))
        : openVolume(image, cmd);
      let entries: AttribEntry[];
      try {
        entries = attrib(cv.volume, paths, { recursive: opts.recursive === true, change });
      } finally {
        cv.volume.close();
      }
      if (opts.json) {
        const json = entries.map((e) => ({ path: e.path, type: e.isDirectory ? 'directory' : 'file', attributes: e.attributes }));
        await writeOut(`${JSON.stringify(json, null, 2)}\n`);
      } else if (!changing) {
        await writeOut(entries.map((e) => `${attribLine(e)}\n`).join(''));
      }
      if (cv.skipped) process.exitCode = 1;
    });
}
