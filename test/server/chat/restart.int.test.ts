// Balie restarted mid-conversation (issue 5 §4): the citizen reconnects with the same token,
// resends what was not acknowledged and fetches what was missed — nothing lost, nothing doubled.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../server/realtime/events.ts';
import { ADMIN, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, closeSockets, next, readyCitizen, startChat, startChatBalie } from './chat-support.ts';

let db: TestDatabase;
let balie: TestBalie | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(() => closeSockets());
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

describe('a restart in the middle of a chat', () => {
  it('keeps the session, the messages and their ids; a resend after the restart is not doubled', async () => {
    balie = await startChatBalie(db.url);
    const port = new URL(balie.url).port;
    let admin = await balie.login(ADMIN.email, ADMIN.password);
    await agentSocket(balie, admin);
    const chat = await startChat(balie, 'Ik heb een vraag over de afvalkalender.');
    await balie.request(`/api/conversations/${chat.conversationId}/claim`, { method: 'POST', cookie: admin });
    const before = await readyCitizen(balie, chat.token);
    const heard = next<ChatMessage>(before.socket, 'message.created');
    await balie.request(`/api/conversations/${chat.conversationId}/messages`, { cookie: admin, body: { text: 'Welke wijk?' } });
    const lastSeen = (await heard).id;
    const acknowledged = await before.socket.emitWithAck('message.send', { clientId: randomUUID(), text: 'Het centrum.' });
    expect(acknowledged.ok).toBe(true);
    // This one is stored, but the acknowledgement is "lost": the widget will resend it.
    const unacknowledgedId = randomUUID();
    before.socket.emit('message.send', { clientId: unacknowledgedId, text: 'En de kerstbomen?' } as never, (() => {}) as never);
    const disconnected = next(before.socket, 'disconnect');

    await balie.stop();
    await disconnected;
    // Meanwhile the agent answers on another instance… here: the same database, a new Balie.
    balie = await startChatBalie(db.url, { PORT: port });
    admin = await balie.login(ADMIN.email, ADMIN.password);
    await balie.request(`/api/conversations/${chat.conversationId}/messages`, { cookie: admin, body: { text: 'Kerstbomen halen we op 8 januari op.' } });

    const after = await readyCitizen(balie, chat.token);
    expect(after.state).toMatchObject({ reference: chat.conversation.reference, agent: { firstName: expect.any(String) }, status: 'waiting' });
    const resend = await after.socket.emitWithAck('message.send', { clientId: unacknowledgedId, text: 'En de kerstbomen?' });
    expect(resend).toMatchObject({ ok: true, data: { message: { clientId: unacknowledgedId, text: 'En de kerstbomen?' } } });
    const missed = await after.socket.emitWithAck('messages.fetch', { afterId: lastSeen });
    expect(missed.ok && missed.data.messages.map((m) => [m.from, m.text])).toEqual([
      ['citizen', 'Het centrum.'],
      ['citizen', 'En de kerstbomen?'],
      ['agent', 'Kerstbomen halen we op 8 januari op.'],
    ]);
    const all = await after.socket.emitWithAck('messages.fetch', { afterId: null });
    const ids = all.ok ? all.data.messages.map((m) => m.id) : [];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(5);
    const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND kind = 'message'", [chat.conversationId]);
    expect(rows[0]!.n).toBe(5);
  });
});
