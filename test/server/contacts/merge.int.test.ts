// Contacts and conversations merged (issue 16.5) against a real Balie and PostgreSQL: a chat linked
// to the contact whose address the citizen typed, duplicate contacts merged, and two conversations
// about one question merged with their messages, attachments and milestones intact — audited,
// announced live, and with nothing for the reconcile job to find.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StatusActivity } from '../../../server/realtime/events.ts';
import { conversationsByReference } from '../../../server/mail/store.ts';
import { reconcileInbox } from '../../../server/reconcile/index.ts';
import { ADMIN, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, closeSockets, next, readyCitizen, startChat, startChatBalie } from '../chat/chat-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;
let adminId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startChatBalie(db.url);
  admin = await balie.login(ADMIN.email, ADMIN.password);
  adminId = (await db.pool.query<{ id: number }>('SELECT id::int FROM agents WHERE email = $1', [ADMIN.email])).rows[0]!.id;
});
afterEach(() => closeSockets());
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const post = (path: string, body: unknown) => balie.request(path, { body, cookie: admin });
const get = (path: string) => balie.request(path, { cookie: admin });
const ask = async (email: string, text: string) => {
  const response = await balie.request('/api/public/questions', { body: { clientId: randomUUID(), email, text, lang: 'nl' } });
  expect(response.status).toBe(201);
  const { reference } = (await response.json()) as { reference: string };
  return (await db.pool.query<{ id: number; contactId: number }>('SELECT id::int, contact_id::int AS "contactId" FROM conversations WHERE reference = $1', [reference])).rows[0]!;
};
const audits = async (action: string, subjectId: number) =>
  (await db.pool.query('SELECT details FROM audit_log WHERE action = $1 AND subject_id = $2', [action, String(subjectId)])).rows;
async function expectReconcileClean() {
  const report = await reconcileInbox(db.pool);
  expect({ sortKeys: report.sortKeys.samples, counts: report.counts.samples, milestones: report.milestones.samples, lifecycle: report.lifecycle }).toEqual({
    sortKeys: [],
    counts: [],
    milestones: [],
    lifecycle: { openOnClosed: 0, statusMismatch: 0, doubledMilestones: 0, samples: [] },
  });
  expect(report.clean).toBe(true);
}

describe('linking a chat to a contact', () => {
  it('offers the contact whose address the citizen typed, links it, audited and announced', async () => {
    const known = await ask('jan@example.nl', 'Mijn paspoort is verlopen.');
    // An agent online, so that chat is available.
    const watcher = await agentSocket(balie, admin);
    const chat = await startChat(balie, 'Hallo, ik had gemaild over mijn paspoort', { name: 'Jan' });
    const { socket } = await readyCitizen(balie, chat.token);
    await socket.timeout(5_000).emitWithAck('message.send', { clientId: randomUUID(), text: 'Mijn adres is Jan@Example.nl en 06 12345678' });

    const suggestions = await (await get(`/api/conversations/${chat.conversationId}/contact-suggestions`)).json();
    expect(suggestions.addresses).toEqual([
      { kind: 'email', value: 'jan@example.nl', contacts: [expect.objectContaining({ id: known.contactId, email: 'jan@example.nl', conversations: 1 })] },
      { kind: 'phone', value: '+31612345678', contacts: [] },
    ]);

    const announced = next<StatusActivity>(watcher, 'conversation.updated', 5_000, (event) => event.conversationId === chat.conversationId);
    const linked = await post(`/api/conversations/${chat.conversationId}/contact`, { contactId: known.contactId });
    expect(linked.status).toBe(200);
    expect((await linked.json()).contact).toMatchObject({ id: known.contactId, conversations: 2 });
    await announced;
    const stored = await db.pool.query('SELECT contact_id::int AS "contactId" FROM conversations WHERE id = $1', [chat.conversationId]);
    expect(stored.rows[0].contactId).toBe(known.contactId);
    const authors = await db.pool.query(`SELECT DISTINCT author_contact_id::int AS id FROM messages WHERE conversation_id = $1 AND direction = 'in'`, [chat.conversationId]);
    expect(authors.rows).toEqual([{ id: known.contactId }]);
    expect(await audits('conversation.contact_linked', chat.conversationId)).toEqual([{ details: { contactId: known.contactId, previousContactId: expect.any(Number) } }]);

    // The agent may also link by a phone number the citizen gave: a new contact holds it.
    const byPhone = await post(`/api/conversations/${chat.conversationId}/contact`, { phone: '06 12345678' });
    expect((await byPhone.json()).contact).toMatchObject({ phone: '+31612345678', conversations: 1 });
    expect((await post(`/api/conversations/${chat.conversationId}/contact`, { phone: 'geen nummer' })).status).toBe(400);
    await expectReconcileClean();
  });
});

