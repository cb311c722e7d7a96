import { describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN,
  DEFAULT_BUSINESS_HOURS,
  NEVER_OPEN,
  formatWeeklyHours,
  parseWeeklyHours,
  validateWeeklyHours,
  type WeeklyHours,
} from '../../../server/deadlines/business-hours.ts';

const w = (start: string, end: string) => ({ start, end });

function parsed(text: string): WeeklyHours {
  const result = parseWeeklyHours(text);
  if (!result.ok) throw new Error(`expected "${text}" to parse: ${result.error}`);
  return result.value;
}

describe('parseWeeklyHours', () => {
  it('reads the default syntax', () => {
    expect(parsed('mon-fri 08:30-17:00')).toEqual(DEFAULT_BUSINESS_HOURS);
  });

  it('reads split windows and several clauses', () => {
    const hours = parsed('mon-thu 08:30-12:00,13:00-17:00; fri 08:30-12:00');
    expect(hours[1]).toEqual([w('08:30', '12:00'), w('13:00', '17:00')]);
    expect(hours[4]).toEqual([w('08:30', '12:00'), w('13:00', '17:00')]);
    expect(hours[5]).toEqual([w('08:30', '12:00')]);
    expect(hours[6]).toEqual([]);
    expect(hours[7]).toEqual([]);
  });

  it.each([
    ['always', ALWAYS_OPEN],
    ['  ALWAYS ', ALWAYS_OPEN],
    ['never', NEVER_OPEN],
  ])('reads "%s"', (text, expected) => {
    expect(parsed(text)).toEqual(expected);
  });

  it('accepts day lists, Dutch day names, spaces, 24:00 as an end and a trailing semicolon', () => {
    const hours = parsed('ma,wo 08:00 - 12:00, 13:00-24:00; za-zo 10:00-14:00;');
    expect(hours[1]).toEqual([w('08:00', '12:00'), w('13:00', '24:00')]);
    expect(hours[2]).toEqual([]);
    expect(hours[3]).toEqual(hours[1]);
    expect(hours[6]).toEqual([w('10:00', '14:00')]);
    expect(hours[7]).toEqual([w('10:00', '14:00')]);
  });

  it.each([
    ['', 'no hours given; write e.g. "mon-fri 08:30-17:00", "always" or "never"'],
    ['mon-fri', '"mon-fri" needs days and times, e.g. "mon-fri 08:30-17:00"'],
    ['mon-fry 08:30-17:00', 'in "mon-fry 08:30-17:00": "mon-fry" is not a day or day range; use mon, tue, wed, thu, fri, sat, sun, e.g. mon-fri'],
    ['fri-mon 08:30-17:00', 'in "fri-mon 08:30-17:00": day range fri-mon runs backwards; weeks run mon to sun'],
    ['mon-fri 8:30-17:00', 'in "mon-fri 8:30-17:00": "8:30" is not a time; use HH:MM, e.g. 08:30'],
    ['mon-fri 08:30-17:60', 'in "mon-fri 08:30-17:60": "17:60" is not a valid time of day'],
    ['mon-fri 25:00-26:00', 'in "mon-fri 25:00-26:00": "25:00" is not a valid time of day'],
    ['mon-fri 24:00-24:00', 'in "mon-fri 24:00-24:00": 24:00 can only end a window, not start one'],
    ['mon-fri 17:00-08:30', 'in "mon-fri 17:00-08:30": window 17:00-08:30 ends before it starts'],
    ['mon-fri 08:30-08:30', 'in "mon-fri 08:30-08:30": window 08:30-08:30 is empty'],
    ['mon-fri 08:30-12:30,12:00-17:00', 'in "mon-fri 08:30-12:30,12:00-17:00": windows 08:30-12:30 and 12:00-17:00 overlap'],
    ['mon-fri 13:00-17:00,08:30-12:00', 'in "mon-fri 13:00-17:00,08:30-12:00": windows are out of order: 08:30-12:00 comes after 13:00-17:00'],
    ['mon-fri 08:30 17:00', 'in "mon-fri 08:30 17:00": "08:30 17:00" is not a time window; use HH:MM-HH:MM, e.g. 08:30-17:00'],
    ['mon-fri 08:30-17:00; wed 09:00-12:00', 'wed is given more than once'],
    ['mon 08:30-17:00;; tue 08:30-17:00', 'clause 2 is empty'],
    ['constructor 08:30-17:00', 'in "constructor 08:30-17:00": "constructor" is not a day or day range; use mon, tue, wed, thu, fri, sat, sun, e.g. mon-fri'],
  ])('rejects "%s"', (text, error) => {
    expect(parseWeeklyHours(text)).toEqual({ ok: false, error });
  });
});

describe('formatWeeklyHours', () => {
  it.each([
    ['mon-fri 08:30-17:00', 'mon-fri 08:30-17:00'],
    ['mon-thu 08:30-12:00,13:00-17:00; fri 08:30-12:00', 'mon-thu 08:30-12:00,13:00-17:00; fri 08:30-12:00'],
    ['mon-sun 00:00-24:00', 'always'],
    ['never', 'never'],
    ['wed 09:00-12:00; mon 09:00-12:00; tue 09:00-12:00; sun 10:00-11:00', 'mon-wed 09:00-12:00; sun 10:00-11:00'],
    ['mon 09:00-12:00; wed 09:00-12:00', 'mon 09:00-12:00; wed 09:00-12:00'],
  ])('formats "%s" as "%s"', (text, expected) => {
    expect(formatWeeklyHours(parsed(text))).toBe(expected);
  });
});

describe('validateWeeklyHours', () => {
  it('accepts valid hours and names the weekday of an error', () => {
    expect(validateWeeklyHours(DEFAULT_BUSINESS_HOURS)).toEqual({ ok: true, value: DEFAULT_BUSINESS_HOURS });
    const bad = { ...DEFAULT_BUSINESS_HOURS, 3: [w('12:00', '11:00')] };
    expect(validateWeeklyHours(bad)).toEqual({ ok: false, error: 'wed: window 12:00-11:00 ends before it starts' });
  });
});
