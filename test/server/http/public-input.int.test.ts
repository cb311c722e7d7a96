// Input an attacker controls, sent to a real Balie: out-of-range and malformed public input is a 400
// naming the problem, never a 500 (issue 12.12); deep JSON is refused (issue 12.7); a canned
// answer's {constructor} stays as written (issue 12.13).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
let balie: TestBalie;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { CHAT_HOURS: 'always' });
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const deadlines = (received: string) => balie.request(`/api/deadlines?received=${encodeURIComponent(received)}`);

async function expect400(response: Response, field?: string) {
  const body = await response.json();
  expect({ status: response.status, code: body.error?.code }).toEqual({ status: 400, code: expect.stringMatching(/^(validation_failed|invalid_json)$/) });
  if (field) expect(body.error.fields?.map((problem: { field: string }) => problem.field)).toContain(field);
  return body;
}

describe('GET /api/deadlines with a date out of range (issue 12.12)', () => {
  it.each(['1200-01-01T10:00:00+01:00', '0001-01-01T00:00:00Z', '10000-01-01T10:00:00+01:00', '+010000-01-01T10:00:00Z', '9999-12-31T23:00:00Z'])(
    'received=%s is a 400 naming received',
    async (received) => {
      const body = await expect400(await deadlines(received), 'received');
      expect(body.error.message).toMatch(/received/);
    },
  );

  it('still answers a date within the supported years', async () => {
    expect((await deadlines('2030-06-03T10:00:00+02:00')).status).toBe(200);
  });

  it.each([
    ['an array for norm', '/api/deadlines?norm=vng&norm=zwolle'],
    ['an object for received', '/api/deadlines?received[a]=1'],
    ['a huge norm id', `/api/deadlines?norm=${'x'.repeat(5000)}`],
    ['an unknown parameter', '/api/deadlines?year=99999'],
  ])('%s is a 400', async (_what, path) => {
    await expect400(await balie.request(path));
  });
});

describe('the widget API with malformed input', () => {
  it.each([
    ['no body', undefined],
    ['an array', []],
    ['a number for text', { clientId: randomUUID(), text: 12 }],
    ['prototype keys', JSON.parse(`{"clientId":"${randomUUID()}","text":"hoi","__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}`)],
    ['a client id that is not a UUID', { clientId: '../../etc/passwd', text: 'hoi' }],
  ])('POST /api/public/chats with %s is a 400', async (_what, body) => {
    const response = await balie.request('/api/public/chats', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    await expect400(response);
  });

  it('POST /api/public/questions with an address of 10,000 characters is a 400', async () => {
    const response = await balie.request('/api/public/questions', { body: { clientId: randomUUID(), email: `${'a'.repeat(10_000)}@example.nl`, text: 'hoi' } });
    await expect400(response, 'email');
  });
});

describe('deep JSON bodies (issue 12.7)', () => {
  const deep = (depth: number) => `{"email":${'['.repeat(depth)}${']'.repeat(depth)},"password":"x"}`;
  const post = (path: string, body: string) => fetch(`${balie.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('a 200,000-deep email on the login is a 400, and Balie keeps answering', async () => {
    const response = await post('/api/auth/login', deep(200_000));
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toMatch(/^(validation_failed|invalid_json)$/);
    expect((await balie.request('/api/norms')).status).toBe(200);
  });

  it.each([
    ['POST', '/api/canned-answers'],
    ['PUT', '/api/settings/service'],
    ['PUT', '/api/settings/norms/diep'],
    ['PATCH', '/api/agents/1'],
    ['POST', '/api/conversations/1/messages'],
    ['POST', '/api/conversations/1/close'],
  ])('a 200,000-deep body to %s %s (as an admin) is a 400', async (method, path) => {
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    for (const body of [deep(200_000), `{"title":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`]) {
      const response = await fetch(`${balie.url}${path}`, { method, headers: { 'content-type': 'application/json', cookie }, body });
      expect(response.status).toBe(400);
    }
  });

  it('a 30,000-deep body to the widget API (within its 64 kB) is a 400', async () => {
    expect((await post('/api/public/chats', deep(30_000))).status).toBe(400);
  });
});

describe('canned answers (issue 12.13)', () => {
  it('{constructor} in a canned answer is sent as written, not as function Object()', async () => {
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    const created = await balie.request('/api/canned-answers', { cookie, body: { title: 'Proef', body: 'Beste {naam}, {constructor} {tostring}' } });
    expect(created.status).toBe(201);
    const canned = await created.json();
    const question = await balie.request('/api/public/questions', { body: { clientId: randomUUID(), email: 'fatima@example.nl', text: 'Mijn vraag', name: 'Fatima' } });
    expect(question.status).toBe(201);
    const { rows } = await db.pool.query<{ id: number }>('SELECT id FROM conversations ORDER BY id DESC LIMIT 1');
    const rendered = await balie.request(`/api/conversations/${rows[0]!.id}/canned-answers/${canned.id}`, { cookie });
    expect(rendered.status).toBe(200);
    expect((await rendered.json()).text).toBe('Beste Fatima, {constructor} {tostring}');
  });
});
