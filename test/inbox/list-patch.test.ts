// The inbox's live patch (issue 16 §10): which rows a filter keeps and where they go in the
// working order, decided by the client from the event's rows; a search or the closed list re-reads.
import { describe, expect, it } from 'vitest';
import type { ConversationSummary, ListFilter } from '../../inbox/lib/api/conversations.ts';
import { belongs, countsFor, patchList, workingOrder } from '../../inbox/lib/state/list-patch.ts';
import type { LiveCounts } from '../../server/inbox/live.ts';

const ME = 7;
const all: ListFilter = { channel: '', status: '', assignee: 'all', due: '', q: '' };

function row(id: number, over: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id,
    reference: `BAL-2026-${String(id).padStart(6, '0')}`,
    channel: 'email',
    status: 'open',
    subject: null,
    contact: null,
    assignee: null,
    lastMessageAt: '2026-12-01T09:00:00.000Z',
    preview: '',
    nextDue: null,
    breached: false,
    waitingSince: null,
    ...over,
  };
}
const due = (iso: string, state: 'open' | 'due_soon' | 'breached' = 'open') => ({ kind: 'answer' as const, dueAt: iso, state });
const ids = (result: ReturnType<typeof patchList>) => (result === 'refetch' ? result : result.items.map((item) => item.id));

describe('workingOrder', () => {
  it('puts breached first, then the nearest due, the longest waiting, then the id', () => {
    const rows = [
      row(1),
      row(2, { waitingSince: '2026-12-01T08:00:00Z' }),
      row(3, { nextDue: due('2026-12-03T09:00:00+01:00') }),
      row(4, { nextDue: due('2026-12-02T09:00:00+01:00') }),
      row(5, { breached: true, nextDue: due('2026-12-04T09:00:00+01:00', 'breached') }),
      row(6, { waitingSince: '2026-12-01T07:00:00Z' }),
    ];
    expect([...rows].sort(workingOrder).map((r) => r.id)).toEqual([5, 4, 3, 6, 2, 1]);
  });
});

describe('belongs', () => {
  it('follows status, channel, assignee and due like the server', () => {
    const mine = row(1, { assignee: { id: ME, name: 'Ik' }, channel: 'chat', status: 'waiting', nextDue: due('2026-12-02T09:00:00+01:00', 'due_soon') });
    expect(belongs(mine, { ...all, assignee: 'mine' }, ME)).toBe(true);
    expect(belongs(mine, { ...all, assignee: 'unassigned' }, ME)).toBe(false);
    expect(belongs(mine, { ...all, assignee: 'mine' }, 8)).toBe(false);
    expect(belongs(mine, { ...all, channel: 'email' }, ME)).toBe(false);
    expect(belongs(mine, { ...all, status: 'open' }, ME)).toBe(false);
    expect(belongs(mine, { ...all, due: 'soon' }, ME)).toBe(true);
    expect(belongs(mine, { ...all, due: 'breached' }, ME)).toBe(false);
    expect(belongs(row(2, { status: 'closed' }), all, ME)).toBe(false);
  });
});

describe('patchList', () => {
  const list = [row(1, { nextDue: due('2026-12-02T09:00:00+01:00') }), row(2, { nextDue: due('2026-12-03T09:00:00+01:00') }), row(3, { nextDue: due('2026-12-04T09:00:00+01:00') })];

  it('inserts a new row at its place, and moves an updated one', () => {
    expect(ids(patchList(list, { rows: [row(9, { nextDue: due('2026-12-02T12:00:00+01:00') })], gone: [] }, all, ME, false))).toEqual([1, 9, 2, 3]);
    expect(ids(patchList(list, { rows: [row(3, { breached: true })], gone: [] }, all, ME, false))).toEqual([3, 1, 2]);
  });

  it('removes a row that left the filter, was closed or is gone', () => {
    const taken = row(2, { assignee: { id: 8, name: 'Collega' }, nextDue: due('2026-12-03T09:00:00+01:00') });
    expect(ids(patchList(list, { rows: [taken], gone: [] }, { ...all, assignee: 'unassigned' }, ME, false))).toEqual([1, 3]);
    expect(ids(patchList(list, { rows: [row(1, { status: 'closed' })], gone: [3] }, all, ME, false))).toEqual([2]);
  });

  it('leaves a row that sorts after the last loaded one for the next page', () => {
    expect(ids(patchList(list, { rows: [row(9)], gone: [] }, all, ME, true))).toEqual([1, 2, 3]);
    expect(ids(patchList(list, { rows: [row(9)], gone: [] }, all, ME, false))).toEqual([1, 2, 3, 9]);
  });

  it('keeps the same list object when nothing in it or for it changed', () => {
    const result = patchList(list, { rows: [row(9, { channel: 'chat' })], gone: [] }, { ...all, channel: 'email' }, ME, false);
    expect(result !== 'refetch' && result.items).toBe(list);
  });

  it('asks for a re-read where it cannot decide: a search or the closed list', () => {
    expect(patchList(list, { rows: [row(9)], gone: [] }, { ...all, q: 'paspoort' }, ME, false)).toBe('refetch');
    expect(patchList(list, { rows: [row(9)], gone: [] }, { ...all, status: 'closed' }, ME, false)).toBe('refetch');
  });
});

describe('countsFor', () => {
  it('picks the channel filter and this agent’s own count', () => {
    const zero = { all: 0, unassigned: 0, new: 0, open: 0, waiting: 0, dueSoon: 0, breached: 0, chat: 0, email: 0, phone: 0, waitingChats: 0 };
    const live: LiveCounts = { byChannel: { all: { ...zero, all: 5 }, chat: { ...zero, all: 2 }, email: { ...zero, all: 3 }, phone: zero }, mine: { [ME]: { all: 2, chat: 1 } } };
    expect(countsFor(live, { channel: 'chat' }, ME)).toMatchObject({ all: 2, mine: 1 });
    expect(countsFor(live, { channel: '' }, ME)).toMatchObject({ all: 5, mine: 2 });
    expect(countsFor(live, { channel: 'email' }, 99)).toMatchObject({ all: 3, mine: 0 });
  });
});
