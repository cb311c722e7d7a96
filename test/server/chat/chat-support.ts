// Shared by the chat's integration tests: a Balie where chat is open around the clock, agents on
// /agent and citizens on /widget as real socket.io clients, and starting a chat like the widget does.
import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import type { AgentClientEvents, AgentServerEvents, ChatMessage, ChatState, WidgetClientEvents, WidgetServerEvents } from '../../../server/realtime/events.ts';
import { startTestBalie, type TestBalie } from '../../support/balie.ts';

export type AgentSocket = Socket<AgentServerEvents, AgentClientEvents>;
export type CitizenSocket = Socket<WidgetServerEvents, WidgetClientEvents>;

/** Chat open 24/7 and limits far above what a test does; override per file. */
export const CHAT_ENV = {
  CHAT_HOURS: 'always',
  PUBLIC_RATE_LIMIT: '10000',
  PUBLIC_SUBMIT_LIMIT: '10000',
  WIDGET_IP_RATE_LIMIT: '100000',
  WIDGET_SOCKET_RATE_LIMIT: '10000',
} as const;

export function startChatBalie(databaseUrl: string, env: Record<string, string> = {}): Promise<TestBalie> {
  return startTestBalie(databaseUrl, { ...CHAT_ENV, ...env });
}

const open: Socket[] = [];

/** Disconnects every socket the helpers opened (call in afterEach/afterAll). */
export function closeSockets(): void {
  for (const socket of open.splice(0)) socket.disconnect();
}

/**
 * A connected /agent socket; resolves after session.ready (its presence is recorded by then).
 * `keep`: not closed by closeSockets() — the test closes it itself.
 */
export async function agentSocket(balie: { url: string }, cookie: string, options: { keep?: boolean } = {}): Promise<AgentSocket> {
  const socket: AgentSocket = connect(`${balie.url}/agent`, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true });
  if (!options.keep) open.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('session.ready', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** A /widget socket with this token, not yet connected (so that listeners can be attached first). */
export function citizenSocket(balie: { url: string }, token: unknown, options: { headers?: Record<string, string> } = {}): CitizenSocket {
  const socket: CitizenSocket = connect(`${balie.url}/widget`, {
    transports: ['websocket'],
    auth: { token },
    extraHeaders: options.headers,
    reconnection: false,
    forceNew: true,
    autoConnect: false,
  });
  open.push(socket);
  return socket;
}

/** Connects a citizen socket and resolves with the session.ready state. */
export async function readyCitizen(balie: { url: string }, token: string): Promise<{ socket: CitizenSocket; state: ChatState }> {
  const socket = citizenSocket(balie, token);
  const state = await new Promise<ChatState>((resolve, reject) => {
    socket.once('session.ready', ({ conversation }) => resolve(conversation));
    socket.once('connect_error', reject);
    socket.connect();
  });
  return { socket, state };
}

/** Resolves with the handshake refusal's code; fails when the socket is let in. */
export function refusal(socket: CitizenSocket): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('the socket was let in')));
    socket.once('connect_error', (error) => resolve((error as unknown as { data?: { code: string } }).data?.code));
    socket.connect();
  });
}

export interface StartedChat {
  token: string;
  expiresAt: string;
  conversation: ChatState;
  message: ChatMessage;
  conversationId: number;
}

/** POST /api/public/chats as the widget does; looks the conversation id up for the test's own use. */
export async function startChat(balie: TestBalie, text = 'Hoe vraag ik een parkeervergunning aan?', extra: { clientId?: string; name?: string } = {}): Promise<StartedChat> {
  const response = await balie.request('/api/public/chats', { body: { clientId: extra.clientId ?? randomUUID(), text, ...(extra.name ? { name: extra.name } : {}) } });
  if (response.status !== 201 && response.status !== 200) throw new Error(`chat not started: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as Omit<StartedChat, 'conversationId'>;
  const { rows } = await balie.database.pool.query<{ id: number }>('SELECT id FROM conversations WHERE reference = $1', [body.conversation.reference]);
  return { ...body, conversationId: rows[0]!.id };
}

/** The next `event` on the socket for which `where` holds (rejects after `ms`). */
export function next<T>(socket: Socket, event: string, ms = 5_000, where: (payload: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (payload: T) => {
      if (!where(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    socket.on(event, listener);
  });
}

/** Collects every `event` the socket receives. */
export function record<T>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(condition: () => boolean | Promise<boolean>, ms = 5_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}
