#!/usr/bin/env node
// fatkit's devDependency "fatkit-node-gyp-cxx17" links this file as node_modules/.bin/node-gyp,
// which npm puts on PATH ahead of its own node-gyp when it runs install scripts. mmap-io 1.1.7
// compiles with -std=c++11, which Node 20's headers reject; a later -std=c++17 (c++20 for Node 24
// and later) from CXXFLAGS wins. Everything else is npm's own node-gyp, unchanged.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

// Node 24's headers (V8 13) require C++20 and reject -std=c++17: without it the optional mmap-io
// failed to build there and npm dropped it silently. The target is node-gyp's --target when set,
// else the Node running npm.
const target = process.env.npm_config_target || process.versions.node;
const std = Number(String(target).replace(/^v/, '').split('.')[0]) >= 24 ? 'c++20' : 'c++17';
const flags = process.env.CXXFLAGS || '';
if (!/-std=/.test(flags)) process.env.CXXFLAGS = `${flags} -std=${std}`.trim();

function realNodeGyp() {
  const self = fs.realpathSync(__filename);
  const candidates = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath) {
    candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const c of candidates) {
    if (c && fs.existsSync(c) && fs.realpathSync(c) !== self) return c;
  }
  return undefined;
}

const real = realNodeGyp();
if (!real) {
  console.error("fatkit: cannot find npm's node-gyp; the optional mmap backend will not be built");
  process.exit(1);
}
process.argv[1] = real;
require(real);
