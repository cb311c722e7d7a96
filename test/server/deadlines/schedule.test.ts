// Due and due-soon moments of one stored milestone term, and the on-time percentage of the compliance report.
import { describe, expect, it } from 'vitest';
import { percentOnTime } from '../../../server/deadlines/compliance.ts';
import { normPreset } from '../../../server/deadlines/norms.ts';
import { scheduleOf, targetOf } from '../../../server/deadlines/schedule.ts';
import { at, calendar, hours, iso } from './support.ts';

const cal = calendar({ businessHours: 'mon-fri 08:30-12:00,13:00-17:00' });
const options = { calendar: cal, chatHours: hours('mon-fri 09:00-17:00'), dueSoonHours: 4 };

describe('scheduleOf', () => {
  it('day terms: due at business close, due soon N business hours before (lunch break skipped)', () => {
    const schedule = scheduleOf({ unit: 'workingDays', amount: 2 }, at('2026-12-24T16:30+01:00'), options)!;
    expect(iso(schedule.due)).toBe('2026-12-29T17:00:00.000+01:00');
    expect(iso(schedule.dueSoon)).toBe('2026-12-29T13:00:00.000+01:00');
    const five = scheduleOf({ unit: 'workingDays', amount: 2 }, at('2026-12-24T16:30+01:00'), { ...options, dueSoonHours: 5 })!;
    expect(iso(five.dueSoon)).toBe('2026-12-29T11:00:00.000+01:00');
  });

  it('the due-soon threshold is configurable; 0 means due soon only at the due time', () => {
    const schedule = scheduleOf({ unit: 'weeks', amount: 1 }, at('2026-06-10T10:00+02:00'), { ...options, dueSoonHours: 0 })!;
    expect(iso(schedule.dueSoon)).toBe(iso(schedule.due));
  });

  it('seconds terms run in chat hours and are due soon halfway', () => {
    const schedule = scheduleOf({ unit: 'seconds', amount: 25 }, at('2026-06-12T16:59:50+02:00'), options)!;
    expect(iso(schedule.due)).toBe('2026-06-12T17:00:15.000+02:00');
    expect(iso(schedule.dueSoon)).toBe('2026-06-12T17:00:02.500+02:00');
  });

  it('a seconds term under chat hours "never" has no schedule', () => {
    expect(scheduleOf({ unit: 'seconds', amount: 25 }, at('2026-06-12T10:00+02:00'), { ...options, chatHours: hours('never') })).toBeNull();
  });
});

describe('targets and percentages', () => {
  it('the answer after a tussenbericht is held to the complex target, or the answer target when the norm has none', () => {
    expect(targetOf(normPreset('rotterdam'), 'complexAnswer')).toBe(100);
    expect(targetOf(normPreset('zwolle'), 'complexAnswer')).toBe(100);
    expect(targetOf(normPreset('sturen-op-antwoord'), 'pickup')).toBe(80);
    expect(targetOf(normPreset('vng'), 'answer')).toBeNull();
  });

  it('% on time counts the decided milestones only', () => {
    expect(percentOnTime({ total: 5, metOnTime: 2, open: 1 })).toBe(50);
    expect(percentOnTime({ total: 3, metOnTime: 2, open: 0 })).toBe(66.7);
    expect(percentOnTime({ total: 2, metOnTime: 0, open: 2 })).toBeNull();
  });
});
