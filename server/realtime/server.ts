// The Socket.IO server: the agents' namespace behind their session, the citizens' namespace behind
// their chat session, and the one place where domain events become live events (style.md §7).
import type http from 'node:http';
import type pg from 'pg';
import { Server, type Namespace } from 'socket.io';
import { z } from 'zod';
import { agentForSession } from '../agents/sessions.ts';
import { chatSchemas, type Chat } from '../chat/index.ts';
import type { Db } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import { sessionTokenFrom } from '../http/auth.ts';
import { inboxEvents, sessionRoom } from '../inbox/events.ts';
import { listenLive, UNASSIGNED_QUEUE_ROOM, type LiveRows } from '../inbox/live.ts';
import { reportsEvents } from '../reports/live.ts';
import type { Logger } from '../log.ts';
import { createLocalFirstAdapter } from './adapter.ts';
import { command } from './commands.ts';
import type {
  AgentClientEvents,
  AgentErrorCode,
  AgentServerEvents,
  AgentSocketData,
  HandshakeErrorData,
  WidgetClientEvents,
  WidgetServerEvents,
  WidgetSocketData,
} from './events.ts';
import { AgentSessionWatch, type WatchedSocket } from './agent-sessions.ts';
import { clientAddress, ConnectionLimiter, WindowCounter, type ConnectionRefusal, type Reservation } from './limits.ts';
import { chatRoom, setUpWidgetNamespace } from './widget.ts';

export type AgentNamespace = Namespace<AgentClientEvents, AgentServerEvents, Record<string, never>, AgentSocketData>;
export type WidgetNamespace = Namespace<WidgetClientEvents, WidgetServerEvents, Record<string, never>, WidgetSocketData>;

export interface Realtime {
  io: Server;
  agents: AgentNamespace;
  widget: WidgetNamespace;
  /** Maps the domain events to rooms and payloads, on every instance through the adapter. */
  listen(events: DomainEvents): void;
  close(): Promise<void>;
}

const queueWatchPayload = z.strictObject({ unassigned: z.boolean() });

function refused(message: string, data: HandshakeErrorData): Error {
  return Object.assign(new Error(message), { data });
}

/** The room of the KCC's sockets (agents, supervisors, admins): every inbox broadcast goes here. */
const KCC_ROOM = 'kcc';
/** Back-office users' sockets: only that their hand-offs changed. */
const BACKOFFICE_ROOM = 'backoffice';
/** Supervisors' and admins' sockets: the dashboard's live figures (issue 15 §8). */
const SUPERVISORS_ROOM = 'supervisors';
/** Agents' commands per socket per minute: typing repeats every few seconds, the rest is rare. */
const AGENT_COMMANDS_PER_MINUTE = 600;
const TYPING_RELAY_MS = 1000;
/**
 * An engine connection that has joined no namespace after this long is closed (socket.io's
 * default is 45 s): refused handshakes — the main namespace, a missing token — free their place soon.
 */
const NAMESPACE_JOIN_MS = 10_000;

/** Socket ceilings and session re-checks (config.sockets); defaults as documented in the README. */
export interface SocketSettings {
  perAddress: number;
  perAgent: number;
  max: number;
  agentSessionCheckSeconds: number;
  chatClosedGraceSeconds: number;
}

export const DEFAULT_SOCKET_SETTINGS: SocketSettings = { perAddress: 50, perAgent: 20, max: 800, agentSessionCheckSeconds: 60, chatClosedGraceSeconds: 900 };

/** What a refused engine handshake answers (HTTP 403 with this message). */
const REFUSALS: Record<ConnectionRefusal, string> = {
  per_address: 'too many connections from this address',
  per_agent: 'too many connections for this agent',
  instance_full: 'this server has no room for more connections',
};

