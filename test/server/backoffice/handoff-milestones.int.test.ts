// A hand-off's milestone is its own (review of issues 14 and 15, migration 0027): a conversation
// reopened and handed off again holds two open hand-offs, to Burgerzaken and to Belastingen, each
// with its own milestone and term. Completing one meets ITS milestone, cancelling one ends only
// its own, and the compliance report, the KPIs, the drill-down and the back-office figures count
// each hand-off's promise once; reconcile finds nothing doubled.
import { readFile } from 'node:fs/promises';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileInbox } from '../../../server/reconcile/reconcile.ts';
import type { KpiReport } from '../../../server/reports/kpi-types.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let kcc: { id: number; cookie: string };
let lead: string;
let petra: string;
const teams: Record<'Burgerzaken' | 'Belastingen', number> = { Burgerzaken: 0, Belastingen: 0 };

type Body = Record<string, unknown>;
interface HandoffBody {
  id: number;
  milestoneId: number | null;
  milestoneState: string | null;
  dueAt: string;
  status: string;
}

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'rotterdam', BUSINESS_HOURS: 'mon-fri 08:30-17:00' });
  const admin = await balie.login(ADMIN.email, ADMIN.password);
  const agent = await addAgent(db.pool, 'agent', 'fatima@gemeente.test');
  kcc = { id: agent.id, cookie: await balie.login(agent.email, agent.password) };
  const supervisor = await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
  lead = await balie.login(supervisor.email, supervisor.password);
  const member = await addAgent(db.pool, 'backoffice', 'petra@gemeente.test');
  petra = await balie.login(member.email, member.password);
  // Different terms, so that a hand-off that took over the other's milestone would show.
  const terms = { Burgerzaken: { unit: 'workingDays', amount: 2 }, Belastingen: { unit: 'weeks', amount: 2 } } as const;
  for (const name of ['Burgerzaken', 'Belastingen'] as const) {
    const response = await balie.request('/api/teams', { cookie: admin, body: { name, memberIds: [member.id], handoffTerm: terms[name] } });
    expect(response.status, await response.clone().text()).toBe(201);
    teams[name] = ((await response.json()) as { team: { id: number } }).team.id;
  }
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

async function post(path: string, cookie: string, body: Body, status = 200): Promise<Body> {
  const response = await balie.request(path, { cookie, body });
  expect(response.status, await response.clone().text()).toBe(status);
  return (await response.json()) as Body;
}

const handOff = async (conversationId: number, team: keyof typeof teams, action: 'email' | 'callback') =>
  (await post('/api/backoffice/handoffs', kcc.cookie, { conversationId, teamId: teams[team], action, question: `Vraag voor ${team}`, ...(action === 'callback' ? { phone: '0612345678' } : { email: 'sanne@example.nl' }) }, 201))
    .handoff as HandoffBody;

const milestoneRows = async (conversationId: number) =>
  (
    await db.pool.query<{ id: number; kind: string; state: string; due: string; met_by: string | null; ended_reason: string | null }>(
      `SELECT id::int, kind, state, due_at::text AS due, met_by, ended_reason FROM milestones WHERE conversation_id = $1 AND kind IN ('callback', 'handoff') ORDER BY id`,
      [conversationId],
    )
  ).rows;

/** A conversation handed to Burgerzaken, reopened by the KCC, and handed to Belastingen: two open hand-offs. */
async function twiceHandedOff(action: 'email' | 'callback'): Promise<{ conversationId: number; first: HandoffBody; second: HandoffBody }> {
  const conversation = await seedConversation(db.pool, { channel: 'email', status: 'open', contact: { name: 'Sanne de Boer', email: 'sanne@example.nl' } });
  const first = await handOff(conversation.id, 'Burgerzaken', action);
  await post(`/api/conversations/${conversation.id}/reopen`, kcc.cookie, {});
  const second = await handOff(conversation.id, 'Belastingen', action);
  return { conversationId: conversation.id, first, second };
}

const PERIOD = (() => {
  const today = DateTime.now().setZone('Europe/Amsterdam').startOf('day');
  return { from: today.toISODate()!, to: today.plus({ days: 40 }).toISODate()! };
})();

