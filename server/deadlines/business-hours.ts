// Weekly opening hours (business hours, chat hours): the model, the BUSINESS_HOURS / CHAT_HOURS syntax, and validation.
import type { Result } from './result.ts';

/**
 * Why hours text was refused, as a code and its values, so the inbox can say it in the agent's
 * language (issue 16); the English `error` beside it stays for logs, the CLI and the environment.
 */
export interface HoursProblem {
  readonly code: HoursProblemCode;
  readonly params: Readonly<Record<string, string>>;
}
export const HOURS_PROBLEM_CODES = [
  'hours_empty', 'hours_bad_time', 'hours_start_at_24', 'hours_bad_time_of_day', 'hours_window_backwards', 'hours_window_empty',
  'hours_window_order', 'hours_window_overlap', 'hours_days_missing', 'hours_bad_day', 'hours_day_range_backwards',
  'hours_bad_window', 'hours_clause_empty', 'hours_clause_incomplete', 'hours_day_twice',
] as const;
export type HoursProblemCode = (typeof HOURS_PROBLEM_CODES)[number];

/** A Result whose failure also carries its HoursProblem. */
export type HoursResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string; readonly problem: HoursProblem };

const ok = <T>(value: T): HoursResult<T> => ({ ok: true, value });
const refuse = (code: HoursProblemCode, error: string, params: Record<string, string> = {}): HoursResult<never> => ({ ok: false, error, problem: { code, params } });

/** The inner failure with context before its message; the code stays the inner one's, with `extra` values. */
const within = (prefix: string, inner: { error: string; problem: HoursProblem }, extra: Record<string, string>): HoursResult<never> => ({
  ok: false,
  error: `${prefix}${inner.error}`,
  problem: { code: inner.problem.code, params: { ...inner.problem.params, ...extra } },
});

/** The plain Result of domain code, without the problem. */
const plain = <T>(result: HoursResult<T>): Result<T> => (result.ok ? result : { ok: false, error: result.error });

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** One opening window in Amsterdam wall-clock time; 'HH:MM', end may be '24:00'. */
export interface TimeWindow {
  readonly start: string;
  readonly end: string;
}

/** Per ISO weekday the opening windows, ordered and not overlapping; an empty list is a closed day. */
export type WeeklyHours = { readonly [D in IsoWeekday]: readonly TimeWindow[] };

/**
 * Windows as minutes after midnight, flat [start0, end0, start1, end1, …] per weekday (index 1–7),
 * for the hot paths in the calendar.
 */
export interface CompiledHours {
  readonly minutes: readonly (readonly number[])[];
  /** Every day 00:00–24:00: "always" means always, holidays included. */
  readonly alwaysOpen: boolean;
}

