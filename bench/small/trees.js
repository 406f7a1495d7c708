// The issue #16 tree: 2,000 small files (1 B - 20 KB) in 400 directories, plus four 5 MiB files
// (2,004 files), deterministic from a seed. Written with bench/build/trees.js's writer, which also
// gives the bench's existing small tree (2,000 files of 200 B - 8 KiB in 40 directories + 4 x 5 MiB).
import { prng } from '../build/trees.js';

const MiB = 1 << 20;
const WORDS = ['index', 'about', 'release', 'notes', 'post', 'draft', 'Photo', 'style', 'main', 'vendor', 'data', 'README', 'summary'];
const EXTS = ['.html', '.css', '.js', '.json', '.svg', '.png', '.txt', '.md', '.xml', ''];

/** [{ path, size }]: 400 directories (20 top-level, 19 below each, some two deep), 2,004 files. */
export function issueTreeFiles(seed = 16) {
  const rnd = prng(seed);
  const dirs = [];
  for (let i = 0; i < 20; i++) {
    const top = i % 3 ? `section-${i}` : `Section ${i} Archive`;
    dirs.push(top);
    for (let j = 0; j < 19; j++) dirs.push(j % 4 === 3 ? `${dirs[dirs.length - 1]}/part${j}` : `${top}/${j % 2 ? 'PAGES' : 'sub'}-${j}`);
  }
  const files = [];
  for (let i = 0; i < 2000; i++) {
    const dir = dirs[i % dirs.length];
    const r = rnd();
    // A third 8.3 names (upper or lower case), the rest long names.
    const name = r < 0.17 ? `F${i}.TXT` : r < 0.34 ? `f${i}.htm` : `${WORDS[Math.floor(rnd() * WORDS.length)]}-${WORDS[Math.floor(rnd() * WORDS.length)]} ${i}${EXTS[Math.floor(rnd() * EXTS.length)]}`;
    files.push({ path: `${dir}/${name}`, size: 1 + Math.floor(rnd() * 20000) });
  }
  for (let i = 0; i < 4; i++) files.push({ path: `${dirs[i * 97]}/big-${i}.bin`, size: 5 * MiB });
  return { files, dirs: dirs.length };
}
