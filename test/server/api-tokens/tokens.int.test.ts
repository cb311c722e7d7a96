// API tokens (issue 15 §7): admins create (shown once, stored hashed), list and revoke them; a
// token reads the export and nothing else — it cannot write, nor read the inbox — and every use
// is audited with its id.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
  admin = await balie.login(ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const EXPORT = '/api/export/conversations.csv?from=2026-01-01&to=2027-01-01';

async function createToken(name: string): Promise<{ id: number; secret: string }> {
  const response = await balie.request('/api/api-tokens', { cookie: admin, body: { name } });
  expect(response.status).toBe(201);
  const body = await response.json();
  return { id: body.token.id, secret: body.secret };
}

describe('API tokens', () => {
  it('are created by an admin, shown once and stored as a hash only', async () => {
    const response = await balie.request('/api/api-tokens', { cookie: admin, body: { name: 'Power BI klantcontact' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { token, secret } = await response.json();
    expect(secret).toMatch(/^balie_[A-Za-z0-9_-]{43}$/);
    expect(token).toMatchObject({ name: 'Power BI klantcontact', scopes: ['export:read'], prefix: secret.slice(0, 12), lastUsedAt: null, revokedAt: null, createdBy: { id: expect.any(Number), name: expect.any(String) } });

    const { rows } = await db.pool.query('SELECT token_hash, display_prefix FROM api_tokens WHERE id = $1', [token.id]);
    expect(rows[0].token_hash).toEqual(createHash('sha256').update(secret).digest());
    const stored = JSON.stringify((await db.pool.query('SELECT * FROM api_tokens')).rows) + JSON.stringify((await db.pool.query('SELECT * FROM audit_log')).rows);
    expect(stored).not.toContain(secret);

    const list = await (await balie.request('/api/api-tokens', { cookie: admin })).json();
    expect(list.tokens.map((listed: { id: number }) => listed.id)).toContain(token.id);
    expect(JSON.stringify(list)).not.toContain(secret);
  });

  it('read the export, record the last use and audit every use with the token’s id', async () => {
    await seedConversation(db.pool, { channel: 'email' });
    const token = await createToken('BI');
    const response = await balie.request(EXPORT, { headers: bearer(token.secret) });
    expect(response.status).toBe(200);
    expect((await response.text()).split('\r\n')[0]).toMatch(/^id,reference,/);
    const { rows } = await db.pool.query('SELECT last_used_at FROM api_tokens WHERE id = $1', [token.id]);
    expect(rows[0].last_used_at).toBeInstanceOf(Date);
    const audit = await db.pool.query("SELECT agent_id, details FROM audit_log WHERE action = 'export.downloaded' ORDER BY id DESC LIMIT 1");
    expect(audit.rows[0]).toMatchObject({ agent_id: null, details: { apiTokenId: token.id, apiTokenName: 'BI', dataset: 'conversations' } });
  });

  it('cannot write anything or read the inbox, settings, reports or tokens', async () => {
    const token = await createToken('alleen lezen');
    const { id } = await seedConversation(db.pool, { channel: 'email' });
    const attempts: [string, string, unknown?][] = [
      ['GET', '/api/conversations'],
      ['GET', `/api/conversations/${id}`],
      ['GET', '/api/reports/compliance'],
      ['GET', '/api/audit'],
      ['GET', '/api/api-tokens'],
      ['GET', '/api/agents'],
      ['POST', `/api/conversations/${id}/messages`, { body: 'Hallo', kind: 'note' }],
      ['POST', `/api/conversations/${id}/claim`],
      ['POST', '/api/api-tokens', { name: 'nog een' }],
      ['DELETE', `/api/api-tokens/${token.id}`],
      ['PUT', '/api/settings/public-page', { enabled: true }],
      ['PUT', '/api/settings/service', { dueSoonHours: 2 }],
      ['POST', '/api/export/conversations.csv'],
    ];
    for (const [method, path, body] of attempts) {
      const response = await balie.request(path, { method, body, headers: bearer(token.secret) });
      expect([401, 403], `${method} ${path}: ${response.status}`).toContain(response.status);
    }
    // Nothing changed: no message, no token, no setting.
    expect((await db.pool.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [id])).rows[0].n).toBe(0);
    expect((await db.pool.query('SELECT revoked_at FROM api_tokens WHERE id = $1', [token.id])).rows[0].revoked_at).toBeNull();
    expect((await db.pool.query('SELECT count(*)::int AS n FROM public_page_settings')).rows[0].n).toBe(0);
  });

  it('are refused once revoked, with the attempt audited; an unknown token is refused too', async () => {
    const token = await createToken('oud');
    expect((await balie.request(EXPORT, { headers: bearer(token.secret) })).status).toBe(200);
    const revoked = await balie.request(`/api/api-tokens/${token.id}`, { method: 'DELETE', cookie: admin });
    expect(revoked.status).toBe(200);
    expect((await revoked.json()).token.revokedAt).toEqual(expect.any(String));

    const refused = await balie.request(EXPORT, { headers: bearer(token.secret) });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await refused.json()).error.code).toBe('invalid_token');
    const audit = await db.pool.query("SELECT action, subject_id, details FROM audit_log WHERE action IN ('api_token.revoked', 'api_token.refused') ORDER BY id");
    expect(audit.rows).toEqual([
      expect.objectContaining({ action: 'api_token.revoked', subject_id: String(token.id) }),
      expect.objectContaining({ action: 'api_token.refused', subject_id: String(token.id), details: expect.objectContaining({ apiTokenId: token.id, reason: 'revoked' }) }),
    ]);

    const unknown = `balie_${'A'.repeat(43)}`;
    for (const header of [bearer(unknown), bearer('kapot'), { authorization: 'Basic YWRtaW46YWRtaW4=' }]) {
      expect((await balie.request(EXPORT, { headers: header })).status).toBe(401);
    }
    // A bearer beside a supervisor's cookie speaks alone: a revoked token is not saved by the session.
    expect((await balie.request(EXPORT, { cookie: admin, headers: bearer(token.secret) })).status).toBe(401);
    expect((await balie.request(`/api/api-tokens/${token.id + 1000}`, { method: 'DELETE', cookie: admin })).status).toBe(404);
  });

  it('are managed by admins only, with a name and known scopes', async () => {
    const supervisor = await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
    const cookie = await balie.login(supervisor.email, supervisor.password);
    expect((await balie.request('/api/api-tokens', { cookie })).status).toBe(403);
    expect((await balie.request('/api/api-tokens', { cookie, body: { name: 'x' } })).status).toBe(403);
    expect((await balie.request('/api/api-tokens')).status).toBe(401);
    for (const body of [{}, { name: '' }, { name: 'x', scopes: ['inbox:write'] }, { name: 'x', expiresAt: '2020-01-01T00:00:00Z' }, { name: 'x', extra: 1 }]) {
      expect((await balie.request('/api/api-tokens', { cookie: admin, body })).status, JSON.stringify(body)).toBe(400);
    }
  });

  it('stop working when they expire', async () => {
    const response = await balie.request('/api/api-tokens', { cookie: admin, body: { name: 'kort', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } });
    const { token, secret } = await response.json();
    expect((await balie.request(EXPORT, { headers: bearer(secret) })).status).toBe(200);
    await db.pool.query("UPDATE api_tokens SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 second' WHERE id = $1", [token.id]);
    expect((await balie.request(EXPORT, { headers: bearer(secret) })).status).toBe(401);
  });
});
