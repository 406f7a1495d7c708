import type { BlockDevice } from '../device/block-device.js';
import type { CheckOptions, CheckProblem, CheckReport, CheckStats } from './types.js';
import { Volume } from '../volume/volume.js';
import { FatError } from '../errors.js';
import { CheckContext } from './context.js';
import { walkTree } from './walk.js';
import { reclaim } from './reclaim.js';
import { checkBootAndFats, checkFsInfo, checkLabel, checkDirty, finishRepair } from './volume-checks.js';

export type { CheckCode, CheckOptions, CheckProblem, CheckReport, CheckStats } from './types.js';

const emptyStats = (): CheckStats => ({ files: 0, directories: 0, clustersUsed: 0, clustersTotal: 0, clustersFree: 0, clustersLost: 0, clustersBad: 0 });

/**
 * Check a FAT volume as `fsck.fat -n` does and, with `repair`, fix it as `fsck.fat -a` does
 * (check-types.ts lists every problem and its repair). Never throws on a corrupt image: every
 * walk is bounded and what is wrong is reported. Given a device, the volume is opened (read-only
 * unless repairing) and closed again. Given an open Volume, its pending changes are written first
 * (check reads the device), the dirty mark its own writes set is not a problem, and after a repair
 * it reads again what the repair changed (FAT, directories, boot sector, FSInfo hint, open files'
 * chains): it stays usable as it is.
 */
export function check(target: Volume | BlockDevice, options: CheckOptions = {}): CheckReport {
  const repair = options.repair === true;
  let vol: Volume;
  const owned = !(target instanceof Volume);
  if (target instanceof Volume) vol = target;
  else {
    try {
      vol = Volume.open(target, { readOnly: !repair, closeDevice: false });
    } catch (e) {
      if (!(e instanceof FatError)) throw e;
      const p: CheckProblem = { code: 'BOOT_SECTOR', severity: 'error', message: e.message };
      if (repair) p.repaired = false;
      return { problems: [p], stats: emptyStats(), clean: false, repaired: false };
    }
  }
  try {
    if (repair && vol.readOnly) throw new FatError('EROFS', 'cannot repair: the volume is open read-only');
    if (!owned && !vol.readOnly) vol.flush();
    const report = run(vol, repair, options.maxProblems ?? 10_000);
    // Repairs are written under the volume, from check's own copy of the FAT and directory sectors
    // (it must mend what the volume's parser skips): the volume then reloads, rather than check
    // repairing through structures that cannot hold a damaged image.
    if (!owned && repair) vol.reloadAfterRepair();
    return report;
  } finally {
    if (owned) vol.close();
  }
}

function run(vol: Volume, repair: boolean, maxProblems: number): CheckReport {
  const ctx = new CheckContext(vol, repair, maxProblems);
  const stats = emptyStats();
  stats.clustersTotal = vol.geo.clusterCount;
  let repaired = false;
  try {
    const boot = checkBootAndFats(ctx);
    const walk = walkTree(ctx);
    stats.files = walk.files;
    stats.directories = walk.directories;
    const lost = reclaim(ctx);
    stats.clustersLost = lost.lost;
    stats.files += lost.files;
    checkFsInfo(ctx);
    checkLabel(ctx, walk.rootLabel);
    checkDirty(ctx);
    let free = 0;
    let bad = 0;
    for (let n = 2; n <= ctx.max; n++) {
      if (ctx.fat[n] === 0) free++;
      else if (ctx.fat[n] === ctx.bad) bad++;
    }
    stats.clustersFree = free;
    stats.clustersBad = bad;
    stats.clustersUsed = vol.geo.clusterCount - free;
    if (repair && ctx.problems.length > 0) repaired = finishRepair(ctx, boot);
  } catch (e) {
    if (!(e instanceof FatError)) throw e;
    ctx.report('CHECK_ABORTED', 'error', `check stopped: ${e.message}`, {}, false);
  }
  ctx.finishProblems();
  return { problems: ctx.problems, stats, clean: ctx.problems.length === 0, repaired };
}

