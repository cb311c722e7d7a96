// The KPI engine (issue 15 §1, §3, §8, §9): a known month of work gives every KPI's exact value
// through GET /api/reports/kpis and /series, the same whether the days are computed live or read
// from the rollups; today's figures follow the work, and supervisors hear that they changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KpiReport, KpiSeries, ReportsChanged } from '../../../server/reports/kpi-types.ts';
import { runLifecycle } from '../../../server/conversations/apply.ts';
import { rollUpPass } from '../../../server/reports/rollups.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, closeSockets, waitUntil } from '../chat/chat-support.ts';
import { seedConversation } from '../inbox/seed.ts';
import { buildKnownMonth, KNOWN_MONTH_FIGURES, type KnownMonth } from './known-month.ts';

let db: TestDatabase;
let balie: TestBalie;
let month: KnownMonth;
let supervisor: string;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'vng' });
  month = await buildKnownMonth(balie.database.pool);
  const lead = await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
  supervisor = await balie.login(lead.email, lead.password);
});
afterAll(async () => {
  closeSockets();
  await balie?.stop();
  await db?.drop();
});

async function get<T>(path: string, cookie = supervisor): Promise<T> {
  const response = await balie.request(path, { cookie });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

const MONTH = '/api/reports/kpis?period=month&at=2026-11-15&split=channel,team,agent,topic';

/** The report without the moment it was made: two reports of the same figures compare equal. */
const figuresOf = (report: KpiReport) => ({ ...report, generatedAt: undefined });

describe('GET /api/reports/kpis over a known month', () => {
  let live: KpiReport;

  it('gives every KPI of the month exactly, computed live from the work', async () => {
    // Nothing of November is rolled up yet: every day is computed from the source tables.
    await balie.database.pool.query('DELETE FROM report_days');
    live = await get<KpiReport>(MONTH);
    expect(live.period).toMatchObject({ kind: 'month', from: '2026-11-01', to: '2026-12-01', fromInstant: '2026-11-01T00:00:00.000+01:00' });
    expect(live.norm.id).toBe('vng');
    const { total } = live;
    const expected = KNOWN_MONTH_FIGURES;
    expect(total.volume).toEqual(expected.volume);
    expect(total.acknowledged).toEqual(expected.acknowledged);
    expect(total.answered).toEqual(expected.answered);
    expect(total.fcr).toEqual(expected.fcr);
    expect(total.callbacks).toEqual(expected.callbacks);
    expect(total.chat).toEqual(expected.chat);
    expect(total.csat).toEqual(expected.csat);
    expect(total.repeats).toEqual(expected.repeats);
    expect(total.notApplicable.total).toBe(expected.notApplicable.total);
    expect(total.notApplicable.byReason).toEqual(expected.notApplicable.byReason);
    // Per agent whose action ended them: the citizens' (abandoned chats), and Anna's spam.
    expect(total.notApplicable.byAgent).toEqual([
      { agentId: null, agentName: null, count: 2 },
      { agentId: month.agents.anna.id, agentName: 'Anna', count: 1 },
    ]);
    expect(total.backlog).toEqual(expected.backlog);
    expect(total.milestones.pickup).toMatchObject({ metOnTime: 2, metLate: 1, notApplicable: 2 });
    expect(total.milestones.callback).toMatchObject({ metOnTime: 1, metLate: 1, breached: 1 });
    // The back office's own figures for its team agree on the callbacks.
    expect(live.backoffice).toEqual([
      expect.objectContaining({ team: { id: month.teams.vergunningen, name: 'Vergunningen' }, handoffs: 3, callbacks: expect.objectContaining({ withinTerm: 1, late: 1, never: 1 }) }),
    ]);
  });

  it('splits by channel, agent, team and topic', () => {
    const group = (split: 'channel' | 'agent' | 'team' | 'topic', id: string | number | null) => live.splits[split]!.find((entry) => entry.id === id)!.figures;
    // Channel: e-mail holds the acknowledgements and callbacks, chat the pickups and ratings.
    expect(group('channel', 'email')).toMatchObject({ volume: { total: 7, email: 7, chat: 0, phone: 0 }, acknowledged: { metOnTime: 2, metLate: 1 }, callbacks: { total: 3 }, fcr: { closed: 6, firstContactResolved: 1, percent: 16.7 } });
    expect(group('channel', 'chat')).toMatchObject({ volume: { total: 5, chat: 5 }, chat: { queued: 5, abandoned: 2, medianWaitSeconds: 20 }, csat: { responses: 3, mean: 4 }, fcr: { closed: 5, firstContactResolved: 2, percent: 40 } });
    expect(group('channel', 'phone')).toMatchObject({ volume: { total: 2, phone: 2 }, fcr: { closed: 2, firstContactResolved: 2, percent: 100 }, repeats: { repeatContacts: 1 } });
    expect(live.splits.channel!.map((entry) => entry.id).sort()).toEqual(['chat', 'email', 'phone']);
    // Agent: Anna E1, E3, E4, C1, C5, P2 and the three callbacks (all closed; E1 undone by E4);
    // Bram E2, C2, P1; nobody C3, C4.
    const anna = group('agent', month.agents.anna.id);
    expect(anna).toMatchObject({ volume: { total: 9, chat: null }, fcr: { closed: 9, closedFirstContact: 4, repeatedWithin7Days: 1, firstContactResolved: 3, percent: 33.3 }, csat: { responses: 2, mean: 4.5 } });
    expect(anna.notApplicable).toMatchObject({ total: 1, byReason: { spam: 1 } });
    expect(group('agent', month.agents.bram.id)).toMatchObject({ volume: { total: 3 }, acknowledged: { metLate: 1, percentOnTime: 0 }, answered: { breached: 1 }, backlog: { open: 1, breached: 1 }, csat: { responses: 1, mean: 3 } });
    // The abandoned chats are closed conversations nobody was helped in: 0 of 2 in first contact.
    expect(group('agent', null)).toMatchObject({ volume: { total: 2 }, chat: { abandoned: 2, abandonedMedianWaitSeconds: 40 }, fcr: { closed: 2, firstContactResolved: 0, percent: 0, meetsTarget: false } });
    expect(live.splits.agent!.find((entry) => entry.id === month.agents.anna.id)!.name).toBe('Anna');
    // Team: Noord has Anna and Bram, Zuid Bram alone; the abandoned chats have no team.
    expect(group('team', month.teams.noord)).toMatchObject({ volume: { total: 12 } });
    expect(group('team', month.teams.zuid)).toMatchObject({ volume: { total: 3 }, backlog: { open: 1 } });
    expect(group('team', null)).toMatchObject({ volume: { total: 2 } });
    // Topic: Afval E1, E4, C1, P1; Paspoort E2, C2, C5; the rest none.
    expect(group('topic', month.topics.afval)).toMatchObject({ volume: { total: 4 }, fcr: { closed: 4, firstContactResolved: 3 }, repeats: { repeatContacts: 2 } });
    expect(group('topic', month.topics.paspoort)).toMatchObject({ volume: { total: 3 }, chat: { pickedUpWithinTerm: 1, pickedUpLate: 1 } });
    expect(live.splits.topic!.find((entry) => entry.id === month.topics.afval)!.name).toBe('Afval');
    expect(group('topic', null)).toMatchObject({ volume: { total: 7 } });
    // Open work by topic: E2 (Paspoort, breached) is open with a topic; the rest of the backlog has none.
    expect(group('topic', month.topics.paspoort).backlog).toMatchObject({ open: 1, breached: 1 });
    expect(group('topic', null).backlog.open).toBe(live.total.backlog.open - 1);
  });

  it('gives the same figures from the rollups as computed live, and none outside the month', async () => {
    const pass = await rollUpPass(balie.database.maintenancePool);
    expect(pass.days).toBeGreaterThanOrEqual(29);
    // From the first day with work (2 November) on; 1 November stays live (and empty).
    const { rows } = await balie.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM report_days WHERE day >= '2026-11-01' AND day < '2026-12-01'`);
    expect(rows[0]!.n).toBe(29);
    const rolled = await get<KpiReport>(MONTH);
    expect(figuresOf(rolled)).toEqual(figuresOf(live));
    const october = await get<KpiReport>('/api/reports/kpis?period=custom&from=2026-10-01&to=2026-11-01');
    expect(october.total.volume.total).toBe(0);
    expect(october.total.fcr.closed).toBe(0);
  });

  it('gives the same figures when a period mixes rolled-up days with live ones (today among them)', async () => {
    // Days 9–13 November back to live (the job has not reached them): the month is rolled-up days
    // plus live days added to them, and still the known figures.
    await balie.database.pool.query(`DELETE FROM report_days WHERE day >= '2026-11-09' AND day < '2026-11-14'`);
    const mixed = await get<KpiReport>(MONTH);
    expect(mixed.total.volume).toEqual(KNOWN_MONTH_FIGURES.volume);
    expect(mixed.total.notApplicable.total).toBe(KNOWN_MONTH_FIGURES.notApplicable.total);
    expect(figuresOf(mixed)).toEqual(figuresOf(live));
    // From 15 November to three days from now: rolled-up days, then today and the days after it
    // live (each a range of its own) — the same as all of it live.
    await rollUpPass(balie.database.maintenancePool);
    const { rows } = await balie.database.pool.query<{ today: string; later: string }>(
      `SELECT (now() AT TIME ZONE 'Europe/Amsterdam')::date::text AS today, ((now() AT TIME ZONE 'Europe/Amsterdam')::date + 3)::text AS later`,
    );
    const spanning = `/api/reports/kpis?period=custom&from=2026-11-15&to=${rows[0]!.later}&split=channel,team,agent,topic`;
    const withToday = await get<KpiReport>(spanning);
    expect((await balie.database.pool.query(`SELECT 1 FROM report_days WHERE day = $1`, [rows[0]!.today])).rowCount).toBe(0);
    await balie.database.pool.query(`DELETE FROM report_days WHERE day >= '2026-11-15'`);
    const allLive = await get<KpiReport>(spanning);
    expect(figuresOf(withToday)).toEqual(figuresOf(allLive));
    // Created from the 15th on: C5 (18 November) and the two conversations of the 19th and 20th.
    expect(withToday.total.volume.total).toBe(3);
    await rollUpPass(balie.database.maintenancePool);
  });

  it('answers the series for the charts', async () => {
    const series = await get<KpiSeries>('/api/reports/series?period=month&at=2026-11-15&interval=week');
    // Weeks from Monday 26 October (1 November is a Sunday) to Monday 30 November.
    expect(series.volume!.map((point) => point.start)).toEqual(['2026-10-26', '2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23', '2026-11-30']);
    // Week of 2 November: E1, E2, the three callbacks' questions, C1, C2.
    expect(series.volume![1]).toEqual({ start: '2026-11-02', chat: 2, email: 5, phone: 0, total: 7 });
    expect(series.volume!.reduce((sum, point) => sum + point.total, 0)).toBe(14);
    const ack = series.compliance!.filter((point) => point.kind === 'acknowledgement');
    expect(ack.find((point) => point.start === '2026-11-02')).toMatchObject({ metOnTime: 1, metLate: 1, percentOnTime: 50, target: 100 });
    expect(ack.find((point) => point.start === '2026-11-09')).toMatchObject({ metOnTime: 1, notApplicable: 1, percentOnTime: 100 });
    // Week of 2 November: E1 (undone by E4), C1, C2 in first contact, three callbacks: 2 of 6.
    expect(series.fcr!.find((point) => point.start === '2026-11-02')).toEqual({ start: '2026-11-02', closed: 6, firstContactResolved: 2, percent: 33.3, target: 80 });
    // Week of 9 November: E4 in first contact, E3 geen antwoord nodig, C3 and C4 abandoned: 1 of 4.
    expect(series.fcr!.find((point) => point.start === '2026-11-09')).toEqual({ start: '2026-11-09', closed: 4, firstContactResolved: 1, percent: 25, target: 80 });
    expect(series.callbacks!.reduce((sum, point) => ({ withinTerm: sum.withinTerm + point.withinTerm, late: sum.late + point.late, never: sum.never + point.never }), { withinTerm: 0, late: 0, never: 0 })).toEqual({ withinTerm: 1, late: 1, never: 1 });
    expect(series.chatWait).toEqual([
      { fromSeconds: 0, toSeconds: 10, pickedUp: 0, abandoned: 0 },
      { fromSeconds: 10, toSeconds: 20, pickedUp: 1, abandoned: 0 },
      { fromSeconds: 20, toSeconds: 30, pickedUp: 1, abandoned: 1 },
      { fromSeconds: 30, toSeconds: 60, pickedUp: 1, abandoned: 0 },
      { fromSeconds: 60, toSeconds: 120, pickedUp: 0, abandoned: 1 },
      { fromSeconds: 120, toSeconds: 300, pickedUp: 0, abandoned: 0 },
      { fromSeconds: 300, toSeconds: null, pickedUp: 0, abandoned: 0 },
    ]);
    const days = await get<KpiSeries>('/api/reports/series?period=custom&from=2026-11-02&to=2026-11-05&series=volume');
    expect(days.interval).toBe('day');
    expect(days.compliance).toBeUndefined();
    expect(days.volume).toEqual([
      { start: '2026-11-02', chat: 0, email: 4, phone: 0, total: 4 },
      { start: '2026-11-03', chat: 0, email: 1, phone: 0, total: 1 },
      { start: '2026-11-04', chat: 2, email: 0, phone: 0, total: 2 },
    ]);
  });

  it('recomputes a rolled-up day when work touches it later', async () => {
    // E2's answer (due 10 November, breached) was given by phone on the 20th: recorded today.
    const { rows } = await balie.database.pool.query<{ id: number }>(`SELECT id FROM conversations WHERE assignee_id = $1 AND channel = 'email' AND status = 'open'`, [month.agents.bram.id]);
    const bram = await balie.login(month.agents.bram.email, month.agents.bram.password);
    const recorded = await balie.request(`/api/conversations/${rows[0]!.id}/answered-elsewhere`, { cookie: bram, body: { at: '2026-11-20T10:00:00+01:00', channel: 'phone' } });
    expect(recorded.status, await recorded.clone().text()).toBe(200);
    // The live layer marks the days the conversation counts in as dirty; the job recomputes them.
    // (Or the job's own timer got there first and recomputed it already.)
    const recordedAt = new Date();
    await waitUntil(
      async () =>
        (await balie.database.pool.query(`SELECT 1 FROM report_dirty_days WHERE day = '2026-11-10' UNION ALL SELECT 1 FROM report_days WHERE day = '2026-11-10' AND computed_at > $1`, [recordedAt]))
          .rowCount! > 0,
      15_000,
      'the answer day marked dirty',
    );
    await rollUpPass(balie.database.maintenancePool);
    expect((await balie.database.pool.query('SELECT count(*)::int AS n FROM report_dirty_days')).rows[0]).toEqual({ n: 0 });
    const after = await get<KpiReport>(MONTH);
    expect(after.total.answered).toMatchObject({ metOnTime: 1, metLate: 1, breached: 0, percentOnTime: 50 });
    // Nothing else moved.
    expect(after.total.acknowledged).toEqual(KNOWN_MONTH_FIGURES.acknowledged);
    expect(after.total.fcr).toEqual(KNOWN_MONTH_FIGURES.fcr);
  });

  it('is for supervisors and admins, with a validated query', async () => {
    const agent = await balie.login(month.agents.anna.email, month.agents.anna.password);
    expect((await balie.request(MONTH, { cookie: agent })).status).toBe(403);
    expect((await balie.request('/api/reports/series?period=week', { cookie: agent })).status).toBe(403);
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    expect((await balie.request('/api/reports/kpis?period=week', { cookie: admin })).status).toBe(200);
    for (const query of ['period=year', 'period=custom&from=2026-11-01', 'period=custom&from=2026-11-05&to=2026-11-01', 'period=custom&from=2025-01-01&to=2026-11-01', 'split=channel,colour', 'at=2026-13-01', 'period=month&at=yesterday']) {
      const response = await balie.request(`/api/reports/kpis?${query}`, { cookie: admin });
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    }
  });
});

describe('today', () => {
  it('follows the work as it happens, and supervisors hear that it changed', async () => {
    const before = await get<KpiReport>('/api/reports/kpis?split=topic');
    expect(before.period.kind).toBe('today');
    const socket = await agentSocket(balie, supervisor);
    const changed = new Promise<ReportsChanged>((resolve) => socket.once('reports.changed', resolve));
    const agentSocketSeen: string[] = [];
    const plain = await agentSocket(balie, await balie.login(month.agents.bram.email, month.agents.bram.password));
    plain.on('reports.changed', () => agentSocketSeen.push('reports.changed'));

    const conversation = await seedConversation(db.pool, { channel: 'email', status: 'open', contact: { email: 'vandaag@example.nl' } });
    const cookie = await balie.login(month.agents.bram.email, month.agents.bram.password);
    const closed = await balie.request(`/api/conversations/${conversation.id}/close`, { cookie, body: { outcome: 'handled_first_contact', topicId: month.topics.afval } });
    expect(closed.status, await closed.clone().text()).toBe(200);

    const change = await changed;
    expect(change.day).toBe(before.period.from);
    const after = await get<KpiReport>('/api/reports/kpis?split=topic');
    expect(after.total.fcr.closedFirstContact).toBe(before.total.fcr.closedFirstContact + 1);
    expect(after.total.volume.total).toBe(before.total.volume.total + 1);
    const afval = after.splits.topic!.find((entry) => entry.id === month.topics.afval)!;
    expect(afval.figures.fcr).toMatchObject({ closed: 1, firstContactResolved: 1, percent: 100 });
    // Only supervisors and admins hear it (the plain agent's socket saw the close, not this).
    expect(agentSocketSeen).toEqual([]);
  });

  it('counts a chat the citizen abandoned among the closed: FCR is ÷ all closed (domain.md)', async () => {
    const before = await get<KpiReport>('/api/reports/kpis');
    const drillBefore = await get<{ total: number }>('/api/reports/drill?measure=fcr.closed');
    expect(drillBefore.total).toBe(before.total.fcr.closed);
    // A chat waiting in the queue that the citizen leaves before pickup: through the real lifecycle.
    const chat = await seedConversation(db.pool, { channel: 'chat', status: 'new', milestones: [{ kind: 'pickup', dueAt: new Date(Date.now() + 25_000) }] });
    const left = await runLifecycle(balie.database.pool, chat.id, { type: 'citizen_left' });
    expect(left.ok && left.change.conversation.outcome).toBe('abandoned');
    await waitUntil(async () => (await get<KpiReport>('/api/reports/kpis')).total.fcr.outcomes.abandoned === before.total.fcr.outcomes.abandoned + 1, 15_000, 'the abandoned chat counted');
    const after = (await get<KpiReport>('/api/reports/kpis')).total.fcr;
    expect(after.closed).toBe(before.total.fcr.closed + 1);
    expect(after.firstContactResolved).toBe(before.total.fcr.firstContactResolved);
    expect(after.closed).toBe(Object.values(after.outcomes).reduce((sum, count) => sum + count, 0));
    expect(after.percent).toBe(Math.round((1000 * after.firstContactResolved) / after.closed) / 10);
    // The list behind the counter holds it too.
    const drill = await get<{ total: number; rows: { reference: string }[] }>('/api/reports/drill?measure=fcr.closed');
    expect(drill.total).toBe(after.closed);
    expect(drill.rows.map((row) => row.reference)).toContain(chat.reference);
  });
});
