// The calendar data Balie ships with: the gelijkgestelde dagen known today and the default business hours.
import seed from './gelijkgestelde-dagen.json' with { type: 'json' };
import { DEFAULT_BUSINESS_HOURS } from './business-hours.ts';
import type { CalendarData } from './calendar.ts';

/** Days gelijkgesteld by Besluit (Algemene termijnenwet art. 3 lid 3); an admin extends the list at run time. */
export const SEED_GELIJKGESTELDE_DAGEN: readonly { readonly date: string; readonly name: string; readonly source: string }[] =
  Object.freeze(seed.map((entry) => Object.freeze({ ...entry })));

/** Calendar data for a gemeente that has configured nothing yet. */
export function defaultCalendarData(): CalendarData {
  return { extraHolidays: SEED_GELIJKGESTELDE_DAGEN, closureDays: [], businessHours: DEFAULT_BUSINESS_HOURS };
}
