// Which calendar days a report covers: today, this week, this month (or the one around `at`), or a
// custom [from, to) — all in the gemeente's zone (Europe/Amsterdam), as rollups are kept per day.
import { DateTime } from 'luxon';
import { ZONE } from '../deadlines/zone.ts';
import type { KpiPeriod, KpiPeriodKind, SeriesInterval } from './kpi-types.ts';

/** The longest custom period a report answers: a year and a day. */
export const MAX_PERIOD_DAYS = 366;

export type PeriodInput = { period: KpiPeriodKind; at?: string; from?: string; to?: string };
export type PeriodOutcome = { ok: true; period: KpiPeriod } | { ok: false; field: 'from' | 'to'; message: string };

const day = (date: DateTime) => date.toISODate()!;

/** Midnight in Amsterdam at the start of YYYY-MM-DD. */
export function startOfDay(isoDate: string): DateTime {
  return DateTime.fromISO(isoDate, { zone: ZONE }).startOf('day');
}

export function resolvePeriod(input: PeriodInput, now: DateTime = DateTime.now()): PeriodOutcome {
  const anchor = input.at ? startOfDay(input.at) : now.setZone(ZONE).startOf('day');
  let from: DateTime;
  let to: DateTime;
  switch (input.period) {
    case 'today':
      from = anchor;
      to = anchor.plus({ days: 1 });
      break;
    case 'week':
      from = anchor.startOf('week');
      to = from.plus({ weeks: 1 });
      break;
    case 'month':
      from = anchor.startOf('month');
      to = from.plus({ months: 1 });
      break;
    case 'custom': {
      if (!input.from) return { ok: false, field: 'from', message: 'required with period=custom' };
      if (!input.to) return { ok: false, field: 'to', message: 'required with period=custom' };
      from = startOfDay(input.from);
      to = startOfDay(input.to);
      if (to <= from) return { ok: false, field: 'to', message: 'must be after from' };
      if (to.diff(from, 'days').days > MAX_PERIOD_DAYS) return { ok: false, field: 'to', message: `at most ${MAX_PERIOD_DAYS} days after from` };
    }
  }
  return { ok: true, period: { kind: input.period, from: day(from), to: day(to), fromInstant: from.toISO()!, toInstant: to.toISO()!, zone: ZONE } };
}

/** Every day of [from, to), as YYYY-MM-DD. */
export function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  for (let at = startOfDay(from), end = startOfDay(to); at < end; at = at.plus({ days: 1 })) days.push(day(at));
  return days;
}

/** Splits days not in `computed` into contiguous [from, to) ranges. */
export function missingRanges(from: string, to: string, computed: ReadonlySet<string>): { from: string; to: string }[] {
  const ranges: { from: string; to: string }[] = [];
  let start: string | null = null;
  const days = daysOf(from, to);
  for (const [index, date] of days.entries()) {
    if (computed.has(date)) {
      if (start !== null) ranges.push({ from: start, to: date });
      start = null;
    } else if (start === null) start = date;
    if (index === days.length - 1 && start !== null) ranges.push({ from: start, to });
  }
  return ranges;
}

/** The interval a series uses when the client names none: days up to a month, weeks beyond. */
export function defaultInterval(period: KpiPeriod): SeriesInterval {
  return startOfDay(period.to).diff(startOfDay(period.from), 'days').days > 31 ? 'week' : 'day';
}

/** The start of the interval (day, or the ISO week's Monday) a YYYY-MM-DD falls in. */
export function intervalStart(isoDate: string, interval: SeriesInterval): string {
  return interval === 'day' ? isoDate : day(startOfDay(isoDate).startOf('week'));
}
