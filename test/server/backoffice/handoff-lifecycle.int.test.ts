// Hand-offs through the conversation lifecycle (issue 14 §8): a hand-off that is not a callback
// carries a milestone of its own (kind handoff, the hand-off's term, stated), which a calendar
// change recomputes and completing meets; cancelling ends the milestone as not applicable with
// the reason, by the agent who made it or a supervisor only, audited; each step announces the
// lifecycle's change as the conversation.* events say it; reconcile stays clean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileInbox } from '../../../server/reconcile/reconcile.ts';
import type { DomainEventMap } from '../../../server/domain-events.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { waitFor } from '../deadlines/recompute-support.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;
let kcc: { id: number; cookie: string };
let colleague: { id: number; cookie: string };
let supervisor: { id: number; cookie: string };
let petra: { id: number; cookie: string };
let teamId: number;
const heard: { name: string; conversationId: number; payload: Record<string, unknown> }[] = [];

type Body = Record<string, unknown>;
const json = async (response: Response) => (await response.json()) as Body;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'rotterdam', BUSINESS_HOURS: 'mon-fri 08:30-17:00' });
  admin = await balie.login(ADMIN.email, ADMIN.password);
  const login = async (role: 'agent' | 'supervisor' | 'backoffice', email: string) => {
    const agent = await addAgent(db.pool, role, email);
    return { id: agent.id, cookie: await balie.login(agent.email, agent.password) };
  };
  kcc = await login('agent', 'fatima@gemeente.test');
  colleague = await login('agent', 'jan@gemeente.test');
  supervisor = await login('supervisor', 'teamleider@gemeente.test');
  petra = await login('backoffice', 'petra@gemeente.test');
  teamId = ((await json(await balie.request('/api/teams', { cookie: admin, body: { name: 'Vergunningen', memberIds: [petra.id] } }))).team as { id: number }).id;
  for (const name of ['conversation.closed', 'conversation.updated'] as const) {
    balie.events.on(name, (payload: DomainEventMap[typeof name][0]) => heard.push({ name, conversationId: payload.conversationId, payload: payload as unknown as Record<string, unknown> }));
  }
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const openConversation = () => seedConversation(db.pool, { channel: 'email', status: 'open', contact: { name: 'Sanne de Boer', email: 'sanne@example.nl' } });
const milestonesOf = async (conversationId: number) =>
  (await db.pool.query('SELECT kind, state, term_stated, met_by, ended_reason, ended_by::int FROM milestones WHERE conversation_id = $1 AND kind IN ($2, $3) ORDER BY id', [conversationId, 'callback', 'handoff'])).rows;
const eventsOf = (conversationId: number) => heard.filter((event) => event.conversationId === conversationId);
const milestoneKinds = (event: { payload: Body }) => ((event.payload.milestones ?? []) as { kind: string; state: string }[]).map((milestone) => `${milestone.kind}:${milestone.state}`);

