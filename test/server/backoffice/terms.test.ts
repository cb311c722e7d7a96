// When a hand-off is due (issue 14 "Must show"): Rotterdam's callback term "next working day before
// 17:00" on the real calendar, closure days, Balie's default for norms without a callback term,
// and a team's own term; and who can act, from when, around absences and days off.
import { describe, expect, it } from 'vitest';
import { availableFrom, teamAvailability, type MemberSchedule } from '../../../server/backoffice/availability.ts';
import { displayPhone, normalisePhone } from '../../../server/backoffice/phone.ts';
import { handoffDue, handoffTermFor } from '../../../server/backoffice/terms.ts';
import { normPreset, type Norm } from '../../../server/deadlines/norms.ts';
import { at, calendar, iso } from '../deadlines/support.ts';

const norm = (id: string): Norm => normPreset(id)!;

describe('the hand-off term and its due moment', () => {
  it('a callback requested Thu 24 Dec 2026 16:00 under rotterdam is due Mon 28 Dec 2026 17:00 (+01:00)', () => {
    const { term, source } = handoffTermFor(null, norm('rotterdam'));
    expect(source).toBe('norm');
    expect(term).toEqual({ unit: 'workingDays', amount: 1 });
    expect(iso(handoffDue(term, at('2026-12-24T16:00+01:00'), calendar()))).toBe('2026-12-28T17:00:00.000+01:00');
  });

  it("the gemeente's closure days move it on: closed 28 and 29 Dec → Wed 30 Dec 17:00", () => {
    const { term } = handoffTermFor(null, norm('rotterdam'));
    expect(iso(handoffDue(term, at('2026-12-24T16:00+01:00'), calendar({ closureDays: ['2026-12-28', '2026-12-29'] })))).toBe('2026-12-30T17:00:00.000+01:00');
  });

  it('a norm without a callback term gets the default of 2 working days', () => {
    const { term, source } = handoffTermFor(null, norm('vng'));
    expect(source).toBe('default');
    expect(iso(handoffDue(term, at('2026-12-24T16:00+01:00'), calendar()))).toBe('2026-12-29T17:00:00.000+01:00');
  });

  it("a team's own hand-off term goes before the norm's", () => {
    const { term, source } = handoffTermFor({ unit: 'workingDays', amount: 3 }, norm('rotterdam'));
    expect(source).toBe('team');
    expect(iso(handoffDue(term, at('2026-12-24T16:00+01:00'), calendar()))).toBe('2026-12-30T17:00:00.000+01:00');
  });
});

describe('availability', () => {
  const petra: MemberSchedule = { agentId: 1, name: 'Petra', workingDays: null, absences: [] };

  it('a member at work now is available now', () => {
    const now = at('2026-12-22T10:00+01:00');
    const team = teamAvailability([petra], now, calendar());
    expect(team.members[0]!.availableNow).toBe(true);
    expect(iso(team.canActFrom)).toBe('2026-12-22T10:00:00.000+01:00');
  });

  it('an absence until after Christmas: available at the next opening after it, skipping holidays and closure days', () => {
    const away = { ...petra, absences: [{ startsAt: new Date('2026-12-21T08:00:00+01:00'), endsAt: new Date('2026-12-24T17:00:00+01:00') }] };
    const now = at('2026-12-22T10:00+01:00');
    const [member] = teamAvailability([away], now, calendar({ closureDays: ['2026-12-28'] })).members;
    expect(member!.absentNow).toBe(true);
    expect(member!.availableNow).toBe(false);
    expect(iso(member!.absentUntil)).toBe('2026-12-24T17:00:00.000+01:00');
    // 25, 26 holidays, 27 Sunday, 28 closure day → Tue 29 Dec at opening.
    expect(iso(member!.availableFrom)).toBe('2026-12-29T08:30:00.000+01:00');
  });

  it("a part-timer's days off count; the team can act from its earliest member", () => {
    const tuesdays = { agentId: 2, name: 'Sem', workingDays: [2] as const, absences: [] };
    const awayToday = { ...petra, absences: [{ startsAt: new Date('2026-12-21T00:00:00+01:00'), endsAt: new Date('2026-12-23T00:00:00+01:00') }] };
    const now = at('2026-12-21T12:00+01:00'); // a Monday
    expect(iso(availableFrom(tuesdays, now, calendar()))).toBe('2026-12-22T08:30:00.000+01:00');
    const team = teamAvailability([awayToday, tuesdays], now, calendar());
    expect(iso(team.canActFrom)).toBe('2026-12-22T08:30:00.000+01:00');
    expect(teamAvailability([], now, calendar()).canActFrom).toBeNull();
  });
});

describe('phone numbers (libphonenumber-js, default region NL)', () => {
  it.each([
    ['06 12345678', '+31612345678'],
    ['010-4172000', '+31104172000'],
    ['+31 (0)6 1234 5678', '+31612345678'],
    ['0032 2 555 12 12', '+3225551212'],
  ])('%s → %s', (text, e164) => {
    expect(normalisePhone(text)).toBe(e164);
  });
  it.each(['12345', '06 1234', 'bel me', ''])('%s is refused', (text) => {
    expect(normalisePhone(text)).toBeUndefined();
  });
  it('reads Dutch numbers out nationally', () => {
    expect(displayPhone('+31612345678')).toBe('06 12345678');
  });
});