describe('two open hand-offs of one conversation', () => {
  let handoffCase: Awaited<ReturnType<typeof twiceHandedOff>>;

  it('each carries a milestone of its own, with its own term', async () => {
    handoffCase = await twiceHandedOff('email');
    const { conversationId, first, second } = handoffCase;
    expect(first.milestoneId).not.toBeNull();
    expect(second.milestoneId).not.toBeNull();
    expect(second.milestoneId).not.toBe(first.milestoneId);
    const rows = await milestoneRows(conversationId);
    expect(rows.map((row) => [row.id, row.kind, row.state])).toEqual([
      [first.milestoneId, 'handoff', 'open'],
      [second.milestoneId, 'handoff', 'open'],
    ]);
    // Burgerzaken's two working days stand; Belastingen's two weeks are later.
    const firstNow = (await balie.request(`/api/backoffice/handoffs/${first.id}`, { cookie: petra }).then((response) => response.json())) as { handoff: HandoffBody };
    expect(firstNow.handoff.dueAt).toBe(first.dueAt);
    expect(second.dueAt > first.dueAt).toBe(true);
    const report = await reconcileInbox(balie.database.pool);
    expect(report.lifecycle.doubledMilestones, JSON.stringify(report.lifecycle)).toBe(0);
  });

  it('completing the second meets its milestone only; the first stays open', async () => {
    const { conversationId, first, second } = handoffCase;
    const done = (await post(`/api/backoffice/handoffs/${second.id}/complete`, petra, { outcome: 'Aanslag herzien' })).handoff as HandoffBody;
    expect(done).toMatchObject({ status: 'completed', milestoneState: 'met' });
    const rows = await milestoneRows(conversationId);
    expect(rows.find((row) => row.id === second.milestoneId)).toMatchObject({ state: 'met', met_by: 'back_office' });
    expect(rows.find((row) => row.id === first.milestoneId)).toMatchObject({ state: 'open', met_by: null });
    const firstNow = (await balie.request(`/api/backoffice/handoffs/${first.id}`, { cookie: petra }).then((response) => response.json())) as { handoff: HandoffBody };
    expect(firstNow.handoff).toMatchObject({ status: 'open', milestoneState: 'open' });
  });

  it('cancelling the first ends its milestone only; the second stays met', async () => {
    const { conversationId, first, second } = handoffCase;
    const cancelled = (await post(`/api/backoffice/handoffs/${first.id}/cancel`, kcc.cookie, { reason: 'Inwoner trok de vraag in' })).handoff as HandoffBody;
    expect(cancelled).toMatchObject({ status: 'cancelled', milestoneState: 'not_applicable' });
    const rows = await milestoneRows(conversationId);
    expect(rows.find((row) => row.id === first.milestoneId)).toMatchObject({ state: 'not_applicable', ended_reason: 'handoff_cancelled' });
    expect(rows.find((row) => row.id === second.milestoneId)).toMatchObject({ state: 'met', ended_reason: null });
  });

  it('two callbacks: reaching the citizen on the second meets its callback only; cancelling the first ends its own', async () => {
    const { conversationId, first, second } = await twiceHandedOff('callback');
    expect(second.milestoneId).not.toBe(first.milestoneId);
    await post(`/api/backoffice/handoffs/${second.id}/attempts`, petra, { result: 'reached', outcome: 'Teruggebeld' }, 201);
    let rows = await milestoneRows(conversationId);
    expect(rows.map((row) => [row.id, row.kind, row.state])).toEqual([
      [first.milestoneId, 'callback', 'open'],
      [second.milestoneId, 'callback', 'met'],
    ]);
    await post(`/api/backoffice/handoffs/${first.id}/cancel`, kcc.cookie, { reason: 'Dubbel ingevoerd' });
    rows = await milestoneRows(conversationId);
    expect(rows.map((row) => [row.id, row.state])).toEqual([
      [first.milestoneId, 'not_applicable'],
      [second.milestoneId, 'met'],
    ]);
  });

  it('the compliance report, the KPIs, the drill-down and the back-office figures count each hand-off once', async () => {
    // Each kind: the second hand-off met on time, the first cancelled (not applicable, beside).
    const compliance = (await balie.request(`/api/reports/compliance?from=${PERIOD.from}&to=${PERIOD.to}`, { cookie: lead }).then((response) => response.json())) as {
      lines: { kind: string; total: number; metOnTime: number; open: number; notApplicable: number }[];
    };
    for (const kind of ['handoff', 'callback']) {
      expect(compliance.lines.find((line) => line.kind === kind), kind).toMatchObject({ total: 1, metOnTime: 1, open: 0, notApplicable: 1 });
    }
    const kpis = (await balie.request(`/api/reports/kpis?period=custom&from=${PERIOD.from}&to=${PERIOD.to}`, { cookie: lead }).then((response) => response.json())) as KpiReport;
    expect(kpis.total.milestones.handoff).toMatchObject({ metOnTime: 1, metLate: 0, breached: 0, open: 0, notApplicable: 1, percentOnTime: 100 });
    expect(kpis.total.callbacks).toMatchObject({ total: 2, withinTerm: 1, open: 0 });
    const drill = async (query: string) =>
      ((await balie.request(`/api/reports/drill?period=custom&from=${PERIOD.from}&to=${PERIOD.to}&${query}`, { cookie: lead }).then((response) => response.json())) as { total: number }).total;
    expect(await drill('measure=milestone.metOnTime&kind=handoff')).toBe(1);
    expect(await drill('measure=milestone.notApplicable&kind=handoff')).toBe(1);
    expect(await drill('measure=callbacks.withinTerm')).toBe(1);
    // Per team: each hand-off under its own team, with its own milestone's due moment.
    const figures = (await balie.request(`/api/backoffice/figures?from=${PERIOD.from}&to=${PERIOD.to}`, { cookie: lead }).then((response) => response.json())) as {
      teams: { team: { name: string } | null; handoffs: number; cancelled: number; callbacks: { total: number; withinTerm: number } }[];
    };
    const team = (name: string) => figures.teams.find((line) => line.team?.name === name);
    expect(team('Burgerzaken')).toMatchObject({ handoffs: 2, cancelled: 2, callbacks: { total: 0, withinTerm: 0 } });
    expect(team('Belastingen')).toMatchObject({ handoffs: 2, cancelled: 0, callbacks: { total: 1, withinTerm: 1 } });
    const report = await reconcileInbox(balie.database.pool);
    expect(report.clean, JSON.stringify(report)).toBe(true);
  });
});

