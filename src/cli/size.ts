import { CliError, EXIT_USAGE } from './run.js';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024, kb: 1024, kib: 1024,
  m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
  t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4,
};

/**
 * Parse a size: a number of bytes, or a number with a binary unit (K/KiB, M/MiB, G/GiB, T/TiB;
 * case-insensitive; KB/MB/GB are read as binary too, as dd and mkfs do). `1.44M` is allowed when it
 * gives a whole number of bytes. Throws a usage CliError naming `what` (e.g. "--size") on junk.
 */
export function parseSize(text: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?|0x[0-9a-f]+)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new CliError(`${what}: invalid size ${JSON.stringify(text)} (use bytes, or a number with K, M, G or T: binary units, also written KiB or KB)`, EXIT_USAGE);
  }
  const n = m[1].toLowerCase().startsWith('0x') ? parseInt(m[1], 16) : Number(m[1]);
  const bytes = n * unit;
  if (!Number.isSafeInteger(bytes)) {
    throw new CliError(`${what}: ${JSON.stringify(text)} is not a whole number of bytes`, EXIT_USAGE);
  }
  return bytes;
}
