/** Put a generated module on disk, or compare it with what is there (--check). */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FatError } from '../fat/errors.js';
import { BANNER } from './emit-module.js';
import { CHUNK_NAME } from './layout.js';
import type { GeneratedModule } from './generate.js';

async function existingChunks(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => CHUNK_NAME.test(n)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Write chunks first and the module last, so a reader never sees a module whose chunks are
 * missing; then delete chunk files the new module no longer names. Unchanged files are not
 * rewritten. Nothing but the module, its types and `*.bin` chunk files is ever touched.
 */
export async function writeGenerated(generated: GeneratedModule): Promise<void> {
  const { baseDir, chunkDir } = generated.layout;
  await refuseForeignFiles(generated);
  await fs.mkdir(baseDir, { recursive: true });
  const chunkPath = path.join(baseDir, chunkDir);
  if (generated.files.some((f) => f.path.startsWith(`${chunkDir}/`))) await fs.mkdir(chunkPath, { recursive: true });
  for (const file of generated.files) {
    const target = path.join(baseDir, file.path);
    if (await sameContent(target, file.data)) continue;
    const temp = `${target}.${process.pid}.tmp`;
    await fs.writeFile(temp, file.data);
    await fs.rename(temp, target);
  }
  const keep = new Set(generated.files.map((f) => f.path));
  for (const name of await existingChunks(chunkPath)) {
    if (!keep.has(`${chunkDir}/${name}`)) await fs.rm(path.join(chunkPath, name), { force: true });
  }
  if (!generated.files.some((f) => f.path.startsWith(`${chunkDir}/`))) await fs.rmdir(chunkPath).catch(() => undefined);
}

/**
 * Never overwrite what fat crunch did not write (`-o .` must not replace a project's index.js or
 * package.json): an existing module or .d.ts must start with our banner, a package.json must be ours.
 */
async function refuseForeignFiles(generated: GeneratedModule): Promise<void> {
  const { baseDir, chunkDir } = generated.layout;
  for (const file of generated.files) {
    if (file.path.startsWith(`${chunkDir}/`)) continue;
    const target = path.join(baseDir, file.path);
    let existing: string;
    try {
      existing = await fs.readFile(target, 'utf8');
    } catch {
      continue;
    }
    const ours = file.path.endsWith('.json') ? existing === new TextDecoder().decode(file.data) : existing.startsWith(BANNER);
    if (!ours) throw new FatError('EEXIST', `${target} exists and was not written by fat crunch: not replacing it`, { path: target });
  }
}

async function sameContent(file: string, data: Uint8Array): Promise<boolean> {
  try {
    const st = await fs.stat(file);
    if (st.size !== data.length) return false;
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(await fs.readFile(file));
  } catch {
    return false;
  }
}

/** What differs between a generated module and the files on disk: [] when it is up to date. */
export async function staleFiles(generated: GeneratedModule): Promise<string[]> {
  const { baseDir, chunkDir } = generated.layout;
  const stale: string[] = [];
  for (const file of generated.files) {
    if (!(await sameContent(path.join(baseDir, file.path), file.data))) stale.push(file.path);
  }
  const expected = new Set(generated.files.map((f) => f.path));
  for (const name of await existingChunks(path.join(baseDir, chunkDir))) {
    if (!expected.has(`${chunkDir}/${name}`)) stale.push(`${chunkDir}/${name}`);
  }
  return stale;
}
