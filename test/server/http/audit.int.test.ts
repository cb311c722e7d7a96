// The audit trail as a gemeente needs it (issue 12.14, AVG art. 5(2)): who tried to log in, who
// logged out, who opened which citizen's conversation, downloaded an attachment or searched, and
// what a changed text was before — each with address and browser; and admins can read it back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, addAgent, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;
let agent: { id: number; email: string; password: string };
let agentCookie: string;
let conversationId: number;
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) Balie-audit-test';

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { TRUST_PROXY: '1' });
  admin = await balie.login(ADMIN.email, ADMIN.password);
  agent = await addAgent(db.pool, 'agent', 'kijker@gemeente.test');
  agentCookie = await as(agent.email, agent.password);
  conversationId = (await seedConversation(db.pool, { contact: { name: 'Inwoner', email: 'inwoner@example.nl' }, subject: 'Lantaarnpaal kapot', messages: [{ direction: 'in', text: 'De lantaarnpaal is kapot' }] })).id;
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const from = (address: string) => ({ 'x-forwarded-for': address, 'user-agent': BROWSER });

async function as(email: string, password: string, address = '203.0.113.7'): Promise<string> {
  const response = await balie.request('/api/auth/login', { body: { email, password }, headers: from(address) });
  expect(response.status).toBe(200);
  return response.headers.getSetCookie()[0]!.split(';')[0]!;
}

interface Row {
  agent_id: number | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: Record<string, unknown>;
  before: unknown;
  after: unknown;
  ip: string | null;
  user_agent: string | null;
}
const rows = async (action: string) =>
  (await db.pool.query<Row>('SELECT agent_id::int, action, subject_type, subject_id, details, before, after, host(ip) AS ip, user_agent FROM audit_log WHERE action = $1 ORDER BY id', [action])).rows;

describe('what the trail records', () => {
  it('failed logins: who, which address was tried, from where', async () => {
    for (const [email, password] of [['kijker@gemeente.test', 'verkeerd wachtwoord'], ['bestaat.niet@gemeente.test', 'wat dan ook']]) {
      expect((await balie.request('/api/auth/login', { body: { email, password }, headers: from('198.51.100.66') })).status).toBe(401);
    }
    const failed = await rows('agent.login_failed');
    expect(failed).toEqual([
      expect.objectContaining({ agent_id: agent.id, details: { email: 'kijker@gemeente.test', reason: 'invalid_credentials' }, ip: '198.51.100.66', user_agent: BROWSER }),
      expect.objectContaining({ agent_id: null, details: { email: 'bestaat.niet@gemeente.test', reason: 'invalid_credentials' }, ip: '198.51.100.66' }),
    ]);
  });

  it('opening a conversation and downloading its attachment, under the conversation', async () => {
    expect((await balie.request(`/api/conversations/${conversationId}`, { cookie: agentCookie, headers: from('203.0.113.7') })).status).toBe(200);
    const message = (await db.pool.query<{ id: number }>('SELECT id FROM messages WHERE conversation_id = $1', [conversationId])).rows[0]!.id;
    const file = (await db.pool.query<{ id: number }>(
      `INSERT INTO attachments (message_id, filename, content_type, size_bytes, sha256, content) VALUES ($1, 'paspoort.pdf', 'application/pdf', 8, sha256('%PDF-1.7'::bytea), '%PDF-1.7'::bytea) RETURNING id`,
      [message],
    )).rows[0]!.id;
    expect((await balie.request(`/api/attachments/${file}`, { cookie: agentCookie, headers: from('203.0.113.7') })).status).toBe(200);
    expect(await rows('conversation.viewed')).toEqual([expect.objectContaining({ agent_id: agent.id, subject_type: 'conversation', subject_id: String(conversationId), ip: '203.0.113.7', user_agent: BROWSER })]);
    expect(await rows('attachment.downloaded')).toEqual([
      expect.objectContaining({ agent_id: agent.id, subject_type: 'conversation', subject_id: String(conversationId), details: { attachmentId: file, inline: false } }),
    ]);
  });

  it('a search: one row per request, with what was searched for; the plain list and counts none', async () => {
    expect((await balie.request('/api/conversations?q=lantaarnpaal&status=open', { cookie: agentCookie })).status).toBe(200);
    expect((await balie.request('/api/conversations', { cookie: agentCookie })).status).toBe(200);
    expect((await balie.request('/api/conversations/counts?q=lantaarnpaal', { cookie: agentCookie })).status).toBe(200);
    expect(await rows('inbox.searched')).toEqual([expect.objectContaining({ agent_id: agent.id, details: expect.objectContaining({ q: 'lantaarnpaal', status: 'open', page: false }) })]);
  });

  it('a canned answer changed: its text before and after; deleted: what was lost', async () => {
    const created = await (await balie.request('/api/canned-answers', { cookie: admin, body: { title: 'Grofvuil', body: 'Het grofvuil wordt op dinsdag opgehaald.' } })).json();
    expect((await balie.request(`/api/canned-answers/${created.id}`, { method: 'PUT', cookie: admin, body: { title: 'Grofvuil', body: 'Het grofvuil wordt op woensdag opgehaald.' } })).status).toBe(200);
    expect((await balie.request(`/api/canned-answers/${created.id}`, { method: 'DELETE', cookie: admin })).status).toBe(204);
    expect(await rows('canned_answer.update')).toEqual([
      expect.objectContaining({
        before: { title: 'Grofvuil', body: 'Het grofvuil wordt op dinsdag opgehaald.' },
        after: { title: 'Grofvuil', body: 'Het grofvuil wordt op woensdag opgehaald.' },
      }),
    ]);
    expect(await rows('canned_answer.delete')).toEqual([expect.objectContaining({ before: { title: 'Grofvuil', body: 'Het grofvuil wordt op woensdag opgehaald.' }, after: null })]);
  });

  it('service settings changed: before and after', async () => {
    expect((await balie.request('/api/settings/service', { method: 'PUT', cookie: admin, body: { dueSoonHours: 3 } })).status).toBe(200);
    expect(await rows('settings.service_updated')).toEqual([expect.objectContaining({ before: { dueSoonHours: 4 }, after: { dueSoonHours: 3 } })]);
  });

  it('logging out', async () => {
    const cookie = await as(agent.email, agent.password, '203.0.113.8');
    expect((await balie.request('/api/auth/logout', { method: 'POST', cookie, headers: from('203.0.113.8') })).status).toBe(204);
    expect(await rows('agent.logged_out')).toEqual([expect.objectContaining({ agent_id: agent.id, ip: '203.0.113.8' })]);
  });
});

