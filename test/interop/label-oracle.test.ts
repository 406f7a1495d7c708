/**
 * fsck.fat accepts every label fatkit writes (issue item 13): labels drawn from the whole printable
 * ASCII range (forbidden characters included, so some are refused), written by mkfs (case kept,
 * as fat make --label) and by Volume.setLabel (upper case, as fat label); fsck.fat -n must find
 * each written image clean, and so must check. mlabel must read the label fatkit stored.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FatError, MemoryDevice, Volume, check, mkfs, type FatType } from '../../src/index.js';
import { fsckProblems } from '../fat/oracle-helpers.js';
import { oracleGate, runTool } from '../fixtures/oracle.js';

const gate = oracleGate(['mkfs.fat', 'fsck.fat', 'mlabel']);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-label-oracle-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const sample = fc.sample(fc.array(printable, { minLength: 1, maxLength: 11 }).map((cs) => cs.join('')), { numRuns: 30, seed: 13 });
const LABELS = ["A!#$%&'()-@", '^_`{}~ 0', 'x', 'ELEVEN CHRS', 'lower case', 'Mixed 123', '\u00c4\u00d6', 'caf\u00e9', ...sample];

/** The label written, or undefined when fatkit refuses it (EINVAL). */
function written(label: string, how: 'mkfs' | 'setLabel', fatType: FatType): Uint8Array | undefined {
  const dev = new MemoryDevice(fatType === 32 ? 34 << 20 : 1 << 20);
  try {
    mkfs(dev, { fatType, ...(how === 'mkfs' ? { label } : {}) } as Parameters<typeof mkfs>[1]);
    if (how === 'setLabel') {
      const vol = Volume.open(dev, { now: () => new Date(Date.UTC(2024, 0, 1)) });
      vol.setLabel(label);
      vol.close();
    }
  } catch (e) {
    if (e instanceof FatError && e.code === 'EINVAL') return undefined;
    throw e;
  }
  return dev.bytes;
}

describe('fsck.fat accepts every label fatkit writes', () => {
  it('fsck.fat and mtools are installed (required when CI=true)', (ctx) => {
    gate.assertUnderCi();
    if (!gate.run) ctx.skip();
  });

  describe.runIf(gate.run).each([12, 32] as FatType[])('FAT%i', (fatType) => {
    it.each(LABELS.map((l) => [l]))('%j', (label) => {
      const made = written(label, 'mkfs', fatType);
      const set = written(label, 'setLabel', fatType);
      expect(made === undefined, 'make and label refuse the same labels').toBe(set === undefined);
      for (const [how, bytes] of [['mkfs', made], ['setLabel', set]] as const) {
        if (!bytes) continue;
        expect(check(new MemoryDevice(bytes.slice(), { readOnly: true })).problems, how).toEqual([]);
        const img = path.join(work, `${fatType}-${how}.img`);
        fs.writeFileSync(img, bytes);
        expect(fsckProblems(img), `${how} ${JSON.stringify(label)}`).toEqual({ status: 0, problems: [] });
        const stored = (how === 'mkfs' ? label : label.toUpperCase()).trimEnd();
        const m = runTool('mlabel', ['-i', img, '-s', '::'], { MTOOLS_SKIP_CHECK: '1' });
        expect(m.stdout.trim(), how).toBe(stored === 'NO NAME' || stored === '' ? 'Volume has no label' : `Volume label is ${stored}`);
      }
    });
  });
});
