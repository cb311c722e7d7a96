// The service status the widget shows, as a pure function: chat hours with holidays, the next
// opening, and the date promised for a question left now (domain.md's worked example).
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { serviceStatus } from '../../../server/chat/service.ts';
import { DEFAULT_BUSINESS_HOURS, normPreset, parseWeeklyHours, seededSettings, WorkingCalendar, type ServiceContext } from '../../../server/deadlines/index.ts';

function context(normId: string, chatHours: string): ServiceContext {
  const hours = parseWeeklyHours(chatHours);
  if (!hours.ok) throw new Error(hours.error);
  const settings = seededSettings({ normId, businessHours: DEFAULT_BUSINESS_HOURS, chatHours: hours.value, closureDays: [], dueSoonHours: 4 });
  const norm = normPreset(normId)!;
  return {
    settings,
    calendar: new WorkingCalendar({ businessHours: settings.businessHours, closureDays: settings.closureDays, extraHolidays: settings.gelijkgesteldeDagen }),
    activeNorm: norm,
    norms: new Map([[norm.id, norm]]),
  };
}

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });

describe('serviceStatus', () => {
  it('open within chat hours with an agent; agents are not reported while closed', () => {
    const open = serviceStatus(context('vng', 'mon-fri 09:00-17:00'), at('2026-12-24T16:30:00+01:00'), true);
    expect(open.chat).toEqual({ open: true, agentsAvailable: true, available: true, nextOpening: null });
    const closed = serviceStatus(context('vng', 'mon-fri 09:00-17:00'), at('2026-12-24T17:30:00+01:00'), true);
    expect(closed.chat).toMatchObject({ open: false, agentsAvailable: false, available: false });
  });

  it('the next opening skips Christmas and the weekend', () => {
    const status = serviceStatus(context('vng', 'mon-fri 09:00-17:00'), at('2026-12-24T17:30:00+01:00'), false);
    expect(status.chat.nextOpening).toBe('2026-12-28T09:00:00.000+01:00');
    expect(serviceStatus(context('vng', 'never'), at('2026-12-24T12:00:00+01:00'), true).chat.nextOpening).toBeNull();
  });

  it('promises VNG\'s acknowledgement (no answer term) and Rotterdam\'s answer', () => {
    // domain.md: received Thu 24 Dec 2026 16:30, 2 working days → Tue 29 Dec 2026 17:00.
    expect(serviceStatus(context('vng', 'always'), at('2026-12-24T16:30:00+01:00'), false).email).toEqual({
      normId: 'vng',
      promise: { kind: 'acknowledgement', dueAt: '2026-12-29T17:00:00.000+01:00' },
    });
    // 5 working days: 28, 29, 30, 31 December, then Nieuwjaarsdag is skipped → Monday 4 January.
    expect(serviceStatus(context('rotterdam', 'always'), at('2026-12-24T16:30:00+01:00'), false).email.promise).toEqual({
      kind: 'answer',
      dueAt: '2027-01-04T17:00:00.000+01:00',
    });
  });
});
