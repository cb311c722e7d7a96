// Acting on conversations over HTTP against a real Balie, with the /agent events a colleague's
// inbox receives: the claim race, assign, status, reopen, the contact history, the team.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AssignmentActivity, StatusActivity } from '../../../server/realtime/events.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, closeSockets, next } from '../chat/chat-support.ts';
import { hoursFromNow, seedConversation } from './seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: { id: number; cookie: string };
let fatima: { id: number; cookie: string };
let daan: { id: number; cookie: string };

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
  admin = { id: (await db.pool.query<{ id: number }>('SELECT id FROM agents WHERE email = $1', [ADMIN.email])).rows[0]!.id, cookie: await balie.login(ADMIN.email, ADMIN.password) };
  const login = async (email: string) => {
    const agent = await addAgent(db.pool, 'agent', email);
    return { id: agent.id, cookie: await balie.login(email, agent.password) };
  };
  fatima = await login('fatima@gemeente.test');
  daan = await login('daan@gemeente.test');
});
afterEach(() => closeSockets());
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const post = (path: string, cookie: string, body: unknown = {}) => balie.request(path, { method: 'POST', body, cookie });
const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; assignee?: { id: number; name: string } } }).error;

describe('claiming', () => {
  it('of two agents claiming at the same moment, exactly one wins and the other is told who', async () => {
    for (let round = 0; round < 25; round += 1) {
      const { id } = await seedConversation(db.pool, { status: 'new' });
      const [a, b] = await Promise.all([post(`/api/conversations/${id}/claim`, fatima.cookie), post(`/api/conversations/${id}/claim`, daan.cookie)]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const [won, lost] = a.status === 200 ? [a, b] : [b, a];
      const winner = a.status === 200 ? fatima : daan;
      const body = (await won.json()) as { assignee: { id: number }; claimed: boolean };
      expect(body).toMatchObject({ conversationId: id, claimed: true, assignee: { id: winner.id } });
      const refusal = await errorOf(lost);
      expect(refusal.code).toBe('already_claimed');
      expect(refusal.assignee).toEqual({ id: winner.id, name: winner === fatima ? 'fatima' : 'daan' });
      const stored = await db.pool.query('SELECT assignee_id FROM conversations WHERE id = $1', [id]);
      expect(stored.rows[0].assignee_id).toBe(winner.id);
    }
  });
});

describe('assigning', () => {
  it('hands a conversation to a colleague and releases it, announced on /agent and audited', async () => {
    const watcher = await agentSocket(balie, admin.cookie);
    const { id, reference } = await seedConversation(db.pool, { assigneeId: fatima.id });

    const handed = next<AssignmentActivity>(watcher, 'conversation.assigned', 5_000, (event) => event.conversationId === id);
    const response = await post(`/api/conversations/${id}/assign`, fatima.cookie, { agentId: daan.id });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ conversationId: id, assignee: { id: daan.id, name: 'daan' } });
    expect(await handed).toEqual({ conversationId: id, reference, channel: 'email', assignee: { id: daan.id, name: 'daan' } });

    const released = next<AssignmentActivity>(watcher, 'conversation.assigned', 5_000, (event) => event.conversationId === id && event.assignee === null);
    const release = await post(`/api/conversations/${id}/assign`, daan.cookie, { agentId: null });
    expect(await release.json()).toEqual({ conversationId: id, assignee: null });
    await released;

    const audit = await db.pool.query(`SELECT agent_id, details FROM audit_log WHERE action = 'conversation.assign' AND subject_id = $1 ORDER BY id`, [String(id)]);
    expect(audit.rows).toEqual([
      { agent_id: fatima.id, details: { from: fatima.id, to: daan.id } },
      { agent_id: daan.id, details: { from: daan.id, to: null } },
    ]);
  });

  it('refuses unknown and disabled agents, closed conversations and bad bodies', async () => {
    const { id } = await seedConversation(db.pool);
    const disabled = await addAgent(db.pool, 'agent', 'weg@gemeente.test');
    await db.pool.query('UPDATE agents SET disabled = true WHERE id = $1', [disabled.id]);
    for (const agentId of [999_999, disabled.id]) {
      const response = await post(`/api/conversations/${id}/assign`, fatima.cookie, { agentId });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe('validation_failed');
    }
    for (const body of [{}, { agentId: 'daan' }, { agentId: daan.id, extra: 1 }]) {
      expect((await post(`/api/conversations/${id}/assign`, fatima.cookie, body)).status).toBe(400);
    }
    const closed = await seedConversation(db.pool, { status: 'closed' });
    const response = await post(`/api/conversations/${closed.id}/assign`, fatima.cookie, { agentId: daan.id });
    expect(response.status).toBe(409);
    expect((await errorOf(response)).code).toBe('conversation_closed');
    expect((await post('/api/conversations/999999/assign', fatima.cookie, { agentId: null })).status).toBe(404);
  });
});

