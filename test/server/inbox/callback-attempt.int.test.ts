// The inbox's own call attempt ("Teruggebeld: bereikt") meets the conversation's own callback only:
// a callback an open back-office hand-off holds is that team's to work through the hand-off. With
// only the hand-off's callback owed the API refuses (callback_held_by_handoff) and nothing changes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from './seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let kcc: string;
let team = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'rotterdam', BUSINESS_HOURS: 'mon-fri 08:30-17:00' });
  const admin = await balie.login(ADMIN.email, ADMIN.password);
  const agent = await addAgent(db.pool, 'agent', 'fatima@gemeente.test');
  kcc = await balie.login(agent.email, agent.password);
  const member = await addAgent(db.pool, 'backoffice', 'petra@gemeente.test');
  const response = await balie.request('/api/teams', { cookie: admin, body: { name: 'Vergunningen', memberIds: [member.id] } });
  expect(response.status, await response.clone().text()).toBe(201);
  team = ((await response.json()) as { team: { id: number } }).team.id;
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const callbacks = async (conversationId: number) =>
  (await db.pool.query<{ id: number; state: string }>(`SELECT id::int, state FROM milestones WHERE conversation_id = $1 AND kind = 'callback' ORDER BY id`, [conversationId])).rows;

/** A conversation handed to Vergunningen as a callback; returns it and the hand-off's milestone. */
async function handedOff(): Promise<{ conversationId: number; held: number }> {
  const conversation = await seedConversation(db.pool, { channel: 'email', status: 'open', contact: { name: 'Sanne de Boer', email: 'sanne@example.nl' } });
  const response = await balie.request('/api/backoffice/handoffs', { cookie: kcc, body: { conversationId: conversation.id, teamId: team, action: 'callback', question: 'Graag terugbellen', phone: '0612345678' } });
  expect(response.status, await response.clone().text()).toBe(201);
  const { handoff } = (await response.json()) as { handoff: { milestoneId: number } };
  expect(handoff.milestoneId).toEqual(expect.any(Number));
  return { conversationId: conversation.id, held: handoff.milestoneId };
}

it('meets only the conversation’s own callback, never the hand-off’s', async () => {
  const { conversationId, held } = await handedOff();
  // The KCC's own callback beside it (e.g. moved in by a merge): a copy of the term, no hand-off holds it.
  const { rows } = await db.pool.query<{ id: number }>(
    `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, state)
     SELECT conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, 'open' FROM milestones WHERE id = $1 RETURNING id::int`,
    [held],
  );
  const own = rows[0]!.id;
  const detail = (await (await balie.request(`/api/conversations/${conversationId}`, { cookie: kcc })).json()) as { conversation: { handoffCallbacks: number[] } };
  expect(detail.conversation.handoffCallbacks).toEqual([held]);

  const response = await balie.request(`/api/conversations/${conversationId}/callback-attempts`, { cookie: kcc, body: { reached: true } });
  expect(response.status, await response.clone().text()).toBe(201);
  expect(await callbacks(conversationId)).toEqual([
    { id: held, state: 'open' },
    { id: own, state: 'met' },
  ]);
});

it('refuses when the only callback owed is a hand-off’s, and changes nothing', async () => {
  const { conversationId, held } = await handedOff();
  const attempts = async () => (await db.pool.query('SELECT 1 FROM callback_attempts WHERE conversation_id = $1', [conversationId])).rows.length;
  const response = await balie.request(`/api/conversations/${conversationId}/callback-attempts`, { cookie: kcc, body: { reached: true } });
  expect(response.status).toBe(409);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('callback_held_by_handoff');
  expect(await callbacks(conversationId)).toEqual([{ id: held, state: 'open' }]);
  expect(await attempts()).toBe(0);
});

it('counts a cancelled callback beside, not as never (as the back-office figures do)', async () => {
  const { conversationId } = await handedOff();
  const lead = await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
  const cookie = await balie.login(lead.email, lead.password);
  const { rows } = await db.pool.query<{ id: number }>('SELECT id::int FROM handoffs WHERE conversation_id = $1', [conversationId]);
  const cancelled = await balie.request(`/api/backoffice/handoffs/${rows[0]!.id}/cancel`, { cookie, body: { reason: 'Inwoner trok de vraag in' } });
  expect(cancelled.status, await cancelled.clone().text()).toBe(200);
  const from = new Date().toISOString().slice(0, 10);
  const to = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  const response = await balie.request(`/api/reports/kpis?period=custom&from=${from}&to=${to}`, { cookie });
  expect(response.status, await response.clone().text()).toBe(200);
  const report = (await response.json()) as { total: { callbacks: { never: number } } };
  expect(report.total.callbacks.never).toBe(0);
});
