// Attacks on logging in and on sessions, against a real Balie and PostgreSQL: a session cookie a
// sibling host could shadow, a stolen cookie kept alive forever (issue 12.9), and a login limiter
// that counts attacker-sized keys, not accounts, and locks out a KCC at shift start (12.7, 16).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, addAgent, sessionCookie, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, closeSockets } from '../chat/chat-support.ts';

let db: TestDatabase;
/** Over http, as in development: plain cookie name; behind a proxy, so X-Forwarded-For is the client. */
let balie: TestBalie;
/** With an https PUBLIC_URL (the cookie's Secure flag and prefix; served over http to this test). */
let secure: TestBalie;

beforeAll(async () => {
  db = await createTestDatabase();
  [balie, secure] = await Promise.all([
    startTestBalie(db.url, { TRUST_PROXY: '1' }),
    startTestBalie(db.url, { TRUST_PROXY: '1', PUBLIC_URL: 'https://balie.gemeente.test', ADMIN_EMAIL: 'beheer@gemeente.test', ADMIN_PASSWORD: ADMIN.password }),
  ]);
});
afterEach(() => closeSockets());
afterAll(async () => {
  await Promise.all([balie?.stop(), secure?.stop()]);
  await db?.drop();
});

let clients = 0;
/** A fresh client address for each use (the limiter counts per address). */
const newClient = () => `198.51.100.${(clients += 1)}`;

const login = (target: TestBalie, email: string, password: string, client = newClient()) =>
  target.request('/api/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': client } });

describe('the session cookie over https (issue 12.9)', () => {
  it('is __Host-balie_session: Secure, HttpOnly, Path=/, no Domain', async () => {
    const response = await login(secure, ADMIN.email, ADMIN.password);
    expect(response.status).toBe(200);
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(/^__Host-balie_session=[\w-]{20,};/);
    const attributes = cookie!.split(';').slice(1).map((part) => part.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['path=/', 'httponly', 'secure', 'samesite=strict']));
    expect(attributes.some((attribute) => attribute.startsWith('domain='))).toBe(false);
    const token = cookie!.split(';')[0]!.split('=')[1]!;
    expect((await secure.request('/api/auth/me', { cookie: `__Host-balie_session=${token}` })).status).toBe(200);
  });

  it('ignores a cookie under the plain name, as a sibling host could set it for the whole site', async () => {
    const response = await login(secure, ADMIN.email, ADMIN.password);
    const token = response.headers.getSetCookie()[0]!.split(';')[0]!.split('=')[1]!;
    // The attacker's own valid session, planted as Domain=gemeente.test: the victim must not be logged in with it.
    expect((await secure.request('/api/auth/me', { cookie: `balie_session=${token}` })).status).toBe(401);
  });

  it('keeps the plain name over http (development and tests)', async () => {
    const response = await login(balie, ADMIN.email, ADMIN.password);
    expect(response.headers.getSetCookie()[0]).toMatch(/^balie_session=/);
  });
});

/** Moves every timestamp of the agent's sessions `hours` into the past: as if that much time went by. */
async function hoursPass(agentId: number, hours: number) {
  const { rows } = await db.pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'sessions' AND data_type = 'timestamp with time zone'`,
  );
  const sets = rows.map(({ column_name }) => `${column_name} = ${column_name} - make_interval(hours => $2)`).join(', ');
  await db.pool.query(`UPDATE sessions SET ${sets} WHERE agent_id = $1`, [agentId, hours]);
}

describe('a session in use (issue 12.9)', () => {
  it('ends a day after login, however often it is used, for HTTP and for the live socket', async () => {
    const agent = await addAgent(db.pool, 'agent', 'gestolen@gemeente.test');
    const cookie = sessionCookie(await login(balie, agent.email, agent.password));
    // Used every 11 hours — within the 12-hour idle timeout each time.
    for (const _ of [1, 2]) {
      await hoursPass(agent.id, 11);
      expect((await balie.request('/api/auth/me', { cookie })).status).toBe(200);
    }
    await agentSocket(balie, cookie);
    await hoursPass(agent.id, 3);
    // 25 hours after login: over.
    expect((await balie.request('/api/auth/me', { cookie })).status).toBe(401);
    await expect(agentSocket(balie, cookie)).rejects.toThrow();
  });

  it('still ends after the idle timeout', async () => {
    const agent = await addAgent(db.pool, 'agent', 'stil@gemeente.test');
    const cookie = sessionCookie(await login(balie, agent.email, agent.password));
    await hoursPass(agent.id, 13);
    expect((await balie.request('/api/auth/me', { cookie })).status).toBe(401);
  });
});

describe('the login limiter (issues 12.7 and 16)', () => {
  it('counts one account however its address is written (case, spaces)', async () => {
    const agent = await addAgent(db.pool, 'agent', 'varianten@gemeente.test');
    const client = newClient();
    const variants = ['varianten@gemeente.test', ' varianten@gemeente.test', 'VARIANTEN@gemeente.test', 'varianten@gemeente.test ', '\tVarianten@Gemeente.Test'];
    for (let attempt = 0; attempt < 10; attempt++) {
      expect((await login(balie, variants[attempt % variants.length]!, 'geraden wachtwoord', client)).status).toBe(401);
    }
    expect((await login(balie, agent.email, 'nog een gok', client)).status).toBe(429);
  });

  it('counts one account across client addresses', async () => {
    const agent = await addAgent(db.pool, 'agent', 'botnet@gemeente.test');
    for (let attempt = 0; attempt < 30; attempt++) expect((await login(balie, agent.email, `gok ${attempt}`)).status).toBe(401);
    const refused = await login(balie, agent.email, 'gok van een nieuw adres');
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe('rate_limited');
    // Other accounts from those addresses are not affected.
    expect((await login(balie, ADMIN.email, ADMIN.password)).status).toBe(200);
  });

  it('does not count successful logins: a KCC behind one gateway logs in together at shift start', async () => {
    const gateway = newClient();
    const team = await Promise.all(Array.from({ length: 6 }, (_, index) => addAgent(db.pool, 'agent', `dienst${index}@gemeente.test`)));
    // 60 logins from one address, more than the 50 failures it is allowed.
    for (let round = 0; round < 10; round++) {
      const statuses = await Promise.all(team.map((agent) => login(balie, agent.email, agent.password, gateway).then((response) => response.status)));
      expect(statuses).toEqual(team.map(() => 200));
    }
  });

  it('refuses a megabyte-long address at validation, before it becomes a limiter key', async () => {
    const response = await login(balie, `${'a'.repeat(900_000)}@gemeente.test`, 'x');
    expect(response.status).toBe(400);
    expect((await response.json()).error.fields.map((field: { field: string }) => field.field)).toEqual(['email']);
  });
});
