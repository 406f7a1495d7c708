import { FatError } from './errors.js';

/**
 * SOURCE_DATE_EPOCH as reproducible-builds.org defines it: a decimal count of seconds since the
 * Unix epoch. Returns milliseconds, or undefined when the value is unset, empty or blank; throws
 * FatError EINVAL when it is set to anything else (the spec says to fail rather than guess).
 * This is the one parser: the core's environment reader (`sourceDateEpoch` in mkfs) and the Node
 * reader (`sourceDateEpochMs` in src/host/mtime.ts) both call it.
 */
export function parseSourceDateEpoch(value: string | number | null | undefined): number | undefined {
  if (value === null || value === undefined || String(value).trim() === '') return undefined;
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) throw new FatError('EINVAL', `SOURCE_DATE_EPOCH must be a whole number of seconds, not "${String(value)}"`);
  const seconds = Number(text);
  if (!Number.isSafeInteger(seconds * 1000)) throw new FatError('EINVAL', `SOURCE_DATE_EPOCH is out of range: ${text}`);
  return seconds * 1000;
}

/**
 * The core's reader of the SOURCE_DATE_EPOCH environment variable, in milliseconds. The core
 * imports no `node:` module and may run where there is no `process` (browsers, workers): there it
 * is always undefined.
 */
export function environmentSourceDateEpochMs(): number | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return parseSourceDateEpoch(env?.SOURCE_DATE_EPOCH);
}
