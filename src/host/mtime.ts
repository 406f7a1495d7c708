import { parseSourceDateEpoch } from '../fat/source-date-epoch.js';

/**
 * The Node reader of SOURCE_DATE_EPOCH, in milliseconds (undefined when unset or blank; FatError
 * EINVAL when invalid). Pass a value to parse it instead of the environment's.
 */
export function sourceDateEpochMs(value: string | number | null | undefined = process.env.SOURCE_DATE_EPOCH): number | undefined {
  return parseSourceDateEpoch(value);
}

/**
 * Clamp a modification time (ms) to SOURCE_DATE_EPOCH: times later than it become it, earlier
 * ones stay. `sourceDateEpoch` defaults to the environment variable; pass null to ignore it.
 */
export function clampMtime(ms: number, sourceDateEpoch: string | number | null | undefined = process.env.SOURCE_DATE_EPOCH): number {
  const limit = sourceDateEpochMs(sourceDateEpoch);
  return limit !== undefined && ms > limit ? limit : ms;
}
