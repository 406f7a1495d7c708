import { createRequire } from 'node:module';

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
