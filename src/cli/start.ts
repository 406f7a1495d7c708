import { fileURLToPath } from 'node:url';
import { commandWord, versionOnly } from './argv.js';
import { VERSION } from './version.js';
import { OutputError, reportOutputError, watchStdout, writeOut } from './output.js';
import { waitArgs } from './wait.js';
import { tuneJit } from './jit.js';
import { RUNNERS } from './runners.js';

/**
 * What main.ts starts once Node's compile cache is on: `fat --version` at once, else the command's
 * runner (runners.ts), else the program's own path (fallback.ts: help, unknown commands).
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
  await (await import('./fallback.js')).runProgram(argv);
}

/** A runner's start (runners.ts: the command in one module); undefined when its file is missing. */
async function loadRunner(file: string): Promise<((argv: string[]) => Promise<void>) | undefined> {
  const { loadRunner: load } = await import('./code-cache.js');
  try {
    return load(fileURLToPath(new URL(file, import.meta.url))).start;
  } catch (e) {
    // An install without dist/cli/run/ (or a file of it): the program's own path still works.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}
