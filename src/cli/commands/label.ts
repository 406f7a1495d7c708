import type { Command } from 'commander';
import { FatError, normalizeLabel } from '../../index.js';
import { openVolume, whenImageFree, writeOut } from '../volume.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { writeClock } from '../write-support.js';

interface LabelOptions {
  remove?: boolean;
}

export function register(program: Command): void {
  program
    .command('label')
    .description('print, set or remove the volume label')
    .argument('<image>', 'the image file')
    .argument('[label]', 'the new label (at most 11 printable ASCII characters; stored in upper case); "" removes it')
    .option('--remove', 'remove the label')
    .addHelpText('after', `
Without LABEL, prints the label (nothing when the volume has none). A label is set in the boot
sector and in the root directory, as Windows and mlabel do; letters are stored in upper case.
Labels are printable ASCII without "*+,./:;<=>?[\\]| and do not start with a space (the rule of
fat make --label, and the labels fsck.fat accepts).`)
    .action(async (image: string, label: string | undefined, opts: LabelOptions, cmd: Command) => {
      if (opts.remove && label !== undefined) throw new CliError('give either a LABEL or --remove, not both', EXIT_USAGE);
      const change = opts.remove === true || label !== undefined;
      // A label the rule refuses is a usage error (2), as fat make --label's is; nothing is opened.
      try {
        if (label !== undefined) normalizeLabel(label);
      } catch (e) {
        if (e instanceof FatError && e.code === 'EINVAL') throw new CliError(e.message, EXIT_USAGE);
        throw e;
      }
      const cv = await whenImageFree(cmd, () => openVolume(image, cmd, change ? { write: true, now: writeClock().now } : {}));
      const vol = cv.volume;
      let shown: string | undefined;
      try {
        if (change) vol.setLabel(opts.remove ? undefined : label);
        else shown = vol.info().label;
      } finally {
        vol.close();
      }
      if (shown !== undefined) await writeOut(`${shown}\n`);
      if (cv.skipped) process.exitCode = 1;
    });
}