export const WEEKDAYS: readonly IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];
const DAY_CODES = ['', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
// Dutch abbreviations too: the admin configuring a gemeente may well write "ma-vr".
const DAY_BY_CODE: ReadonlyMap<string, IsoWeekday> = new Map([
  ['mon', 1], ['tue', 2], ['wed', 3], ['thu', 4], ['fri', 5], ['sat', 6], ['sun', 7],
  ['ma', 1], ['di', 2], ['wo', 3], ['do', 4], ['vr', 5], ['za', 6], ['zo', 7],
]);

const hoursOf = (make: (day: IsoWeekday) => readonly TimeWindow[]): WeeklyHours =>
  Object.freeze({ 1: make(1), 2: make(2), 3: make(3), 4: make(4), 5: make(5), 6: make(6), 7: make(7) });

/** Domain default: Monday–Friday 08:30–17:00. */
export const DEFAULT_BUSINESS_HOURS: WeeklyHours = hoursOf((day) =>
  Object.freeze(day <= 5 ? [Object.freeze({ start: '08:30', end: '17:00' })] : []),
);
export const ALWAYS_OPEN: WeeklyHours = hoursOf(() => Object.freeze([Object.freeze({ start: '00:00', end: '24:00' })]));
export const NEVER_OPEN: WeeklyHours = hoursOf(() => Object.freeze([]));

const TIME = /^(\d{2}):(\d{2})$/;

/** Minutes after midnight of 'HH:MM', or an error message; 24:00 only as an end. */
function parseTime(text: string, role: 'start' | 'end'): HoursResult<number> {
  const m = TIME.exec(text);
  if (!m) return refuse('hours_bad_time', `"${text}" is not a time; use HH:MM, e.g. 08:30`, { value: text });
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  if (hour === 24 && minute === 0) {
    return role === 'end' ? ok(1440) : refuse('hours_start_at_24', '24:00 can only end a window, not start one');
  }
  if (hour > 23 || minute > 59) return refuse('hours_bad_time_of_day', `"${text}" is not a valid time of day`, { value: text });
  return ok(hour * 60 + minute);
}

/** Checks one day's windows; returns the flat minute pairs. */
function checkWindows(windows: readonly TimeWindow[]): HoursResult<number[]> {
  const flat: number[] = [];
  let previous: TimeWindow | undefined;
  for (const window of windows) {
    const start = parseTime(window.start, 'start');
    if (!start.ok) return start;
    const end = parseTime(window.end, 'end');
    if (!end.ok) return end;
    const label = `${window.start}-${window.end}`;
    if (end.value < start.value) return refuse('hours_window_backwards', `window ${label} ends before it starts`, { window: label });
    if (end.value === start.value) return refuse('hours_window_empty', `window ${label} is empty`, { window: label });
    if (previous !== undefined) {
      const previousLabel = `${previous.start}-${previous.end}`;
      const previousStart = flat[flat.length - 2]!;
      const previousEnd = flat[flat.length - 1]!;
      if (start.value < previousStart) return refuse('hours_window_order', `windows are out of order: ${label} comes after ${previousLabel}`, { window: label, previous: previousLabel });
      if (start.value < previousEnd) return refuse('hours_window_overlap', `windows ${previousLabel} and ${label} overlap`, { window: label, previous: previousLabel });
    }
    flat.push(start.value, end.value);
    previous = window;
  }
  return ok(flat);
}

/** Validates hours that arrive as data (an admin's JSON) and returns a frozen copy. */
export function validateWeeklyHours(hours: WeeklyHours): Result<WeeklyHours> {
  return plain(validateWeeklyHoursExplained(hours));
}

/** validateWeeklyHours with the problem's code (issue 16). */
export function validateWeeklyHoursExplained(hours: WeeklyHours): HoursResult<WeeklyHours> {
  for (const day of WEEKDAYS) {
    const windows = hours[day];
    if (!Array.isArray(windows)) return refuse('hours_days_missing', `${DAY_CODES[day]}: a list of windows is missing`, { day: DAY_CODES[day]! });
    const checked = checkWindows(windows);
    if (!checked.ok) return within(`${DAY_CODES[day]}: `, checked, { day: DAY_CODES[day]! });
  }
  return ok(hoursOf((day) => Object.freeze(hours[day].map((w) => Object.freeze({ start: w.start, end: w.end })))));
}

function parseDays(text: string): HoursResult<IsoWeekday[]> {
  const days: IsoWeekday[] = [];
  for (const item of text.split(',')) {
    const [from, to, ...rest] = item.split('-');
    const first = DAY_BY_CODE.get(from ?? '');
    const last = to === undefined ? first : DAY_BY_CODE.get(to);
    if (rest.length > 0 || first === undefined || last === undefined) {
      return refuse('hours_bad_day', `"${item}" is not a day or day range; use mon, tue, wed, thu, fri, sat, sun, e.g. mon-fri`, { value: item });
    }
    if (last < first) return refuse('hours_day_range_backwards', `day range ${item} runs backwards; weeks run mon to sun`, { value: item });
    for (let day = first; day <= last; day++) days.push(day as IsoWeekday);
  }
  return ok(days);
}

function parseWindowList(text: string): HoursResult<TimeWindow[]> {
  const windows: TimeWindow[] = [];
  for (const raw of text.split(',')) {
    const m = /^(\S+?)\s*-\s*(\S+)$/.exec(raw.trim());
    if (!m) return refuse('hours_bad_window', `"${raw.trim()}" is not a time window; use HH:MM-HH:MM, e.g. 08:30-17:00`, { value: raw.trim() });
    windows.push({ start: m[1]!, end: m[2]! });
  }
  return ok(windows);
}

/**
 * Parses the BUSINESS_HOURS / CHAT_HOURS syntax: clauses separated by ';', each days then
 * windows, e.g. `mon-thu 08:30-12:00,13:00-17:00; fri 08:30-12:00`. `always` is 24/7 and
 * `never` has no opening at all. Days not named are closed.
 */
export function parseWeeklyHours(text: string): Result<WeeklyHours> {
  return plain(parseWeeklyHoursExplained(text));
}

/** parseWeeklyHours with the problem's code and values, for messages in the agent's language. */
export function parseWeeklyHoursExplained(text: string): HoursResult<WeeklyHours> {
  const source = text.trim().toLowerCase();
  if (source === '') return refuse('hours_empty', 'no hours given; write e.g. "mon-fri 08:30-17:00", "always" or "never"');
  // Dutch words too, as the Beheer screen writes them (issue 16).
  if (source === 'always' || source === 'altijd') return ok(ALWAYS_OPEN);
  if (source === 'never' || source === 'nooit') return ok(NEVER_OPEN);
  const byDay = new Map<IsoWeekday, TimeWindow[]>();
  const clauses = source.split(';').map((clause) => clause.trim());
  for (const [index, clause] of clauses.entries()) {
    // A trailing ';' is harmless; an empty clause in the middle is likely a typo.
    if (clause === '' && index === clauses.length - 1 && index > 0) continue;
    const m = /^(\S+)\s+(.+)$/.exec(clause);
    if (!m) {
      return clause === ''
        ? refuse('hours_clause_empty', `clause ${index + 1} is empty`, { index: String(index + 1) })
        : refuse('hours_clause_incomplete', `"${clause}" needs days and times, e.g. "mon-fri 08:30-17:00"`, { clause });
    }
    const days = parseDays(m[1]!);
    if (!days.ok) return within(`in "${clause}": `, days, { clause });
    const windows = parseWindowList(m[2]!);
    if (!windows.ok) return within(`in "${clause}": `, windows, { clause });
    const checked = checkWindows(windows.value);
    if (!checked.ok) return within(`in "${clause}": `, checked, { clause });
    for (const day of days.value) {
      if (byDay.has(day)) return refuse('hours_day_twice', `${DAY_CODES[day]} is given more than once`, { day: DAY_CODES[day]! });
      byDay.set(day, windows.value);
    }
  }
  return ok(hoursOf((day) => Object.freeze((byDay.get(day) ?? []).map((w) => Object.freeze(w)))));
}

const windowsText = (windows: readonly TimeWindow[]): string => windows.map((w) => `${w.start}-${w.end}`).join(',');

function isAlways(hours: WeeklyHours): boolean {
  return WEEKDAYS.every((day) => windowsText(hours[day]) === '00:00-24:00');
}

/** Formats hours back into the env-var syntax; consecutive days with equal windows become a range. */
export function formatWeeklyHours(hours: WeeklyHours): string {
  if (isAlways(hours)) return 'always';
  const clauses: string[] = [];
  let day = 1;
  while (day <= 7) {
    const text = windowsText(hours[day as IsoWeekday]);
    let last = day;
    while (last < 7 && windowsText(hours[(last + 1) as IsoWeekday]) === text) last++;
    if (text !== '') clauses.push(`${DAY_CODES[day]}${last > day ? `-${DAY_CODES[last]}` : ''} ${text}`);
    day = last + 1;
  }
  return clauses.length === 0 ? 'never' : clauses.join('; ');
}

const compiled = new WeakMap<WeeklyHours, CompiledHours>();

/** Minute form of valid hours, memoised per hours object; invalid hours are a programming error here. */
export function compileHours(hours: WeeklyHours): CompiledHours {
  const hit = compiled.get(hours);
  if (hit) return hit;
  const minutes: number[][] = [[]];
  for (const day of WEEKDAYS) {
    const checked = checkWindows(hours[day] ?? []);
    if (!checked.ok) throw new RangeError(`invalid hours on ${DAY_CODES[day]}: ${checked.error}`);
    minutes.push(checked.value);
  }
  const result: CompiledHours = Object.freeze({ minutes, alwaysOpen: isAlways(hours) });
  compiled.set(hours, result);
  return result;
}
