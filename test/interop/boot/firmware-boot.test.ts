/**
 * Issue 14: UEFI firmware boots the ESP that `fat make --from DIR --partition gpt|mbr --esp`
 * builds, at 512- and 4096-byte sectors. QEMU (TCG, no KVM needed) runs OVMF, which loads
 * \EFI\BOOT\BOOTX64.EFI (GRUB) from the disk; GRUB prints a file of the ESP to the serial console
 * and halts. Boots run one after another in this file, about 4 s each on an idle machine.
 *
 * The reference disk (fdisk + mkfs.fat + mcopy) proves the harness, so that a fatkit case that
 * fails points at fatkit, not at QEMU, OVMF or GRUB: one at 512 and one at 4096-byte sectors
 * (the 4096 case also proves that OVMF reads a 4Kn virtio-blk disk).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fatCli, scratchDir } from '../../cli/cli-helpers.js';
import { bootDisk, bootGate, expectBooted, makeEspTree, makeGrubEfi, referenceDisk, type Scheme, type SectorSize } from './boot-helpers.js';

const gate = bootGate();
const BOOT_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = BOOT_TIMEOUT_MS + 60_000;
const EPOCH = '1700000000';


describe.runIf(gate.run)('UEFI firmware (OVMF under QEMU) boots the ESP', () => {
  gate.assertUnderCi();

  let dir = '';
  let esp = '';
  // A marker no file of the harness holds: only reading it from this disk's ESP prints it.
  const text = `fatkit boot marker ${randomBytes(6).toString('hex')}`;

  beforeAll(() => {
    dir = scratchDir('fatkit-boot-');
    esp = path.join(dir, 'esp');
    makeEspTree(esp, makeGrubEfi(dir), `${text}\n`);
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const boot = async (name: string, disk: string, scheme: Scheme, sector: SectorSize): Promise<void> => {
    const r = await bootDisk(disk, sector, dir, BOOT_TIMEOUT_MS);
    console.log(`boot ${name}: ${r.ms} ms (${r.end})`);
    expectBooted(r, scheme, text);
    fs.rmSync(disk, { force: true });
  };

  describe('a disk made by fdisk, mkfs.fat and mcopy (the harness)', () => {
    for (const sector of [512, 4096] as const) {
      it(`GPT, ${sector}-byte sectors`, async () => {
        const disk = path.join(dir, `reference-gpt-${sector}.img`);
        referenceDisk(disk, esp, 'gpt', sector);
        await boot(`reference gpt ${sector}`, disk, 'gpt', sector);
      }, TEST_TIMEOUT_MS);
    }
  });

  describe('a disk made by fat make --from ESP --partition ... --esp', () => {
    for (const scheme of ['gpt', 'mbr'] as const) {
      for (const sector of [512, 4096] as const) {
        it(`${scheme.toUpperCase()}, ${sector}-byte sectors`, async () => {
          const disk = path.join(dir, `fatkit-${scheme}-${sector}.img`);
          const args = ['make', disk, '--from', esp, '--partition', scheme, '--esp', ...(sector === 512 ? [] : ['--sector-size', String(sector)])];
          const r = fatCli(args, { env: { SOURCE_DATE_EPOCH: EPOCH } });
          if (r.status !== 0) throw new Error(`fat ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
          await boot(`fatkit ${scheme} ${sector}`, disk, scheme, sector);
        }, TEST_TIMEOUT_MS);
      }
    }
  });
});
