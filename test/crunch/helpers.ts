/** Shared by the crunch tests: temporary trees and fresh Node processes that import modules. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A fresh directory under the system temp dir; removed by the returned function. */
export function tempDir(prefix = 'fatkit-crunch-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A tree spec: file contents by path; null makes an (empty) directory. */
export type TreeSpec = Record<string, string | Uint8Array | null>;

export function writeTree(root: string, spec: TreeSpec): void {
  mkdirSync(root, { recursive: true });
  for (const [rel, content] of Object.entries(spec)) {
    const abs = path.join(root, ...rel.split('/'));
    if (content === null) {
      mkdirSync(abs, { recursive: true });
      continue;
    }
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
}

/** Run an ES module source in a fresh `node` and parse the JSON it prints. */
export async function runModule<T>(dir: string, source: string, args: string[] = []): Promise<T> {
  const file = path.join(dir, `probe-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, source);
  try {
    const { stdout } = await run(process.execPath, [file, ...args], { maxBuffer: 256 * 1024 * 1024 });
    return JSON.parse(stdout) as T;
  } finally {
    rmSync(file, { force: true });
  }
}

export interface DumpedFile {
  path: string;
  base64: string;
  syncBase64: string;
  text: string | null;
  stat: { type: string; path: string; size: number; contentType: string; mtimeMs: number; sha256: string; etag: string; integrity: string; variants: { encoding: string; size: number; etag: string }[] };
}

export interface Dump {
  files: DumpedFile[];
  list: string[];
  directories: string[];
  tree: { path: string; type: string }[];
  dirs: Record<string, { name: string; type: string }[]>;
  missing: string;
}

/**
 * Import a generated module in a fresh process and print everything it knows: every file's bytes
 * (read, and readSync after preload), stat, readDir of every directory and the walk.
 */
export async function dumpModule(workDir: string, modulePath: string): Promise<Dump> {
  const source = `
    const m = await import(${JSON.stringify(new URL(`file://${modulePath}`).href)});
    const out = { files: [], list: [...m.files], directories: [...m.directories], tree: [], dirs: {} };
    for (const p of m.files) {
      const bytes = await m.read(p);
      if (!(bytes instanceof Uint8Array)) throw new Error('read gave no Uint8Array');
      bytes.fill(0);
      const again = await m.read(p);
      const st = m.stat(p);
      delete st.mtime;
      out.files.push({ path: p, base64: Buffer.from(again).toString('base64'), syncBase64: '', text: null, stat: st });
    }
    await m.preload();
    for (const f of out.files) f.syncBase64 = Buffer.from(m.readSync(f.path)).toString('base64');
    for (const f of out.files) if (f.stat.contentType.startsWith('text/')) f.text = await m.readText(f.path);
    for (const d of ['', ...m.directories]) out.dirs[d] = m.readDir(d).map(e => ({ name: e.name, type: e.type }));
    out.tree = [...m.walk()].map(e => ({ path: e.path, type: e.type }));
    try { await m.read('no/such/file'); out.missing = 'none'; } catch (e) { out.missing = e.code; }
    if (m.default.files !== m.files) throw new Error('default export differs');
    console.log(JSON.stringify(out));
  `;
  return runModule<Dump>(workDir, source);
}
