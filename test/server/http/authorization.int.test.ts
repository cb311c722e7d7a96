// Who may call what, route by route (issue 6): nobody logged out reads anything but the public
// endpoints; agents cannot change settings, manage agents or canned answers, or read reports;
// supervisors read reports and manage canned answers; admins may do everything.
// Bodies are deliberately invalid or ids unknown: a request that passes the role check then stops
// at validation (400) or lookup (404) and changes nothing, so every row can run for every role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

type Role = 'agent' | 'supervisor' | 'admin';

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  /** The least role allowed; 'agent' means every logged-in agent. */
  least: Role;
}

const ID = 999_999;
/** Every route under /api that needs a session (server/http/app.ts mounts them behind requireAgent). */
const ROUTES: Route[] = [
  { method: 'GET', path: '/api/auth/me', least: 'agent' },
  { method: 'GET', path: '/api/agents', least: 'admin' },
  { method: 'POST', path: '/api/agents', body: {}, least: 'admin' },
  { method: 'PATCH', path: `/api/agents/${ID}`, body: { role: 'nonsense' }, least: 'admin' },
  { method: 'GET', path: '/api/settings/service', least: 'agent' },
  { method: 'PUT', path: '/api/settings/service', body: { dueSoonHours: -1 }, least: 'admin' },
  { method: 'PUT', path: '/api/settings/norms/eigen-norm', body: {}, least: 'admin' },
  { method: 'GET', path: '/api/reports/compliance', least: 'supervisor' },
  { method: 'GET', path: '/api/reports/overview', least: 'supervisor' },
  { method: 'GET', path: '/api/conversations', least: 'agent' },
  { method: 'GET', path: '/api/conversations/counts', least: 'agent' },
  { method: 'GET', path: `/api/conversations/${ID}`, least: 'agent' },
  { method: 'POST', path: `/api/conversations/${ID}/messages`, body: { text: 'Hallo' }, least: 'agent' },
  { method: 'POST', path: `/api/conversations/${ID}/claim`, least: 'agent' },
  { method: 'POST', path: `/api/conversations/${ID}/close`, body: { outcome: 'handled_first_contact' }, least: 'agent' },
  { method: 'POST', path: `/api/conversations/${ID}/assign`, body: { agentId: null }, least: 'agent' },
  { method: 'POST', path: `/api/conversations/${ID}/status`, body: { status: 'open' }, least: 'agent' },
  { method: 'POST', path: `/api/conversations/${ID}/reopen`, least: 'agent' },
  { method: 'GET', path: `/api/conversations/${ID}/canned-answers/${ID}`, least: 'agent' },
  { method: 'GET', path: `/api/attachments/${ID}`, least: 'agent' },
  { method: 'GET', path: '/api/team', least: 'agent' },
  { method: 'GET', path: '/api/canned-answers', least: 'agent' },
  { method: 'POST', path: '/api/canned-answers', body: {}, least: 'supervisor' },
  { method: 'PUT', path: `/api/canned-answers/${ID}`, body: {}, least: 'supervisor' },
  { method: 'DELETE', path: `/api/canned-answers/${ID}`, least: 'supervisor' },
  // Not a route: logged out it must not even reveal that (401, not 404).
  { method: 'GET', path: '/api/does-not-exist', least: 'agent' },
];

const RANK: Record<Role, number> = { agent: 0, supervisor: 1, admin: 2 };

let db: TestDatabase;
let balie: TestBalie;
const cookies = {} as Record<Role, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url);
  cookies.admin = await balie.login(ADMIN.email, ADMIN.password);
  for (const role of ['agent', 'supervisor'] as const) {
    const agent = await addAgent(db.pool, role, `${role}@gemeente.test`);
    cookies[role] = await balie.login(agent.email, agent.password);
  }
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const call = (route: Route, cookie?: string) => balie.request(route.path, { method: route.method, body: route.body, cookie });
const label = (route: Route) => `${route.method} ${route.path}`;

describe('logged out', () => {
  it.each(ROUTES.map((route) => [label(route), route] as const))('%s → 401 unauthorized', async (_label, route) => {
    for (const cookie of [undefined, 'balie_session=made-up-token']) {
      const response = await call(route, cookie);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it('may read the public endpoints and log in', async () => {
    for (const path of ['/api/public/service', '/api/norms', '/api/deadlines']) {
      expect((await balie.request(path)).status, path).toBe(200);
    }
    const wrong = await balie.request('/api/auth/login', { body: { email: ADMIN.email, password: 'wrong password' } });
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('invalid_credentials');
    expect((await balie.request('/api/auth/login', { body: ADMIN })).status).toBe(200);
  });
});

describe.each(['agent', 'supervisor', 'admin'] as const)('as %s', (role) => {
  it.each(ROUTES.map((route) => [label(route), route] as const))('%s', async (_label, route) => {
    const response = await call(route, cookies[role]);
    if (RANK[role] >= RANK[route.least]) {
      expect([401, 403], await response.clone().text()).not.toContain(response.status);
      expect(response.status).toBeLessThan(500);
    } else {
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
  });
});