describe('GET /api/audit', () => {
  it('shows an admin who looked at a conversation, newest first, paged', async () => {
    const first = await (await balie.request(`/api/audit?conversation=${conversationId}&limit=1`, { cookie: admin })).json();
    expect(first.entries).toEqual([
      expect.objectContaining({ action: 'attachment.downloaded', agent: { id: agent.id, name: 'kijker', email: agent.email }, subjectType: 'conversation', subjectId: String(conversationId), ip: '203.0.113.7', userAgent: BROWSER }),
    ]);
    expect(first.entries[0].at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const second = await (await balie.request(`/api/audit?conversation=${conversationId}&limit=1&before=${first.next}`, { cookie: admin })).json();
    expect(second.entries.map((entry: { action: string }) => entry.action)).toEqual(['conversation.viewed']);
    expect(second.next).toBeNull();
  });

  it('filters by agent, by action or a family of actions, and by period', async () => {
    const logins = await (await balie.request(`/api/audit?agent=${agent.id}&action=agent.*`, { cookie: admin })).json();
    expect(new Set(logins.entries.map((entry: { action: string }) => entry.action))).toEqual(new Set(['agent.logged_in', 'agent.login_failed', 'agent.logged_out']));
    const future = encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString());
    expect((await (await balie.request(`/api/audit?from=${future}`, { cookie: admin })).json()).entries).toEqual([]);
    const canned = await (await balie.request('/api/audit?action=canned_answer.update', { cookie: admin })).json();
    expect(canned.entries).toHaveLength(1);
    expect(canned.entries[0].before).toEqual({ title: 'Grofvuil', body: 'Het grofvuil wordt op dinsdag opgehaald.' });
  });

  it('is for admins only, records that the trail was read, and says what is wrong with a filter', async () => {
    expect((await balie.request('/api/audit', { cookie: agentCookie })).status).toBe(403);
    expect((await rows('audit.read')).length).toBeGreaterThan(0);
    const bad = await balie.request('/api/audit?from=gisteren&agent=abc&sort=asc', { cookie: admin });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('validation_failed');
  });
});
