import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClientEvents, AgentServerEvents } from '../../../server/realtime/events.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

type AgentSocket = Socket<AgentServerEvents, AgentClientEvents>;

let db: TestDatabase;
let balie: TestBalie;
const sockets: AgentSocket[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { PUBLIC_URL: 'http://localhost:3000' });
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

function agentSocket(headers: Record<string, string>): AgentSocket {
  const socket: AgentSocket = connect(`${balie.url}/agent`, { transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true });
  sockets.push(socket);
  return socket;
}

function refusal(socket: AgentSocket): Promise<{ message: string; data?: { code: string } }> {
  return new Promise((resolve, reject) => {
    socket.on('connect', () => reject(new Error('the socket was let in')));
    socket.on('connect_error', (error) => resolve(error as unknown as { message: string; data?: { code: string } }));
  });
}

describe('the /agent namespace', () => {
  it('refuses a socket without a session', async () => {
    const error = await refusal(agentSocket({}));
    expect(error.data?.code).toBe('unauthorized');
  });

  it('refuses a socket with a made-up session', async () => {
    const error = await refusal(agentSocket({ cookie: 'balie_session=made-up' }));
    expect(error.data?.code).toBe('unauthorized');
  });

  it('refuses a logged-in browser on another site (cross-site WebSocket hijacking)', async () => {
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    const error = await refusal(agentSocket({ cookie, origin: 'https://evil.example' }));
    expect(error.data?.code).toBe('forbidden_origin');
  });

  it('lets a logged-in agent in and says who they are', async () => {
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    const socket = agentSocket({ cookie, origin: 'http://localhost:3000' });
    const ready = await new Promise<{ agent: { name: string; role: string } }>((resolve, reject) => {
      socket.on('session.ready', resolve);
      socket.on('connect_error', reject);
    });
    expect(ready.agent.role).toBe('admin');
    const pong = await socket.emitWithAck('presence.ping');
    expect(pong.ok).toBe(true);
  });

  it('disconnects an agent the moment an admin disables them', async () => {
    const agent = await addAgent(db.pool, 'agent', 'weg@gemeente.test');
    const socket = agentSocket({ cookie: await balie.login(agent.email, agent.password) });
    await new Promise((resolve) => socket.on('session.ready', resolve));
    const ended = new Promise((resolve) => socket.on('session.ended', resolve));
    const disconnected = new Promise((resolve) => socket.on('disconnect', resolve));
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    await balie.request(`/api/agents/${agent.id}`, { method: 'PATCH', cookie: admin, body: { disabled: true } });
    await expect(ended).resolves.toEqual({ reason: 'disabled' });
    await expect(disconnected).resolves.toBe('io server disconnect');
  });
});
