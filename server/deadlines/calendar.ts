// The gemeente's working calendar: working days, business close, opening hours and business time in Europe/Amsterdam.
import { DateTime } from 'luxon';
import { compileHours, validateWeeklyHours, type CompiledHours, type WeeklyHours } from './business-hours.ts';
import { dayOf, daysFromCivil, isoDate, isoWeekday, yearOfDay, type DayNumber } from './dates.ts';
import { holidaysOf } from './holidays.ts';
import { fail, ok, type Result } from './result.ts';
import { ZONE, amsterdamAt, amsterdamDay, millisOf } from './zone.ts';

/** A day gelijkgesteld by Besluit (Algemene termijnenwet art. 3 lid 3), bare or with its name. */
export type ExtraHoliday = string | { readonly date: string; readonly name?: string };

export interface CalendarData {
  /** Days gelijkgesteld with holidays; seeded from gelijkgestelde-dagen.json, extended by an admin. */
  readonly extraHolidays: readonly ExtraHoliday[];
  /** The gemeente's own closure days, e.g. between Christmas and New Year. */
  readonly closureDays: readonly string[];
  readonly businessHours: WeeklyHours;
}

const DEFAULT_CLOSE_MINUTES = 17 * 60;
/** How far opening-hour searches look before concluding the hours never open. */
const SEARCH_DAYS = 731;
const MAX_CACHED = 100_000;

/**
 * Working days and business time of one gemeente.
 *
 * Conventions: dates are ISO 'YYYY-MM-DD' strings in Amsterdam local time; instants are luxon
 * DateTimes in any zone, and every instant returned is in Europe/Amsterdam. Methods ending in
 * `Day` are the fast path on day numbers (days since 1970-01-01) used by due.ts.
 * Construction is cheap; holidays are loaded per year and results memoised on first use.
 * The constructor throws RangeError on malformed data: validate admin input with `create`.
 */
export class WorkingCalendar {
  readonly businessHours: WeeklyHours;
  readonly #hours: CompiledHours;
  readonly #holidays = new Map<DayNumber, string>();
  readonly #closures: ReadonlySet<DayNumber>;
  // Law holidays of the years [#fromYear, #toYear] are in #holidays; the day range mirrors it.
  #fromYear = 0;
  #toYear = -1;
  #fromDay = 0;
  #toDay = -1;
  readonly #afterCache = new Map<number, DayNumber>();
  readonly #closeCache = new Map<DayNumber, DateTime>();
  readonly #windowCache = new WeakMap<CompiledHours, Map<DayNumber, readonly number[]>>();

  constructor(data: CalendarData) {
    this.businessHours = data.businessHours;
    this.#hours = compileHours(data.businessHours);
    for (const extra of data.extraHolidays) {
      const { date, name } = typeof extra === 'string' ? { date: extra, name: undefined } : extra;
      this.#addHoliday(dayOf(date), name ?? 'Gelijkgestelde dag');
    }
    this.#closures = new Set(data.closureDays.map(dayOf));
  }

