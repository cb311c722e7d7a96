import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, ADMIN, sessionCookie, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
let balie: TestBalie;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

describe('without a session', () => {
  it.each([
    ['GET', '/api/auth/me'],
    ['GET', '/api/agents'],
    ['POST', '/api/agents'],
    ['PATCH', '/api/agents/1'],
    ['GET', '/api/conversations'],
    ['GET', '/api/no-such-endpoint'],
  ])('%s %s answers 401', async (method, path) => {
    const response = await balie.request(path, { method, ...(method === 'GET' ? {} : { body: {} }) });
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('unauthorized');
  });

  it('a forged cookie is no session', async () => {
    const response = await balie.request('/api/auth/me', { cookie: 'balie_session=forged' });
    expect(response.status).toBe(401);
  });
});

describe('logging in', () => {
  it('sets an HttpOnly, SameSite session cookie and knows the agent', async () => {
    const response = await balie.request('/api/auth/login', { body: ADMIN });
    expect(response.status).toBe(200);
    const setCookie = response.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/balie_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const me = await balie.request('/api/auth/me', { cookie: sessionCookie(response) });
    expect(me.status).toBe(200);
    expect((await me.json()).agent).toMatchObject({ email: ADMIN.email, role: 'admin' });
  });

  it('answers a wrong password and an unknown e-mail address identically', async () => {
    const wrongPassword = await balie.request('/api/auth/login', { body: { email: ADMIN.email, password: 'not the password' } });
    const unknownEmail = await balie.request('/api/auth/login', { body: { email: 'nobody@gemeente.test', password: 'not the password' } });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(await wrongPassword.text()).toBe(await unknownEmail.text());
    expect(wrongPassword.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a disabled agent, and disabling ends their sessions', async () => {
    const agent = await addAgent(db.pool, 'agent', 'uitgeschakeld@gemeente.test');
    const cookie = await balie.login(agent.email, agent.password);
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const patch = await balie.request(`/api/agents/${agent.id}`, { method: 'PATCH', body: { disabled: true }, cookie: admin });
    expect(patch.status).toBe(200);
    expect((await balie.request('/api/auth/me', { cookie })).status).toBe(401);
    const login = await balie.request('/api/auth/login', { body: { email: agent.email, password: agent.password } });
    expect(login.status).toBe(403);
    expect((await login.json()).error.code).toBe('account_disabled');
  });

  it('logging out ends the session', async () => {
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    expect((await balie.request('/api/auth/logout', { method: 'POST', cookie })).status).toBe(204);
    expect((await balie.request('/api/auth/me', { cookie })).status).toBe(401);
  });

  it('validates the body', async () => {
    const response = await balie.request('/api/auth/login', { body: { email: ADMIN.email } });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'password' }] });
    const broken = await fetch(`${balie.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    expect(broken.status).toBe(400);
    expect((await broken.json()).error.code).toBe('invalid_json');
  });

  it('is rate-limited per account', async () => {
    const target = { email: 'gokken@gemeente.test', password: 'guess guess guess' };
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 12; attempt++) {
      statuses.push((await balie.request('/api/auth/login', { body: target })).status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const limited = await balie.request('/api/auth/login', { body: target });
    expect((await limited.json()).error.code).toBe('rate_limited');
    expect(limited.headers.get('ratelimit-policy') ?? limited.headers.get('ratelimit')).toBeTruthy();
  });
});

describe('managing agents', () => {
  it('admins add, list and change agents; every change is audited', async () => {
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const created = await balie.request('/api/agents', {
      cookie: admin,
      body: { email: 'Fatima@Gemeente.test', name: 'Fatima', role: 'supervisor', password: 'a long password' },
    });
    expect(created.status).toBe(201);
    const { agent } = await created.json();
    expect(agent).toMatchObject({ email: 'fatima@gemeente.test', role: 'supervisor', disabled: false });
    expect(agent).not.toHaveProperty('passwordHash');

    const duplicate = await balie.request('/api/agents', { cookie: admin, body: { email: 'fatima@gemeente.test', name: 'F', password: 'a long password' } });
    expect(duplicate.status).toBe(409);

    const list = await (await balie.request('/api/agents', { cookie: admin })).json();
    expect(list.agents.map((a: { email: string }) => a.email)).toContain('fatima@gemeente.test');

    const renamed = await balie.request(`/api/agents/${agent.id}`, { method: 'PATCH', cookie: admin, body: { name: 'Fatima B.' } });
    expect((await renamed.json()).agent.name).toBe('Fatima B.');
    const audit = await db.pool.query("SELECT action FROM audit_log WHERE subject_type = 'agent' AND subject_id = $1 ORDER BY id", [String(agent.id)]);
    expect(audit.rows.map((row) => row.action)).toEqual(['agent.created', 'agent.updated']);
  });

  it('changing a password ends the old sessions and the new password works', async () => {
    const agent = await addAgent(db.pool, 'agent', 'wachtwoord@gemeente.test');
    const old = await balie.login(agent.email, agent.password);
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    await balie.request(`/api/agents/${agent.id}`, { method: 'PATCH', cookie: admin, body: { password: 'a brand new password' } });
    expect((await balie.request('/api/auth/me', { cookie: old })).status).toBe(401);
    await expect(balie.login(agent.email, 'a brand new password')).resolves.toMatch(/^balie_session=/);
  });

  it('the last active admin cannot be disabled or demoted', async () => {
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const me = (await (await balie.request('/api/auth/me', { cookie: admin })).json()).agent;
    for (const body of [{ disabled: true }, { role: 'agent' }]) {
      const response = await balie.request(`/api/agents/${me.id}`, { method: 'PATCH', cookie: admin, body });
      expect(response.status).toBe(409);
      expect((await response.json()).error.code).toBe('last_admin');
    }
  });

  it('agents and supervisors cannot manage agents', async () => {
    for (const role of ['agent', 'supervisor'] as const) {
      const agent = await addAgent(db.pool, role, `${role}-rechten@gemeente.test`);
      const cookie = await balie.login(agent.email, agent.password);
      expect((await balie.request('/api/agents', { cookie })).status).toBe(403);
      expect((await balie.request('/api/agents', { cookie, body: { email: 'x@y.nl', name: 'x', password: 'long enough pw' } })).status).toBe(403);
      expect((await balie.request(`/api/agents/${agent.id}`, { method: 'PATCH', cookie, body: { role: 'admin' } })).status).toBe(403);
    }
  });

  it('rejects unknown fields and bad roles with a 400 naming the field', async () => {
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const response = await balie.request('/api/agents', { cookie: admin, body: { email: 'r@gemeente.test', name: 'R', password: 'long enough pw', role: 'god' } });
    expect(response.status).toBe(400);
    expect((await response.json()).error.fields[0].field).toBe('role');
  });
});

describe('sessions across restarts', () => {
  it('a session made before a restart still works after it', async () => {
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    await balie.stop();
    balie = await startTestBalie(db.url);
    const me = await balie.request('/api/auth/me', { cookie });
    expect(me.status).toBe(200);
    expect((await me.json()).agent.email).toBe(ADMIN.email);
  });
});
