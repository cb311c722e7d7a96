// Drill-down (issue 15 §4): on the known month, the list behind every KPI segment has as many rows
// as the KPI counts, narrowed by a split group, paginated, validated, and for supervisors only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillList } from '../../../server/reports/drill.ts';
import type { KpiReport } from '../../../server/reports/kpi-types.ts';
import { addAgent, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { buildKnownMonth, KNOWN_MONTH_FIGURES, type KnownMonth } from './known-month.ts';

let db: TestDatabase;
let balie: TestBalie;
let month: KnownMonth;
let supervisor: string;
let report: KpiReport;

const PERIOD = 'period=month&at=2026-11-15';

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'vng' });
  month = await buildKnownMonth(balie.database.pool);
  // The rollup job may have rolled a day up while the month was being built: compute it all live.
  await balie.database.pool.query('DELETE FROM report_days');
  const lead = await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
  supervisor = await balie.login(lead.email, lead.password);
  report = await get<KpiReport>(`/api/reports/kpis?${PERIOD}&split=agent,team,topic,channel`);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

async function get<T>(path: string): Promise<T> {
  const response = await balie.request(path, { cookie: supervisor });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}
const drill = (query: string) => get<DrillList>(`/api/reports/drill?${PERIOD}&pageSize=100&${query}`);
const total = async (query: string) => (await drill(query)).total;

describe('GET /api/reports/drill on the known month', () => {
  it('lists as many rows as each KPI counts', async () => {
    const f = KNOWN_MONTH_FIGURES;
    const expected: [string, number][] = [
      ['measure=volume', f.volume.total],
      ['measure=volume&channel=chat', f.volume.chat],
      ['measure=milestone.metOnTime&kind=acknowledgement', f.acknowledged.metOnTime],
      ['measure=milestone.metLate&kind=acknowledgement', f.acknowledged.metLate],
      ['measure=milestone.notApplicable&kind=acknowledgement', f.acknowledged.notApplicable],
      ['measure=milestone.metOnTime&kind=answered', f.answered.metOnTime],
      ['measure=milestone.breached&kind=answered', f.answered.breached],
      ['measure=fcr.closed', f.fcr.closed],
      ['measure=fcr.closedFirstContact', f.fcr.closedFirstContact],
      ['measure=fcr.repeatedWithin7Days', f.fcr.repeatedWithin7Days],
      ['measure=fcr.firstContactResolved', f.fcr.firstContactResolved],
      ['measure=fcr.outcome&outcome=callback_requested', f.fcr.outcomes.callback_requested],
      ['measure=fcr.outcome&outcome=abandoned', f.fcr.outcomes.abandoned],
      ['measure=callbacks.withinTerm', f.callbacks.withinTerm],
      ['measure=callbacks.late', f.callbacks.late],
      ['measure=callbacks.never', f.callbacks.never],
      ['measure=chat.pickedUpWithinTerm', f.chat.pickedUpWithinTerm],
      ['measure=chat.pickedUpLate', f.chat.pickedUpLate],
      ['measure=chat.abandoned', f.chat.abandoned],
      ['measure=chat.waiting', f.chat.waiting],
      ['measure=csat.responses', f.csat.responses],
      ['measure=csat.satisfied', f.csat.satisfied],
      ['measure=repeats', f.repeats.repeatContacts],
      ['measure=notApplicable', f.notApplicable.total],
      ['measure=notApplicable&reason=abandoned', f.notApplicable.byReason.abandoned],
      ['measure=backlog.open', f.backlog.open],
      ['measure=backlog.breached', f.backlog.breached],
    ];
    const found = await Promise.all(expected.map(async ([query]) => [query, await total(query)] as const));
    expect(found).toEqual(expected);
  });

  it('narrows to a split group as the KPI splits do', async () => {
    const figures = (split: 'agent' | 'team' | 'topic', id: number | null) => report.splits[split]!.find((group) => group.id === id)!.figures;
    const anna = month.agents.anna.id;
    expect(await total(`measure=fcr.closed&agent=${anna}`)).toBe(figures('agent', anna).fcr.closed);
    expect(await total(`measure=volume&agent=none`)).toBe(figures('agent', null).volume.total);
    // Nobody's: the two abandoned chats, closes all the same (FCR's denominator).
    expect(await total(`measure=fcr.closed&agent=none`)).toBe(2);
    expect(figures('agent', null).fcr.closed).toBe(2);
    expect(await total(`measure=volume&team=${month.teams.zuid}`)).toBe(figures('team', month.teams.zuid).volume.total);
    expect(await total(`measure=volume&team=none`)).toBe(figures('team', null).volume.total);
    expect(await total(`measure=repeats&topic=${month.topics.afval}`)).toBe(figures('topic', month.topics.afval).repeats.repeatContacts);
    expect(await total(`measure=volume&topic=none`)).toBe(figures('topic', null).volume.total);
  });

  it('lists a chat wait bucket and a week of the compliance chart', async () => {
    // Buckets [20, 30): C5 picked up after 20 s; C4 left after 20 s.
    const picked = await drill('measure=chat.wait&waitFrom=20&waitTo=30&waited=pickedUp');
    expect(picked.total).toBe(1);
    expect(await total('measure=chat.wait&waitFrom=60&waitTo=120&waited=abandoned')).toBe(1);
    expect(await total('measure=chat.wait&waitFrom=300&waited=pickedUp')).toBe(0);
    const week = await get<DrillList>('/api/reports/drill?period=week&at=2026-11-02&measure=milestone.metLate&kind=acknowledgement');
    expect(week.total).toBe(1);
    expect(week.rows[0]).toMatchObject({ channel: 'email', assignee: 'Bram', topic: 'Paspoort', milestone: { kind: 'acknowledgement', state: 'met_late' } });
  });

  it('pages through the rows, newest first', async () => {
    const first = await get<DrillList>(`/api/reports/drill?${PERIOD}&measure=volume&pageSize=5`);
    const third = await get<DrillList>(`/api/reports/drill?${PERIOD}&measure=volume&pageSize=5&page=3`);
    const beyond = await get<DrillList>(`/api/reports/drill?${PERIOD}&measure=volume&pageSize=5&page=9`);
    expect([first.total, third.total, beyond.total]).toEqual([14, 14, 14]);
    expect([first.rows.length, third.rows.length, beyond.rows.length]).toEqual([5, 4, 0]);
    const all = await drill('measure=volume');
    expect(new Set(all.rows.map((row) => row.conversationId)).size).toBe(14);
    expect(all.rows.map((row) => row.at)).toEqual([...all.rows.map((row) => row.at)].sort().reverse());
  });

  it('is for supervisors and admins, with a validated query', async () => {
    const agent = await balie.login(month.agents.anna.email, month.agents.anna.password);
    expect((await balie.request(`/api/reports/drill?${PERIOD}&measure=volume`, { cookie: agent })).status).toBe(403);
    for (const query of ['measure=colour', 'measure=milestone.metLate', 'measure=fcr.outcome', 'measure=volume&pageSize=1000', 'measure=volume&agent=x', 'measure=volume&period=custom&from=2026-11-05', 'measure=chat.wait&waited=pickedUp']) {
      const response = await balie.request(`/api/reports/drill?${query}`, { cookie: supervisor });
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    }
  });
});
