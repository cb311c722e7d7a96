import { describe, expect, it } from 'vitest';
import { deadlineState, deadlinesFor, dueFor, dueSoonFrom } from '../../../server/deadlines/due.ts';
import { normPreset, type Norm, type Term } from '../../../server/deadlines/norms.ts';
import { at, calendar, hours, iso } from './support.ts';

const cal = calendar();
const workingDays = (amount: number): Term => ({ unit: 'workingDays', amount });
const weeks = (amount: number): Term => ({ unit: 'weeks', amount });
const seconds = (amount: number): Term => ({ unit: 'seconds', amount });

function preset(id: string): Norm {
  const norm = normPreset(id);
  if (!norm) throw new Error(`no preset ${id}`);
  return norm;
}

describe('dueFor: within N working days', () => {
  it.each([
    // domain.md: 25 and 26 Dec holidays, 27 Sunday, 28 Mon day 1, 29 Tue day 2
    ['domain.md example', '2026-12-24T16:30+01:00', 2, '2026-12-29T17:00:00.000+01:00'],
    ['receipt hour does not matter (morning)', '2026-06-10T08:00+02:00', 1, '2026-06-11T17:00:00.000+02:00'],
    ['after hours', '2026-06-10T20:00+02:00', 1, '2026-06-11T17:00:00.000+02:00'],
    ['at 23:59 on New Year\'s Eve: receipt date is 31 Dec', '2025-12-31T23:59+01:00', 1, '2026-01-05T17:00:00.000+01:00'],
    ['one minute later it is 1 January', '2026-01-01T00:00+01:00', 2, '2026-01-06T17:00:00.000+01:00'],
    ['instant given in UTC, already the next day in Amsterdam', '2026-01-05T23:30Z', 1, '2026-01-07T17:00:00.000+01:00'],
    ['received on a Saturday', '2026-06-06T11:00+02:00', 2, '2026-06-09T17:00:00.000+02:00'],
    ['received on a Sunday', '2026-06-07T11:00+02:00', 1, '2026-06-08T17:00:00.000+02:00'],
    ['received on Koningsdag', '2026-04-27T10:00+02:00', 1, '2026-04-28T17:00:00.000+02:00'],
    ['received on Hemelvaartsdag, Friday after gelijkgesteld', '2026-05-14T09:00+02:00', 1, '2026-05-18T17:00:00.000+02:00'],
    ['received on Goede Vrijdag', '2026-04-03T09:00+02:00', 1, '2026-04-07T17:00:00.000+02:00'],
    ['Koningsdag 2028 and the Friday gelijkgesteld', '2028-04-26T12:00+02:00', 1, '2028-05-01T17:00:00.000+02:00'],
    ['Hemelvaartsdag 2027 and the Friday gelijkgesteld', '2027-05-05T12:00+02:00', 1, '2027-05-10T17:00:00.000+02:00'],
    ['spring DST weekend: +01:00 to +02:00', '2026-03-27T12:00+01:00', 1, '2026-03-30T17:00:00.000+02:00'],
    ['received in the DST night itself', '2026-03-29T03:30+02:00', 1, '2026-03-30T17:00:00.000+02:00'],
    ['autumn DST weekend: +02:00 to +01:00', '2026-10-23T12:00+02:00', 1, '2026-10-26T17:00:00.000+01:00'],
    ['received in the repeated hour', '2026-10-25T02:30+01:00', 1, '2026-10-26T17:00:00.000+01:00'],
    ['five days over Christmas and New Year', '2026-12-24T16:30+01:00', 5, '2027-01-04T17:00:00.000+01:00'],
  ])('%s: %s + %i → %s', (_case, received, n, expected) => {
    expect(iso(dueFor(workingDays(n), at(received), cal))).toBe(expected);
  });

  it('a closure 28–31 Dec moves the domain.md example into January', () => {
    const closed = calendar({ closureDays: ['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31'] });
    // 1 Jan 2027 holiday (Friday), weekend, 4 Jan day 1, 5 Jan day 2
    expect(iso(dueFor(workingDays(2), at('2026-12-24T16:30+01:00'), closed))).toBe('2027-01-05T17:00:00.000+01:00');
  });

  it('split business hours: due at the end of the last window of the due day', () => {
    const split = calendar({ businessHours: 'mon-thu 08:30-12:00,13:00-16:00; fri 08:30-12:00' });
    expect(iso(dueFor(workingDays(1), at('2026-06-10T10:00+02:00'), split))).toBe('2026-06-11T16:00:00.000+02:00');
    expect(iso(dueFor(workingDays(2), at('2026-06-10T10:00+02:00'), split))).toBe('2026-06-12T12:00:00.000+02:00');
  });
});