describe('a hand-off that is not a callback', () => {
  it('carries a handoff milestone with its term, follows a closure day, and completing meets it — each step announced as the lifecycle changed', async () => {
    const conversation = await openConversation();
    const created = await json(await balie.request('/api/backoffice/handoffs', { cookie: kcc.cookie, body: { conversationId: conversation.id, teamId, action: 'email', email: 'sanne@example.nl', question: 'Wanneer is mijn vergunning klaar?' } }));
    const handoff = created.handoff as { id: number; dueAt: string; milestoneState: string };
    expect(handoff.milestoneState).toBe('open');
    expect(await milestonesOf(conversation.id)).toEqual([{ kind: 'handoff', state: 'open', term_stated: true, met_by: null, ended_reason: null, ended_by: null }]);
    const closed = eventsOf(conversation.id);
    expect(closed.map((event) => event.name)).toEqual(['conversation.closed', 'conversation.updated']);
    expect(closed[0]!.payload).toMatchObject({ outcome: 'back_office', channel: 'email' });
    expect(closed[1]!.payload).toMatchObject({ status: 'closed', outcome: 'back_office' });
    expect(milestoneKinds(closed[1]!)).toContain('handoff:open');

    // A closure day on the due date: the calendar recompute moves the hand-off's due time a working day on.
    const dueDate = handoff.dueAt.slice(0, 10);
    const put = await balie.request('/api/settings/service', { method: 'PUT', cookie: admin, body: { closureDays: [dueDate] } });
    expect(put.status).toBe(200);
    const moved = await waitFor(
      async () => ((await json(await balie.request(`/api/backoffice/handoffs/${handoff.id}`, { cookie: petra.cookie }))).handoff as { dueAt: string }).dueAt,
      (dueAt) => dueAt !== handoff.dueAt,
      { stallMs: 10_000 },
    );
    expect(moved.slice(0, 10) > dueDate).toBe(true);
    expect(moved.slice(11, 16)).toBe('17:00');

    heard.length = 0;
    const done = await json(await balie.request(`/api/backoffice/handoffs/${handoff.id}/complete`, { cookie: petra.cookie, body: { outcome: 'Per e-mail beantwoord' } }));
    expect(done.handoff).toMatchObject({ status: 'completed', milestoneState: 'met' });
    expect(await milestonesOf(conversation.id)).toEqual([{ kind: 'handoff', state: 'met', term_stated: true, met_by: 'back_office', ended_reason: null, ended_by: null }]);
    const completed = eventsOf(conversation.id);
    expect(completed.map((event) => event.name)).toEqual(['conversation.updated']);
    expect(milestoneKinds(completed[0]!)).toEqual(['handoff:met']);
    await balie.request('/api/settings/service', { method: 'PUT', cookie: admin, body: { closureDays: [] } });
  });
});

describe('reaching the citizen on a hand-off that is not a callback', () => {
  it('a reached attempt completes it and meets its handoff milestone; an attempt without contact meets nothing', async () => {
    const conversation = await openConversation();
    const created = await json(await balie.request('/api/backoffice/handoffs', { cookie: kcc.cookie, body: { conversationId: conversation.id, teamId, action: 'other', actionLabel: 'Afspraak maken', phone: '0612345678', question: 'Afspraak voor paspoort' } }));
    const { id } = created.handoff as { id: number };
    await balie.request(`/api/backoffice/handoffs/${id}/attempts`, { cookie: petra.cookie, body: { result: 'voicemail' } });
    expect(await milestonesOf(conversation.id)).toMatchObject([{ kind: 'handoff', state: 'open' }]);
    const reached = await json(await balie.request(`/api/backoffice/handoffs/${id}/attempts`, { cookie: petra.cookie, body: { result: 'reached', outcome: 'Afspraak op 10 december' } }));
    expect(reached.handoff).toMatchObject({ status: 'completed', milestoneState: 'met' });
    expect(await milestonesOf(conversation.id)).toMatchObject([{ kind: 'handoff', state: 'met', met_by: 'back_office' }]);
  });
});

