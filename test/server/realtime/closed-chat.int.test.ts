// Issue 12 §10: once an agent closes a chat, the citizen's token (in the gemeente site's
// localStorage, readable on a shared computer) opens nothing any more; the widget that is open
// at that moment may still rate the chat for CHAT_CLOSED_GRACE_SECONDS, and nothing else.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../../server/agents/agents.ts';
import type { TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, citizenSocket, closeSockets, next, readyCitizen, refusal, startChat, startChatBalie, type AgentSocket } from '../chat/chat-support.ts';

const GRACE_SECONDS = 3;

let db: TestDatabase;
let balie: TestBalie;
let cookie: string;
let inbox: AgentSocket;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startChatBalie(db.url, { CHAT_CLOSED_GRACE_SECONDS: String(GRACE_SECONDS) });
  const agent = await createAgent(db.pool, { email: 'sanne@gemeente.test', name: 'Sanne Bakker', role: 'agent', password: 'an agent password' });
  if (agent === 'email_taken') throw new Error('taken');
  cookie = await balie.login('sanne@gemeente.test', 'an agent password');
  // Chat is offered while an agent is online.
  inbox = await agentSocket(balie, cookie, { keep: true });
});
afterEach(() => closeSockets());
afterAll(async () => {
  inbox?.disconnect();
  await balie?.stop();
  await db?.drop();
});

async function closedChat() {
  const chat = await startChat(balie);
  const { socket } = await readyCitizen(balie, chat.token);
  await balie.request(`/api/conversations/${chat.conversationId}/claim`, { method: 'POST', cookie });
  const closed = next(socket, 'conversation.closed');
  const response = await balie.request(`/api/conversations/${chat.conversationId}/close`, { cookie, body: { outcome: 'handled_first_contact' } });
  expect(response.status).toBe(200);
  await closed;
  return { chat, socket };
}

describe('a chat an agent closed', () => {
  it('refuses the old token: no reconnect, no history, no messages', async () => {
    const { chat } = await closedChat();
    // Someone at the shared computer later, with the token from localStorage:
    expect(await refusal(citizenSocket(balie, chat.token))).toBe('unauthorized');
    const { rows } = await db.pool.query('SELECT count(*)::int AS open FROM chat_sessions WHERE conversation_id = $1 AND ended_at IS NULL', [chat.conversationId]);
    expect(rows[0].open).toBe(0);
  });

  it('the widget open at closing may rate and remove it, but reads and writes nothing more', async () => {
    const { chat, socket } = await closedChat();
    expect(await socket.emitWithAck('messages.fetch', { afterId: null })).toEqual({ ok: false, error: { code: 'conversation_closed' } });
    expect(await socket.emitWithAck('message.send', { clientId: randomUUID(), text: 'Nog een vraag' })).toEqual({ ok: false, error: { code: 'conversation_closed' } });
    // A resend of the first message (its answer lost) still gets the stored message back.
    const resend = await socket.emitWithAck('message.send', { clientId: chat.message.clientId!, text: chat.message.text });
    expect(resend).toMatchObject({ ok: true, data: { message: { id: chat.message.id } } });
    expect(await socket.emitWithAck('rating.submit', { score: 4, comment: 'Prima' })).toEqual({ ok: true, data: { score: 4 } });
    const { rows } = await db.pool.query('SELECT csat_score FROM conversations WHERE id = $1', [chat.conversationId]);
    expect(rows[0].csat_score).toBe(4);
    const gone = next<string>(socket, 'disconnect');
    expect(await socket.emitWithAck('chat.end')).toEqual({ ok: true, data: { ended: true } });
    await expect(gone).resolves.toBe('io server disconnect');
  });

  it('after the grace period the open widget is disconnected', async () => {
    const { chat, socket } = await closedChat();
    const gone = await next<string>(socket, 'disconnect', (GRACE_SECONDS + 20) * 1000);
    expect(gone).toBe('io server disconnect');
    expect(await refusal(citizenSocket(balie, chat.token))).toBe('unauthorized');
  });

  it('a citizen who ended the chat before the agent closed it has no grace to come back with', async () => {
    const chat = await startChat(balie);
    const { socket } = await readyCitizen(balie, chat.token);
    const second = await readyCitizen(balie, chat.token);
    await balie.request(`/api/conversations/${chat.conversationId}/claim`, { method: 'POST', cookie });
    expect(await socket.emitWithAck('chat.end')).toEqual({ ok: true, data: { ended: true } });
    await next(second.socket, 'disconnect');
    const response = await balie.request(`/api/conversations/${chat.conversationId}/close`, { cookie, body: { outcome: 'handled_first_contact' } });
    expect(response.status).toBe(200);
    expect(await refusal(citizenSocket(balie, chat.token))).toBe('unauthorized');
  });
});
