import { describe, expect, it } from 'vitest';
import { ALWAYS_OPEN, DEFAULT_BUSINESS_HOURS, NEVER_OPEN } from '../../../server/deadlines/business-hours.ts';
import { WorkingCalendar } from '../../../server/deadlines/calendar.ts';
import { at, calendar, hours, iso } from './support.ts';

const cal = calendar();

describe('working days', () => {
  it.each([
    ['2026-01-01', false, 'Nieuwjaarsdag'],
    ['2026-01-02', false, 'Vrijdag na Nieuwjaarsdag'], // gelijkgesteld
    ['2026-01-05', true, null],
    ['2026-04-03', false, 'Goede Vrijdag'],
    ['2026-04-27', false, 'Koningsdag'],
    ['2026-05-15', false, 'Vrijdag na Hemelvaartsdag'],
    ['2027-05-07', false, 'Vrijdag na Hemelvaartsdag'],
    ['2028-04-28', false, 'Vrijdag na Koningsdag'],
    ['2028-05-26', false, 'Vrijdag na Hemelvaartsdag'],
    ['2029-05-11', true, null], // Friday after Hemelvaartsdag 2029: not gelijkgesteld (yet)
    ['2026-06-13', false, null], // Saturday
    ['2026-06-14', false, null], // Sunday
    ['2026-06-15', true, null],
  ])('%s working day: %s (%s)', (date, working, name) => {
    expect(cal.isWorkingDay(date)).toBe(working);
    expect(cal.holidayName(date)).toBe(name);
  });

  it('takes gelijkgestelde dagen as data: without them 2 Jan 2026 is a working day', () => {
    const bare = new WorkingCalendar({ extraHolidays: [], closureDays: [], businessHours: DEFAULT_BUSINESS_HOURS });
    expect(bare.isWorkingDay('2026-01-02')).toBe(true);
    const extended = new WorkingCalendar({ extraHolidays: ['2029-05-11'], closureDays: [], businessHours: DEFAULT_BUSINESS_HOURS });
    expect(extended.isWorkingDay('2029-05-11')).toBe(false);
    expect(extended.holidayName('2029-05-11')).toBe('Gelijkgestelde dag');
  });

  it('closure days are not holidays but are not working days either', () => {
    const closed = calendar({ closureDays: ['2026-12-28'] });
    expect(closed.isClosureDay('2026-12-28')).toBe(true);
    expect(closed.isHoliday('2026-12-28')).toBe(false);
    expect(closed.isWorkingDay('2026-12-28')).toBe(false);
  });

  it.each([
    ['2026-12-24', 1, '2026-12-28'],
    ['2026-12-24', 2, '2026-12-29'],
    ['2025-12-31', 1, '2026-01-05'], // 1 Jan holiday, 2 Jan gelijkgesteld, weekend
    ['2026-04-02', 1, '2026-04-07'], // Goede Vrijdag, weekend, Tweede Paasdag
    ['2026-04-24', 1, '2026-04-28'], // weekend, Koningsdag
    ['2026-05-13', 5, '2026-05-22'], // Hemelvaartsdag and the Friday after
    ['2026-05-20', 5, '2026-05-28'], // Tweede Pinksterdag
    ['2026-06-13', 1, '2026-06-15'], // from a Saturday
    ['2026-06-15', 10, '2026-06-29'],
  ])('%s + %i working days → %s', (date, n, expected) => {
    expect(cal.workingDaysAfter(date, n)).toBe(expected);
  });

  it('nextWorkingDay never returns the date itself', () => {
    expect(cal.nextWorkingDay('2026-06-15')).toBe('2026-06-16');
    expect(cal.nextWorkingDay('2026-12-24')).toBe('2026-12-28');
  });

  it('refuses bad input as a programming error', () => {
    expect(() => cal.workingDaysAfter('2026-06-15', 0)).toThrow(RangeError);
    expect(() => cal.workingDaysAfter('2026-06-15', 1.5)).toThrow(RangeError);
    expect(() => cal.isWorkingDay('2026-02-30')).toThrow(/not an ISO calendar date/);
    expect(() => cal.isWorkingDay('15-06-2026')).toThrow(RangeError);
  });

  it('create() reports malformed data instead of throwing', () => {
    expect(WorkingCalendar.create({ extraHolidays: [], closureDays: ['2026-13-01'], businessHours: DEFAULT_BUSINESS_HOURS })).toEqual({
      ok: false,
      error: 'not an ISO calendar date (YYYY-MM-DD from 1583): "2026-13-01"',
    });
    expect(WorkingCalendar.create({ extraHolidays: [], closureDays: [], businessHours: { ...DEFAULT_BUSINESS_HOURS, 1: [{ start: '9:00', end: '17:00' }] } })).toEqual({
      ok: false,
      error: 'business hours: mon: "9:00" is not a time; use HH:MM, e.g. 08:30',
    });
    expect(WorkingCalendar.create({ extraHolidays: [], closureDays: [], businessHours: DEFAULT_BUSINESS_HOURS }).ok).toBe(true);
  });
});

