import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

/** mkfs.fat, fsck.fat and mtools on this machine; under CI=true their absence is an error. */
export const haveOracles = (() => {
  const ok = ['mkfs.fat', 'fsck.fat', 'mcopy', 'mdir'].every((t) => spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`]).status === 0);
  if (!ok && process.env.CI === 'true') throw new Error('mkfs.fat, fsck.fat and mtools must be installed under CI=true');
  return ok;
})();

export const oracleEnv = { ...process.env, MTOOLS_SKIP_CHECK: '1', TZ: 'UTC', PATH: `${process.env.PATH}:/usr/sbin:/sbin` };

/** A fresh image from mkfs.fat (reproducible with --invariant). */
export function mkfsImage(path: string, kib: number, args: string[] = []): Uint8Array {
  rmSync(path, { force: true });
  execFileSync('mkfs.fat', ['-C', '--invariant', ...args, path, String(kib)], { stdio: 'ignore', env: oracleEnv });
  return execFileSync('cat', [path], { maxBuffer: 1 << 30 });
}

/** fsck.fat -n -V: the lines beyond its banner, pass lines and summary (empty when clean) and its status. */
export function fsckProblems(path: string): { status: number; problems: string[] } {
  const r = spawnSync('fsck.fat', ['-n', '-V', path], { encoding: 'utf8', env: oracleEnv });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const problems = lines.filter((l) =>
    !/^fsck\.fat \d/.test(l) && !/^Checking we can access the last sector/.test(l) && !/^Starting check\/repair pass\.?$/.test(l) &&
    !/^Starting verification pass\.?$/.test(l) && !l.startsWith(`${path}:`) && !/^Checking file system/.test(l));
  return { status: r.status ?? -1, problems };
}
