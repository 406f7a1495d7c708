#!/usr/bin/env node
// Stand-in for `fat make IMG --from DIR --force --quiet` while the CLI flag is being wired:
// the same library call, whole process. Usage: node bench/build/make-wrapper.js IMG DIR
import { buildImageFromDir } from '../../dist/index.js';

const [image, from] = process.argv.slice(2);
if (!image || !from) {
  console.error('usage: make-wrapper.js IMG DIR');
  process.exit(2);
}
await buildImageFromDir(image, { from, force: true });
