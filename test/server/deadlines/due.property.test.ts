import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatWeeklyHours, parseWeeklyHours } from '../../../server/deadlines/business-hours.ts';
import { WorkingCalendar } from '../../../server/deadlines/calendar.ts';
import { isoDate } from '../../../server/deadlines/dates.ts';
import { dueFor } from '../../../server/deadlines/due.ts';
import { MILESTONE_KEYS, NORM_PRESETS, type Term } from '../../../server/deadlines/norms.ts';
import { SEED_GELIJKGESTELDE_DAGEN } from '../../../server/deadlines/seed.ts';
import { hours } from './support.ts';

const ZONE = 'Europe/Amsterdam';
const FROM = Date.parse('2025-01-01T00:00:00Z');
const TO = Date.parse('2030-12-31T00:00:00Z');
const FIRST_DAY = FROM / 86_400_000;

// No 24:00 ends here: a close at the following midnight falls on the next date by design.
const HOURS = [
  'mon-fri 08:30-17:00',
  'mon-thu 08:30-12:00,13:00-17:00; fri 08:30-12:00',
  'mon-fri 09:00-16:00; sat 10:00-14:00',
  'mon 08:00-20:00; tue-fri 08:30-17:00',
  'mon-fri 02:00-02:45,08:30-17:00', // a window inside the spring-forward gap
];

const presetTerms: Term[] = NORM_PRESETS.flatMap((norm) => MILESTONE_KEYS.flatMap((key) => norm.terms[key] ?? []));
const term: fc.Arbitrary<Term> = fc.oneof(
  fc.constantFrom(...presetTerms),
  fc.record({ unit: fc.constant('workingDays' as const), amount: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ unit: fc.constant('weeks' as const), amount: fc.integer({ min: 1, max: 8 }) }),
);
const calendarArb = fc
  .record({
    hours: fc.constantFrom(...HOURS),
    closures: fc.uniqueArray(fc.integer({ min: FIRST_DAY, max: FIRST_DAY + 6 * 366 }), { maxLength: 60 }),
    seeded: fc.boolean(),
  })
  .map(
    ({ hours: text, closures, seeded }) =>
      new WorkingCalendar({
        extraHolidays: seeded ? SEED_GELIJKGESTELDE_DAGEN : [],
        closureDays: closures.map(isoDate),
        businessHours: hours(text),
      }),
  );
const instant = fc.integer({ min: FROM, max: TO }).map((ms) => DateTime.fromMillis(ms, { zone: ZONE }));

describe('due times (property-based)', () => {
  it('fall on a working day exactly at its business close, after the receipt date', () => {
    fc.assert(
      fc.property(calendarArb, term, instant, (cal, t, received) => {
        const due = dueFor(t, received, cal);
        const dueDate = due.setZone(ZONE).toISODate()!;
        expect(cal.isWorkingDay(dueDate)).toBe(true);
        expect(due.toMillis()).toBe(cal.businessClose(dueDate).toMillis());
        expect(due.zoneName).toBe(ZONE);
        expect(dueDate > cal.dateOf(received)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('for N working days, exactly N working days lie after the receipt date up to the due date', () => {
    fc.assert(
      fc.property(calendarArb, fc.integer({ min: 1, max: 40 }), instant, (cal, n, received) => {
        const dueDate = dueFor({ unit: 'workingDays', amount: n }, received, cal).toISODate()!;
        let counted = 0;
        for (let d = DateTime.fromISO(cal.dateOf(received), { zone: ZONE }).plus({ days: 1 }); d.toISODate()! <= dueDate; d = d.plus({ days: 1 })) {
          if (cal.isWorkingDay(d.toISODate()!)) counted++;
        }
        expect(counted).toBe(n);
      }),
      { numRuns: 500 },
    );
  });

  it('never decrease as the receipt time increases', () => {
    fc.assert(
      fc.property(calendarArb, term, instant, fc.integer({ min: 0, max: 40 * 86_400_000 }), (cal, t, a, later) => {
        const b = a.plus({ milliseconds: later });
        expect(dueFor(t, b, cal).toMillis()).toBeGreaterThanOrEqual(dueFor(t, a, cal).toMillis());
      }),
      { numRuns: 2000 },
    );
  });
});

describe('business time (property-based)', () => {
  it('minusBusinessSeconds is undone by businessSecondsBetween', () => {
    fc.assert(
      fc.property(calendarArb, instant, fc.integer({ min: 0, max: 80 * 3600 }), (cal, t, seconds) => {
        const earlier = cal.minusBusinessSeconds(t, seconds);
        expect(earlier.toMillis()).toBeLessThanOrEqual(t.toMillis());
        expect(cal.businessSecondsBetween(earlier, t)).toBe(seconds);
      }),
      { numRuns: 1000 },
    );
  });

  it('plusBusinessSeconds is undone by businessSecondsBetween', () => {
    fc.assert(
      fc.property(calendarArb, instant, fc.integer({ min: 0, max: 80 * 3600 }), (cal, t, seconds) => {
        const later = cal.plusBusinessSeconds(t, seconds);
        expect(later.toMillis()).toBeGreaterThanOrEqual(t.toMillis());
        expect(cal.businessSecondsBetween(t, later)).toBe(seconds);
      }),
      { numRuns: 1000 },
    );
  });

  it('formatWeeklyHours and parseWeeklyHours round-trip', () => {
    const window = fc
      .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 600 }))
      .map(([start, length]) => [start, Math.min(1440, start + length)] as const);
    const day = fc.uniqueArray(window, { maxLength: 3, selector: ([s]) => s }).map((ws) => {
      // Keep sorted, non-overlapping windows only.
      const sorted = [...ws].sort((a, b) => a[0] - b[0]);
      const kept: (readonly [number, number])[] = [];
      for (const w of sorted) if (kept.length === 0 || w[0] >= kept[kept.length - 1]![1]) kept.push(w);
      return kept;
    });
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    fc.assert(
      fc.property(fc.array(day, { minLength: 7, maxLength: 7 }), (days) => {
        const text = days
          .map((ws, i) => (ws.length ? `${['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'][i]} ${ws.map(([s, e]) => `${hhmm(s)}-${hhmm(e)}`).join(',')}` : ''))
          .filter(Boolean)
          .join('; ');
        const first = parseWeeklyHours(text === '' ? 'never' : text);
        expect(first.ok).toBe(true);
        if (!first.ok) return;
        expect(parseWeeklyHours(formatWeeklyHours(first.value))).toEqual(first);
      }),
    );
  });
});
