// Topics (onderwerpen, issue 15 §2): admins keep the list and say whether closing needs one (both
// audited); agents read it and close with a topic; a required one missing refuses the close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topic, TopicList } from '../../../server/topics/types.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;
let agent: string;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
  admin = await balie.login(ADMIN.email, ADMIN.password);
  const fatima = await addAgent(db.pool, 'agent', 'fatima@gemeente.test');
  agent = await balie.login(fatima.email, fatima.password);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

describe('topics', () => {
  let afval: Topic;
  let parkeren: Topic;

  it('admins add, rename and archive topics; agents read the active ones; every change is audited', async () => {
    expect(await (await balie.request('/api/topics', { cookie: agent })).json()).toEqual({ topics: [], required: false });
    expect((await balie.request('/api/topics', { cookie: agent, body: { name: 'Afval' } })).status).toBe(403);

    const created = await balie.request('/api/topics', { cookie: admin, body: { name: '  Afval ' } });
    expect(created.status).toBe(201);
    afval = (await created.json()) as Topic;
    expect(afval).toMatchObject({ name: 'Afval', active: true });
    parkeren = (await (await balie.request('/api/topics', { cookie: admin, body: { name: 'Parkeren' } })).json()) as Topic;
    const duplicate = await balie.request('/api/topics', { cookie: admin, body: { name: 'afval' } });
    expect(duplicate.status).toBe(409);
    expect(await errorCode(duplicate)).toBe('topic_name_taken');
    expect((await balie.request('/api/topics', { cookie: admin, body: { name: '' } })).status).toBe(400);

    const renamed = await balie.request(`/api/topics/${afval.id}`, { cookie: admin, method: 'PATCH', body: { name: 'Afval en grondstoffen' } });
    expect(await renamed.json()).toMatchObject({ id: afval.id, name: 'Afval en grondstoffen' });
    expect((await balie.request(`/api/topics/${parkeren.id}`, { cookie: agent, method: 'PATCH', body: { active: false } })).status).toBe(403);
    expect((await balie.request(`/api/topics/${parkeren.id}`, { cookie: admin, method: 'PATCH', body: { active: false } })).status).toBe(200);
    expect((await balie.request('/api/topics/999999', { cookie: admin, method: 'PATCH', body: { active: false } })).status).toBe(404);

    const list = (await (await balie.request('/api/topics', { cookie: agent })).json()) as TopicList;
    expect(list.topics.map((topic) => topic.name)).toEqual(['Afval en grondstoffen']);
    expect((await balie.request('/api/topics?all=true', { cookie: agent })).status).toBe(403);
    const all = (await (await balie.request('/api/topics?all=true', { cookie: admin })).json()) as TopicList;
    expect(all.topics.map((topic) => [topic.name, topic.active])).toEqual([['Afval en grondstoffen', true], ['Parkeren', false]]);

    const { rows } = await db.pool.query<{ action: string; before: unknown; after: unknown }>(
      `SELECT action, before, after FROM audit_log WHERE action LIKE 'topic.%' ORDER BY id`,
    );
    expect(rows.map((row) => row.action)).toEqual(['topic.create', 'topic.create', 'topic.update', 'topic.update']);
    expect(rows[2]).toMatchObject({ before: { name: 'Afval' }, after: { name: 'Afval en grondstoffen' } });
  });

  it('closing needs a topic when the gemeente says so, and stores the one chosen', async () => {
    expect((await balie.request('/api/topics/settings', { cookie: agent, method: 'PUT', body: { required: true } })).status).toBe(403);
    const set = await balie.request('/api/topics/settings', { cookie: admin, method: 'PUT', body: { required: true } });
    expect(await set.json()).toEqual({ required: true });
    expect(await (await balie.request('/api/topics/settings', { cookie: agent })).json()).toEqual({ required: true });
    const audit = await db.pool.query(`SELECT before, after FROM audit_log WHERE action = 'topic.settings'`);
    expect(audit.rows).toEqual([{ before: { required: false }, after: { required: true } }]);

    const conversation = await seedConversation(db.pool, { channel: 'email', status: 'open' });
    const close = (body: Record<string, unknown>) => balie.request(`/api/conversations/${conversation.id}/close`, { cookie: agent, body });
    const missing = await close({ outcome: 'handled_first_contact' });
    expect(missing.status).toBe(400);
    expect(await errorCode(missing)).toBe('topic_required');
    const archived = await close({ outcome: 'handled_first_contact', topicId: parkeren.id });
    expect(archived.status).toBe(400);
    expect(await errorCode(archived)).toBe('unknown_topic');
    // Refused closes changed nothing.
    expect((await db.pool.query('SELECT status, topic_id FROM conversations WHERE id = $1', [conversation.id])).rows[0]).toEqual({ status: 'open', topic_id: null });

    expect((await close({ outcome: 'handled_first_contact', topicId: afval.id })).status).toBe(200);
    expect((await db.pool.query('SELECT status, topic_id FROM conversations WHERE id = $1', [conversation.id])).rows[0]).toEqual({ status: 'closed', topic_id: afval.id });

    // Spam needs no topic, even when required.
    const spam = await seedConversation(db.pool, { channel: 'email', status: 'open' });
    expect((await balie.request(`/api/conversations/${spam.id}/close`, { cookie: agent, body: { outcome: 'no_answer_needed', reason: 'spam' } })).status).toBe(200);
  });
});
