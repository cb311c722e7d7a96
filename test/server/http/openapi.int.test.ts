// Every response of a real Balie matches the OpenAPI description it serves: each GET route and
// representative writes, refusals (401, 403, 400, 404, 409) included, are validated — status,
// content type and body — with ajv (JSON Schema 2020-12, OpenAPI 3.1's dialect), and each request
// body the server accepted against the described request schema.
import { randomUUID } from 'node:crypto';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

interface Media { schema?: object }
interface Operation { responses: Record<string, { content?: Record<string, Media> }>; requestBody?: { content: Record<string, Media> } }
interface Document { openapi: string; paths: Record<string, Record<string, Operation>> }

let db: TestDatabase;
let balie: TestBalie;
let admin: string;
let agent: string;
let document: Document;
let conversationId: number;
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const compiled = new Map<string, ValidateFunction>();

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
  admin = await balie.login(ADMIN.email, ADMIN.password);
  const plain = await addAgent(db.pool, 'agent', 'medewerker@gemeente.test');
  agent = await balie.login(plain.email, plain.password);
  conversationId = (await seedConversation(db.pool)).id;
  const response = await balie.request('/api/openapi.json', { cookie: admin });
  expect(response.status).toBe(200);
  document = await response.json();
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

/**
 * Calls `path` (an OpenAPI path with its template, filled by `values`) and checks the answer
 * against the description: the status is described for the operation, a JSON body matches its
 * schema, and the content type is the described one. Returns the parsed body.
 */
