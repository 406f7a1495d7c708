import { versionOnly } from './argv.js';
import { VERSION } from './version.js';
import { OutputError, reportOutputError, watchStdout, writeOut } from './output.js';
import { waitArgs } from './wait.js';
import { tuneJit } from './jit.js';

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
  const [{ loadProgram }, { run }, { installSignalHandlers }] = await Promise.all([import('./program.js'), import('./run.js'), import('./signals.js')]);
  installSignalHandlers();
  await run(await loadProgram(argv), argv);
}