describe('status and reopening', () => {
  it('sets open or waiting, announced as conversation.updated', async () => {
    const watcher = await agentSocket(balie, daan.cookie);
    const { id, reference } = await seedConversation(db.pool, { status: 'open' });
    const updated = next<StatusActivity>(watcher, 'conversation.updated', 5_000, (event) => event.conversationId === id);
    const response = await post(`/api/conversations/${id}/status`, fatima.cookie, { status: 'waiting' });
    expect(await response.json()).toEqual({ conversationId: id, status: 'waiting', milestones: [] });
    expect(await updated).toEqual({ conversationId: id, reference, channel: 'email', status: 'waiting', outcome: null, closedAt: null, milestones: [] });
    const list = (await (await balie.request('/api/conversations?status=waiting', { cookie: fatima.cookie })).json()) as { items: { id: number }[] };
    expect(list.items.map((item) => item.id)).toContain(id);

    expect((await post(`/api/conversations/${id}/status`, fatima.cookie, { status: 'closed' })).status).toBe(400);
    const closed = await seedConversation(db.pool, { status: 'closed' });
    const refused = await post(`/api/conversations/${closed.id}/status`, fatima.cookie, { status: 'open' });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe('conversation_closed');
  });

  it('reopens a closed conversation (outcome cleared, back in the working inbox) and refuses an open one', async () => {
    const watcher = await agentSocket(balie, daan.cookie);
    const { id } = await seedConversation(db.pool, { status: 'open' });
    const notClosed = await post(`/api/conversations/${id}/reopen`, fatima.cookie);
    expect(notClosed.status).toBe(409);
    expect((await errorOf(notClosed)).code).toBe('not_closed');

    const close = await post(`/api/conversations/${id}/close`, fatima.cookie, { outcome: 'handled_first_contact' });
    expect(close.status).toBe(200);
    // Closing announced its own update (status closed, milestones ended); wait for the reopening's.
    const updated = next<StatusActivity>(watcher, 'conversation.updated', 5_000, (event) => event.conversationId === id && event.status === 'open');
    const reopened = await post(`/api/conversations/${id}/reopen`, fatima.cookie);
    // The norm's milestones open again from the moment of reopening, and the event carries them.
    const answer = await reopened.json();
    expect(answer).toMatchObject({ conversationId: id, status: 'open', milestones: [{ kind: 'acknowledgement', state: 'open' }] });
    expect(await updated).toMatchObject({ status: 'open', outcome: null, closedAt: null, milestones: answer.milestones });
    const detail = (await (await balie.request(`/api/conversations/${id}`, { cookie: fatima.cookie })).json()) as { conversation: { status: string; outcome: string | null; closedAt: string | null } };
    expect(detail.conversation).toMatchObject({ status: 'open', outcome: null, closedAt: null });
  });
});

