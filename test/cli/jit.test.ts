import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { tuneJit } from '../../src/cli/start.js';

const cli = path.resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

describe('tuneJit: later TurboFan for short runs on Node 20', () => {
  it('sets the flag only on V8 11 (Node 20), whose tiering knows it', () => {
    // Later V8s print "unrecognized flag" for it: they are never asked.
    for (const v of ['12.4.254.21-node.33', '13.6.233.17-node.40', '10.2.154.26-node.26']) expect(tuneJit(v)).toBe(false);
    expect(tuneJit(process.versions.v8)).toBe(/^11\./.test(process.versions.v8));
  });

  it('a start on this Node prints nothing of it', () => {
    const r = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
  });
});
