// Calendar-date arithmetic on ISO 'YYYY-MM-DD' strings and day numbers; pure Gregorian calendar, no time zones.

/**
 * Days since 1970-01-01. Working-day arithmetic runs on these integers because they are cheap
 * to add, compare and use as Map keys; the public API speaks ISO date strings.
 */
export type DayNumber = number;

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The computus and the Gregorian rules hold from 1583 on; earlier dates are refused. */
export const FIRST_YEAR = 1583;
export const LAST_YEAR = 9999;

export function daysFromCivil(year: number, month: number, day: number): DayNumber {
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

export function civilFromDays(day: DayNumber): { year: number; month: number; day: number } {
  const d = new Date(day * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The day number of an ISO date, or null when the text is not a real calendar date. */
export function parseIsoDate(iso: string): DayNumber | null {
  const m = ISO_DATE.exec(iso);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < FIRST_YEAR || month < 1 || month > 12 || day < 1) return null;
  const n = daysFromCivil(year, month, day);
  // Date.UTC rolls 31 April over into 1 May; a round trip exposes that.
  return civilFromDays(n).day === day ? n : null;
}

/** Like parseIsoDate, for input the caller promises is valid: a bad date is a programming error. */
export function dayOf(iso: string): DayNumber {
  const n = parseIsoDate(iso);
  if (n === null) throw new RangeError(`not an ISO calendar date (YYYY-MM-DD from ${FIRST_YEAR}): "${iso}"`);
  return n;
}

export function isoDate(day: DayNumber): string {
  const { year, month, day: dom } = civilFromDays(day);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${dom < 10 ? '0' : ''}${dom}`;
}

/** ISO weekday, 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(day: DayNumber): 1 | 2 | 3 | 4 | 5 | 6 | 7 {
  return ((((day + 3) % 7) + 7) % 7 + 1) as 1 | 2 | 3 | 4 | 5 | 6 | 7;
}

export function yearOfDay(day: DayNumber): number {
  return new Date(day * MS_PER_DAY).getUTCFullYear();
}
