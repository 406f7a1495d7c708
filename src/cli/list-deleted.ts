import type { DeletedFile, Volume } from '../index.js';
import { listDeleted } from '../index.js';
import { writeOut } from './output.js';

/* `fat list --deleted`: deleted entries whose data may still be there (list.ts calls this). */

const isoSeconds = (d: Date): string => (Number.isFinite(d.getTime()) ? d.toISOString().replace('T', ' ').slice(0, 19) : '-'.padEnd(19));

/** One line: type, size, time, first cluster, whether it can come back (and why not), path. */
function line(e: DeletedFile): string {
  const path = e.type === 'directory' ? `${e.path}/` : e.path;
  const state = e.recoverable ? 'recoverable' : 'lost       ';
  const why = e.problem ? `  (${e.problem})` : '';
  return `${e.type === 'directory' ? 'd' : '-'} ${String(e.size).padStart(12)}  ${isoSeconds(e.mtime)}  ${String(e.firstCluster).padStart(9)}  ${state}  ${path}${why}\n`;
}

export function json(e: DeletedFile): Record<string, unknown> {
  return {
    path: e.path,
    type: e.type,
    size: e.size,
    mtime: Number.isFinite(e.mtime.getTime()) ? e.mtime.toISOString() : null,
    shortName: e.shortName,
    longName: e.longName,
    attributes: e.attributes,
    firstCluster: e.firstCluster,
    clusters: e.clusters,
    entry: e.entry,
    recoverable: e.recoverable,
    problem: e.problem,
    firstCharKnown: e.firstCharKnown,
  };
}

/** Print the deleted entries of `path` (and below, down to `depth` levels). */
export async function printDeleted(vol: Volume, path: string, depth: number | undefined, asJson: boolean): Promise<void> {
  const found = listDeleted(vol, path, depth === undefined ? {} : { depth });
  if (asJson) await writeOut(`${JSON.stringify(found.map(json), null, 2)}\n`);
  else await writeOut(found.map(line).join(''));
}