describe('dueFor: within W weeks', () => {
  it.each([
    ['an ordinary working day', '2026-06-10T10:00+02:00', 3, '2026-07-01T17:00:00.000+02:00'],
    ['lands on Koningsdag → Tuesday', '2026-04-06T10:00+02:00', 3, '2026-04-28T17:00:00.000+02:00'],
    ['lands on Hemelvaartsdag → past the gelijkgestelde Friday', '2026-04-23T10:00+02:00', 3, '2026-05-18T17:00:00.000+02:00'],
    ['lands on Eerste Kerstdag → Monday 28 Dec', '2026-11-27T10:00+01:00', 4, '2026-12-28T17:00:00.000+01:00'],
    ['lands on a Saturday → Monday', '2026-06-06T10:00+02:00', 3, '2026-06-29T17:00:00.000+02:00'],
    ['crosses spring DST', '2026-03-10T10:00+01:00', 3, '2026-03-31T17:00:00.000+02:00'],
    ['crosses autumn DST', '2026-10-06T10:00+02:00', 4, '2026-11-03T17:00:00.000+01:00'],
    ['lands on 2 Jan 2026, gelijkgesteld → Monday', '2025-12-05T23:59+01:00', 4, '2026-01-05T17:00:00.000+01:00'],
  ])('%s: %s + %i weeks → %s', (_case, received, w, expected) => {
    expect(iso(dueFor(weeks(w), at(received), cal))).toBe(expected);
  });

  it('a closure day it lands on also moves it on', () => {
    const closed = calendar({ closureDays: ['2026-07-01', '2026-07-02'] });
    expect(iso(dueFor(weeks(3), at('2026-06-10T10:00+02:00'), closed))).toBe('2026-07-03T17:00:00.000+02:00');
  });
});

describe('dueFor: chat pickup in seconds', () => {
  const chat = hours('mon-fri 08:30-17:00');
  it.each([
    ['queued within chat hours', '2026-06-10T10:00:00+02:00', '2026-06-10T10:00:25.000+02:00'],
    ['queued after hours: runs from the next opening', '2026-06-12T17:30:00+02:00', '2026-06-15T08:30:25.000+02:00'],
    ['queued on Koningsdag', '2026-04-27T10:00:00+02:00', '2026-04-28T08:30:25.000+02:00'],
    ['queued 10 s before closing', '2026-06-10T16:59:50+02:00', '2026-06-10T17:00:15.000+02:00'],
  ])('%s: %s → %s', (_case, queued, expected) => {
    expect(iso(dueFor(seconds(25), at(queued), cal, chat))).toBe(expected);
  });

  it('refuses a term that can never start or a nonsense amount', () => {
    expect(() => dueFor(seconds(25), at('2026-06-10T10:00+02:00'), cal, hours('never'))).toThrow(/never open/);
    expect(() => dueFor(workingDays(0), at('2026-06-10T10:00+02:00'), cal)).toThrow(RangeError);
    expect(() => dueFor(weeks(-1), at('2026-06-10T10:00+02:00'), cal)).toThrow(RangeError);
  });
});

describe('deadlinesFor', () => {
  const received = at('2026-12-24T16:30+01:00');
  it.each([
    ['vng', { acknowledgement: '2026-12-29T17:00:00.000+01:00', answer: null, complexAnswer: null, callback: null }],
    ['sturen-op-antwoord', { acknowledgement: '2026-12-28T17:00:00.000+01:00', answer: null, complexAnswer: null, callback: null }],
    ['enschede', { acknowledgement: null, answer: '2026-12-30T17:00:00.000+01:00', complexAnswer: null, callback: null }],
    [
      'rotterdam',
      {
        acknowledgement: null,
        answer: '2027-01-04T17:00:00.000+01:00',
        complexAnswer: '2027-01-21T17:00:00.000+01:00', // 24 Dec + 28 days, a Thursday
        callback: '2026-12-28T17:00:00.000+01:00',
      },
    ],
    ['zwolle', { acknowledgement: null, answer: '2027-01-04T17:00:00.000+01:00', complexAnswer: null, callback: null }],
    // 24 Dec + 21 days = Thu 14 Jan 2027
    ['katwijk', { acknowledgement: null, answer: '2027-01-14T17:00:00.000+01:00', complexAnswer: null, callback: null }],
  ])('%s for a contact received on 24 Dec 2026 16:30', (id, expected) => {
    const due = deadlinesFor(preset(id), received, cal);
    expect({
      acknowledgement: iso(due.acknowledgement),
      answer: iso(due.answer),
      complexAnswer: iso(due.complexAnswer),
      callback: iso(due.callback),
    }).toEqual(expected);
  });
});

describe('due soon', () => {
  const due = at('2026-12-29T17:00+01:00');
  it('starts 4 business hours before the due time', () => {
    expect(iso(dueSoonFrom(due, cal))).toBe('2026-12-29T13:00:00.000+01:00');
    // Due Monday 10:00 (a 24:00-less calendar): due soon from the previous Friday 14:30.
    expect(iso(dueSoonFrom(at('2026-06-15T10:00+02:00'), cal))).toBe('2026-06-12T14:30:00.000+02:00');
  });

  it.each([
    ['2026-12-29T12:59:59+01:00', 'onTrack'],
    ['2026-12-29T13:00:00+01:00', 'dueSoon'],
    ['2026-12-29T17:00:00+01:00', 'dueSoon'], // answering at the due instant is on time
    ['2026-12-29T17:00:01+01:00', 'overdue'],
  ])('at %s the state is %s', (now, state) => {
    expect(deadlineState(due, at(now), cal)).toBe(state);
  });
});
