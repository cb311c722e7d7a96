// A citizen's socket can only ever read or write its own conversation (issue 5 §9): no token, a
// wrong, ended or expired token, a conversation id forged into any payload, a borrowed client id.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../server/realtime/events.ts';
import { ADMIN, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, citizenSocket, closeSockets, next, readyCitizen, record, refusal, sleep, startChat, startChatBalie, type AgentSocket } from './chat-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;
let agent: AgentSocket;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startChatBalie(db.url, { WIDGET_ORIGINS: 'https://www.gemeente.test' });
  admin = await balie.login(ADMIN.email, ADMIN.password);
  agent = await agentSocket(balie, admin, { keep: true });
});
afterEach(() => closeSockets());
afterAll(async () => {
  agent?.disconnect();
  await balie?.stop();
  await db?.drop();
});

const texts = async (conversationId: number) =>
  (await db.pool.query<{ body_text: string }>('SELECT body_text FROM messages WHERE conversation_id = $1 ORDER BY id', [conversationId])).rows.map((row) => row.body_text);

describe('the /widget handshake', () => {
  it('refuses no token, a made-up token and a token of the wrong type', async () => {
    expect(await refusal(citizenSocket(balie, undefined))).toBe('unauthorized');
    expect(await refusal(citizenSocket(balie, 'bm90LWEtcmVhbC10b2tlbi1hdC1hbGwtbm90LWF0LWFsbA'))).toBe('unauthorized');
    expect(await refusal(citizenSocket(balie, { $ne: null }))).toBe('unauthorized');
    expect(await refusal(citizenSocket(balie, 'x'.repeat(10_000)))).toBe('unauthorized');
  });

  it('refuses an expired token, and a page on a site that may not embed the widget', async () => {
    const chat = await startChat(balie);
    expect(await refusal(citizenSocket(balie, chat.token, { headers: { origin: 'https://evil.example' } }))).toBe('forbidden_origin');
    const allowed = citizenSocket(balie, chat.token, { headers: { origin: 'https://www.gemeente.test' } });
    await new Promise<void>((resolve, reject) => {
      allowed.once('session.ready', () => resolve());
      allowed.once('connect_error', reject);
      allowed.connect();
    });
    await db.pool.query("UPDATE chat_sessions SET expires_at = now() - interval '1 second' WHERE conversation_id = $1", [chat.conversationId]);
    expect(await refusal(citizenSocket(balie, chat.token))).toBe('unauthorized');
    // A socket still open when its session is gone cannot write any more.
    expect(await allowed.emitWithAck('message.send', { clientId: randomUUID(), text: 'Nog binnen?' })).toEqual({ ok: false, error: { code: 'session_ended' } });
  });
});

describe('two citizens chatting at the same time', () => {
  it('each socket hears only its own conversation and cannot reach the other one', async () => {
    const anna = await startChat(balie, 'Vraag van Anna over afval');
    const bram = await startChat(balie, 'Vraag van Bram over zijn paspoort');
    const a = await readyCitizen(balie, anna.token);
    const b = await readyCitizen(balie, bram.token);
    expect(a.state.reference).toBe(anna.conversation.reference);
    const heardByAnna = record<ChatMessage>(a.socket, 'message.created');
    const typingForAnna = record(a.socket, 'agent.typing');
    const joinedForAnna = record(a.socket, 'agent.joined');
    const closedForAnna = record(a.socket, 'conversation.closed');

    // Everything happens in Bram's conversation.
    const bramHears = next<ChatMessage>(b.socket, 'message.created');
    await balie.request(`/api/conversations/${bram.conversationId}/claim`, { method: 'POST', cookie: admin });
    await agent.emitWithAck('typing.set', { conversationId: bram.conversationId, typing: true });
    await balie.request(`/api/conversations/${bram.conversationId}/messages`, { cookie: admin, body: { text: 'Uw paspoort ligt klaar, Bram.' } });
    await bramHears;

    // Forged conversation ids in any payload are refused outright (strict payloads), and change nothing.
    const forged = { conversationId: bram.conversationId };
    expect(await a.socket.emitWithAck('message.send', { clientId: randomUUID(), text: 'Ingebroken!', ...forged } as never)).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await a.socket.emitWithAck('messages.fetch', { afterId: null, ...forged } as never)).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await a.socket.emitWithAck('messages.mark_read', { throughId: 1, ...forged } as never)).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await a.socket.emitWithAck('rating.submit', { score: 1, ...forged } as never)).toEqual({ ok: false, error: { code: 'validation_failed' } });
    expect(await a.socket.emitWithAck('typing.set', { typing: true, ...forged } as never)).toEqual({ ok: false, error: { code: 'validation_failed' } });
    // There is no command to join a room; unknown events are ignored.
    (a.socket as unknown as { emit(event: string, ...args: unknown[]): void }).emit('join', `chat:${bram.conversationId}`);
    // Marking "read" with Bram's message ids moves nothing in Bram's conversation.
    const bramLast = (await b.socket.emitWithAck('messages.fetch', { afterId: null })) as { ok: true; data: { messages: ChatMessage[] } };
    await a.socket.emitWithAck('messages.mark_read', { throughId: bramLast.data.messages.at(-1)!.id });
    const bramRow = await db.pool.query('SELECT citizen_read_through FROM conversations WHERE id = $1', [bram.conversationId]);
    expect(bramRow.rows[0].citizen_read_through).toBeNull();

    // Anna's own fetch has her messages only, whatever she asks.
    const annaFetch = await a.socket.emitWithAck('messages.fetch', { afterId: null });
    expect(annaFetch.ok && annaFetch.data.messages.map((m) => m.text)).toEqual(['Vraag van Anna over afval']);
    const close = await balie.request(`/api/conversations/${bram.conversationId}/close`, { cookie: admin, body: { outcome: 'handled_first_contact' } });
    expect(close.status).toBe(200);
    await sleep(200);
    expect(heardByAnna).toEqual([]);
    expect(typingForAnna).toEqual([]);
    expect(joinedForAnna).toEqual([]);
    expect(closedForAnna).toEqual([]);
    expect(await texts(bram.conversationId)).not.toContain('Ingebroken!');
  });

  it("a client id used in another conversation returns nothing of that conversation's message", async () => {
    const anna = await startChat(balie);
    const bram = await startChat(balie);
    const a = await readyCitizen(balie, anna.token);
    const b = await readyCitizen(balie, bram.token);
    const clientId = randomUUID();
    const annas = await a.socket.emitWithAck('message.send', { clientId, text: 'Mijn BSN is 123456782' });
    const brams = await b.socket.emitWithAck('message.send', { clientId, text: 'Gewoon een vraag' });
    expect(annas.ok && brams.ok).toBe(true);
    expect(brams.ok && brams.data.message.text).toBe('Gewoon een vraag');
    expect(brams.ok && annas.ok && brams.data.message.id).not.toBe(annas.ok && annas.data.message.id);
    expect(await texts(bram.conversationId)).not.toContain('Mijn BSN is 123456782');
  });
});
