// The algemeen erkende feestdagen of the Algemene termijnenwet (art. 3), computed for any year.
import { FIRST_YEAR, LAST_YEAR, daysFromCivil, isoDate, isoWeekday } from './dates.ts';

export interface Holiday {
  /** ISO calendar date, 'YYYY-MM-DD'. */
  readonly date: string;
  /** Dutch name as used in the law and on the gemeente's website. */
  readonly name: string;
}

/**
 * Easter Sunday of a Gregorian year by the anonymous (Meeus/Jones/Butcher) computus,
 * as a day number. Exact for every Gregorian year, no table needed.
 */
export function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return daysFromCivil(year, month, day);
}

const cache = new Map<number, readonly Holiday[]>();

/**
 * The holidays of art. 3 lid 1 and Goede Vrijdag (lid 2) in date order. Eerste Paas- and
 * Pinksterdag are not listed: the law does not name them, and they fall on a Sunday anyway.
 * Koningsdag follows the rule in force since 2014 (27 April, or 26 April when the 27th is a
 * Sunday); earlier Koninginnedagen are not reproduced. Days gelijkgesteld by Besluit (lid 3)
 * are data, not computed here: see gelijkgestelde-dagen.json.
 */
export function holidaysOf(year: number): readonly Holiday[] {
  const hit = cache.get(year);
  if (hit) return hit;
  if (!Number.isInteger(year) || year < FIRST_YEAR || year > LAST_YEAR) {
    throw new RangeError(`holidays are computed for Gregorian years ${FIRST_YEAR}–${LAST_YEAR}, not ${year}`);
  }
  const easter = easterSunday(year);
  const kingsDay = daysFromCivil(year, 4, 27);
  const list: [number, string][] = [
    [daysFromCivil(year, 1, 1), 'Nieuwjaarsdag'],
    [easter - 2, 'Goede Vrijdag'],
    [easter + 1, 'Tweede Paasdag'],
    [isoWeekday(kingsDay) === 7 ? kingsDay - 1 : kingsDay, 'Koningsdag'],
    // Art. 3 names "de vijfde mei" without a lustrum condition: a holiday for termijnen every year.
    [daysFromCivil(year, 5, 5), 'Bevrijdingsdag'],
    [easter + 39, 'Hemelvaartsdag'],
    [easter + 50, 'Tweede Pinksterdag'],
    [daysFromCivil(year, 12, 25), 'Eerste Kerstdag'],
    [daysFromCivil(year, 12, 26), 'Tweede Kerstdag'],
  ];
  // Hemelvaartsdag can fall on 5 May (as in 2005); both entries stay, sorted by date.
  list.sort((x, y) => x[0] - y[0]);
  const holidays = Object.freeze(list.map(([day, name]) => Object.freeze({ date: isoDate(day), name })));
  cache.set(year, holidays);
  return holidays;
}
