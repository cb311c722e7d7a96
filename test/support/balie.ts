// Starts a real Balie in the test process (HTTP, Socket.IO, PostgreSQL) and talks to it like a client.
import { startBalie, type Balie } from '../../server/balie.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/log.ts';
import { createAgent, type Role } from '../../server/agents/agents.ts';
import type { Db } from '../../server/db/index.ts';
import { freePort } from './process.ts';

export const ADMIN = { email: 'beheer@gemeente.test', password: 'correct horse battery' } as const;
/** The operator's bearer for /healthz's details (issue 12.11: anonymous callers get the status only). */
export const HEALTH_TOKEN = 'test-operator-health-token';

export interface TestBalie extends Balie {
  /** Fetches a path on this Balie; a JSON body is sent as JSON. */
  request(path: string, init?: { method?: string; body?: unknown; cookie?: string; headers?: Record<string, string> }): Promise<Response>;
  /** /healthz as the operator sees it (HEALTH_TOKEN bearer): status, checks and details. */
  health(): Promise<any>;
  /** Logs in and returns the session cookie ("balie_session=…"). */
  login(email: string, password: string): Promise<string>;
}

export async function startTestBalie(databaseUrl: string, env: Record<string, string> = {}): Promise<TestBalie> {
  // A known port, so that PUBLIC_URL — the agents' origin, the demo page's widget address — is true.
  const port = env.PORT ?? String(await freePort());
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: port,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: '/nonexistent-data-dir-unused-with-database-url',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    HEALTH_TOKEN,
    ...env,
  });
  const balie = await startBalie(config, createLogger(process.env.BALIE_TEST_LOG ?? 'silent'));
  // The product makes the first admin choose their own password at first login; the tests' ADMIN
  // stands for an admin who has done so (test/server/agents/first-password.int.test.ts tests the
  // first login itself). Only ADMIN is cleared, and only in tests.
  await balie.database.pool.query('UPDATE agents SET password_must_change = false WHERE email = $1', [(env.ADMIN_EMAIL ?? ADMIN.email).toLowerCase()]);

  const request: TestBalie['request'] = (path, init = {}) =>
    fetch(`${balie.url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.cookie ? { cookie: init.cookie } : {}),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  return Object.assign(balie, {
    request,
    async health() {
      return (await request('/healthz', { headers: { authorization: `Bearer ${HEALTH_TOKEN}` } })).json();
    },
    async login(email: string, password: string) {
      const response = await request('/api/auth/login', { body: { email, password } });
      if (response.status !== 200) throw new Error(`login as ${email} failed: ${response.status} ${await response.text()}`);
      return sessionCookie(response);
    },
  });
}

/** The `balie_session=…` pair from a response's Set-Cookie header. */
/**
 * Logs ADMIN in to a Balie started as its own process (no pool to clear the first admin's flag
 * with): the product makes a first admin choose their own password, so this admin does — to a
 * passphrase of their own and back to ADMIN.password — and the answer carries the new session.
 */
export async function adminLogin(url: string, options: { origin?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.origin ? { origin: options.origin } : {}) };
  const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers, body: JSON.stringify(ADMIN) });
  if (login.status !== 200) return login;
  const body = (await login.clone().json()) as { agent?: { passwordMustChange?: boolean }; passwordMustChange?: boolean };
  if (!(body.agent?.passwordMustChange ?? body.passwordMustChange)) return login;
  let cookie = sessionCookie(login);
  const interim = `${ADMIN.password} (chosen)`;
  for (const [currentPassword, newPassword] of [[ADMIN.password, interim], [interim, ADMIN.password]] as const) {
    const changed = await fetch(`${url}/api/auth/password`, { method: 'POST', headers: { ...headers, cookie }, body: JSON.stringify({ currentPassword, newPassword }) });
    if (changed.status !== 200) throw new Error(`the first admin could not choose a password: ${changed.status} ${await changed.text()}`);
    cookie = sessionCookie(changed);
    if (newPassword === ADMIN.password) return changed;
  }
  throw new Error('unreachable');
}

export function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith('balie_session='));
  if (!cookie) throw new Error('no session cookie in the response');
  return cookie.split(';')[0]!;
}

export async function addAgent(db: Db, role: Role, email: string, password = 'an agent password'): Promise<{ id: number; email: string; password: string }> {
  const agent = await createAgent(db, { email, name: email.split('@')[0]!, role, password });
  if (agent === 'email_taken') throw new Error(`agent ${email} exists`);
  return { id: agent.id, email, password };
}
