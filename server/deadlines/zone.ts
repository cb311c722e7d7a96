// Europe/Amsterdam wall-clock conversions through luxon (DST included), memoised for the deadline hot path.
import { DateTime } from 'luxon';
import { civilFromDays, daysFromCivil, type DayNumber } from './dates.ts';

export const ZONE = 'Europe/Amsterdam';

const QUARTER_HOUR_MS = 900_000;
const MAX_CACHED = 250_000;
const dayByQuarter = new Map<number, DayNumber>();

/** Epoch milliseconds of a valid instant; an invalid DateTime is a programming error. */
export function millisOf(instant: DateTime): number {
  const ms = instant.toMillis();
  if (Number.isNaN(ms)) throw new RangeError(`invalid instant: ${instant.invalidExplanation ?? instant.invalidReason}`);
  return ms;
}

/** The Amsterdam calendar date of an instant, as a day number. */
export function amsterdamDay(instant: DateTime): DayNumber {
  // Amsterdam's offsets (+01:00, +02:00) are whole quarter hours, so local midnight falls on a
  // UTC quarter-hour boundary and all instants of one quarter hour share a date: memoise per quarter.
  const quarter = Math.floor(millisOf(instant) / QUARTER_HOUR_MS);
  const hit = dayByQuarter.get(quarter);
  if (hit !== undefined) return hit;
  const local = DateTime.fromMillis(quarter * QUARTER_HOUR_MS, { zone: ZONE });
  const day = daysFromCivil(local.year, local.month, local.day);
  if (dayByQuarter.size >= MAX_CACHED) dayByQuarter.clear();
  dayByQuarter.set(quarter, day);
  return day;
}

/** The instant at a wall-clock time of a date; minutes after midnight, 1440 = the following midnight. */
export function amsterdamAt(day: DayNumber, minutes: number): DateTime {
  const civil = civilFromDays(day + Math.floor(minutes / 1440));
  const rest = minutes % 1440;
  // A time in the spring-forward gap (02:00–03:00) is moved forward by luxon, as a clock would.
  return DateTime.fromObject(
    { year: civil.year, month: civil.month, day: civil.day, hour: Math.floor(rest / 60), minute: rest % 60 },
    { zone: ZONE },
  );
}
