import { FatError } from '../fat/errors.js';

/**
 * SOURCE_DATE_EPOCH as reproducible-builds.org defines it: a decimal count of seconds since the
 * Unix epoch. Returns milliseconds, or undefined when the variable is unset, empty or blank; throws
 * FatError EINVAL when it is set to anything else (the spec says to fail rather than guess).
 */
export function sourceDateEpochMs(value: string | number | null | undefined = process.env.SOURCE_DATE_EPOCH): number | undefined {
  if (value === null || value === undefined || String(value).trim() === '') return undefined;
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) throw new FatError('EINVAL', `SOURCE_DATE_EPOCH must be a whole number of seconds, not "${String(value)}"`);
  const seconds = Number(text);
  if (!Number.isSafeInteger(seconds * 1000)) throw new FatError('EINVAL', `SOURCE_DATE_EPOCH is out of range: ${text}`);
  return seconds * 1000;
}

/**
 * Clamp a modification time (ms) to SOURCE_DATE_EPOCH: times later than it become it, earlier
 * ones stay. `sourceDateEpoch` defaults to the environment variable; pass null to ignore it.
 */
export function clampMtime(ms: number, sourceDateEpoch: string | number | null | undefined = process.env.SOURCE_DATE_EPOCH): number {
  const limit = sourceDateEpochMs(sourceDateEpoch);
  return limit !== undefined && ms > limit ? limit : ms;
}
