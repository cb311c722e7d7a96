// The Socket.IO server: the agents' namespace behind their session, the citizens' namespace for the widget.
import type http from 'node:http';
import { createAdapter } from '@socket.io/postgres-adapter';
import type pg from 'pg';
import { Server, type Namespace } from 'socket.io';
import { agentForSession } from '../agents/sessions.ts';
import type { Db } from '../db/index.ts';
import { sessionTokenFrom } from '../http/auth.ts';
import type { Logger } from '../log.ts';
import type {
  DeadlineAlert,
  AgentClientEvents,
  AgentServerEvents,
  AgentSocketData,
  HandshakeErrorData,
  WidgetClientEvents,
  WidgetServerEvents,
  WidgetSocketData,
} from './events.ts';

export type AgentNamespace = Namespace<AgentClientEvents, AgentServerEvents, Record<string, never>, AgentSocketData>;
export type WidgetNamespace = Namespace<WidgetClientEvents, WidgetServerEvents, Record<string, never>, WidgetSocketData>;

export interface Realtime {
  io: Server;
  agents: AgentNamespace;
  widget: WidgetNamespace;
  /** Disconnects every socket of an agent (logged out elsewhere, disabled). */
  endAgentSessions(agentId: number, reason: 'logged_out' | 'disabled'): void;
  /** Tells every agent, on every instance, that a milestone became due soon or was breached. */
  deadlineAlert(event: 'deadline.due_soon' | 'deadline.breached', alert: DeadlineAlert): void;
  /** Tells every agent, on every instance, about inbox activity. */
  inboxActivity<E extends 'conversation.created' | 'message.created' | 'message.delivery_changed'>(event: E, ...payload: Parameters<AgentServerEvents[E]>): void;
  close(): Promise<void>;
}

function refused(message: string, data: HandshakeErrorData): Error {
  return Object.assign(new Error(message), { data });
}

export function createRealtime(options: {
  httpServer: http.Server;
  db: Db;
  sessionHours: number;
  agentOrigin: string;
  widgetOrigins: readonly string[];
  log: Logger;
  /**
   * With a pool, broadcasts travel through PostgreSQL NOTIFY (@socket.io/postgres-adapter) and reach
   * sockets connected to every Balie instance. The adapter keeps one of its connections checked
   * out for LISTEN, so give it a small pool of its own.
   */
  adapterPool?: pg.Pool;
}): Realtime {
  const { db, sessionHours, agentOrigin, widgetOrigins, log } = options;
  const io = new Server(options.httpServer, {
    // Citizens' browsers on the gemeente website connect cross-origin; agents never need CORS.
    cors: { origin: widgetOrigins.includes('*') ? true : [...widgetOrigins], credentials: false },
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
  });
  if (options.adapterPool) {
    io.adapter(createAdapter(options.adapterPool, { errorHandler: (error) => log.warn({ err: error }, 'Socket.IO PostgreSQL adapter error') }) as never);
  }

  // Each namespace has its own event maps; socket.io types `of()` with the server's, hence the casts.
  const agents = io.of('/agent') as unknown as AgentNamespace;
  agents.use(async (socket, next) => {
    // WebSockets are not subject to CORS: refuse other sites explicitly (cross-site WebSocket hijacking).
    const origin = socket.handshake.headers.origin;
    if (origin !== undefined && origin !== agentOrigin) {
      return next(refused('This origin may not open an agent connection.', { code: 'forbidden_origin' }));
    }
    const token = sessionTokenFrom(socket.handshake.headers.cookie);
    const agent = token ? await agentForSession(db, token, sessionHours).catch((error: unknown) => {
      log.error({ err: error }, 'session lookup for an agent socket failed');
      return undefined;
    }) : undefined;
    if (!agent) return next(refused('Log in first.', { code: 'unauthorized' }));
    socket.data.agent = { id: agent.id, name: agent.name, role: agent.role };
    next();
  });
  agents.on('connection', (socket) => {
    void socket.join(`agent:${socket.data.agent.id}`);
    socket.emit('session.ready', { agent: socket.data.agent });
    socket.on('presence.ping', (ack) => {
      if (typeof ack === 'function') ack({ ok: true, data: { serverTime: new Date().toISOString() } });
    });
  });

  const widget = io.of('/widget') as unknown as WidgetNamespace;
  widget.on('connection', (socket) => {
    socket.on('presence.ping', (ack) => {
      if (typeof ack === 'function') ack({ ok: true, data: { serverTime: new Date().toISOString() } });
    });
  });

  return {
    io,
    agents,
    widget,
    endAgentSessions(agentId, reason) {
      agents.to(`agent:${agentId}`).emit('session.ended', { reason });
      agents.in(`agent:${agentId}`).disconnectSockets(true);
    },
    deadlineAlert(event, alert) {
      agents.emit(event, alert);
    },
    inboxActivity(event, ...payload) {
      agents.emit(event, ...payload);
    },
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}
