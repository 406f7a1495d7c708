#!/usr/bin/env node
import * as nodeModule from 'node:module';

// Node >= 22.1 caches the compiled code of the modules loaded after this call (on disk, in
// NODE_COMPILE_CACHE or the temporary directory), so later starts skip most parsing. Node 20 has
// no enableCompileCache: the start is then as before. Failing to set the cache up is not an error.
try {
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
} catch {
  // a read-only or missing cache directory: run without it
}
await (await import('./start.js')).start();