  /** Builds a calendar from outside data, reporting what is wrong instead of throwing. */
  static create(data: CalendarData): Result<WorkingCalendar> {
    const hours = validateWeeklyHours(data.businessHours);
    if (!hours.ok) return fail(`business hours: ${hours.error}`);
    try {
      return ok(new WorkingCalendar({ ...data, businessHours: hours.value }));
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
  }

  // ── Dates ────────────────────────────────────────────────────────────────

  /** Name of the holiday or gelijkgestelde dag on a date, or null. Closure days are not holidays. */
  holidayName(date: string): string | null {
    const day = dayOf(date);
    this.#loadHolidays(day);
    return this.#holidays.get(day) ?? null;
  }

  isHoliday(date: string): boolean {
    return this.holidayName(date) !== null;
  }

  isClosureDay(date: string): boolean {
    return this.#closures.has(dayOf(date));
  }

  /** Monday–Friday, not a holiday, not gelijkgesteld, not a closure day (domain.md, "Working day"). */
  isWorkingDay(date: string): boolean {
    return this.isWorkingDayNumber(dayOf(date));
  }

  /** The first working day after a date; the date itself never counts. */
  nextWorkingDay(date: string): string {
    return isoDate(this.workingDaysAfterDay(dayOf(date), 1));
  }

  /** The n-th working day after a date (n ≥ 1); the date itself never counts, whatever it is. */
  workingDaysAfter(date: string, n: number): string {
    return isoDate(this.workingDaysAfterDay(dayOf(date), n));
  }

  /** End of the date's last business window; 17:00 when that weekday has no window. */
  businessClose(date: string): DateTime {
    return this.businessCloseOfDay(dayOf(date));
  }

  /** The Amsterdam calendar date of an instant: receipt at 23:59 on 31 Dec counts as 31 Dec. */
  dateOf(instant: DateTime): string {
    return isoDate(amsterdamDay(instant));
  }

  // ── Fast path on day numbers ─────────────────────────────────────────────

  dayOfInstant(instant: DateTime): DayNumber {
    return amsterdamDay(instant);
  }

  isWorkingDayNumber(day: DayNumber): boolean {
    if (isoWeekday(day) > 5 || this.#closures.has(day)) return false;
    this.#loadHolidays(day);
    return !this.#holidays.has(day);
  }

  workingDaysAfterDay(day: DayNumber, n: number): DayNumber {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`working days must be a whole number ≥ 1, not ${n}`);
    const key = n < 1024 ? day * 1024 + n : Number.NaN;
    const hit = this.#afterCache.get(key);
    if (hit !== undefined) return hit;
    let result = day;
    for (let left = n; left > 0; ) {
      result++;
      if (this.isWorkingDayNumber(result)) left--;
    }
    if (!Number.isNaN(key)) this.#afterCache.set(key, result);
    return result;
  }

  businessCloseOfDay(day: DayNumber): DateTime {
    const hit = this.#closeCache.get(day);
    if (hit) return hit;
    const windows = this.#hours.minutes[isoWeekday(day)] ?? [];
    const close = amsterdamAt(day, windows.length > 0 ? windows[windows.length - 1]! : DEFAULT_CLOSE_MINUTES);
    this.#closeCache.set(day, close);
    return close;
  }

  // ── Opening hours and business time ──────────────────────────────────────
  // Holidays and closure days are closed whatever the weekly hours say; only 24/7 hours
  // ("always") stay open on them. Weekend windows count: opening days are not working days.

  isOpen(instant: DateTime, hours: WeeklyHours = this.businessHours): boolean {
    const ms = millisOf(instant);
    const windows = this.#windowsOf(amsterdamDay(instant), hours);
    for (let i = 0; i < windows.length; i += 2) {
      if (windows[i]! <= ms && ms < windows[i + 1]!) return true;
    }
    return false;
  }

  /** The instant itself when open, else the start of the next opening; null when none within two years. */
  nextOpening(instant: DateTime, hours: WeeklyHours = this.businessHours): DateTime | null {
    const ms = millisOf(instant);
    const first = amsterdamDay(instant);
    for (let day = first; day <= first + SEARCH_DAYS; day++) {
      const windows = this.#windowsOf(day, hours);
      for (let i = 0; i < windows.length; i += 2) {
        if (windows[i + 1]! <= ms) continue;
        return windows[i]! <= ms ? instant.setZone(ZONE) : DateTime.fromMillis(windows[i]!, { zone: ZONE });
      }
    }
    return null;
  }

  /** Seconds of opening time between two instants; negative when b is before a. */
  businessSecondsBetween(a: DateTime, b: DateTime, hours: WeeklyHours = this.businessHours): number {
    const from = millisOf(a);
    const to = millisOf(b);
    if (to < from) return -this.businessSecondsBetween(b, a, hours);
    let total = 0;
    const last = amsterdamDay(b);
    for (let day = amsterdamDay(a); day <= last; day++) {
      const windows = this.#windowsOf(day, hours);
      for (let i = 0; i < windows.length; i += 2) {
        const start = Math.max(windows[i]!, from);
        const end = Math.min(windows[i + 1]!, to);
        if (end > start) total += end - start;
      }
    }
    return total / 1000;
  }

  /**
   * The earliest instant that lies `seconds` of opening time after `instant` — e.g. a suspended
   * answer term resuming with the business time that was left (Awb art. 4:15 opschorting).
   */
  plusBusinessSeconds(instant: DateTime, seconds: number, hours: WeeklyHours = this.businessHours): DateTime {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`seconds must be ≥ 0, not ${seconds}`);
    const from = millisOf(instant);
    let remaining = seconds * 1000;
    if (remaining === 0) return instant.setZone(ZONE);
    let idleDays = 0;
    for (let day = amsterdamDay(instant); idleDays <= SEARCH_DAYS; day++) {
      const windows = this.#windowsOf(day, hours);
      let open = false;
      for (let i = 0; i < windows.length; i += 2) {
        const start = Math.max(windows[i]!, from);
        const end = windows[i + 1]!;
        if (end <= start) continue;
        open = true;
        if (end - start >= remaining) return DateTime.fromMillis(start + remaining, { zone: ZONE });
        remaining -= end - start;
      }
      idleDays = open ? 0 : idleDays + 1;
    }
    throw new RangeError(`no opening hours within ${SEARCH_DAYS} days after ${instant.toISO()}`);
  }