export function createRealtime(options: {
  httpServer: http.Server;
  db: Db;
  sessionHours: number;
  agentOrigin: string;
  widgetOrigins: readonly string[];
  log: Logger;
  chat: Chat;
  trustProxy?: boolean | number | string;
  widgetLimits?: { socketPerMinute: number; ipPerMinute: number };
  /** Connection ceilings and session re-checks (issue 12 §2, §8, §10). */
  sockets?: SocketSettings;
  /**
   * With a pool, broadcasts travel through PostgreSQL NOTIFY (@socket.io/postgres-adapter) and reach
   * sockets connected to every Balie instance. The adapter keeps one of its connections checked
   * out for LISTEN, so give it a small pool of its own.
   */
  adapterPool?: pg.Pool;
}): Realtime {
  const { db, sessionHours, agentOrigin, widgetOrigins, log, chat } = options;
  // Over https only the __Host- cookie counts: a sibling host can plant the plain name (issue 12.9).
  const secureCookies = agentOrigin.startsWith('https:');
  const presence = chat.presence;
  const kcc = () => agents.to(KCC_ROOM);
  const sockets = options.sockets ?? DEFAULT_SOCKET_SETTINGS;
  const trustProxy = options.trustProxy ?? false;
  const limiter = new ConnectionLimiter({ perAddress: sockets.perAddress, perAgent: sockets.perAgent, total: sockets.max });
  /** Places taken by handshakes, until their engine connection opens (and then closes). */
  const reservations = new WeakMap<http.IncomingMessage, Reservation>();

  /**
   * Every new engine connection, before any namespace is chosen (issue 12 §2): counted per agent
   * when it carries the session cookie of an agent (from Balie's own origin), else per client
   * address (TRUST_PROXY as for HTTP), and against this instance's ceiling.
   */
  async function allowRequest(req: http.IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void): Promise<void> {
    const address = clientAddress({ address: req.socket.remoteAddress ?? '', headers: req.headers }, trustProxy);
    let agentId: number | undefined;
    const origin = req.headers.origin;
    const token = req.headers.cookie && (origin === undefined || origin === agentOrigin) ? sessionTokenFrom(req.headers.cookie, secureCookies) : undefined;
    if (token) {
      agentId = (await agentForSession(db, token, sessionHours).catch((error: unknown) => {
        log.warn({ err: error }, 'session lookup for a socket handshake failed');
        return undefined;
      }))?.id;
    }
    const reservation = limiter.reserve({ address, agentId });
    if (typeof reservation === 'string') {
      log.debug({ address, agentId, refusal: reservation }, 'refused a socket connection');
      return callback(REFUSALS[reservation], false);
    }
    reservations.set(req, reservation);
    callback(null, true);
  }

  const io = new Server(options.httpServer, {
    // Citizens' browsers on the gemeente website connect cross-origin; agents never need CORS.
    cors: { origin: widgetOrigins.includes('*') ? true : [...widgetOrigins], credentials: false },
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    connectTimeout: NAMESPACE_JOIN_MS,
    allowRequest: (req, callback) => void allowRequest(req, callback),
  });
  io.engine.on('connection', (conn: { request: http.IncomingMessage; once(event: 'close', listener: () => void): void }) => {
    const reservation = reservations.get(conn.request);
    if (!reservation) return;
    reservations.delete(conn.request);
    reservation.confirm();
    conn.once('close', () => reservation.release());
  });
  // Nothing lives in the main namespace: refuse it instead of holding anonymous sockets (issue 12 §2).
  io.of('/').use((_socket, next) => next(refused('There is nothing here; connect to /widget or /agent.', { code: 'forbidden' })));
  if (options.adapterPool) {
    io.adapter(createLocalFirstAdapter(options.adapterPool, { errorHandler: (error) => log.warn({ err: error }, 'Socket.IO PostgreSQL adapter error') }) as never);
  }

  // Each namespace has its own event maps; socket.io types `of()` with the server's, hence the casts.
  const agents = io.of('/agent') as unknown as AgentNamespace;
  agents.use(async (socket, next) => {
    // WebSockets are not subject to CORS: refuse other sites explicitly (cross-site WebSocket hijacking).
    const origin = socket.handshake.headers.origin;
    if (origin !== undefined && origin !== agentOrigin) {
      return next(refused('This origin may not open an agent connection.', { code: 'forbidden_origin' }));
    }
    const token = sessionTokenFrom(socket.handshake.headers.cookie, secureCookies);
    const agent = token ? await agentForSession(db, token, sessionHours).catch((error: unknown) => {
      log.error({ err: error }, 'session lookup for an agent socket failed');
      return undefined;
    }) : undefined;
    if (!agent) return next(refused('Log in first.', { code: 'unauthorized' }));
    if (agent.passwordMustChange) return next(refused('Choose a new password first.', { code: 'password_change_required' }));
    socket.data.agent = { id: agent.id, name: agent.name, role: agent.role };
    socket.data.sessionRoom = sessionRoom(token!);
    // The token stays on this instance, for the session re-checks: socket.data travels to others.
    sessionTokens.set(socket, token!);
    next();
  });
  // By socket object: a handshake that never becomes a connection leaves nothing behind.
  const sessionTokens = new WeakMap<object, string>();
  const watch = new AgentSessionWatch({
    db,
    connectionString: options.adapterPool?.options.connectionString,
    sessionHours,
    checkSeconds: sockets.agentSessionCheckSeconds,
    log,
  });
  watch.start();
  agents.on('connection', (socket) => {
    const agent = socket.data.agent;
    const token = sessionTokens.get(socket)!;
    sessionTokens.delete(socket);
    const watched: WatchedSocket = {
      agentId: agent.id,
      token,
      refresh: (now) => {
        agent.name = now.name;
        agent.role = now.role;
      },
      end: (reason) => {
        socket.emit('session.ended', { reason });
        socket.disconnect(true);
      },
    };
    watch.watch(watched);
    socket.on('disconnect', () => watch.forget(watched));
    // Back-office users (issue 14) connect for their hand-offs only: not in the KCC's room, so no
    // inbox event about conversations they may not read reaches them, and no presence, so they
    // never count as an agent who can take a chat.
    if (agent.role === 'backoffice') {
      void socket.join([`agent:${agent.id}`, socket.data.sessionRoom, BACKOFFICE_ROOM]);
      socket.on('presence.ping', (ack) => {
        if (typeof ack === 'function') ack({ ok: true, data: { serverTime: new Date().toISOString() } });
      });
      socket.emit('session.ready', { agent });
      return;
    }
    void socket.join([`agent:${agent.id}`, socket.data.sessionRoom, KCC_ROOM, ...(agent.role === 'supervisor' || agent.role === 'admin' ? [SUPERVISORS_ROOM] : [])]);
    const perSocket = new WindowCounter(AGENT_COMMANDS_PER_MINUTE);
    const base = { allow: () => perSocket.take(''), log };
    type Reply<T> = { ok: true; data: T } | { ok: false; error: { code: AgentErrorCode } };

    socket.on('presence.ping', (ack) => {
      if (typeof ack === 'function') ack({ ok: true, data: { serverTime: new Date().toISOString() } });
    });
    command(socket, 'presence.set', { ...base, schema: chatSchemas.presencePayload }, async (payload): Promise<Reply<unknown>> => ({
      ok: true,
      data: await presence.set(agent, payload.status),
    }));
    command(socket, 'presence.list', { ...base, schema: undefined }, async (): Promise<Reply<unknown>> => ({ ok: true, data: { agents: await presence.list() } }));

    let lastTyping = 0;
    command(socket, 'typing.set', { ...base, schema: chatSchemas.agentTypingPayload }, async (payload): Promise<Reply<null>> => {
      const now = Date.now();
      if (payload.typing && now - lastTyping < TYPING_RELAY_MS) return { ok: true, data: null };
      const channel = await chat.channelOf(payload.conversationId);
      if (!channel) return { ok: false, error: { code: 'not_found' } };
      lastTyping = payload.typing ? now : 0;
      socket.broadcast.to(KCC_ROOM).emit('conversation.typing', { conversationId: payload.conversationId, by: { type: 'agent', id: agent.id, name: agent.name }, typing: payload.typing, note: payload.note });
      // A note is internal: the citizen never sees that one is being written.
      if (channel === 'chat' && !payload.note) widget.to(chatRoom(payload.conversationId)).emit('agent.typing', { firstName: agent.name.trim().split(/\s+/)[0] ?? null, typing: payload.typing });
      return { ok: true, data: null };
    });
    command(socket, 'queue.watch', { ...base, schema: queueWatchPayload }, async (payload): Promise<Reply<null>> => {
      if (payload.unassigned) await socket.join(UNASSIGNED_QUEUE_ROOM);
      else await socket.leave(UNASSIGNED_QUEUE_ROOM);
      return { ok: true, data: null };
    });
    command(socket, 'messages.mark_read', { ...base, schema: chatSchemas.agentReadPayload }, async (payload): Promise<Reply<unknown>> => {
      const through = await chat.agentRead(payload.conversationId, payload.throughId);
      return { ok: true, data: { throughId: through ?? payload.throughId } };
    });

    socket.on('disconnect', () => {
      presence.disconnected(socket.id, agent).catch((error: unknown) => log.warn({ err: error }, 'could not record an agent leaving'));
    });
    // After the listeners: a command sent right after connecting is not lost while this runs.
    presence
      .connected(socket.id, agent)
      .catch((error: unknown) => log.warn({ err: error }, 'could not record an agent arriving'))
      .finally(() => socket.emit('session.ready', { agent }));
  });

  const widget = io.of('/widget') as unknown as WidgetNamespace;
  setUpWidgetNamespace(widget, {
    chat,
    origins: [...widgetOrigins, agentOrigin],
    trustProxy,
    limits: options.widgetLimits ?? { socketPerMinute: 120, ipPerMinute: 1200 },
    closedGraceSeconds: sockets.chatClosedGraceSeconds,
    log,
    relayTyping: (conversationId, typing) => kcc().emit('conversation.typing', { conversationId, by: { type: 'citizen' }, typing, note: false }),
  });

  function listen(events: DomainEvents): void {
    // One path for the API and the CLI: updateAgent NOTIFYs every instance (this one included),
    // whose sockets of that agent re-check their sessions; here this instance does so at once.
    events.on('agent.sessions_revoked', ({ agentId, reason }) => {
      watch.recheckAgent(agentId, reason).catch((error: unknown) => log.warn({ err: error }, 'could not re-check an agent’s sockets'));
    });
    liveRows = listenLive({
      events,
      db,
      log,
      changed: (change) => kcc().emit('conversations.changed', change),
      notify: (room, notification) => agents.to(room).emit('notification.created', notification),
    });
    events.on('deadline.due_soon', (alert) => kcc().emit('deadline.due_soon', alert));
    events.on('deadline.breached', (alert) => kcc().emit('deadline.breached', alert));
    reportsEvents(events).on('reports.changed', (change) => agents.to(SUPERVISORS_ROOM).emit('reports.changed', change));
    events.on('conversation.created', (activity) => kcc().emit('conversation.created', activity));
    events.on('message.created', ({ chat: view, ...activity }) => {
      kcc().emit('message.created', activity);
      if (view) widget.to(chatRoom(activity.conversationId)).emit('message.created', view);
    });
    events.on('message.delivery_changed', (change) => kcc().emit('message.delivery_changed', change));
    events.on('conversation.assigned', ({ firstName, pickedUp: _pickedUp, ...activity }) => {
      kcc().emit('conversation.assigned', activity);
      if (activity.channel === 'chat') widget.to(chatRoom(activity.conversationId)).emit('agent.joined', { firstName });
    });
    const inbox = inboxEvents(events);
    inbox.on('conversation.handed_over', (activity) => kcc().emit('conversation.assigned', activity));
    inbox.on('conversation.updated', (activity) => {
      kcc().emit('conversation.updated', activity);
      // Every hand-off step announces its conversation's update; back office re-reads its own list.
      agents.to(BACKOFFICE_ROOM).emit('handoffs.changed', {});
    });
    inbox.on('session.logged_out', ({ room }) => {
      agents.to(room).emit('session.ended', { reason: 'logged_out' });
      agents.in(room).disconnectSockets(true);
    });
    events.on('conversation.closed', (activity) => {
      kcc().emit('conversation.closed', activity);
      if (activity.channel !== 'chat') return;
      widget.to(chatRoom(activity.conversationId)).emit('conversation.closed', { closedAt: activity.closedAt });
      // Closing ended the citizen's sessions; open widgets may still rate for the grace period.
      const timer = setTimeout(() => {
        graceTimers.delete(timer);
        widget.in(chatRoom(activity.conversationId)).disconnectSockets(true);
      }, sockets.chatClosedGraceSeconds * 1000);
      timer.unref();
      graceTimers.add(timer);
    });
    events.on('conversation.rated', (activity) => kcc().emit('conversation.rated', activity));
    events.on('chat.ended', (activity) => {
      kcc().emit('chat.ended', activity);
      // Deferred past the acknowledgement of chat.end, which is sent once its handler returns.
      setImmediate(() => widget.in(chatRoom(activity.conversationId)).disconnectSockets(true));
    });
    events.on('message.receipt', ({ conversationId, by, state, throughId, at }) => {
      kcc().emit(state === 'read' ? 'message.read' : 'message.delivered', { conversationId, by, throughId, at });
      if (by === 'agent') widget.to(chatRoom(conversationId)).emit('message.read', { throughId, at });
    });
    events.on('agent.presence_changed', (change) => {
      kcc().emit('agent.presence_changed', change);
      // Widgets that are open learn at once that chat became (un)available.
      chat.service().then(
        (service) => widget.emit('service.changed', { chatOpen: service.chat.open, agentsAvailable: service.chat.agentsAvailable }),
        (error: unknown) => log.warn({ err: error }, 'could not tell widgets about availability'),
      );
    });
  }

  const graceTimers = new Set<NodeJS.Timeout>();
  let liveRows: LiveRows | undefined;

  return {
    io,
    agents,
    widget,
    listen,
    async close() {
      for (const timer of graceTimers) clearTimeout(timer);
      graceTimers.clear();
      liveRows?.stop();
      await watch.stop();
      await new Promise<void>((resolve) => void io.close(() => resolve()));
    },
  };
}
