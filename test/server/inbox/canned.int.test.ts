// Canned answers over HTTP: supervisors manage them, every agent uses them with the variables of
// the conversation filled in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from './seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let agentCookie: string;
let supervisorCookie: string;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
  const agent = await addAgent(db.pool, 'agent', 'agent@gemeente.test');
  const supervisor = await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
  agentCookie = await balie.login(agent.email, agent.password);
  supervisorCookie = await balie.login(supervisor.email, supervisor.password);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const send = (method: string, path: string, cookie: string, body?: unknown) => balie.request(path, { method, body, cookie });

describe('canned answers', () => {
  it('are managed by supervisors and admins, read by every agent', async () => {
    const created = await send('POST', '/api/canned-answers', supervisorCookie, { title: 'Ontvangst', body: 'Beste {naam}, wij hebben uw vraag {referentie} ontvangen.' });
    expect(created.status).toBe(201);
    const answer = (await created.json()) as { id: number; title: string; body: string; updatedAt: string };
    expect(answer).toMatchObject({ title: 'Ontvangst' });
    expect(Date.parse(answer.updatedAt)).not.toBeNaN();

    const listed = (await (await send('GET', '/api/canned-answers', agentCookie)).json()) as { items: { id: number; title: string }[] };
    expect(listed.items.map((item) => item.id)).toContain(answer.id);

    for (const [method, path, body] of [
      ['POST', '/api/canned-answers', { title: 'x', body: 'y' }],
      ['PUT', `/api/canned-answers/${answer.id}`, { title: 'x', body: 'y' }],
      ['DELETE', `/api/canned-answers/${answer.id}`, undefined],
    ] as const) {
      const refused = await send(method, path, agentCookie, body);
      expect(refused.status, `${method} ${path}`).toBe(403);
    }

    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const updated = await send('PUT', `/api/canned-answers/${answer.id}`, admin, { title: 'Ontvangstbevestiging', body: 'Beste {naam}, ontvangen: {referentie}. Antwoord vóór {termijn}.' });
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as { title: string }).title).toBe('Ontvangstbevestiging');

    for (const body of [{ title: '', body: 'x' }, { title: 'x'.repeat(121), body: 'x' }, { title: 'x', body: 'x'.repeat(5001) }, { title: 'x' }]) {
      expect((await send('POST', '/api/canned-answers', supervisorCookie, body)).status).toBe(400);
    }
    expect((await send('PUT', '/api/canned-answers/999999', supervisorCookie, { title: 'x', body: 'y' })).status).toBe(404);

    const deleted = await send('DELETE', `/api/canned-answers/${answer.id}`, supervisorCookie);
    expect(deleted.status).toBe(204);
    expect((await send('DELETE', `/api/canned-answers/${answer.id}`, supervisorCookie)).status).toBe(404);
  });

  it('fills in the conversation’s name, reference and the open answer term (in Dutch)', async () => {
    const canned = (await (await send('POST', '/api/canned-answers', supervisorCookie, { title: 'Termijn', body: 'Beste {naam}, uw vraag {referentie} beantwoorden wij vóór {termijn}. {handtekening}' })).json()) as { id: number };
    const named = await seedConversation(db.pool, {
      contact: { name: 'Jan de Vries', email: 'jan@example.nl' },
      milestones: [
        { kind: 'acknowledgement', dueAt: new Date('2026-12-24T16:00:00Z') },
        { kind: 'answer', dueAt: new Date('2026-12-29T16:00:00Z') },
      ],
    });
    const use = async (conversationId: number, cannedId = canned.id) => send('GET', `/api/conversations/${conversationId}/canned-answers/${cannedId}`, agentCookie);
    expect(await (await use(named.id)).json()).toEqual({ text: `Beste Jan de Vries, uw vraag ${named.reference} beantwoorden wij vóór dinsdag 29 december 2026. {handtekening}` });

    const anonymous = await seedConversation(db.pool, { channel: 'chat', milestones: [{ kind: 'answer', dueAt: new Date('2026-12-29T16:00:00Z'), state: 'met' }] });
    // No open answer deadline: refused with a code naming the variable, never "vóór ." sent.
    const gap = await use(anonymous.id);
    expect(gap.status).toBe(409);
    expect((await gap.json()).error).toMatchObject({ code: 'canned_variable_missing', variables: ['termijn'] });

    expect((await use(999_999)).status).toBe(404);
    expect((await use(named.id, 999_999)).status).toBe(404);
  });
});
