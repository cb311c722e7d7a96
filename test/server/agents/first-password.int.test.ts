// A password somebody else set (the first admin, an agent an admin added or reset) must be replaced
// by the agent's own before the session reaches anything: the API and the socket refuse with
// password_change_required until POST /api/auth/password, which rotates the session.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFirstAdmin } from '../../../server/agents/bootstrap.ts';
import { loadConfig } from '../../../server/config.ts';
import { createLogger } from '../../../server/log.ts';
import { addAgent, ADMIN, sessionCookie, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;
const ORIGIN = 'http://localhost:3000';

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { PUBLIC_URL: ORIGIN });
  admin = await balie.login(ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

async function json(response: Response): Promise<any> {
  return response.json();
}

async function flagOf(email: string): Promise<boolean> {
  return (await db.pool.query<{ flag: boolean }>('SELECT password_must_change AS flag FROM agents WHERE email = $1', [email])).rows[0]!.flag;
}

/** Adds an agent through the Beheer API, as an admin does: the temporary password it answers. */
async function addedByAdmin(email: string): Promise<string> {
  const response = await balie.request('/api/agents', { cookie: admin, body: { email, name: email.split('@')[0], role: 'agent' } });
  expect(response.status).toBe(201);
  return (await json(response)).temporaryPassword;
}

/** The socket's answer to a handshake with this cookie: connected, or the refusal's code. */
function socketOutcome(cookie: string): Promise<string> {
  const socket: Socket = connect(`${balie.url}/agent`, { transports: ['websocket'], extraHeaders: { cookie, origin: ORIGIN }, reconnection: false, forceNew: true });
  return new Promise<string>((resolve) => {
    socket.on('connect', () => resolve('connected'));
    socket.on('connect_error', (error) => resolve((error as { data?: { code?: string } }).data?.code ?? error.message));
  }).finally(() => socket.disconnect());
}

const change = (cookie: string, body: unknown) => balie.request('/api/auth/password', { cookie, body });

describe('the first admin', () => {
  it('from ADMIN_EMAIL/ADMIN_PASSWORD and the generated one must both choose their own password', async () => {
    const log = createLogger('silent');
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-first-admin-'));
    const [configured, generated] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      await ensureFirstAdmin(configured.pool, loadConfig({ DATABASE_URL: configured.url, DATA_DIR: dataDir, ADMIN_EMAIL: 'Eerste@Gemeente.test', ADMIN_PASSWORD: 'een lang beheerderswachtwoord' }), log);
      await ensureFirstAdmin(generated.pool, loadConfig({ DATABASE_URL: generated.url, DATA_DIR: dataDir }), log);
      for (const [database, email] of [[configured, 'eerste@gemeente.test'], [generated, 'admin@balie.local']] as const) {
        const { rows } = await database.pool.query('SELECT role, password_must_change AS flag FROM agents');
        expect(rows).toEqual([{ role: 'admin', flag: true }]);
        expect((await database.pool.query('SELECT 1 FROM agents WHERE email = $1', [email])).rowCount).toBe(1);
      }
    } finally {
      await Promise.all([configured.drop(), generated.drop()]);
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('an agent an admin added', () => {
  let temporary: string;
  let cookie: string;
  const email = 'nieuw@gemeente.test';

  beforeAll(async () => {
    temporary = await addedByAdmin(email);
  });

  it('is flagged, logs in, and the login says a new password is needed', async () => {
    expect(await flagOf(email)).toBe(true);
    const login = await balie.request('/api/auth/login', { body: { email, password: temporary } });
    expect(login.status).toBe(200);
    expect((await json(login)).agent).toMatchObject({ email, passwordMustChange: true });
    cookie = sessionCookie(login);
  });

  it.each([
    ['GET', '/api/conversations'],
    ['GET', '/api/settings/service'],
    ['GET', '/api/teams'],
    ['GET', '/api/openapi.json'],
    ['GET', '/api/export/conversations.csv?from=2026-01-01&to=2026-01-31'],
    ['POST', '/api/conversations/1/claim'],
    ['GET', '/api/auth/me/'],
    ['GET', '/api/no-such-endpoint'],
  ])('%s %s is refused with password_change_required', async (method, route) => {
    const response = await balie.request(route, { method, cookie, ...(method === 'GET' ? {} : { body: {} }) });
    expect(response.status).toBe(403);
    expect((await json(response)).error.code).toBe('password_change_required');
  });

  it('may still ask who it is', async () => {
    const me = await balie.request('/api/auth/me', { cookie });
    expect(me.status).toBe(200);
    expect((await json(me)).agent).toMatchObject({ email, passwordMustChange: true });
  });

  it('gets no live connection', async () => {
    expect(await socketOutcome(cookie)).toBe('password_change_required');
  });

  it('cannot change the password without the right current one, nor to a short or the same one', async () => {
    const wrong = await change(cookie, { currentPassword: 'not the temporary one', newPassword: 'mijn eigen lange wachtwoord' });
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).error.code).toBe('invalid_credentials');
    const short = await change(cookie, { currentPassword: temporary, newPassword: 'te kort' });
    expect(short.status).toBe(400);
    expect((await json(short)).error.fields).toMatchObject([{ field: 'newPassword', code: 'too_small', params: { minimum: 12 } }]);
    const same = await change(cookie, { currentPassword: temporary, newPassword: temporary });
    expect((await json(same)).error.fields).toMatchObject([{ field: 'newPassword', code: 'password_unchanged' }]);
    expect(await flagOf(email)).toBe(true);
    const failed = await db.pool.query("SELECT details->>'reason' AS reason FROM audit_log WHERE action = 'agent.password_change_failed' AND subject_id = (SELECT id::text FROM agents WHERE email = $1)", [email]);
    expect(failed.rows).toEqual([{ reason: 'wrong_password' }]);
  });

  it('chooses their own: the flag is cleared, every old session ends, the new session works everywhere', async () => {
    const otherSession = await balie.login(email, temporary);
    const response = await change(cookie, { currentPassword: temporary, newPassword: 'mijn eigen lange wachtwoord' });
    expect(response.status).toBe(200);
    expect((await json(response)).agent).toMatchObject({ email, passwordMustChange: false });
    const rotated = sessionCookie(response);
    expect(rotated).not.toBe(cookie);
    expect(await flagOf(email)).toBe(false);

    for (const old of [cookie, otherSession]) expect((await balie.request('/api/auth/me', { cookie: old })).status).toBe(401);
    expect((await balie.request('/api/conversations', { cookie: rotated })).status).toBe(200);
    expect(await socketOutcome(rotated)).toBe('connected');

    expect((await balie.request('/api/auth/login', { body: { email, password: temporary } })).status).toBe(401);
    const again = await balie.request('/api/auth/login', { body: { email, password: 'mijn eigen lange wachtwoord' } });
    expect((await json(again)).agent.passwordMustChange).toBe(false);
    const audit = await db.pool.query("SELECT details FROM audit_log WHERE action = 'agent.password_changed' AND subject_id = (SELECT id::text FROM agents WHERE email = $1)", [email]);
    expect(audit.rows).toEqual([{ details: { wasRequired: true } }]);
  });
});

describe('who sets the flag', () => {
  it("an admin's reset and an admin's new password flag the agent; the agent's own change does not", async () => {
    const agent = await addAgent(db.pool, 'agent', 'eigen@gemeente.test', 'het eigen wachtwoord');
    expect(await flagOf(agent.email)).toBe(false);
    const own = await change(await balie.login(agent.email, agent.password), { currentPassword: agent.password, newPassword: 'nog een eigen wachtwoord' });
    expect(own.status).toBe(200);
    expect(await flagOf(agent.email)).toBe(false);

    expect((await balie.request(`/api/agents/${agent.id}/password`, { cookie: admin, body: {} })).status).toBe(200);
    expect(await flagOf(agent.email)).toBe(true);
    await db.pool.query('UPDATE agents SET password_must_change = false WHERE id = $1', [agent.id]);
    expect((await balie.request(`/api/agents/${agent.id}`, { method: 'PATCH', cookie: admin, body: { password: 'door de beheerder gekozen' } })).status).toBe(200);
    expect(await flagOf(agent.email)).toBe(true);
    // Changing only the name leaves the flag as it is.
    await db.pool.query('UPDATE agents SET password_must_change = false WHERE id = $1', [agent.id]);
    expect((await balie.request(`/api/agents/${agent.id}`, { method: 'PATCH', cookie: admin, body: { name: 'Eigen' } })).status).toBe(200);
    expect(await flagOf(agent.email)).toBe(false);
  });

  it('is rate-limited like login: failures per agent', async () => {
    const agent = await addAgent(db.pool, 'agent', 'raden@gemeente.test', 'het eigen wachtwoord');
    const cookie = await balie.login(agent.email, agent.password);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 10; attempt++) statuses.push((await change(cookie, { currentPassword: `geraden ${attempt}`, newPassword: 'een nieuw wachtwoord' })).status);
    expect(statuses).toEqual(Array(10).fill(401));
    const limited = await change(cookie, { currentPassword: agent.password, newPassword: 'een nieuw wachtwoord' });
    expect(limited.status).toBe(429);
    expect((await json(limited)).error.code).toBe('rate_limited');
  });

  it('needs a session', async () => {
    const response = await balie.request('/api/auth/password', { body: { currentPassword: 'x', newPassword: 'een nieuw wachtwoord' } });
    expect(response.status).toBe(401);
  });
});
