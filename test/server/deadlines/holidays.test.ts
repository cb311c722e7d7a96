import { describe, expect, it } from 'vitest';
import { isoDate } from '../../../server/deadlines/dates.ts';
import { easterSunday, holidaysOf } from '../../../server/deadlines/holidays.ts';

describe('easterSunday (Meeus/Jones/Butcher)', () => {
  it.each([
    [1818, '1818-03-22'], // earliest possible date
    [1943, '1943-04-25'], // latest possible date
    [2000, '2000-04-23'],
    [2008, '2008-03-23'],
    [2011, '2011-04-24'],
    [2019, '2019-04-21'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2028, '2028-04-16'],
    [2038, '2038-04-25'],
    [2285, '2285-03-22'],
  ])('%i → %s', (year, expected) => {
    expect(isoDate(easterSunday(year))).toBe(expected);
  });
});

describe('holidaysOf', () => {
  it.each([
    [
      2026,
      [
        ['2026-01-01', 'Nieuwjaarsdag'],
        ['2026-04-03', 'Goede Vrijdag'],
        ['2026-04-06', 'Tweede Paasdag'],
        ['2026-04-27', 'Koningsdag'],
        ['2026-05-05', 'Bevrijdingsdag'],
        ['2026-05-14', 'Hemelvaartsdag'],
        ['2026-05-25', 'Tweede Pinksterdag'],
        ['2026-12-25', 'Eerste Kerstdag'],
        ['2026-12-26', 'Tweede Kerstdag'],
      ],
    ],
    [
      2027,
      [
        ['2027-01-01', 'Nieuwjaarsdag'],
        ['2027-03-26', 'Goede Vrijdag'],
        ['2027-03-29', 'Tweede Paasdag'],
        ['2027-04-27', 'Koningsdag'],
        ['2027-05-05', 'Bevrijdingsdag'],
        ['2027-05-06', 'Hemelvaartsdag'],
        ['2027-05-17', 'Tweede Pinksterdag'],
        ['2027-12-25', 'Eerste Kerstdag'],
        ['2027-12-26', 'Tweede Kerstdag'],
      ],
    ],
    [
      2028,
      [
        ['2028-01-01', 'Nieuwjaarsdag'],
        ['2028-04-14', 'Goede Vrijdag'],
        ['2028-04-17', 'Tweede Paasdag'],
        ['2028-04-27', 'Koningsdag'],
        ['2028-05-05', 'Bevrijdingsdag'],
        ['2028-05-25', 'Hemelvaartsdag'],
        ['2028-06-05', 'Tweede Pinksterdag'],
        ['2028-12-25', 'Eerste Kerstdag'],
        ['2028-12-26', 'Tweede Kerstdag'],
      ],
    ],
  ])('%i: every holiday of Algemene termijnenwet art. 3, in date order', (year, expected) => {
    expect(holidaysOf(year).map((h) => [h.date, h.name])).toEqual(expected);
  });

  it.each([
    [2025, '2025-04-26'], // 27 April 2025 is a Sunday
    [2031, '2031-04-26'], // 27 April 2031 is a Sunday
    [2030, '2030-04-27'], // a Saturday: stays on the 27th
  ])('Koningsdag %i falls on %s', (year, date) => {
    expect(holidaysOf(year).find((h) => h.name === 'Koningsdag')?.date).toBe(date);
  });

  it('keeps both holidays when Hemelvaartsdag falls on 5 May (2005)', () => {
    expect(holidaysOf(2005).filter((h) => h.date === '2005-05-05').map((h) => h.name)).toEqual([
      'Bevrijdingsdag',
      'Hemelvaartsdag',
    ]);
  });

  it('refuses years outside the Gregorian range', () => {
    expect(() => holidaysOf(1500)).toThrow(RangeError);
    expect(() => holidaysOf(2026.5)).toThrow(RangeError);
  });
});
