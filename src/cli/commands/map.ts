import type { Command } from 'commander';
import { clusterMap, type ClusterMap } from '../../index.js';
import { openVolume, writeOut } from '../volume.js';

/** mshowfat's form: `<5-14> <20> <22-30>`. */
export function extentText(m: ClusterMap): string {
  if (m.fixedRoot) return 'the fixed root directory (FAT12/16): no clusters';
  if (m.extents.length === 0) return 'no clusters';
  return m.extents.map((x) => (x.first === x.last ? `<${x.first}>` : `<${x.first}-${x.last}>`)).join(' ');
}

export function register(program: Command): void {
  program
    .command('map')
    .description("show where a file's or directory's clusters lie (as mshowfat)")
    .argument('<image>', 'the image file')
    .argument('<path>', 'the file or directory')
    .option('--json', 'print { path, extents: [{ first, last }], fragmented }')
    .addHelpText('after', `
Prints PATH and its chain as runs of consecutive clusters, in chain order, as mtools' mshowfat
does: "/big.bin <5-14> <20-22>" (more than one run: the file is fragmented). The whole chain is
shown, as linked in the FAT. The root of a FAT12/16 volume is a fixed region with no clusters.`)
    .action(async (image: string, path: string, opts: { json?: boolean }, cmd: Command) => {
      const cv = openVolume(image, cmd);
      let m: ClusterMap;
      try {
        m = clusterMap(cv.volume, path);
      } finally {
        cv.volume.close();
      }
      await writeOut(opts.json ? `${JSON.stringify({ path: m.path, extents: m.extents, fragmented: m.fragmented }, null, 2)}\n` : `${m.path} ${extentText(m)}\n`);
    });
}
