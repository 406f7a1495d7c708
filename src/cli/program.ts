import { Command, Option } from 'commander';
import { VERSION } from './version.js';
import { volumeLocation } from './volume.js';
import * as list from './commands/list.js';
import * as cat from './commands/cat.js';
import * as extract from './commands/extract.js';
import * as info from './commands/info.js';
import * as make from './commands/make.js';
import * as crunch from './commands/crunch.js';
import * as add from './commands/add.js';
import * as rm from './commands/rm.js';
import * as mkdir from './commands/mkdir.js';
import * as mv from './commands/mv.js';
import * as label from './commands/label.js';
import * as check from './commands/check.js';
import * as serve from './commands/serve.js';
import * as attrib from './commands/attrib.js';
import * as du from './commands/du.js';
import * as map from './commands/map.js';
import * as undelete from './commands/undelete.js';
import * as bmap from './commands/bmap.js';
import * as sparse from './commands/sparse.js';
import * as resize from './commands/resize.js';

/** The `fat` program: global options, then one module per subcommand. */
export const program = new Command('fat')
  .description('Make, inspect and change FAT12/16/32 disk images; embed directories as modules.')
  .version(VERSION, '-V, --version', 'print the version')
  .addOption(new Option('--partition <n>', 'use partition N (1-based) of a whole-disk image'))
  .addOption(new Option('--offset <bytes>', 'the volume starts at this byte offset in the image'))
  .addOption(new Option('--code-page <page>', 'OEM code page of short names').choices(['cp437', 'cp850']))
  .option('--wait [seconds]', 'when another process writes the image, wait for it (at most SECONDS) instead of failing')
  .option('-q, --quiet', 'print no progress')
  .option('--debug', 'print stack traces on errors')
  .exitOverride()
  // Commander's usage errors as one line: `fat: unknown option '--frob' (Did you mean --from?) (see --help)`.
  .configureOutput({ outputError: (str, write) => write(`${str.replace(/^error: /, 'fat: ').trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`) })
  // Global option values are checked before any command starts (make reads --partition its own way).
  .hook('preAction', (_program, action) => {
    if (action.name() !== 'make') volumeLocation(action);
  });

for (const command of [make, list, cat, extract, info, add, rm, mkdir, mv, label, crunch, check, serve, attrib, du, map, undelete, bmap, sparse, resize]) command.register(program);
