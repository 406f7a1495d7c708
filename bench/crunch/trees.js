// Deterministic trees for the crunch benchmark: a ~20 MiB site and 1,000 small files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prng } from '../build/trees.js';

const MiB = 1 << 20;

const WORDS = ('the a of to and in is for on with that by this from at as are be or an it was which release notes install '
  + 'configure widget performance review summer update team announcing features guide migration security overview '
  + 'server client request response header cache module directory embed serve bytes memory chunk').split(' ');

/** HTML/CSS/JS-like text: words and markup, compressible about 4:1 like real pages. */
function text(rnd, size, kind) {
  const parts = [];
  let n = 0;
  while (n < size) {
    const words = Array.from({ length: 6 + Math.floor(rnd() * 14) }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
    const line = kind === 'css' ? `.c${Math.floor(rnd() * 900)} { margin: ${Math.floor(rnd() * 40)}px; color: #${Math.floor(rnd() * 0xffffff).toString(16)}; }\n`
      : kind === 'js' ? `export function f${Math.floor(rnd() * 9000)}(x) { return x + ${JSON.stringify(words)}; }\n`
      : `<p class="p${Math.floor(rnd() * 50)}">${words}</p>\n`;
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('').slice(0, size));
}

function binary(rnd, size) {
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) buf[i] = Math.floor(rnd() * 256);
  return buf;
}

const SECTIONS = ['', 'blog', 'blog/2023', 'blog/2024', 'docs', 'docs/api', 'docs/guides', 'assets/css', 'assets/js', 'assets/img', 'about', 'products'];

/** [{ path, data }] of a site of about `total` bytes: pages, styles, scripts and images. */
function site(total, seed) {
  const rnd = prng(seed);
  const files = [];
  let bytes = 0;
  for (let i = 0; bytes < total; i++) {
    const pick = rnd();
    const [dir, ext, size, make] = pick < 0.55 ? [SECTIONS[Math.floor(rnd() * 7)], '.html', 20_000 + rnd() * 100_000, (n) => text(rnd, n, 'html')]
      : pick < 0.65 ? ['assets/css', '.css', 10_000 + rnd() * 80_000, (n) => text(rnd, n, 'css')]
      : pick < 0.75 ? ['assets/js', '.js', 20_000 + rnd() * 200_000, (n) => text(rnd, n, 'js')]
      : ['assets/img', i % 2 ? '.png' : '.jpg', 50_000 + rnd() * 400_000, (n) => binary(rnd, n)];
    const data = make(Math.floor(Math.min(size, total - bytes + 1)));
    files.push({ path: `${dir ? `${dir}/` : ''}page-${i}${ext}`.replace(/page-(\d+)\.(png|jpg)$/, 'image-$1.$2'), data });
    bytes += data.length;
  }
  files.push({ path: 'index.html', data: text(rnd, 30_000, 'html') });
  return files;
}

/** 1,000 small files (200 B - 6 KiB) in 50 directories, 80% text. */
function small(count, seed) {
  const rnd = prng(seed);
  return Array.from({ length: count }, (_, i) => {
    const size = 200 + Math.floor(rnd() * 6000);
    const isText = rnd() < 0.8;
    return { path: `d${i % 50}/f${i}.${isText ? 'html' : 'bin'}`, data: isText ? text(rnd, size, 'html') : binary(rnd, size) };
  });
}

export const TREES = {
  'site-20MiB': () => site(20 * MiB, 1),
  'small-1000': () => small(1000, 2),
};

export function writeTree(root, files) {
  fs.rmSync(root, { recursive: true, force: true });
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
    fs.writeFileSync(path.join(root, f.path), f.data);
  }
  return files.reduce((n, f) => n + f.data.length, 0);
}
