#!/usr/bin/env node
// `npm start`: the main job on the bundled example site — build an image from it, list it, check it
// reads back: `fat make out/site.img --from examples/site`, `fat list -l`, `fat info`, `fat extract`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import * as fs from 'node:fs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fat = (...args) => {
  console.log(`$ fat ${args.join(' ')}`);
  try {
    execFileSync(process.execPath, [path.join(root, 'dist/cli/main.js'), ...args], { stdio: 'inherit', cwd: root });
  } catch (e) {
    process.exit(e.status ?? 1); // fat has printed its one-line error
  }
  console.log();
};

fs.mkdirSync(path.join(root, 'out'), { recursive: true });

fat('make', 'out/site.img', '--from', 'examples/site', '--label', 'FIELDNOTES', '--force');
fat('list', '-l', 'out/site.img');
fat('info', 'out/site.img');
fat('extract', 'out/site.img', '-o', 'out/site');
console.log('extracted the image back to out/site');
