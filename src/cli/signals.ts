import { releaseImageLocksOnSignals } from '../index.js';

/** SIGINT/SIGTERM release the image locks this process holds (loaded by start.ts for every command). */
export function installSignalHandlers(): void {
  releaseImageLocksOnSignals();
}