describe('migration 0027', () => {
  it('links a hand-off without a milestone to the one of its kind where that is unambiguous, and leaves the rest alone', async () => {
    const sql = await readFile(new URL('../../../server/db/migrations/0027_handoff_own_milestone.sql', import.meta.url), 'utf8');
    const backfill = sql.slice(sql.indexOf('WITH candidates'));
    // One hand-off on its conversation: its milestone is unambiguous.
    const single = await seedConversation(db.pool, { channel: 'email', status: 'open', contact: { email: 'een@example.nl' } });
    const alone = await handOff(single.id, 'Burgerzaken', 'email');
    // Two hand-offs of one kind on one conversation, both unlinked: which is whose cannot be told.
    const { first, second } = await twiceHandedOff('email');
    await db.pool.query('UPDATE handoffs SET milestone_id = NULL WHERE id = ANY($1::bigint[])', [[alone.id, first.id, second.id]]);
    await db.pool.query(backfill);
    const links = (await db.pool.query<{ id: number; milestone_id: number | null }>('SELECT id::int, milestone_id::int FROM handoffs WHERE id = ANY($1::bigint[]) ORDER BY id', [[alone.id, first.id, second.id]])).rows;
    expect(links).toEqual([
      { id: alone.id, milestone_id: alone.milestoneId },
      { id: first.id, milestone_id: null },
      { id: second.id, milestone_id: null },
    ]);
    // Linked rows are never touched: the statement run again changes nothing.
    expect((await db.pool.query(backfill)).rowCount).toBe(0);
  });
});
