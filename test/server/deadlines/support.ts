// Shared helpers for the deadline tests: calendars and instants written as ISO text.
import { DateTime } from 'luxon';
import { parseWeeklyHours, type WeeklyHours } from '../../../server/deadlines/business-hours.ts';
import { WorkingCalendar } from '../../../server/deadlines/calendar.ts';
import { defaultCalendarData } from '../../../server/deadlines/seed.ts';

/** An instant from ISO text with offset, e.g. '2026-12-24T16:30+01:00'. */
export function at(iso: string): DateTime {
  const instant = DateTime.fromISO(iso, { setZone: true });
  if (!instant.isValid) throw new Error(`bad test instant ${iso}`);
  return instant;
}

export function hours(text: string): WeeklyHours {
  const result = parseWeeklyHours(text);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

/** The shipped calendar (seed gelijkgestelde dagen, mon-fri 08:30-17:00) with optional changes. */
export function calendar(options: { closureDays?: string[]; businessHours?: string } = {}): WorkingCalendar {
  const data = defaultCalendarData();
  return new WorkingCalendar({
    ...data,
    closureDays: options.closureDays ?? [],
    businessHours: options.businessHours ? hours(options.businessHours) : data.businessHours,
  });
}

/** ISO text with offset as the assertions spell it. */
export const iso = (instant: DateTime | null): string | null => instant?.toISO() ?? null;
