// GET /api/public/service: chat open by CHAT_HOURS and closure days, agents available only while one
// is connected and not away — across two instances — the promised date, CORS and rate limits.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../../server/chat/index.ts';
import { ADMIN, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { agentSocket, closeSockets, next, readyCitizen, startChat, startChatBalie, waitUntil } from './chat-support.ts';

const ORIGIN = 'https://www.gemeente.test';
let db: TestDatabase;
let a: TestBalie;
let b: TestBalie;
let admin: string;

beforeAll(async () => {
  db = await createTestDatabase();
  // Two instances on one database, as behind a load balancer; a fast heartbeat for the stale test.
  a = await startChatBalie(db.url, { WIDGET_ORIGINS: ORIGIN, PRESENCE_HEARTBEAT_SECONDS: '0.5' });
  b = await startChatBalie(db.url, { WIDGET_ORIGINS: ORIGIN, PRESENCE_HEARTBEAT_SECONDS: '0.5' });
  admin = await a.login(ADMIN.email, ADMIN.password);
});
afterEach(() => closeSockets());
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await db?.drop();
});

async function service(balie: TestBalie, headers: Record<string, string> = {}): Promise<ServiceStatus> {
  const response = await balie.request('/api/public/service', { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as ServiceStatus;
}

async function setChatHours(body: Record<string, unknown>) {
  const response = await a.request('/api/settings/service', { method: 'PUT', cookie: admin, body });
  expect(response.status).toBe(200);
}

describe('agents available', () => {
  it('only while an agent is connected and not away, seen from either instance', async () => {
    expect((await service(a)).chat).toEqual({ open: true, agentsAvailable: false, available: false, nextOpening: null });
    const agent = await agentSocket(a, admin);
    expect((await service(a)).chat).toMatchObject({ agentsAvailable: true, available: true });
    expect((await service(b)).chat).toMatchObject({ agentsAvailable: true, available: true });

    // A citizen's open widget is told when chat becomes unavailable.
    const chat = await startChat(b);
    const { socket: citizen } = await readyCitizen(b, chat.token);
    const changed = next<{ agentsAvailable: boolean }>(citizen, 'service.changed');
    const away = await agent.emitWithAck('presence.set', { status: 'away' });
    expect(away).toMatchObject({ ok: true, data: { status: 'away' } });
    await expect(changed).resolves.toEqual({ chatOpen: true, agentsAvailable: false });
    expect((await service(b)).chat.agentsAvailable).toBe(false);

    // A second tab of the same agent is away too; "available" applies to all of them.
    const secondTab = await agentSocket(b, admin);
    expect((await service(a)).chat.agentsAvailable).toBe(false);
    const colleagues = await secondTab.emitWithAck('presence.list');
    expect(colleagues).toMatchObject({ ok: true, data: { agents: [{ status: 'away' }] } });
    await secondTab.emitWithAck('presence.set', { status: 'available' });
    expect((await service(a)).chat.agentsAvailable).toBe(true);

    agent.disconnect();
    secondTab.disconnect();
    await waitUntil(async () => !(await service(b)).chat.agentsAvailable, 3_000, 'the agent to go offline');
  });

  it('other agents hear presence changes; an instance that died stops counting after three heartbeats', async () => {
    const watcher = await agentSocket(b, admin);
    const other = await a.request('/api/agents', { cookie: admin, body: { email: 'fatima@gemeente.test', name: 'Fatima el Amrani', role: 'agent', password: 'an agent password' } });
    expect(other.status).toBe(201);
    // An admin chose her password: as if she had chosen her own since (first-password.int.test.ts).
    await db.pool.query("UPDATE agents SET password_must_change = false WHERE email = 'fatima@gemeente.test'");
    const fatima = await a.login('fatima@gemeente.test', 'an agent password');
    const online = next<{ name: string; status: string }>(watcher, 'agent.presence_changed', 5_000, (change) => change.name === 'Fatima el Amrani');
    await agentSocket(a, fatima);
    await expect(online).resolves.toMatchObject({ status: 'available' });
    // As if every instance had crashed: rows not refreshed for three beats (1.5 s) do not count.
    // 3 s: stale, but not yet old enough (four times that) for a heartbeat's clean-up to delete
    // them. Both instances still beat every 0.5 s, and on a busy machine a beat can fall between
    // the update and the question, so the pair is repeated until one question sees only stale rows.
    await waitUntil(
      async () => {
        await db.pool.query("UPDATE agent_connections SET last_seen_at = now() - interval '3 seconds'");
        return !(await service(b)).chat.agentsAvailable;
      },
      15_000,
      'only stale presence rows',
    );
    // …while a live instance's heartbeat brings its own agents back.
    await waitUntil(async () => (await service(b)).chat.agentsAvailable, 15_000, 'the heartbeat');
  });
});

describe('chat hours', () => {
  it('"never": closed, no next opening, and a chat cannot start', async () => {
    await agentSocket(a, admin);
    await setChatHours({ chatHours: 'never' });
    const status = await service(a);
    expect(status.chat).toEqual({ open: false, agentsAvailable: false, available: false, nextOpening: null });
    const start = await a.request('/api/public/chats', { body: { clientId: randomUUID(), text: 'Is er iemand?' } });
    expect(start.status).toBe(409);
    expect(await start.json()).toMatchObject({ error: { code: 'chat_unavailable', service: { chat: { open: false } } } });
  });

  it('a closure day today: closed now, open again at the next opening (ISO with offset)', async () => {
    const today = DateTime.now().setZone('Europe/Amsterdam').toISODate()!;
    await setChatHours({ chatHours: 'mon-sun 00:00-23:59', closureDays: [today] });
    const status = await service(a);
    expect(status.chat.open).toBe(false);
    expect(status.chat.nextOpening).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000[+-]\d{2}:\d{2}$/);
    expect(status.chat.nextOpening!.slice(0, 10) > today).toBe(true);
    await setChatHours({ chatHours: 'always', closureDays: [] });
    expect((await service(a)).chat.open).toBe(true);
  });

  it('promises the norm answer date (Rotterdam: 5 working days), or the acknowledgement when there is no answer term', async () => {
    const vng = await service(a);
    expect(vng.email).toMatchObject({ normId: 'vng', promise: { kind: 'acknowledgement' } });
    const expected = await (await a.request(`/api/deadlines?received=${encodeURIComponent(vng.now)}`)).json();
    expect(vng.email.promise!.dueAt).toBe(expected.due.acknowledgement);
    await setChatHours({ activeNormId: 'rotterdam' });
    const rotterdam = await service(a);
    expect(rotterdam.email.promise).toMatchObject({ kind: 'answer', dueAt: expect.stringMatching(/T17:00:00\.000\+0[12]:00$/) });
    await setChatHours({ activeNormId: 'vng' });
  });
});

describe('CORS for the gemeente website', () => {
  it('answers the embedding origin, not others, and handles the preflight', async () => {
    const allowed = await a.request('/api/public/service', { headers: { origin: ORIGIN } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const other = await a.request('/api/public/service', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await a.request('/api/public/questions', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    // The agents' API is not for other sites.
    const inbox = await a.request('/api/conversations', { headers: { origin: ORIGIN } });
    expect(inbox.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('rate limits', () => {
  let limitedDb: TestDatabase;
  let limited: TestBalie;

  beforeAll(async () => {
    limitedDb = await createTestDatabase();
    limited = await startChatBalie(limitedDb.url, { PUBLIC_RATE_LIMIT: '3', PUBLIC_SUBMIT_LIMIT: '3', WIDGET_SOCKET_RATE_LIMIT: '5', WIDGET_IP_RATE_LIMIT: '1000' });
  });
  afterAll(async () => {
    await limited?.stop();
    await limitedDb?.drop();
  });

  it('limits events per widget socket', async () => {
    const cookie = await limited.login(ADMIN.email, ADMIN.password);
    await agentSocket(limited, cookie);
    const chat = await startChat(limited);
    const { socket } = await readyCitizen(limited, chat.token);
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await socket.emitWithAck('typing.set', { typing: false }));
    expect(replies.slice(0, 5).every((reply) => reply.ok)).toBe(true);
    expect(replies[5]).toEqual({ ok: false, error: { code: 'rate_limited' } });
    expect(await socket.emitWithAck('message.send', { clientId: randomUUID(), text: 'Hallo?' })).toEqual({ ok: false, error: { code: 'rate_limited' } });
  });

  it('limits reads per minute and submissions (chats and questions) per hour, per IP address', async () => {
    for (let i = 0; i < 3; i++) expect((await limited.request('/api/public/service')).status).toBe(200);
    const refused = await limited.request('/api/public/service');
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe('rate_limited');

    // One chat was started above; two more submissions are allowed this hour.
    const question = () => limited.request('/api/public/questions', { body: { clientId: randomUUID(), email: 'jan@example.nl', text: 'Wanneer wordt het grofvuil opgehaald?' } });
    expect((await question()).status).toBe(201);
    expect((await question()).status).toBe(201);
    const third = await question();
    expect(third.status).toBe(429);
    expect((await third.json()).error.code).toBe('rate_limited');
  });
});