describe('merging contacts', () => {
  it('moves the conversations and messages to the kept contact, fills its gaps, deletes the duplicate, audited', async () => {
    const first = await ask('piet@example.nl', 'Vraag over de afvalkalender');
    const { rows } = await db.pool.query<{ id: number }>(`INSERT INTO contacts (name, phone) VALUES ('Piet Pietersen', '+31687654321') RETURNING id::int`);
    const duplicate = rows[0]!.id;
    const second = await ask('p.pietersen@example.nl', 'Nog een vraag over afval');
    await db.pool.query('UPDATE conversations SET contact_id = $1 WHERE id = $2', [duplicate, second.id]);
    await db.pool.query('UPDATE messages SET author_contact_id = $1 WHERE conversation_id = $2', [duplicate, second.id]);

    const merged = await post(`/api/contacts/${first.contactId}/merge`, { absorbedId: duplicate });
    expect(merged.status).toBe(200);
    expect((await merged.json()).contact).toEqual({ id: first.contactId, name: 'Piet Pietersen', email: 'piet@example.nl', phone: '+31687654321', conversations: 2 });
    const owners = await db.pool.query('SELECT DISTINCT contact_id::int AS id FROM conversations WHERE id = ANY($1::bigint[])', [[first.id, second.id]]);
    expect(owners.rows).toEqual([{ id: first.contactId }]);
    expect((await db.pool.query('SELECT 1 FROM contacts WHERE id = $1', [duplicate])).rowCount).toBe(0);
    expect((await db.pool.query('SELECT 1 FROM messages WHERE author_contact_id = $1', [duplicate])).rowCount).toBe(0);
    const [audit] = await audits('contact.merged', first.contactId);
    expect(audit.details.absorbed).toEqual({ id: duplicate, name: 'Piet Pietersen', email: null, phone: '+31687654321' });
    // The contact history search finds the merged conversation by the kept contact's name.
    const detail = await (await get(`/api/conversations/${second.id}`)).json();
    expect(detail.conversation.contact).toMatchObject({ id: first.contactId, name: 'Piet Pietersen' });

    expect((await post(`/api/contacts/${first.contactId}/merge`, { absorbedId: first.contactId })).status).toBe(409);
    expect((await post(`/api/contacts/${first.contactId}/merge`, { absorbedId: duplicate })).status).toBe(404);
    await expectReconcileClean();
  });
});

