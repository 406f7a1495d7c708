import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string };

it('the fat bin runs by itself, as npx and a global install run it (executable, with its shebang)', () => {
  const bin = path.join(root, pkg.bin.fat);
  fs.accessSync(bin, fs.constants.X_OK);
  expect(fs.readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  expect([r.status, r.stdout.trim(), r.stderr]).toEqual([0, pkg.version, '']);
});
