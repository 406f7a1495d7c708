/**
 * DOS dates and times (FAT-NOTES.md section 5). FAT stores local wall-clock time with no zone; like
 * mtools with TZ=UTC and most image tools, fatkit reads and writes the fields as UTC, so images are
 * the same whatever the host's time zone.
 */

export interface DosDateTime {
  date: number;
  time: number;
  /** Creation-time hundredths (0-199: 10 ms units over the 2-second time resolution). */
  tenths: number;
}

const MIN = Date.UTC(1980, 0, 1);
const MAX = Date.UTC(2107, 11, 31, 23, 59, 59, 990);

/** Encode a Date, clamped to 1980-01-01 .. 2107-12-31 23:59:59.99. */
export function encodeDosTime(d: Date | number): DosDateTime {
  let ms = typeof d === 'number' ? d : d.getTime();
  if (!Number.isFinite(ms)) ms = MIN;
  ms = Math.min(Math.max(ms, MIN), MAX);
  const t = new Date(ms);
  const sec = t.getUTCSeconds();
  const date = t.getUTCDate() | ((t.getUTCMonth() + 1) << 5) | ((t.getUTCFullYear() - 1980) << 9);
  const time = (sec >> 1) | (t.getUTCMinutes() << 5) | (t.getUTCHours() << 11);
  const tenths = (sec & 1) * 100 + Math.floor(t.getUTCMilliseconds() / 10);
  return { date, time, tenths };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Decode a DOS date (and time and tenths). Invalid fields (month 0, day 0, seconds 60+) are
 * clamped rather than rejected, as readers must not fail on them; date 0 reads as 1980-01-01.
 */
export function decodeDosTime(date: number, time = 0, tenths = 0): Date {
  const day = Math.max(1, date & 0x1f);
  const month = Math.min(12, Math.max(1, (date >> 5) & 0x0f));
  const year = 1980 + (date >> 9);
  const hours = Math.min(23, time >> 11);
  const minutes = Math.min(59, (time >> 5) & 0x3f);
  const seconds = Math.min(59, (time & 0x1f) * 2 + (tenths >= 100 && tenths < 200 ? 1 : 0));
  const ms = tenths < 200 ? (tenths % 100) * 10 : 0;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const dim = month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1];
  return new Date(Date.UTC(year, month - 1, Math.min(day, dim), hours, minutes, seconds, ms));
}
