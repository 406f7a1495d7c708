import { loadProgram } from './program.js';
import { run } from './run.js';
import { releaseImageLocksOnSignals } from '../index.js';
import { waitArgs } from './wait.js';

// What main.ts starts once Node's compile cache is on: the program for this command line only.
releaseImageLocksOnSignals();
const argv = waitArgs(process.argv);
await run(await loadProgram(argv), argv);