describe('one conversation', () => {
  it('carries its outcome, its rating and the contact history on any channel, newest first', async () => {
    const first = await seedConversation(db.pool, { channel: 'email', contact: { name: 'Jan', email: 'jan@example.nl', phone: '0612345678' }, status: 'closed' });
    const sameContact = await seedConversation(db.pool, { channel: 'email', contact: { id: first.contactId! } });
    const sameAddress = await seedConversation(db.pool, { channel: 'chat', contact: { name: 'J.', email: 'jan@example.nl' } });
    const samePhone = await seedConversation(db.pool, { channel: 'chat', contact: { name: 'Jan (telefoon)', phone: '0612345678' } });
    await seedConversation(db.pool, { contact: { name: 'Jan', email: 'een-andere-jan@example.nl' } });
    await db.pool.query(`UPDATE conversations SET csat_score = 4, csat_comment = 'Snel geholpen' WHERE id = $1`, [first.id]);

    const response = await balie.request(`/api/conversations/${first.id}`, { cookie: fatima.cookie });
    const { conversation } = (await response.json()) as { conversation: { outcome: string; csat: unknown; history: { id: number; channel: string; createdAt: string }[] } };
    expect(conversation.outcome).toBe('handled_first_contact');
    expect(conversation.csat).toEqual({ score: 4, comment: 'Snel geholpen' });
    expect(conversation.history.map((item) => item.id)).toEqual([samePhone.id, sameAddress.id, sameContact.id]);
    expect(conversation.history[0]).toMatchObject({ channel: 'chat', status: 'open', closedAt: null });

    const anonymous = await seedConversation(db.pool, { channel: 'chat' });
    const lone = (await (await balie.request(`/api/conversations/${anonymous.id}`, { cookie: fatima.cookie })).json()) as { conversation: { history: unknown[]; csat: unknown } };
    expect(lone.conversation).toMatchObject({ history: [], csat: null });
  });
});

describe('the team', () => {
  it('lists active agents with their presence; the disabled are left out', async () => {
    const socket = await agentSocket(balie, fatima.cookie);
    const disabled = await addAgent(db.pool, 'agent', 'oud@gemeente.test');
    await db.pool.query('UPDATE agents SET disabled = true WHERE id = $1', [disabled.id]);
    const team = async () => ((await (await balie.request('/api/team', { cookie: daan.cookie })).json()) as { agents: { id: number; name: string; role: string; status: string }[] }).agents;
    let agents = await team();
    expect(agents.find((agent) => agent.id === fatima.id)).toEqual({ id: fatima.id, name: 'fatima', role: 'agent', status: 'available' });
    expect(agents.find((agent) => agent.id === daan.id)?.status).toBe('offline');
    expect(agents.some((agent) => agent.id === disabled.id)).toBe(false);

    await new Promise((resolve) => socket.emit('presence.set', { status: 'away' }, resolve));
    agents = await team();
    expect(agents.find((agent) => agent.id === fatima.id)?.status).toBe('away');
  });
});

describe('the supervisor overview', () => {
  it('counts the backlog and agents online and reports this week’s compliance from Monday', async () => {
    await db.pool.query('TRUNCATE conversations, contacts CASCADE');
    await agentSocket(balie, fatima.cookie);
    await seedConversation(db.pool, { channel: 'chat', status: 'new' });
    await seedConversation(db.pool, { milestones: [{ dueAt: hoursFromNow(-1), state: 'breached' }] });
    await seedConversation(db.pool, { milestones: [{ dueAt: hoursFromNow(1), state: 'due_soon' }] });
    await seedConversation(db.pool, { status: 'closed' });
    const response = await balie.request('/api/reports/overview', { cookie: admin.cookie });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { open: number; breached: number; dueSoon: number; waitingChats: number; agentsOnline: number; compliance: { from: string; to: string; lines: { kind: string; breached: number }[] } };
    expect(body).toMatchObject({ open: 3, breached: 1, dueSoon: 1, waitingChats: 1, agentsOnline: 1 });
    const from = new Date(body.compliance.from);
    expect(body.compliance.from).toMatch(/T00:00:00\.000\+0[12]:00$/);
    expect(new Intl.DateTimeFormat('en', { weekday: 'long', timeZone: 'Europe/Amsterdam' }).format(from)).toBe('Monday');
    expect(Date.now() - from.getTime()).toBeLessThan(7 * 24 * 3_600_000);
    expect(body.compliance).toHaveProperty('counting');
    expect(body.compliance).toHaveProperty('norms');
  });
});
