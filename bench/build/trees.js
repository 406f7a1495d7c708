// Deterministic host trees for the build benchmark: written once per run with large sequential writes.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** mulberry32: a small seeded PRNG, so every run builds byte-identical trees. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A pool of pseudo-random bytes that file contents are sliced from (not zeros: nothing sparse). */
function pool(bytes, seed) {
  const rnd = prng(seed);
  const buf = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i += 4) buf.writeUInt32LE((rnd() * 4294967296) >>> 0, i);
  return buf;
}

const MiB = 1 << 20;
// A site-like layout: ~40 directories, short and long names, mixed case, some spaces.
const SECTIONS = [
  'assets/css', 'assets/js', 'assets/js/vendor', 'assets/img', 'assets/img/Gallery 2023', 'assets/fonts',
  'blog', 'blog/2019', 'blog/2020', 'blog/2021', 'blog/2022', 'blog/2023', 'blog/2024',
  'docs', 'docs/getting-started', 'docs/reference', 'docs/reference/api', 'docs/How-To Guides', 'docs/faq',
  'products', 'products/widgets', 'products/gadgets', 'products/Accessories',
  'about', 'about/team', 'about/press-releases', 'careers', 'legal', 'downloads',
  'en', 'en/news', 'de', 'de/nachrichten', 'fr', 'fr/actualites', 'tags', 'categories', 'search', 'feeds', 'api/v1',
];
const WORDS = ['release', 'notes', 'getting', 'started', 'install', 'config', 'widget', 'performance', 'review',
  'summer', 'update', 'team', 'announcing', 'new', 'features', 'guide', 'migration', 'security', 'faq', 'Overview'];
const EXTS = ['.html', '.html', '.html', '.css', '.js', '.json', '.svg', '.png', '.jpg', '.md', '.txt', '.xml', '.woff2'];

/** The plan of the small tree: [{ path, size }] (dirs implied). 2,000 small files + four 5 MiB files. */
export function smallTreeFiles() {
  const rnd = prng(2000);
  const files = [];
  const names = new Set();
  for (let i = 0; i < 2000; i++) {
    const dir = SECTIONS[i % SECTIONS.length];
    let name;
    do {
      const r = rnd();
      if (r < 0.15) name = `index-${i}.html`;
      else if (r < 0.3) name = `IMG_${1000 + Math.floor(rnd() * 9000)}.JPG`;
      else if (r < 0.45) name = `${i}.html`;
      else {
        const n = 1 + Math.floor(rnd() * 4);
        const w = [];
        for (let k = 0; k < n; k++) w.push(WORDS[Math.floor(rnd() * WORDS.length)]);
        name = `${w.join('-')}-${i}${EXTS[Math.floor(rnd() * EXTS.length)]}`;
      }
    } while (names.has(`${dir}/${name}`.toLowerCase()));
    names.add(`${dir}/${name}`.toLowerCase());
    files.push({ path: `${dir}/${name}`, size: 200 + Math.floor(rnd() * (8192 - 200)) });
  }
  for (let i = 0; i < 4; i++) files.push({ path: `downloads/release-bundle-${i + 1}.tar.gz`, size: 5 * MiB });
  return files;
}

/** `count` files of `each` bytes, as a few directories of videos/disk images. */
export function largeTreeFiles(count, each) {
  const files = [];
  for (let i = 0; i < count; i++) files.push({ path: `media/set-${i % 4}/Large File ${String(i).padStart(2, '0')}.bin`, size: each });
  return files;
}

/** Write a tree under `root` (which must not exist); returns { files, bytes, dirs }. */
export function writeTree(root, files, seed = 1) {
  const POOL = 8 * MiB;
  const data = pool(POOL + 64 * 1024, seed);
  fs.mkdirSync(root, { recursive: true });
  const dirs = new Set();
  let bytes = 0;
  let off = 0;
  for (const f of files) {
    const abs = path.join(root, f.path);
    const dir = path.dirname(abs);
    if (!dirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      dirs.add(dir);
    }
    const fd = fs.openSync(abs, 'w');
    let left = f.size;
    while (left > 0) {
      const n = Math.min(left, POOL);
      const start = off % (64 * 1024);
      fs.writeSync(fd, data, start, n);
      off += 4099; // a different slice of the pool per chunk/file
      left -= n;
    }
    fs.closeSync(fd);
    bytes += f.size;
  }
  return { files: files.length, bytes, dirs: dirs.size };
}
