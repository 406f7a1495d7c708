import { describe, expect, it } from 'vitest';
import { COMMANDS, baseProgram, commandNameOf, loadProgram } from '../../src/cli/program.js';
import { waitArgs } from '../../src/cli/wait.js';
import { GLOBAL_VALUE_OPTIONS, commandWord, versionOnly } from '../../src/cli/argv.js';

describe('the command table (lazy loading)', () => {
  it('lists every command under the names its module registers, in --help order', async () => {
    for (const entry of COMMANDS) {
      const p = baseProgram();
      (await entry.load()).register(p);
      expect(p.commands.map((c) => [c.name(), ...c.aliases()])).toEqual([entry.names]);
    }
    const all = await loadProgram();
    expect(all.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.names[0]));
  });

  it('finds the command on a command line past the global options and their values', () => {
    const p = baseProgram();
    const name = (...args: string[]): string | undefined => commandNameOf(p, waitArgs(['node', 'fat', ...args]));
    expect(name('list', 'a.img')).toBe('list');
    expect(name('--partition', '2', 'ls', 'a.img')).toBe('ls');
    expect(name('--offset=512', '--code-page', 'cp850', 'x', 'a.img', '-o', 'out')).toBe('x');
    expect(name('--wait', '5', 'add', 'a.img', 'f')).toBe('add');
    expect(name('--wait', 'add', 'a.img', 'f')).toBe('add');
    expect(name('-q', '--debug', 'make', 'a.img')).toBe('make');
    expect(name('--version')).toBeUndefined();
    expect(name('--', 'list')).toBeUndefined();
    expect(name()).toBeUndefined();
    // The start picks a command's runner without commander: it finds the same word.
    for (const args of [['list', 'a.img'], ['--partition', '2', 'ls', 'a.img'], ['--offset=512', '--code-page', 'cp850', 'x', 'a.img'], ['--wait', '5', 'add', 'a.img'],
      ['--wait', 'add', 'a.img'], ['-q', '--debug', 'make', 'a.img'], ['--version'], ['--', 'list'], [], ['--partition', 'list', 'a.img'], ['help', 'list'], ['-', 'x']]) {
      const argv = waitArgs(['node', 'fat', ...args]);
      expect([args, commandWord(argv)]).toEqual([args, commandNameOf(p, argv)]);
    }
  });

  it('loads one command for its command line, none for --version, all otherwise', async () => {
    const names = async (...args: string[]): Promise<string[]> => (await loadProgram(['node', 'fat', ...args])).commands.map((c) => c.name());
    expect(await names('ls', 'a.img')).toEqual(['list']);
    expect(await names('--partition', '1', 'extract', 'a.img', '-o', 'o')).toEqual(['extract']);
    expect(await names('--version')).toEqual([]);
    expect(await names('--help')).toEqual(COMMANDS.map((c) => c.names[0]));
    expect(await names('help', 'list')).toEqual(COMMANDS.map((c) => c.names[0]));
    expect(await names('lst')).toEqual(COMMANDS.map((c) => c.names[0]));
  });
});

describe('fat --version without commander', () => {
  it('knows the global options that take a value, as the program defines them', () => {
    expect([...GLOBAL_VALUE_OPTIONS].sort()).toEqual(baseProgram().options.filter((o) => o.required).map((o) => o.long).sort());
  });

  it('answers only a version asked among the global options, before any command', () => {
    const v = (...args: string[]): boolean => versionOnly(waitArgs(['node', 'fat', ...args]));
    expect([v('--version'), v('-V'), v('-q', '--version'), v('--partition', '2', '-V'), v('--wait', '5', '--version'), v('--wait', '-V')]).toEqual([true, true, true, true, true, true]);
    expect([v(), v('list', 'a.img', '--version'), v('--', '--version'), v('--partition', '--version'), v('--help'), v('-qV')]).toEqual([false, false, false, false, false, false]);
  });
});