describe('businessClose', () => {
  it.each([
    ['2026-03-27', '2026-03-27T17:00:00.000+01:00'], // Friday before spring DST
    ['2026-03-30', '2026-03-30T17:00:00.000+02:00'], // Monday after
    ['2026-10-23', '2026-10-23T17:00:00.000+02:00'], // Friday before autumn DST
    ['2026-10-26', '2026-10-26T17:00:00.000+01:00'], // Monday after
  ])('%s closes at %s, 17:00 local across DST', (date, expected) => {
    expect(iso(cal.businessClose(date))).toBe(expected);
  });

  it('is the end of the last window with split hours, 17:00 on a weekday without windows', () => {
    const split = calendar({ businessHours: 'mon-thu 08:30-12:00,13:00-16:00; fri 08:30-12:00' });
    expect(iso(split.businessClose('2026-06-11'))).toBe('2026-06-11T16:00:00.000+02:00');
    expect(iso(split.businessClose('2026-06-12'))).toBe('2026-06-12T12:00:00.000+02:00');
    expect(iso(split.businessClose('2026-06-13'))).toBe('2026-06-13T17:00:00.000+02:00');
  });

  it('24:00 closes at the following midnight', () => {
    const late = calendar({ businessHours: 'mon-fri 08:00-24:00' });
    expect(iso(late.businessClose('2026-06-10'))).toBe('2026-06-11T00:00:00.000+02:00');
  });
});

describe('dateOf (receipt date)', () => {
  it.each([
    ['2026-12-31T23:59:59+01:00', '2026-12-31'],
    ['2026-12-31T23:00:00Z', '2027-01-01'], // already 00:00 in Amsterdam
    ['2026-06-10T21:59:59Z', '2026-06-10'],
    ['2026-06-10T22:00:00Z', '2026-06-11'],
    ['2026-10-25T02:30:00+01:00', '2026-10-25'], // the repeated hour
  ])('%s was received on %s', (instant, date) => {
    expect(cal.dateOf(at(instant))).toBe(date);
  });
});

describe('opening hours', () => {
  const chat = hours('mon-fri 08:30-17:00; sat 10:00-14:00');

  it.each([
    ['2026-06-10T08:29:59+02:00', false],
    ['2026-06-10T08:30:00+02:00', true],
    ['2026-06-10T16:59:59+02:00', true],
    ['2026-06-10T17:00:00+02:00', false],
    ['2026-06-13T11:00:00+02:00', true], // Saturday window
    ['2026-06-14T11:00:00+02:00', false], // Sunday
    ['2026-04-27T11:00:00+02:00', false], // Koningsdag
    ['2026-12-26T11:00:00+01:00', false], // Tweede Kerstdag on a Saturday
  ])('chat open at %s: %s', (instant, open) => {
    expect(cal.isOpen(at(instant), chat)).toBe(open);
  });

  it.each([
    ['2026-06-10T10:00:00+02:00', '2026-06-10T10:00:00.000+02:00'], // open now
    ['2026-06-10T07:00:00+02:00', '2026-06-10T08:30:00.000+02:00'],
    ['2026-06-12T17:30:00+02:00', '2026-06-13T10:00:00.000+02:00'], // Saturday window
    ['2026-06-13T14:00:00+02:00', '2026-06-15T08:30:00.000+02:00'],
    ['2026-12-24T17:00:00+01:00', '2026-12-28T08:30:00.000+01:00'], // Kerst, Sunday
    ['2026-03-28T15:00:00+01:00', '2026-03-30T08:30:00.000+02:00'], // over spring DST
  ])('after %s chat opens next at %s', (instant, expected) => {
    expect(iso(cal.nextOpening(at(instant), chat))).toBe(expected);
  });

  it('24/7 hours stay open on holidays; no hours never open', () => {
    expect(cal.isOpen(at('2026-12-25T03:00:00+01:00'), ALWAYS_OPEN)).toBe(true);
    expect(cal.nextOpening(at('2026-06-10T10:00:00+02:00'), NEVER_OPEN)).toBeNull();
  });
});

