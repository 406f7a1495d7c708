import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { commandWord, versionOnly } from './argv.js';
import { VERSION } from './version.js';
import { OutputError, reportOutputError, watchStdout, writeOut } from './output.js';
import { waitArgs } from './wait.js';
import { RUNNERS, type RunnerFile } from './runners.js';

/**
 * What main.ts starts once Node's compile cache is on: `fat --version` at once, else the command's
 * runner (runners.ts), else the program's own path (runner.ts runProgram: help, unknown commands).
 */
export async function start(): Promise<void> {
  const argv = waitArgs(process.argv);
  if (versionOnly(argv)) {
    watchStdout();
    await writeOut(`${VERSION}\n`).catch((e: unknown) => {
      if (!(e instanceof OutputError)) throw e;
      reportOutputError(e);
    });
    return;
  }
  tuneJit();
  const word = commandWord(argv);
  const runner = word !== undefined && Object.hasOwn(RUNNERS, word) ? await loadRunner(RUNNERS[word]) : undefined;
  if (runner !== undefined) {
    await runner(argv);
    return;
  }
  // Not bundled with the start (scripts/bundle-cli.mjs): its chunks load only on this path.
  await (await import('./runner.js')).runProgram(argv);
}

/** A runner's start (runners.ts: the command in one module); undefined when its file is missing. */
async function loadRunner(runner: RunnerFile): Promise<((argv: string[]) => Promise<void>) | undefined> {
  const { loadRunner: load } = await import('./code-cache.js');
  try {
    return load(fileURLToPath(new URL(runner.file, import.meta.url)), runner.script).start;
  } catch (e) {
    // An install without dist/cli/run/ (or a file of it): the program's own path still works.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

/**
 * V8 11 (Node 20) hands a function to its optimizing compiler (TurboFan, on background threads)
 * after 3 ticks of its interrupt budget: in a start that lists or copies a few thousand entries,
 * those compiles cost ~30 ms of CPU (a third of `fat list`'s own work, bench/small/PROFILE.md) for
 * code that finishes before it would run optimized. Waiting for more ticks leaves that to the jobs
 * long enough to gain from it (a 30,000-entry listing is as fast as before). Later V8s tier up by
 * other rules (Maglev first) and do not know the flag: they are left alone.
 */
export function tuneJit(v8Version = process.versions.v8): boolean {
  if (!/^11\./.test(v8Version)) return false;
  try {
    // Loaded here, not imported: node:v8 loads the stream modules, which `fat --version` never needs.
    (createRequire(import.meta.url)('node:v8') as typeof import('node:v8')).setFlagsFromString('--ticks-before-optimization=30');
    return true;
  } catch {
    return false;
  }
}
