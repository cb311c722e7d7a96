// The chat between a citizen's widget socket and agents' sockets: both ways live, nothing lost or
// doubled, pickup, receipts, typing, closing and rating, and validation that never crashes.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../../server/agents/agents.ts';
import type { ChatMessage, MessageActivity } from '../../../server/realtime/events.ts';
import type { TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, closeSockets, next, readyCitizen, record, sleep, startChat, startChatBalie, waitUntil, type AgentSocket } from './chat-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let fatima: string;
let joost: string;
let fatimaId: number;
/** Fatima's inbox, open all along: chat is available while an agent is online. */
let agentA: AgentSocket;

async function agent(name: string, email: string): Promise<{ id: number; cookie: string }> {
  const created = await createAgent(db.pool, { email, name, role: 'agent', password: 'an agent password' });
  if (created === 'email_taken') throw new Error('taken');
  return { id: created.id, cookie: await balie.login(email, 'an agent password') };
}

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startChatBalie(db.url);
  const f = await agent('Fatima el Amrani', 'fatima@gemeente.test');
  fatima = f.cookie;
  fatimaId = f.id;
  joost = (await agent('Joost de Vries', 'joost@gemeente.test')).cookie;
  agentA = await agentSocket(balie, fatima, { keep: true });
});
afterEach(() => closeSockets());
afterAll(async () => {
  agentA?.disconnect();
  await balie?.stop();
  await db?.drop();
});

const reply = (conversationId: number, cookie: string, text: string, kind: 'reply' | 'note' = 'reply') =>
  balie.request(`/api/conversations/${conversationId}/messages`, { cookie, body: { text, kind } });

