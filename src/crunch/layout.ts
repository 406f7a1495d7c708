/**
 * Where a generated module goes. OUT ending in `.js`/`.mjs` is the module itself, with its types
 * beside it (`.d.ts`/`.d.mts`) and its chunks in `<name>.chunks/`; any other OUT is a directory
 * holding `index.js`, `index.d.ts`, `chunks/` and a `package.json` that makes `.js` mean ESM
 * there (for Node and for TypeScript's NodeNext resolution) whatever the enclosing package says.
 */
import path from 'node:path';

export interface Layout {
  /** The directory everything below is relative to. */
  baseDir: string;
  module: string;
  types: string;
  /** Chunk directory (relative to baseDir), used in directory mode and cleaned in both. */
  chunkDir: string;
  /** `package.json` in a directory OUT; none beside a .js/.mjs OUT (not ours to write). */
  packageJson?: string;
}

export function layoutFor(out: string): Layout {
  const abs = path.resolve(out);
  const m = /^(.*)\.(m?)js$/.exec(path.basename(abs));
  if (m) {
    const [, stem, mjs] = m as unknown as [string, string, string];
    return { baseDir: path.dirname(abs), module: `${stem}.${mjs}js`, types: `${stem}.d.${mjs}ts`, chunkDir: `${stem}.chunks` };
  }
  return { baseDir: abs, module: 'index.js', types: 'index.d.ts', chunkDir: 'chunks', packageJson: 'package.json' };
}

/** Chunk files are named by the start of their sha256: only such names are ever deleted. */
export const CHUNK_NAME = /^[0-9a-f]{16}\.bin$/;
