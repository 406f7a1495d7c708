/**
 * Seed images for the fuzzer, made by mkfs.fat + mtools (FAT-NOTES.md section 8) and cached in
 * the OS temp directory (keyed by the recipe). Each holds a small tree: files of 0, 1 and several
 * clusters, long names, a nested directory and a label.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ENV = {
  ...process.env,
  TZ: 'UTC',
  LC_ALL: 'C.UTF-8',
  MTOOLS_SKIP_CHECK: '1',
  MTOOLSRC: '/dev/null',
  SOURCE_DATE_EPOCH: '1700000000',
  PATH: `${process.env.PATH}:/usr/sbin:/sbin`,
};

/** name, mkfs.fat arguments, size in KiB. */
export const RECIPES = [
  { name: 'fat12-1m', args: ['-s', '1', '-n', 'FUZZ12'], kib: 1024 },
  { name: 'fat12-360k', args: [], kib: 360 },
  { name: 'fat16-4m', args: ['-F', '16', '-s', '1', '-r', '64'], kib: 4096 },
  { name: 'fat16-4k-sectors', args: ['-F', '16', '-S', '4096', '-s', '1'], kib: 24 * 1024 },
  { name: 'fat32-33m', args: ['-F', '32', '-s', '1', '-n', 'FUZZ32'], kib: 33 * 1024 + 512 },
];

function tree(dir) {
  const w = (p, data) => {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), data);
  };
  const bytes = (n, k) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + k) & 0xff));
  w('HELLO.TXT', 'hello, world\n');
  w('EMPTY.TXT', '');
  w('MULTI.BIN', bytes(5000, 1));
  w('Long File Name.txt', 'a long name\n');
  w('readme.md', 'lower case\n');
  w('SUB/INNER.TXT', 'inner\n');
  w('SUB/another long name with spaces.txt', bytes(700, 2));
  w('SUB/DEEP/DEEPER/FILE.DAT', bytes(1500, 3));
  w('Ünïcödé ñame.txt', 'unicode\n');
  for (let i = 0; i < 20; i++) w(`MANY/file number ${i}.txt`, bytes(i * 37, i));
  const t = new Date('2020-01-02T03:04:06Z');
  const touch = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) touch(p);
      fs.utimesSync(p, t, t);
    }
  };
  touch(dir);
}

/** Paths of the seed images (made once, then reused). */
export function makeSeeds(cacheDir = path.join(os.tmpdir(), 'fatkit-fuzz-seeds')) {
  const key = createHash('sha256').update(JSON.stringify(RECIPES)).update(tree.toString()).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir, key);
  const out = RECIPES.map((r) => ({ name: r.name, path: path.join(dir, `${r.name}.img`) }));
  if (out.every((s) => fs.existsSync(s.path))) return out;
  fs.mkdirSync(dir, { recursive: true });
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-fuzz-tree-'));
  try {
    tree(src);
    for (const r of RECIPES) {
      const img = path.join(dir, `${r.name}.tmp`);
      fs.rmSync(img, { force: true });
      execFileSync('mkfs.fat', ['-C', '--invariant', ...r.args, img, String(r.kib)], { env: ENV, stdio: 'ignore' });
      const items = fs.readdirSync(src).map((n) => path.join(src, n));
      execFileSync('mcopy', ['-i', img, '-s', '-m', ...items, '::/'], { env: ENV, stdio: 'ignore' });
      fs.renameSync(img, path.join(dir, `${r.name}.img`));
    }
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
  return out;
}
