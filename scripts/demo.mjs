#!/usr/bin/env node
// `npm start`: the main job on the bundled example site — show the image, list it, extract it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fat = (...args) => {
  console.log(`$ fat ${args.join(' ')}`);
  execFileSync(process.execPath, [path.join(root, 'dist/cli/main.js'), ...args], { stdio: 'inherit', cwd: root });
  console.log();
};

fat('info', 'examples/site.img');
fat('list', '-l', 'examples/site.img');
fat('extract', 'examples/site.img', '-o', 'out/site');
console.log('extracted to out/site');
