import { fileURLToPath } from 'node:url';
import { commandWord, versionOnly } from './argv.js';
import { VERSION } from './version.js';
import { OutputError, reportOutputError, watchStdout, writeOut } from './output.js';
import { waitArgs } from './wait.js';
import { tuneJit } from './jit.js';
import { RUNNERS } from './runners.js';

// What main.ts starts once Node's compile cache is on: `fat --version` at once, else the program
// for this command line only (commander, the command's module and what it uses, loaded on demand).
const argv = waitArgs(process.argv);
if (versionOnly(argv)) {
  watchStdout();
  await writeOut(`${VERSION}\n`).catch((e: unknown) => {
    if (!(e instanceof OutputError)) throw e;
    reportOutputError(e);
  });
} else {
  tuneJit();
  const word = commandWord(argv);
  const runner = word !== undefined && Object.hasOwn(RUNNERS, word) ? await loadRunner(RUNNERS[word]) : undefined;
  if (runner !== undefined) {
    await runner(argv);
  } else {
    // --help, help, an unknown command, or no runners (tsc's build): the program, every command.
    const [{ loadProgram }, { run }, { installSignalHandlers }] = await Promise.all([import('./program.js'), import('./run.js'), import('./signals.js')]);
    installSignalHandlers();
    await run(await loadProgram(argv), argv);
  }
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
