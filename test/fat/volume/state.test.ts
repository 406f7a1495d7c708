/** Volume.info(): bad clusters are counted apart from used and free ones (issue 13). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryDevice, Volume, mkfs } from '../../../src/index.js';
import { fatCli, scratchDir } from '../../cli/cli-helpers.js';
import { oracleGate, runTool } from '../../fixtures/oracle.js';

const work = scratchDir('fatkit-state-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A FAT16 volume with one file and clusters 100..102 marked bad (0xFFF7) in both FATs. */
function withBadClusters(): MemoryDevice {
  const dev = new MemoryDevice(16 << 20);
  mkfs(dev, { fatType: 16, volumeId: 0x1234abcd, time: Date.UTC(2024, 0, 1) });
  const v = Volume.open(dev, { closeDevice: false, now: () => new Date(Date.UTC(2024, 0, 2)) });
  v.writeFile('/a.txt', 'x'.repeat(5000));
  const g = v.geo;
  v.close();
  const b = dev.bytes;
  for (let f = 0; f < g.numFats; f++) {
    const fat = (g.reservedSectors + f * g.fatSize) * g.sectorSize;
    for (const n of [100, 101, 102]) b.set([0xf7, 0xff], fat + n * 2);
  }
  return dev;
}

describe('bad clusters', () => {
  it('are neither used nor free in info()', () => {
    const dev = withBadClusters();
    const v = Volume.open(dev, { readOnly: true, closeDevice: false });
    const i = v.info();
    const fileClusters = Math.ceil(5000 / i.clusterSize);
    expect(i.badClusters).toBe(3);
    expect(i.usedClusters).toBe(fileClusters);
    expect(i.freeClusters).toBe(i.clusterCount - fileClusters - 3);
    expect(i.freeBytes).toBe(i.freeClusters * i.clusterSize);
    v.close();
  });

  it('fat info shows them, and --json has badClusters; a clean volume says 0', () => {
    const img = path.join(work, 'bad.img');
    fs.writeFileSync(img, withBadClusters().bytes);
    expect(fatCli(['info', img]).stdout).toMatch(/^clusters: +\d+ \(\d+ used, \d+ free, 3 bad\)$/m);
    expect(JSON.parse(fatCli(['info', img, '--json']).stdout).badClusters).toBe(3);
    const clean = path.join(work, 'clean.img');
    const dev = new MemoryDevice(16 << 20);
    mkfs(dev, { fatType: 16 });
    fs.writeFileSync(clean, dev.bytes);
    expect(fatCli(['info', clean]).stdout).toMatch(/^clusters: +\d+ \(0 used, \d+ free\)$/m);
    expect(JSON.parse(fatCli(['info', clean, '--json']).stdout).badClusters).toBe(0);
  });

  const gate = oracleGate(['fsck.fat']);
  it.runIf(gate.run)('the volume with bad clusters is one fsck.fat accepts (the test image is sound)', () => {
    gate.assertUnderCi();
    const img = path.join(work, 'bad-fsck.img');
    fs.writeFileSync(img, withBadClusters().bytes);
    const r = runTool('fsck.fat', ['-n', img]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
