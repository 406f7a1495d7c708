import { Command, Option } from 'commander';
import { VERSION } from './version.js';

/** What a subcommand's module exports (commands/README.md). */
export interface CommandModule {
  register(program: Command): void;
}

/**
 * Every subcommand: its names (the first is the command, the rest its aliases, as its module
 * registers them) and how to load its module. A start loads only the module of the command on its
 * command line (all of them for `fat --help`, `fat help` or an unknown name), so `fat --version`
 * and `fat list` parse no code of `make`, `crunch` or `serve`. A new command adds one line here,
 * in the order `fat --help` lists it (src/cli/README.md).
 */
export const COMMANDS: readonly { names: readonly string[]; load: () => Promise<CommandModule> }[] = [
  { names: ['make'], load: () => import('./commands/make.js') },
  { names: ['list', 'ls'], load: () => import('./commands/list.js') },
  { names: ['cat'], load: () => import('./commands/cat.js') },
  { names: ['extract', 'x'], load: () => import('./commands/extract.js') },
  { names: ['info'], load: () => import('./commands/info.js') },
  { names: ['add'], load: () => import('./commands/add.js') },
  { names: ['rm'], load: () => import('./commands/rm.js') },
  { names: ['mkdir'], load: () => import('./commands/mkdir.js') },
  { names: ['mv'], load: () => import('./commands/mv.js') },
  { names: ['label'], load: () => import('./commands/label.js') },
  { names: ['crunch'], load: () => import('./commands/crunch.js') },
  { names: ['check'], load: () => import('./commands/check.js') },
  { names: ['serve'], load: () => import('./commands/serve.js') },
  { names: ['resize'], load: () => import('./commands/resize.js') },
  { names: ['attrib'], load: () => import('./commands/attrib.js') },
  { names: ['du'], load: () => import('./commands/du.js') },
  { names: ['map'], load: () => import('./commands/map.js') },
  { names: ['undelete'], load: () => import('./commands/undelete.js') },
  { names: ['bmap'], load: () => import('./commands/bmap.js') },
  { names: ['sparse'], load: () => import('./commands/sparse.js') },
];

/** The `fat` program with its global options and no subcommand yet. */
export function baseProgram(): Command {
  return new Command('fat')
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
    .hook('preAction', async (_program, action) => {
      if (action.name() !== 'make') (await import('./volume.js')).volumeLocation(action);
    });
}

/**
 * The subcommand named on `argv` (process.argv shape), skipping the global options and their
 * values as commander does; undefined when there is none (or `--` comes first).
 */
export function commandNameOf(program: Command, argv: readonly string[]): string | undefined {
  const names = (required: boolean): Set<string | undefined> =>
    new Set(program.options.filter((o) => (required ? o.required : o.optional)).flatMap((o) => [o.long, o.short]));
  const takesValue = names(true);
  const mayTakeValue = names(false);
  const isCommand = (a: string | undefined): boolean => a !== undefined && COMMANDS.some((c) => c.names.includes(a));
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined;
    if (!a.startsWith('-') || a === '-') return a;
    if (takesValue.has(a) || (mayTakeValue.has(a) && !argv[i + 1]?.startsWith('-') && !isCommand(argv[i + 1]))) i++;
  }
  return undefined;
}

/**
 * The program for `argv`: the global options and the command it names, or every command when it
 * names none that exists (help, usage errors with suggestions), none for `fat --version`. Without
 * argv: every command.
 */
export async function loadProgram(argv?: readonly string[]): Promise<Command> {
  const program = baseProgram();
  const name = argv && commandNameOf(program, argv);
  const one = name === undefined ? undefined : COMMANDS.find((c) => c.names.includes(name));
  // `fat --version` (no command) prints the version and loads none.
  const version = argv !== undefined && name === undefined && argv.slice(2).some((a) => a === '-V' || a === '--version');
  const modules = await Promise.all((one ? [one] : version ? [] : COMMANDS).map((c) => c.load()));
  for (const m of modules) m.register(program);
  return program;
}
