import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../src/crunch/model.js';
import { tempDir, writeTree } from './helpers.js';

let work: ReturnType<typeof tempDir>;
let site: string;
beforeAll(() => {
  work = tempDir();
  site = path.join(work.dir, 'site');
  writeTree(site, { 'posts/a.md': 'a', 'posts/sub/b.md': 'b', 'posts/sub/c.js.map': 'c', 'index.html': 'i', 'top.map': 't', 'js/x.js.map': 'x', 'js/x.js': 'j' });
});
afterAll(() => work.remove());

/** Directories (with a trailing slash) and files of the model, sorted. */
async function crunched(options: { include?: string[]; exclude?: string[] }): Promise<string[]> {
  const { manifest } = await buildModel(site, { ...options, compress: false, chunkSize: 1 << 20 });
  return [...manifest.directories.map((d) => `${d}/`), ...manifest.files.map((f) => f[0])].sort();
}

describe('crunch: --include and --exclude (the same rules as fat make --from)', () => {
  const rest = ['index.html', 'js/', 'js/x.js', 'js/x.js.map', 'top.map'];
  const cases: [{ include?: string[]; exclude?: string[] }, string[]][] = [
    [{ exclude: ['posts/*'] }, [...rest, 'posts/']],
    [{ exclude: ['posts/'] }, rest],
    [{ exclude: ['posts'] }, rest],
    [{ exclude: ['posts/**'] }, rest],
    [{ exclude: ['**/*.map'] }, ['index.html', 'js/', 'js/x.js', 'posts/', 'posts/a.md', 'posts/sub/', 'posts/sub/b.md']],
    [{ include: ['posts/'] }, ['posts/', 'posts/a.md', 'posts/sub/', 'posts/sub/b.md', 'posts/sub/c.js.map']],
    [{ include: ['posts/*'], exclude: ['**/*.map'] }, ['posts/', 'posts/a.md', 'posts/sub/', 'posts/sub/b.md']],
    [{ include: ['**/*.map'] }, ['js/', 'js/x.js.map', 'posts/', 'posts/sub/', 'posts/sub/c.js.map', 'top.map']],
  ];
  it.each(cases)('%j', async (options, want) => {
    expect(await crunched(options)).toEqual([...want].sort());
  });

  it('refuses special files unless skipSpecial, then tells onSkip', async () => {
    const w = tempDir();
    try {
      writeTree(w.dir, { 'a.txt': 'a' });
      if (spawnSync('mkfifo', [path.join(w.dir, 'pipe')]).status !== 0) return;
      await expect(buildModel(w.dir, { chunkSize: 1 << 20 })).rejects.toThrow(/pipe \(not a regular file or directory\)/);
      const told: string[] = [];
      const m = await buildModel(w.dir, { chunkSize: 1 << 20, skipSpecial: true, onSkip: (s) => told.push(`${s.path} ${s.kind}`) });
      expect(m.manifest.files.map((f) => f[0])).toEqual(['a.txt']);
      expect(told).toEqual(['pipe FIFO']);
    } finally {
      w.remove();
    }
  });
});
