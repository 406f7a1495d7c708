import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

/**
 * Loading a command's runner (runners.ts: one CommonJS file, `dist/cli/run/NAME-HASH.cjs`).
 *
 * Node >= 22.1 caches compiled code itself (main.ts turns module.enableCompileCache on): the runner
 * is require()d. Node 20 has no such cache, so it would parse and compile the runner's ~300 KB at
 * every start (~10-15 ms of CPU for `fat list`, bench/small/PROFILE.md): there the runner is
 * compiled as a vm.Script with V8's code cache, as v8-compile-cache does for CommonJS, kept in the
 * user's cache directory. The cache can only make a start faster, never break one: a cache that is
 * missing, unreadable, stale or corrupt is ignored (V8 rejects data that does not match its
 * version, flags or source) and written anew after the run; a cache directory that cannot be made
 * or written is left alone. The cache's name carries the runner's content hash, size and time and
 * Node's version, so neither an upgrade nor a runner edited in place meets an old cache. `FATKIT_CODE_CACHE=0` turns it off.
 */

/** What a runner module exports. */
export interface Runner {
  start(argv: string[]): Promise<void>;
}

/** Where the code cache lives: the user's cache directory, or undefined when there is none to use. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  if (env.FATKIT_CODE_CACHE === '0') return undefined;
  let home: string;
  try {
    home = os.homedir();
  } catch {
    return undefined;
  }
  if (platform === 'win32') return env.LOCALAPPDATA ? path.join(env.LOCALAPPDATA, 'fatkit', 'Cache', 'code') : undefined;
  if (platform === 'darwin') return home ? path.join(home, 'Library', 'Caches', 'fatkit', 'code') : undefined;
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : home ? path.join(home, '.cache') : undefined;
  return base && path.join(base, 'fatkit', 'code');
}

/**
 * Whether this process may trust `dir` with compiled code: a directory (not a link) owned by this
 * user, writable by no one else. Cached code runs as it is, so a cache others can write is not used.
 */
function trusted(dir: string): boolean {
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) return false;
    if (process.platform === 'win32' || typeof process.getuid !== 'function') return true;
    return st.uid === process.getuid() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/**
 * Load the runner at `file` (absolute), through the code cache on Node without its own when it
 * may run as a script (`script`: it calls no import(), which a vm.Script cannot).
 */
export function loadRunner(file: string, script = true): Runner {
  const hasNodeCache = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';
  const dir = hasNodeCache || !script ? undefined : codeCacheDir();
  if (dir === undefined) return nodeModule.createRequire(file)(file) as Runner;
  return loadCached(file, dir);
}

function loadCached(file: string, dir: string): Runner {
  const source = fs.readFileSync(file, 'utf8');
  // V8 checks a cache against the source's length only: the file's size and time are in the key
  // too, so a runner changed in place (not rebuilt, which renames it) never meets its old code.
  const st = fs.statSync(file);
  const cacheFile = path.join(dir, `${path.basename(file, '.cjs')}-${process.version}-${process.arch}-${st.size}-${Math.floor(st.mtimeMs)}.v8`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = trusted(dir) ? fs.readFileSync(cacheFile) : undefined;
  } catch {
    cachedData = undefined;
  }
  // The wrapper starts on the file's first line, so stack traces keep its line numbers.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (cachedData === undefined || script.cachedDataRejected === true) {
    // Written at exit, so the functions this run compiled are in it.
    process.once('exit', () => writeCache(script, dir, cacheFile));
  }
  const module = { exports: {} as Runner };
  const fn = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  fn(module.exports, nodeModule.createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

/** Store the compiled code (through a temporary file renamed into place); any failure is ignored. */
function writeCache(script: vm.Script, dir: string, cacheFile: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!trusted(dir)) return;
    const data = script.createCachedData();
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, data, { mode: 0o600 });
      fs.renameSync(tmp, cacheFile);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    // The caches of this command's earlier builds (another content hash) are of no more use.
    const base = path.basename(cacheFile);
    const command = base.slice(0, base.search(/-[A-Z0-9]+-v\d/) + 1);
    if (command) for (const f of fs.readdirSync(dir)) if (f.startsWith(command) && f !== base && f.endsWith('.v8')) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    // a read-only or full disk, a cache directory in the way: run without a cache next time too
  }
}
