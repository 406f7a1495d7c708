/**
 * `fat du` (issue 18) against mtools' mdu on FAT12, FAT16 and FAT32 images written by mtools and
 * by fatkit (fragmented). mdu counts whole chains and directories' own clusters, except (mdu 4.0's
 * `isRootDir(entry->Dir)` test) the own clusters of directories directly in a FAT12/16 root: fat
 * du counts those too, so there it is mdu plus those directories' chains, which mshowfat gives.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { oracleGate, describeGate } from '../fixtures/oracle.js';
import { describeRun, runFat } from '../fixtures/run-fat.js';
import { fatCli, scratchDir, withImage } from './cli-helpers.js';
import { MTOOLS, describeEachImage, mdu, mshowfat } from './mtools-images.js';

const gate = oracleGate(MTOOLS);
const HOSTILE = nodePath.resolve(__dirname, '..', 'fixtures', 'hostile');
const work = scratchDir('fatkit-du-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Row {
  path: string;
  bytes: number;
  clusters: number;
}

describeGate(gate);

describeEachImage('fat du against mdu', gate.run, work, (image, fat, maker) => {
  it(`${maker} FAT${fat}: every directory's clusters are mdu's (plus, on FAT12/16, top-level directories' own)`, async () => {
    const img = image();
    const run = async (args: string[]): Promise<string> => {
      const r = await runFat(args);
      expect(r.status, describeRun(args, r)).toBe(0);
      return r.stdout.toString('utf8');
    };
    const [json, text, summary] = await Promise.all([
      run(['du', img.path, '--json']).then((s) => JSON.parse(s) as Row[]),
      run(['du', img.path, '/A']),
      run(['du', img.path, '-s', '--json']).then((s) => JSON.parse(s) as Row[]),
    ]);
    const theirs = mdu(img.path);
    // The same directories, in the same order (children first, the root last).
    expect(json.map((r) => r.path)).toEqual([...theirs.keys()]);
    const topDirs = withImage(img.path, (vol) => [...vol.walk('/', { depth: 1 })].filter((e) => e.stats.isDirectory()).map((e) => e.path));
    const own = mshowfat(img.path, topDirs);
    const ownClusters = (d: string): number => own.get(d)!.reduce((n, x) => n + x.last - x.first + 1, 0);
    const quirk = (p: string): number => (fat === 32 ? 0 : topDirs.filter((d) => p === '/' || d === p).reduce((n, d) => n + ownClusters(d), 0));
    for (const r of json) {
      expect(r.clusters, r.path).toBe(theirs.get(r.path)! + quirk(r.path));
      expect(r.bytes).toBe(r.clusters * img.clusterSize);
    }
    expect(summary).toEqual([json[json.length - 1]]);
    expect(text).toBe(json.filter((r) => r.path === '/A' || r.path.startsWith('/A/'))
      .map((r) => `${String(r.bytes).padStart(12)} ${String(r.clusters).padStart(9)}  ${r.path}\n`).join(''));
    // Against the FAT: everything allocated is under the root (on FAT12/16 the root region is not a cluster).
    const used = withImage(img.path, (vol) => vol.info().usedClusters);
    expect(json[json.length - 1].clusters).toBe(used);
  });
});

describe('fat du usage and hostile images', () => {
  const hostile = (name: string): string => nodePath.join(HOSTILE, name);

  it('a file is its own row; a missing path is one line, exit 1', () => {
    expect(JSON.parse(fatCli(['du', hostile('base.img'), '/MULTI.BIN', '--json']).stdout)).toEqual([{ path: '/MULTI.BIN', bytes: 5 * 512, clusters: 5 }]);
    const r = fatCli(['du', hostile('base.img'), '/nope']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('fat: no such file or directory: /nope\n');
  });

  for (const name of ['chain-cycle.img', 'chain-out-of-range.img', 'dir-cycle.img', 'dir-self.img', 'dir-out-of-range.img']) {
    it(`${name}: the damage is reported on one line each, the rest is counted, exit 1`, () => {
      const r = fatCli(['du', hostile(name), '--json'], { timeoutMs: 20_000 });
      expect(r.status).toBe(1);
      const rows = JSON.parse(r.stdout) as Row[];
      expect(rows[rows.length - 1].path).toBe('/');
      const lines = r.stderr.trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l).toMatch(/^fat: \//);
    });
  }
});