  /**
   * The latest instant that lies `seconds` of opening time before `instant` — e.g. "due soon"
   * starts 4 business hours before the due time.
   */
  minusBusinessSeconds(instant: DateTime, seconds: number, hours: WeeklyHours = this.businessHours): DateTime {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`seconds must be ≥ 0, not ${seconds}`);
    const until = millisOf(instant);
    let remaining = seconds * 1000;
    if (remaining === 0) return instant.setZone(ZONE);
    let idleDays = 0;
    for (let day = amsterdamDay(instant); idleDays <= SEARCH_DAYS; day--) {
      const windows = this.#windowsOf(day, hours);
      let open = false;
      for (let i = windows.length - 2; i >= 0; i -= 2) {
        const start = windows[i]!;
        const end = Math.min(windows[i + 1]!, until);
        if (end <= start) continue;
        open = true;
        if (end - start >= remaining) return DateTime.fromMillis(end - remaining, { zone: ZONE });
        remaining -= end - start;
      }
      idleDays = open ? 0 : idleDays + 1;
    }
    throw new RangeError(`no opening hours within ${SEARCH_DAYS} days before ${instant.toISO()}`);
  }

  // ── Internals ────────────────────────────────────────────────────────────

  #addHoliday(day: DayNumber, name: string): void {
    const existing = this.#holidays.get(day);
    this.#holidays.set(day, existing === undefined || existing === name ? name : `${existing} en ${name}`);
  }

  /** Makes sure the law holidays of the day's year are in #holidays (years load contiguously). */
  #loadHolidays(day: DayNumber): void {
    if (day >= this.#fromDay && day <= this.#toDay) return;
    const year = yearOfDay(day);
    let from = this.#fromYear;
    let to = this.#toYear;
    if (to < from) {
      from = to = year;
    } else if (year < from) {
      from = year;
    } else {
      to = year;
    }
    for (let y = from; y <= to; y++) {
      if (y >= this.#fromYear && y <= this.#toYear) continue;
      for (const holiday of holidaysOf(y)) this.#addHoliday(dayOf(holiday.date), holiday.name);
    }
    this.#fromYear = from;
    this.#toYear = to;
    this.#fromDay = daysFromCivil(from, 1, 1);
    this.#toDay = daysFromCivil(to, 12, 31);
  }

  /** Opening windows of a date as epoch-ms pairs; empty on holidays and closure days unless 24/7. */
  #windowsOf(day: DayNumber, hours: WeeklyHours): readonly number[] {
    const compiled = hours === this.businessHours ? this.#hours : compileHours(hours);
    let perDay = this.#windowCache.get(compiled);
    if (!perDay) {
      perDay = new Map();
      this.#windowCache.set(compiled, perDay);
    }
    const hit = perDay.get(day);
    if (hit) return hit;
    const windows: number[] = [];
    this.#loadHolidays(day);
    if (compiled.alwaysOpen || !(this.#holidays.has(day) || this.#closures.has(day))) {
      const minutes = compiled.minutes[isoWeekday(day)] ?? [];
      for (let i = 0; i < minutes.length; i += 2) {
        const start = amsterdamAt(day, minutes[i]!).toMillis();
        const end = amsterdamAt(day, minutes[i + 1]!).toMillis();
        // A window inside the spring-forward gap has no real time in it.
        if (end > start) windows.push(start, end);
      }
    }
    if (perDay.size >= MAX_CACHED) perDay.clear();
    perDay.set(day, windows);
    return windows;
  }
}