describe('cancelling a hand-off', () => {
  it('by the agent who made it: its milestone ends as not applicable with the reason, audited and announced; nobody else of the KCC or back office may', async () => {
    const conversation = await openConversation();
    const created = await json(await balie.request('/api/backoffice/handoffs', { cookie: kcc.cookie, body: { conversationId: conversation.id, teamId, action: 'callback', phone: '0612345678', question: 'Bel mij terug' } }));
    const { id } = created.handoff as { id: number };
    const cancel = (cookie: string, reason = 'Inwoner belde zelf terug; vraag is beantwoord') => balie.request(`/api/backoffice/handoffs/${id}/cancel`, { cookie, body: { reason } });

    expect((await cancel(colleague.cookie)).status).toBe(403);
    expect((await cancel(petra.cookie)).status).toBe(403);
    expect((await cancel(kcc.cookie, '')).status).toBe(400);
    expect(await milestonesOf(conversation.id)).toEqual([{ kind: 'callback', state: 'open', term_stated: false, met_by: null, ended_reason: null, ended_by: null }]);

    heard.length = 0;
    const response = await cancel(kcc.cookie);
    expect(response.status).toBe(200);
    const cancelled = (await json(response)).handoff as Body;
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: 'Inwoner belde zelf terug; vraag is beantwoord', cancelledBy: { id: kcc.id }, milestoneState: 'not_applicable' });
    expect((cancelled.steps as { kind: string }[]).map((step) => step.kind)).toEqual(['created', 'cancelled']);
    expect(await milestonesOf(conversation.id)).toEqual([{ kind: 'callback', state: 'not_applicable', term_stated: false, met_by: null, ended_reason: 'handoff_cancelled', ended_by: kcc.id }]);
    const announced = eventsOf(conversation.id);
    expect(announced.map((event) => event.name)).toEqual(['conversation.updated']);
    expect(announced[0]!.payload).toMatchObject({ status: 'closed', outcome: 'callback_requested' });
    expect(milestoneKinds(announced[0]!)).toEqual(['callback:not_applicable']);
    const audit = await db.pool.query("SELECT agent_id::int, details FROM audit_log WHERE action = 'handoff.cancelled' AND subject_id = $1", [String(id)]);
    expect(audit.rows).toMatchObject([{ agent_id: kcc.id, details: { reason: 'Inwoner belde zelf terug; vraag is beantwoord' } }]);
    // Once cancelled it is not open any more: not again, not worked.
    expect(((await json(await cancel(kcc.cookie))).error as Body).code).toBe('handoff_not_open');
    expect((await balie.request(`/api/backoffice/handoffs/${id}/attempts`, { cookie: petra.cookie, body: { result: 'not_reached' } })).status).toBe(409);
    // The back-office list no longer shows it.
    const list = (await json(await balie.request('/api/backoffice/handoffs', { cookie: petra.cookie }))).handoffs as { id: number }[];
    expect(list.map((handoff) => handoff.id)).not.toContain(id);
  });

  it("a supervisor may cancel another agent's hand-off", async () => {
    const conversation = await openConversation();
    const created = await json(await balie.request('/api/backoffice/handoffs', { cookie: kcc.cookie, body: { conversationId: conversation.id, teamId, action: 'other', actionLabel: 'Stukken opsturen', question: 'Formulier' } }));
    const { id } = created.handoff as { id: number };
    const response = await balie.request(`/api/backoffice/handoffs/${id}/cancel`, { cookie: supervisor.cookie, body: { reason: 'Dubbel ingevoerd' } });
    expect(response.status).toBe(200);
    expect(await milestonesOf(conversation.id)).toMatchObject([{ kind: 'handoff', state: 'not_applicable', ended_reason: 'handoff_cancelled' }]);
  });

  it('reconcile finds the lifecycle rules intact after all of it', async () => {
    const report = await reconcileInbox(balie.database.pool);
    expect(report.clean, JSON.stringify(report)).toBe(true);
  });
});

describe('a breached hand-off sent back and handed on again', () => {
  it('keeps its breach: the citizen gets no new term, and the figures keep the broken promise', async () => {
    const conversation = await openConversation();
    const created = await json(await balie.request('/api/backoffice/handoffs', { cookie: kcc.cookie, body: { conversationId: conversation.id, teamId, action: 'email', email: 'sanne@example.nl', question: 'Is mijn aanvraag binnen?' } }));
    const handoff = created.handoff as { id: number };
    // The term ran out (as the scheduler breaches it): due yesterday, not met.
    await db.pool.query("UPDATE milestones SET due_at = now() - interval '1 day', due_soon_at = now() - interval '2 days', state = 'breached', breached_at = now() WHERE conversation_id = $1 AND kind = 'handoff'", [conversation.id]);
    const back = await balie.request(`/api/backoffice/handoffs/${handoff.id}/misrouted`, { cookie: petra.cookie, body: { teamId: null, note: 'Hoort niet bij ons' } });
    expect(back.status).toBe(200);
    const again = await balie.request('/api/backoffice/handoffs', { cookie: kcc.cookie, body: { conversationId: conversation.id, teamId, action: 'email', email: 'sanne@example.nl', question: 'Is mijn aanvraag binnen?' } });
    expect(again.status).toBe(201);
    const rows = (await db.pool.query("SELECT state, breached_at IS NOT NULL AS breached, due_at < now() AS past FROM milestones WHERE conversation_id = $1 AND kind = 'handoff' ORDER BY id", [conversation.id])).rows;
    expect(rows).toEqual([{ state: 'breached', breached: true, past: true }]);
  });
});