describe('merging conversations', () => {
  it('keeps the earliest open promise, moves history and attachments, closes the other through the lifecycle', async () => {
    const kept = await ask('anna@example.nl', 'Mijn container is niet geleegd');
    const absorbed = await ask('anna@example.nl', 'Nogmaals: de container staat er nog');
    const attachment = await db.pool.query<{ id: number }>(
      `INSERT INTO attachments (message_id, filename, content_type, size_bytes, sha256, content)
       SELECT id, 'foto.png', 'image/png', 3, '\\x00'::bytea, '\\x010203'::bytea FROM messages WHERE conversation_id = $1 ORDER BY id LIMIT 1 RETURNING id::int`,
      [absorbed.id],
    );
    const before = await db.pool.query<{ id: number; conversationId: number; dueAt: Date }>(
      `SELECT id::int, conversation_id::int AS "conversationId", due_at AS "dueAt" FROM milestones WHERE conversation_id = ANY($1::bigint[]) ORDER BY id`,
      [[kept.id, absorbed.id]],
    );
    // VNG: one acknowledgement each; both asked today, so they are due the same day (a tie keeps the kept one's).
    expect(before.rows).toHaveLength(2);
    const messageIds = (await db.pool.query<{ id: number }>('SELECT id::int FROM messages WHERE conversation_id = ANY($1::bigint[]) ORDER BY id', [[kept.id, absorbed.id]])).rows;

    const watcher = await agentSocket(balie, admin);
    const closed = next<{ conversationId: number; outcome: string }>(watcher, 'conversation.closed', 5_000, (event) => event.conversationId === absorbed.id);
    const updated = next<StatusActivity>(watcher, 'conversation.updated', 5_000, (event) => event.conversationId === kept.id);
    const response = await post(`/api/conversations/${kept.id}/merge`, { absorbedId: absorbed.id });
    expect(response.status).toBe(200);
    expect((await response.json()).moved).toEqual({ messages: 1, milestones: 1, handoffs: 0 });
    expect((await closed).outcome).toBe('no_answer_needed');
    expect((await updated).milestones).toHaveLength(2);

    const after = await db.pool.query(`SELECT id::int, conversation_id::int AS "conversationId", state, ended_reason AS "endedReason" FROM milestones WHERE id = ANY($1::int[]) ORDER BY id`, [
      before.rows.map((row) => row.id),
    ]);
    expect(after.rows).toEqual([
      { id: before.rows[0]!.id, conversationId: kept.id, state: 'open', endedReason: null },
      { id: before.rows[1]!.id, conversationId: kept.id, state: 'not_applicable', endedReason: 'merged' },
    ]);
    const moved = await db.pool.query('SELECT id::int FROM messages WHERE conversation_id = $1 ORDER BY id', [kept.id]);
    expect(moved.rows).toEqual(messageIds);
    const detail = await (await get(`/api/conversations/${kept.id}`)).json();
    expect(detail.conversation.messages.flatMap((m: { attachments: { id: number }[] }) => m.attachments.map((a) => a.id))).toEqual([attachment.rows[0]!.id]);
    const gone = await db.pool.query('SELECT status, outcome, outcome_reason AS reason, merged_into_id::int AS "mergedInto", closed_at IS NOT NULL AS closed FROM conversations WHERE id = $1', [absorbed.id]);
    expect(gone.rows[0]).toEqual({ status: 'closed', outcome: 'no_answer_needed', reason: 'duplicate', mergedInto: kept.id, closed: true });
    expect(await audits('conversation.merged', kept.id)).toHaveLength(1);
    expect(await audits('conversation.merged_into', absorbed.id)).toHaveLength(1);
    expect((await db.pool.query('SELECT agent_id::int FROM audit_log WHERE action = $1', ['conversation.merged'])).rows).toEqual([{ agent_id: adminId }]);

    // The citizen's reply quoting the absorbed reference threads into the kept conversation.
    const absorbedReference = (await db.pool.query('SELECT reference FROM conversations WHERE id = $1', [absorbed.id])).rows[0].reference;
    expect((await conversationsByReference(db.pool, [absorbedReference], 'anna@example.nl')).map((c) => [c.id, c.senderKnown])).toEqual([[kept.id, true]]);
    // A closed conversation is not merged again, nor is one merged into itself.
    expect((await post(`/api/conversations/${kept.id}/merge`, { absorbedId: absorbed.id })).status).toBe(409);
    expect((await post(`/api/conversations/${kept.id}/merge`, { absorbedId: kept.id })).status).toBe(409);
    await expectReconcileClean();
  });

  it('keeps the absorbed conversation’s promise when it is due first', async () => {
    const kept = await ask('bram@example.nl', 'Vraag een');
    const absorbed = await ask('bram@example.nl', 'Vraag twee');
    // The kept one's acknowledgement falls due a day later than the other's.
    await db.pool.query(`UPDATE milestones SET due_at = due_at + interval '1 day', due_soon_at = due_soon_at + interval '1 day' WHERE conversation_id = $1`, [kept.id]);
    const response = await post(`/api/conversations/${kept.id}/merge`, { absorbedId: absorbed.id });
    expect(response.status).toBe(200);
    const rows = (await db.pool.query(`SELECT state, ended_reason AS reason FROM milestones WHERE conversation_id = $1 ORDER BY id`, [kept.id])).rows;
    expect(rows.map((row) => [row.state, row.reason])).toEqual([
      ['not_applicable', 'merged'],
      ['open', null],
    ]);
    await expectReconcileClean();
  });
});