async function rowCount(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) x`, params);
  return rows[0]!.n;
}

describe('a chat from queue to close', () => {
  it('queues the first message: agents see the new chat, the pickup milestone runs', async () => {
    const created = next<{ channel: string; reference: string }>(agentA, 'conversation.created');
    const chat = await startChat(balie, 'Goedemiddag, hoe vraag ik een parkeervergunning aan?', { name: 'Piet' });
    expect(chat.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(chat.conversation).toMatchObject({ status: 'new', agent: null, lastMessageId: chat.message.id });
    expect(chat.message).toMatchObject({ from: 'citizen', text: 'Goedemiddag, hoe vraag ik een parkeervergunning aan?' });
    await expect(created).resolves.toMatchObject({ channel: 'chat', reference: chat.conversation.reference });
    // Only the token's hash is stored.
    const { rows } = await db.pool.query<{ hash: Buffer }>('SELECT token_hash AS hash FROM chat_sessions WHERE conversation_id = $1', [chat.conversationId]);
    expect(rows[0]!.hash.toString('base64url')).not.toBe(chat.token);
    const milestone = await db.pool.query('SELECT state FROM milestones WHERE conversation_id = $1 AND kind = $2', [chat.conversationId, 'pickup']);
    expect(milestone.rows).toEqual([{ state: 'open' }]);
  });

  it('pickup: the citizen sees "U chat met Fatima", the milestone is met, both write live, notes stay inside', async () => {
    const chat = await startChat(balie, 'Mag ik een vraag stellen?');
    const { socket: citizen } = await readyCitizen(balie, chat.token);
    const joined = next<{ firstName: string }>(citizen, 'agent.joined');
    const assigned = next<{ assignee: { name: string } }>(agentA, 'conversation.assigned');
    const claim = await balie.request(`/api/conversations/${chat.conversationId}/claim`, { method: 'POST', cookie: fatima });
    expect(claim.status).toBe(200);
    await expect(joined).resolves.toEqual({ firstName: 'Fatima' });
    await expect(assigned).resolves.toMatchObject({ assignee: { name: 'Fatima el Amrani' } });
    const pickup = await db.pool.query('SELECT state, met_by FROM milestones WHERE conversation_id = $1 AND kind = $2', [chat.conversationId, 'pickup']);
    expect(pickup.rows).toEqual([{ state: 'met', met_by: 'pickup' }]);

    // Agent → citizen, live.
    const fromAgent = next<ChatMessage>(citizen, 'message.created');
    const sent = await reply(chat.conversationId, fatima, 'Zeker, waarmee kan ik u helpen?');
    expect(sent.status).toBe(201);
    await expect(fromAgent).resolves.toMatchObject({ from: 'agent', agentFirstName: 'Fatima', text: 'Zeker, waarmee kan ik u helpen?', clientId: null });

    // Citizen → agent, live, acknowledged with the stored message.
    const toAgent = next<MessageActivity>(agentA, 'message.created');
    const clientId = randomUUID();
    const ack = await citizen.emitWithAck('message.send', { clientId, text: 'Ik wil een parkeervergunning.' });
    expect(ack).toMatchObject({ ok: true, data: { message: { clientId, from: 'citizen', text: 'Ik wil een parkeervergunning.' } } });
    await expect(toAgent).resolves.toMatchObject({ conversationId: chat.conversationId, direction: 'in', kind: 'message', channel: 'chat' });
    const thread = await (await balie.request(`/api/conversations/${chat.conversationId}`, { cookie: fatima })).json();
    expect(thread.conversation.messages.map((m: { text: string }) => m.text)).toContain('Ik wil een parkeervergunning.');

    // A note never reaches the citizen.
    const seen = record<ChatMessage>(citizen, 'message.created');
    expect((await reply(chat.conversationId, fatima, 'Interne notitie: bewoner van zone B', 'note')).status).toBe(201);
    expect((await reply(chat.conversationId, fatima, 'Daar help ik u mee.')).status).toBe(201);
    await waitUntil(() => seen.length === 1, 3_000, 'the reply');
    await sleep(100);
    expect(seen.map((m) => m.text)).toEqual(['Daar help ik u mee.']);
    const fetched = await citizen.emitWithAck('messages.fetch', { afterId: null });
    expect(fetched.ok && fetched.data.messages.map((m) => m.text)).not.toContain('Interne notitie: bewoner van zone B');
  });

  it('a resend with the same client id stores one row and acknowledges the same message', async () => {
    const chat = await startChat(balie);
    const { socket: citizen } = await readyCitizen(balie, chat.token);
    const clientId = randomUUID();
    const [first, second] = await Promise.all([
      citizen.emitWithAck('message.send', { clientId, text: 'Dubbel verstuurd?' }),
      citizen.emitWithAck('message.send', { clientId, text: 'Dubbel verstuurd?' }),
    ]);
    const third = await citizen.emitWithAck('message.send', { clientId, text: 'Dubbel verstuurd?' });
    expect(first.ok && second.ok && third.ok).toBe(true);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(await rowCount('SELECT 1 FROM messages WHERE conversation_id = $1 AND body_text = $2', [chat.conversationId, 'Dubbel verstuurd?'])).toBe(1);
    // Restarting the chat with the first message's client id does not open a second conversation.
    const again = await balie.request('/api/public/chats', { body: { clientId: chat.message.clientId, text: 'Hoe vraag ik een parkeervergunning aan?' } });
    expect(again.status).toBe(200);
    expect((await again.json()).conversation.reference).toBe(chat.conversation.reference);
  });

  it('after a reconnect the citizen fetches only what was missed', async () => {
    const chat = await startChat(balie);
    await balie.request(`/api/conversations/${chat.conversationId}/claim`, { method: 'POST', cookie: fatima });
    const first = await readyCitizen(balie, chat.token);
    const welcome = next<ChatMessage>(first.socket, 'message.created');
    await reply(chat.conversationId, fatima, 'Welkom!');
    const lastSeen = (await welcome).id;
    first.socket.disconnect();
    // While the citizen is away (a tunnel, a page load):
    await reply(chat.conversationId, fatima, 'Bent u er nog?');
    await reply(chat.conversationId, fatima, 'Ik wacht even.');
    const { socket, state } = await readyCitizen(balie, chat.token);
    expect(state).toMatchObject({ status: 'waiting', agent: { firstName: 'Fatima' } });
    const missed = await socket.emitWithAck('messages.fetch', { afterId: lastSeen });
    expect(missed).toMatchObject({ ok: true, data: { hasMore: false } });
    expect(missed.ok && missed.data.messages.map((m) => m.text)).toEqual(['Bent u er nog?', 'Ik wacht even.']);
    expect(missed.ok && missed.data.messages.at(-1)!.id).toBe(state.lastMessageId);
    const paged = await socket.emitWithAck('messages.fetch', { afterId: null, limit: 2 });
    expect(paged.ok && paged.data).toMatchObject({ hasMore: true, messages: [{ from: 'citizen' }, { text: 'Welkom!' }] });
  });

  it('delivered and read: agents learn what the citizen saw, the citizen what the agent read', async () => {
    const chat = await startChat(balie);
    const { socket: citizen } = await readyCitizen(balie, chat.token);
    const arrived = next<ChatMessage>(citizen, 'message.created');
    await reply(chat.conversationId, fatima, 'Heeft u uw kenteken bij de hand?');
    const message = await arrived;
    const delivered = next<{ throughId: number; by: string }>(agentA, 'message.delivered');
    expect(await citizen.emitWithAck('messages.mark_delivered', { throughId: message.id })).toEqual({ ok: true, data: { throughId: message.id } });
    await expect(delivered).resolves.toMatchObject({ conversationId: chat.conversationId, by: 'citizen', throughId: message.id });
    const read = next<{ throughId: number }>(agentA, 'message.read');
    await citizen.emitWithAck('messages.mark_read', { throughId: message.id + 1000 });
    // Clamped to the agents' messages: a forged id moves nothing beyond them.
    await expect(read).resolves.toMatchObject({ by: 'citizen', throughId: message.id });

    const readByAgent = next<{ throughId: number }>(citizen, 'message.read');
    const ack = await agentA.emitWithAck('messages.mark_read', { conversationId: chat.conversationId, throughId: chat.message.id });
    expect(ack).toEqual({ ok: true, data: { throughId: chat.message.id } });
    await expect(readByAgent).resolves.toMatchObject({ throughId: chat.message.id });
    const state = await readyCitizen(balie, chat.token);
    expect(state.state.readThrough).toBe(chat.message.id);
  });

  it('typing is relayed both ways, and an agent writing a note is not shown to the citizen', async () => {
    const chat = await startChat(balie);
    const { socket: citizen } = await readyCitizen(balie, chat.token);
    const agentB = await agentSocket(balie, joost);
    const citizenTyping = next<{ by: { type: string }; typing: boolean }>(agentA, 'conversation.typing');
    expect(await citizen.emitWithAck('typing.set', { typing: true })).toEqual({ ok: true, data: null });
    await expect(citizenTyping).resolves.toMatchObject({ conversationId: chat.conversationId, by: { type: 'citizen' }, typing: true });

    const agentTyping = next<{ firstName: string; typing: boolean }>(citizen, 'agent.typing');
    const colleague = next<{ by: { type: string; name?: string } }>(agentB, 'conversation.typing', 5_000, (typing) => typing.by.type === 'agent');
    expect(await agentA.emitWithAck('typing.set', { conversationId: chat.conversationId, typing: true })).toEqual({ ok: true, data: null });
    await expect(agentTyping).resolves.toEqual({ firstName: 'Fatima', typing: true });
    await expect(colleague).resolves.toMatchObject({ by: { type: 'agent', name: 'Fatima el Amrani' }, typing: true, note: false });

    const seen = record(citizen, 'agent.typing');
    await sleep(1100);
    await agentA.emitWithAck('typing.set', { conversationId: chat.conversationId, typing: true, note: true });
    await sleep(200);
    expect(seen).toEqual([]);
    expect(await agentA.emitWithAck('typing.set', { conversationId: 99_999_999, typing: false })).toEqual({ ok: false, error: { code: 'not_found' } });
  });

  it('close with an outcome: the citizen is told, can rate once, and cannot write any more', async () => {
    const chat = await startChat(balie);
    const { socket: citizen } = await readyCitizen(balie, chat.token);
    await balie.request(`/api/conversations/${chat.conversationId}/claim`, { method: 'POST', cookie: fatima });
    const closedForCitizen = next<{ closedAt: string }>(citizen, 'conversation.closed');
    const closedForAgents = next<{ outcome: string }>(agentA, 'conversation.closed');
    const bad = await balie.request(`/api/conversations/${chat.conversationId}/close`, { cookie: fatima, body: { outcome: 'opgelost' } });
    expect(bad.status).toBe(400);
    const close = await balie.request(`/api/conversations/${chat.conversationId}/close`, { cookie: fatima, body: { outcome: 'handled_first_contact' } });
    expect(close.status).toBe(200);
    await expect(closedForCitizen).resolves.toMatchObject({ closedAt: expect.stringMatching(/[+-]\d{2}:\d{2}$/) });
    await expect(closedForAgents).resolves.toMatchObject({ conversationId: chat.conversationId, outcome: 'handled_first_contact' });
    const twice = await balie.request(`/api/conversations/${chat.conversationId}/close`, { cookie: fatima, body: { outcome: 'back_office' } });
    expect(twice.status).toBe(409);
    expect((await twice.json()).error.code).toBe('conversation_closed');

    expect(await citizen.emitWithAck('message.send', { clientId: randomUUID(), text: 'Nog één ding' })).toEqual({ ok: false, error: { code: 'conversation_closed' } });
    expect((await reply(chat.conversationId, fatima, 'Te laat')).status).toBe(409);

    const rated = next<{ score: number }>(agentA, 'conversation.rated');
    expect(await citizen.emitWithAck('rating.submit', { score: 6 })).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await citizen.emitWithAck('rating.submit', { score: 5, comment: 'Snel geholpen, dank!' })).toEqual({ ok: true, data: { score: 5 } });
    await expect(rated).resolves.toMatchObject({ score: 5 });
    expect(await citizen.emitWithAck('rating.submit', { score: 1 })).toEqual({ ok: false, error: { code: 'already_rated' } });
    const { rows } = await db.pool.query('SELECT outcome, csat_score, csat_comment, status FROM conversations WHERE id = $1', [chat.conversationId]);
    expect(rows[0]).toEqual({ outcome: 'handled_first_contact', csat_score: 5, csat_comment: 'Snel geholpen, dank!', status: 'closed' });
  });

  it('"Gesprek beëindigen" ends the session: acknowledged, disconnected, the token opens nothing', async () => {
    const chat = await startChat(balie);
    const { socket: citizen } = await readyCitizen(balie, chat.token);
    const second = await readyCitizen(balie, chat.token);
    const ended = next<{ conversationId: number }>(agentA, 'chat.ended');
    const disconnected = next<string>(second.socket, 'disconnect');
    expect(await citizen.emitWithAck('chat.end')).toEqual({ ok: true, data: { ended: true } });
    await expect(ended).resolves.toMatchObject({ conversationId: chat.conversationId });
    await expect(disconnected).resolves.toBe('io server disconnect');
    const again = await import('./chat-support.ts').then(({ citizenSocket, refusal }) => refusal(citizenSocket(balie, chat.token)));
    expect(again).toBe('unauthorized');
    const thread = await (await balie.request(`/api/conversations/${chat.conversationId}`, { cookie: fatima })).json();
    expect(thread.conversation.messages.at(-1)).toMatchObject({ kind: 'system', text: expect.stringContaining('beëindigd') });
  });
});

describe('claiming', () => {
  it('two agents claim at once: one wins, the other is told who has it', async () => {
    for (let round = 0; round < 5; round++) {
      const chat = await startChat(balie);
      const [a, b] = await Promise.all([
        balie.request(`/api/conversations/${chat.conversationId}/claim`, { method: 'POST', cookie: fatima }),
        balie.request(`/api/conversations/${chat.conversationId}/claim`, { method: 'POST', cookie: joost }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
      const won = await winner.json();
      const lost = await loser.json();
      expect(lost.error).toMatchObject({ code: 'already_claimed', assignee: { id: won.assignee.id, name: won.assignee.name } });
      const { rows } = await db.pool.query('SELECT assignee_id FROM conversations WHERE id = $1', [chat.conversationId]);
      expect(rows[0].assignee_id).toBe(won.assignee.id);
      // Only one pickup: the milestone was met once, by the winner's claim.
      expect(await rowCount("SELECT 1 FROM milestones WHERE conversation_id = $1 AND kind = 'pickup' AND state = 'met'", [chat.conversationId])).toBe(1);
    }
    expect((await balie.request('/api/conversations/99999999/claim', { method: 'POST', cookie: fatima })).status).toBe(404);
  });

  it('claiming your own conversation again is fine; a first reply to a queued chat is its pickup', async () => {
    const chat = await startChat(balie);
    await balie.request(`/api/conversations/${chat.conversationId}/claim`, { method: 'POST', cookie: fatima });
    const again = await balie.request(`/api/conversations/${chat.conversationId}/claim`, { method: 'POST', cookie: fatima });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ claimed: false, assignee: { id: fatimaId } });

    const queued = await startChat(balie);
    const { socket: citizen } = await readyCitizen(balie, queued.token);
    const joined = next<{ firstName: string }>(citizen, 'agent.joined');
    await reply(queued.conversationId, joost, 'Goedemiddag, u spreekt met Joost.');
    await expect(joined).resolves.toEqual({ firstName: 'Joost' });
    const { rows } = await db.pool.query("SELECT state FROM milestones WHERE conversation_id = $1 AND kind = 'pickup'", [queued.conversationId]);
    expect(rows).toEqual([{ state: 'met' }]);
  });
});

describe('validation never crashes and answers with a code', () => {
  it('refuses over-long, empty, malformed and forged payloads', async () => {
    const chat = await startChat(balie);
    const { socket } = await readyCitizen(balie, chat.token);
    const send = (payload: unknown) => socket.emitWithAck('message.send', payload as never);
    expect(await send({ clientId: randomUUID(), text: 'x'.repeat(5001) })).toEqual({ ok: false, error: { code: 'message_too_long' } });
    expect(await send({ clientId: randomUUID(), text: 'x'.repeat(5000) })).toMatchObject({ ok: true });
    expect(await send({ clientId: randomUUID(), text: '   ' })).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await send({ clientId: 'not-a-uuid', text: 'hallo' })).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await send('hallo')).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await send(null)).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await send({ clientId: randomUUID(), text: { toString: 'x' } })).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await socket.emitWithAck('messages.fetch', { afterId: -1 })).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await socket.emitWithAck('messages.mark_read', { throughId: 'all' } as never)).toEqual({ ok: false, error: { code: 'validation_failed' } });
    // Without an acknowledgement callback: nothing to answer, nothing breaks.
    socket.emit('message.send', { clientId: randomUUID(), text: 'zonder ack' } as never, undefined as never);
    const ping = await socket.emitWithAck('presence.ping');
    expect(ping.ok).toBe(true);
    const http = await balie.request('/api/public/chats', { body: { clientId: randomUUID(), text: 'x'.repeat(5001) } });
    expect(http.status).toBe(400);
    expect((await http.json()).error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'text' }] });
    const broken = await fetch(`${balie.url}/api/public/chats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"clientId":' });
    expect(broken.status).toBe(400);
    expect((await broken.json()).error.code).toBe('invalid_json');
  });

  it('agents: a bad presence or read payload gets validation_failed', async () => {
    const socket = await agentSocket(balie, fatima);
    expect(await socket.emitWithAck('presence.set', { status: 'lunch' } as never)).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await socket.emitWithAck('messages.mark_read', { conversationId: 1 } as never)).toEqual({ ok: false, error: { code: 'validation_failed' } });
  });
});