describe('business time', () => {
  it.each([
    ['2026-06-10T10:00:00+02:00', '2026-06-10T14:00:00+02:00', 4 * 3600],
    ['2026-06-10T07:00:00+02:00', '2026-06-10T20:00:00+02:00', 8.5 * 3600],
    ['2026-06-12T14:30:00+02:00', '2026-06-15T10:00:00+02:00', 4 * 3600], // over a weekend
    ['2026-03-27T14:30:00+01:00', '2026-03-30T10:00:00+02:00', 4 * 3600], // over spring DST
    ['2026-04-24T14:30:00+02:00', '2026-04-28T10:00:00+02:00', 4 * 3600], // over Koningsdag
    ['2026-06-15T10:00:00+02:00', '2026-06-12T14:30:00+02:00', -4 * 3600],
  ])('between %s and %s: %i s', (a, b, seconds) => {
    expect(cal.businessSecondsBetween(at(a), at(b))).toBe(seconds);
  });

  it('counts real seconds on 24/7 hours: the spring DST day has 23 hours', () => {
    expect(cal.businessSecondsBetween(at('2026-03-29T00:00:00+01:00'), at('2026-03-30T00:00:00+02:00'), ALWAYS_OPEN)).toBe(23 * 3600);
    expect(cal.businessSecondsBetween(at('2026-10-25T00:00:00+02:00'), at('2026-10-26T00:00:00+01:00'), ALWAYS_OPEN)).toBe(25 * 3600);
  });

  it.each([
    ['2026-12-29T17:00:00+01:00', 4 * 3600, '2026-12-29T13:00:00.000+01:00'],
    ['2026-06-15T10:00:00+02:00', 4 * 3600, '2026-06-12T14:30:00.000+02:00'],
    ['2026-03-30T10:00:00+02:00', 4 * 3600, '2026-03-27T14:30:00.000+01:00'],
    ['2026-04-28T10:00:00+02:00', 4 * 3600, '2026-04-24T14:30:00.000+02:00'],
    ['2026-06-15T20:00:00+02:00', 8.5 * 3600, '2026-06-15T08:30:00.000+02:00'], // the latest such instant
    ['2026-06-15T10:00:00+02:00', 0, '2026-06-15T10:00:00.000+02:00'],
  ])('%s minus %i business seconds is %s', (instant, seconds, expected) => {
    expect(iso(cal.minusBusinessSeconds(at(instant), seconds))).toBe(expected);
  });

  it.each([
    ['2026-12-29T13:00:00+01:00', 4 * 3600, '2026-12-29T17:00:00.000+01:00'],
    ['2026-06-12T14:30:00+02:00', 4 * 3600, '2026-06-15T10:00:00.000+02:00'], // over a weekend
    ['2026-03-27T14:30:00+01:00', 4 * 3600, '2026-03-30T10:00:00.000+02:00'], // over spring DST
    ['2026-04-24T14:30:00+02:00', 4 * 3600, '2026-04-28T10:00:00.000+02:00'], // over Koningsdag
    ['2026-06-15T07:00:00+02:00', 8.5 * 3600, '2026-06-15T17:00:00.000+02:00'], // from before opening
    ['2026-06-15T10:00:00+02:00', 0, '2026-06-15T10:00:00.000+02:00'],
  ])('%s plus %i business seconds is %s', (instant, seconds, expected) => {
    expect(iso(cal.plusBusinessSeconds(at(instant), seconds))).toBe(expected);
  });

  it('skips the lunch break with split hours', () => {
    const split = calendar({ businessHours: 'mon-thu 08:30-12:00,13:00-16:00; fri 08:30-12:00' });
    expect(iso(split.minusBusinessSeconds(at('2026-06-11T16:00:00+02:00'), 4 * 3600))).toBe('2026-06-11T11:00:00.000+02:00');
    expect(split.businessSecondsBetween(at('2026-06-11T11:00:00+02:00'), at('2026-06-11T16:00:00+02:00'))).toBe(4 * 3600);
  });
});
