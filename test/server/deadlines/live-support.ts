// Helpers for the deadline integration tests: agent sockets, a seconds-scale norm, and a Balie whose domain events are heard from its first moment.
import { io as connect, type Socket } from 'socket.io-client';
import { startBalie } from '../../../server/balie.ts';
import { loadConfig } from '../../../server/config.ts';
import { DomainEvents } from '../../../server/domain-events.ts';
import { createLogger } from '../../../server/log.ts';
import type { AgentClientEvents, AgentServerEvents, DeadlineAlert } from '../../../server/realtime/events.ts';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';

export type AgentSocket = Socket<AgentServerEvents, AgentClientEvents>;

/** A connected /agent socket with the session cookie; resolves once the server said session.ready. */
export async function agentSocket(balie: { url: string }, cookie: string): Promise<AgentSocket> {
  const socket: AgentSocket = connect(`${balie.url}/agent`, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('session.ready', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

export interface Received {
  event: 'deadline.due_soon' | 'deadline.breached';
  alert: DeadlineAlert;
  /** Date.now() when the socket received it. */
  at: number;
}

/** Records every deadline event a socket receives. */
export function recordDeadlines(socket: AgentSocket): Received[] {
  const received: Received[] = [];
  socket.on('deadline.due_soon', (alert) => received.push({ event: 'deadline.due_soon', alert, at: Date.now() }));
  socket.on('deadline.breached', (alert) => received.push({ event: 'deadline.breached', alert, at: Date.now() }));
  return received;
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Makes the active norm a custom one whose chat pickup term is `seconds`, with chat hours
 * `always`: a chat queued now gets a pickup milestone due `seconds` later, whatever the clock.
 */
export async function useSecondsNorm(balie: TestBalie, admin: string, seconds = 2): Promise<void> {
  const norm = await balie.request('/api/settings/norms/snelle-chat', {
    method: 'PUT',
    cookie: admin,
    body: { name: 'Snelle chat (test)', source: 'test', terms: { chatPickup: { unit: 'seconds', amount: seconds } }, targets: { chatPickup: 90 } },
  });
  if (norm.status >= 300) throw new Error(`custom norm refused: ${norm.status} ${await norm.text()}`);
  const settings = await balie.request('/api/settings/service', { method: 'PUT', cookie: admin, body: { activeNormId: 'snelle-chat', chatHours: 'always' } });
  if (settings.status !== 200) throw new Error(`settings refused: ${settings.status} ${await settings.text()}`);
}

/** startBalie with a DomainEvents the caller subscribed to before start (to hear what start itself raises). */
export async function startBalieWithEvents(databaseUrl: string, events: DomainEvents) {
  const config = loadConfig({ DATABASE_URL: databaseUrl, PORT: '0', DATA_DIR: '/nonexistent-data-dir-unused-with-database-url', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
  return startBalie(config, createLogger(process.env.BALIE_TEST_LOG ?? 'silent'), { events });
}

export { ADMIN, startTestBalie, DomainEvents };
