import type { Command } from 'commander';
import { check, espVolumeProblem, FatError, type CheckReport } from '../../index.js';
import { openVolume, whenImageFree, writeOut } from '../volume.js';
import { EXIT_FAILURE } from '../run.js';

interface CheckCliOptions {
  json?: boolean;
  repair?: boolean;
}

/** One line per problem, then fsck.fat's summary line: `IMG: N files, U/T clusters`. */
function human(image: string, r: CheckReport, repair: boolean): string {
  const lines = r.problems.map((p) => {
    const where = p.path ? `${p.path}: ` : p.cluster !== undefined ? `cluster ${p.cluster}: ` : '';
    const state = repair ? (p.repaired ? ', repaired' : ', not repaired') : '';
    return `${where}${p.message} (${p.code}${p.severity === 'warning' ? ', warning' : ''}${state})\n`;
  });
  const s = r.stats;
  const verdict = r.clean ? '' : repair ? (r.problems.every((p) => p.repaired) ? ' (repaired)' : ' (problems left)') : ' (problems found)';
  lines.push(`${image}: ${s.files} files, ${s.clustersUsed}/${s.clustersTotal} clusters${verdict}\n`);
  return lines.join('');
}

export function register(program: Command): void {
  program
    .command('check')
    .description('check an image for inconsistencies (as fsck.fat -n) and, with --repair, fix them (as fsck.fat -a)')
    .argument('<image>', 'the image file')
    .option('--json', 'print the report as JSON: { problems: [{ code, severity, path?, cluster?, message, repaired? }], stats, clean, repaired }')
    .option('--repair', 'fix what can be fixed, as fsck.fat -a does (lost chains are saved as /FSCKnnnn.REC)')
    .addHelpText('after', `
Each problem is one line: the path (or cluster), what is wrong and what a repair does about it,
then its code. The last line is fsck.fat's summary: IMG: N files, USED/TOTAL clusters.
Exit status, as fsck.fat: 0 when the image is clean, 1 when problems were found (also when
--repair fixed them all: run it again to confirm the image is now clean), 2 for usage errors.
An image that cannot be opened as FAT at all is reported as a BOOT_SECTOR problem (exit 1).`)
    .action(async (image: string, opts: CheckCliOptions, cmd: Command) => {
      const repair = opts.repair === true;
      let report: CheckReport;
      let cv;
      try {
        cv = await whenImageFree(cmd, () => openVolume(image, cmd, { write: repair }));
      } catch (e) {
        if (!(e instanceof FatError) || !['FAT_NOT_FAT', 'FAT_CORRUPT', 'FAT_UNSUPPORTED', 'EINVAL', 'EIO'].includes(e.code)) throw e;
        report = {
          problems: [{ code: 'BOOT_SECTOR', severity: 'error', message: e.message, ...(repair ? { repaired: false } : {}) }],
          stats: { files: 0, directories: 0, clustersUsed: 0, clustersTotal: 0, clustersFree: 0, clustersLost: 0, clustersBad: 0 },
          clean: false,
          repaired: false,
        };
      }
      if (cv) {
        try {
          report = check(cv.volume, { repair });
          // Firmware's view of the volume, not the volume's own state: reported, but it stays clean.
          const p = cv.location.partition;
          const esp = p && espVolumeProblem(p.type, cv.volume.geo.fatType, cv.volume.geo.clusterCount);
          if (esp) report.problems.push({ code: 'ESP_CLUSTERS', severity: 'warning', message: esp });
        } finally {
          cv.volume.close();
        }
      }
      await writeOut(opts.json ? `${JSON.stringify(report!, null, 2)}\n` : human(image, report!, repair));
      if (!report!.clean) process.exitCode = EXIT_FAILURE;
    });
}