async function call(method: string, template: string, init: { values?: Record<string, string | number>; query?: string; body?: unknown; cookie?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> {
  const operation = document.paths[template]?.[method];
  expect(operation, `${method.toUpperCase()} ${template} is described`).toBeDefined();
  const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => String(init.values?.[name] ?? 999999));
  const response = await balie.request(`${path}${init.query ? `?${init.query}` : ''}`, { method: method.toUpperCase(), body: init.body, cookie: init.cookie, headers: init.headers });
  const where = `${method.toUpperCase()} ${path} → ${response.status}`;
  const described = operation!.responses[String(response.status)];
  expect(described, `${where} is a described status`).toBeDefined();
  // A body the server accepted is one the description accepts too.
  if (response.status < 400 && init.body !== undefined) {
    const schema = operation!.requestBody?.content['application/json']?.schema;
    expect(schema, `${where}: a request body is described`).toBeDefined();
    const validate = ajv.compile(schema!);
    expect(validate(init.body) ? [] : validate.errors, `${where}: the accepted request body matches its schema`).toEqual([]);
  }
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!;
  if (response.status === 204 || method === 'head') return { status: response.status, body: undefined };
  const media = described!.content?.[type];
  expect(media, `${where}: ${type} is a described content type (${Object.keys(described!.content ?? {}).join(', ')})`).toBeDefined();
  if (type !== 'application/json') return { status: response.status, body: await response.text() };
  const body = await response.json();
  if (media!.schema) {
    const key = `${method} ${template} ${response.status}`;
    const validate = compiled.get(key) ?? ajv.compile(media!.schema);
    compiled.set(key, validate);
    expect(validate(body) ? [] : validate.errors, `${where}: body matches its schema`).toEqual([]);
  }
  return { status: response.status, body };
}

/** Query strings for the GET routes that need one. */
const QUERIES: Record<string, string> = {
  '/api/backoffice/figures': 'from=2026-11-01&to=2026-12-01',
  '/api/backoffice/contacts': 'q=jansen',
  '/api/contacts': 'q=jansen',
  '/api/reports/drill': 'period=month&measure=volume',
  '/api/export/{dataset}.csv': 'from=2026-11-01&to=2026-12-01',
};

describe('responses match the OpenAPI description', () => {
  it('is OpenAPI 3.1 and readable with an API token, not anonymously', async () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    const created = await call('post', '/api/api-tokens', { cookie: admin, body: { name: 'BI-koppeling' } });
    expect(created.status).toBe(201);
    const bearer = { authorization: `Bearer ${created.body.secret}` };
    expect((await call('get', '/api/openapi.json', { headers: bearer })).status).toBe(200);
    expect((await call('get', '/api/openapi.json')).status).toBe(401);
    expect((await call('get', '/api/export/{dataset}.csv', { values: { dataset: 'milestones' }, query: QUERIES['/api/export/{dataset}.csv'], headers: bearer })).status).toBe(200);
    // A token reads nothing of the inbox: described as the 401 it is.
    expect((await call('get', '/api/conversations', { headers: bearer })).status).toBe(401);
    expect((await call('delete', '/api/api-tokens/{id}', { values: { id: created.body.token.id }, cookie: admin })).status).toBe(200);
    expect((await call('get', '/api/openapi.json', { headers: bearer })).status).toBe(401);
  });

  it('the page is HTML under a CSP without scripts', async () => {
    const response = await balie.request('/api/docs', { cookie: admin });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'; style-src 'sha256-/);
    const html = await response.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('/api/topics/{id}');
  });

  it('every GET route answers as described', async () => {
    const values = { id: conversationId, dataset: 'conversations' };
    const gets = Object.entries(document.paths).filter(([, methods]) => methods.get);
    expect(gets.length).toBeGreaterThan(40);
    // Every route is tried; the failures are reported together.
    const failures: string[] = [];
    for (const [template] of gets) {
      try {
        const { status } = await call('get', template, { values, query: QUERIES[template], cookie: admin });
        expect(status, `GET ${template}`).toBeLessThan(500);
      } catch (error) {
        failures.push(`${(error as Error).message.slice(0, 600)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('representative writes and refusals answer as described', async () => {
    const topic = await call('post', '/api/topics', { cookie: admin, body: { name: 'Afval' } });
    expect(topic.status).toBe(201);
    expect((await call('post', '/api/topics', { cookie: admin, body: { name: 'Afval' } })).status).toBe(409);
    expect((await call('post', '/api/topics', { cookie: admin, body: {} })).status).toBe(400);
    expect((await call('patch', '/api/topics/{id}', { values: { id: topic.body.id }, cookie: admin, body: { name: 'Afval en grofvuil' } })).status).toBe(200);
    expect((await call('put', '/api/topics/settings', { cookie: admin, body: { required: true } })).status).toBe(200);
    expect((await call('get', '/api/topics', { cookie: agent })).status).toBe(200);
    expect((await call('post', '/api/topics', { cookie: agent, body: { name: 'Parkeren' } })).status).toBe(403);
    const canned = await call('post', '/api/canned-answers', { cookie: admin, body: { title: 'Ontvangst', body: 'Wij hebben uw vraag ontvangen.' } });
    expect(canned.status).toBe(201);
    expect((await call('delete', '/api/canned-answers/{id}', { values: { id: canned.body.id ?? canned.body.cannedAnswer?.id }, cookie: admin })).status).toBe(204);
    expect((await call('post', '/api/teams', { cookie: admin, body: { name: 'Vergunningen', notificationEmail: 'vergunningen@gemeente.test' } })).status).toBe(201);
    expect((await call('post', '/api/agents', { cookie: admin, body: { email: 'nieuw@gemeente.test', name: 'Nieuw', role: 'agent' } })).status).toBe(201);
    expect((await call('post', '/api/conversations/{id}/claim', { values: { id: conversationId }, cookie: agent })).status).toBe(200);
    expect((await call('post', '/api/conversations/{id}/status', { values: { id: conversationId }, cookie: agent, body: { status: 'waiting' } })).status).toBe(200);
    expect((await call('post', '/api/conversations/{id}/messages', { values: { id: conversationId }, cookie: agent, body: { kind: 'note', text: 'Gebeld, niet bereikt.' } })).status).toBe(201);
    const question = { clientId: randomUUID(), email: 'burger@example.nl', text: 'Wanneer wordt het grofvuil opgehaald?' };
    expect((await call('post', '/api/public/questions', { body: question })).status).toBe(201);
    expect((await call('post', '/api/public/questions', { body: question })).status).toBe(200);
    expect((await call('post', '/api/conversations/{id}/contact', { values: { id: conversationId }, cookie: agent, body: { email: 'j.jansen@example.nl' } })).status).toBe(200);
    const duplicate = (await seedConversation(db.pool)).id;
    expect((await call('post', '/api/conversations/{id}/merge', { values: { id: conversationId }, cookie: agent, body: { absorbedId: conversationId } })).status).toBe(409);
    expect((await call('post', '/api/conversations/{id}/merge', { values: { id: conversationId }, cookie: agent, body: { absorbedId: duplicate } })).status).toBe(200);
    expect((await call('get', '/api/reports/kpis', { query: 'period=month&split=channel,team,agent,topic', cookie: admin })).status).toBe(200);
    expect((await call('get', '/api/reports/series', { query: 'period=month&series=compliance,volume,fcr,callbacks,chatWait', cookie: admin })).status).toBe(200);
    expect((await call('put', '/api/settings/service', { cookie: admin, body: { dueSoonHours: 6 } })).status).toBe(200);
    expect((await call('post', '/api/reconcile/repair', { cookie: admin })).status).toBe(200);
    expect((await call('get', '/api/audit', { cookie: agent })).status).toBe(403);
    expect((await call('get', '/api/auth/me')).status).toBe(401);
    expect((await call('post', '/api/auth/login', { body: { email: ADMIN.email, password: 'wrong password' } })).status).toBe(401);
    expect((await call('post', '/api/auth/logout', { cookie: agent })).status).toBe(204);
  });
});
