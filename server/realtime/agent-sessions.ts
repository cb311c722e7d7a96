// Keeps agents' live sockets honest about their sessions (issue 12 §8): every socket re-checks its
// session periodically, and every instance LISTENs for the NOTIFY that an agent's sessions ended —
// sent in the same transaction whether the API or `npm run agents` in another process did it.
import { z } from 'zod';
import { AGENT_SESSIONS_CHANNEL, findAgent } from '../agents/agents.ts';
import { agentForSession, type SessionAgent } from '../agents/sessions.ts';
import type { Db } from '../db/index.ts';
import { ReconnectingListener } from '../db/listener.ts';
import type { Logger } from '../log.ts';

export type SessionEndReason = 'logged_out' | 'disabled' | 'expired';

const notice = z.object({ agentId: z.number().int().positive(), reason: z.enum(['disabled', 'logged_out']) });

/** One connected agent socket as the watch sees it. */
export interface WatchedSocket {
  agentId: number;
  /** The login session's token; kept here, never in socket.data (which other instances can fetch). */
  token: string;
  /** The session still holds: the agent as it is now (name and role may have changed). */
  refresh(agent: SessionAgent): void;
  /** The session no longer holds: tell the inbox why and disconnect. */
  end(reason: SessionEndReason): void;
}

/**
 * Re-checks agents' sockets against their sessions in PostgreSQL: each socket every `checkSeconds`,
 * an agent's sockets at once when an instance NOTIFYs that their sessions ended, and all sockets
 * after the LISTEN connection was lost (notices sent meanwhile went unheard). A check that cannot
 * reach the database keeps the socket: the next one decides.
 */
export class AgentSessionWatch {
  readonly #db: Db;
  readonly #sessionHours: number;
  readonly #checkMs: number;
  readonly #log: Logger;
  readonly #sockets = new Map<WatchedSocket, NodeJS.Timeout>();
  readonly #listener: ReconnectingListener | undefined;
  #stopped = false;

  constructor(options: { db: Db; connectionString: string | undefined; sessionHours: number; checkSeconds: number; log: Logger }) {
    this.#db = options.db;
    this.#sessionHours = options.sessionHours;
    this.#checkMs = options.checkSeconds * 1000;
    this.#log = options.log.child({ component: 'agent-session-watch' });
    if (options.connectionString) {
      this.#listener = new ReconnectingListener({
        connectionString: options.connectionString,
        channel: AGENT_SESSIONS_CHANNEL,
        purpose: 'the agent session notice connection',
        applicationName: 'balie-agent-sessions',
        log: this.#log,
        onNotification: (payload) => this.#heard(payload),
        // Notices sent while we were not listening went unheard: check every socket now.
        onRestored: () => void this.recheckAll(),
      });
    }
  }

  /** Starts listening for notices; without a connection string only the periodic checks run. */
  start(): void {
    void this.#listener?.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#sockets.values()) clearTimeout(timer);
    this.#sockets.clear();
    await this.#listener?.stop();
  }

  /** Watches a socket until `forget`; the first periodic check comes after one interval. */
  watch(socket: WatchedSocket): void {
    this.#schedule(socket);
  }

  forget(socket: WatchedSocket): void {
    clearTimeout(this.#sockets.get(socket));
    this.#sockets.delete(socket);
  }

  /** Re-checks this instance's sockets of one agent now, e.g. because their sessions ended. */
  async recheckAgent(agentId: number, reason: SessionEndReason): Promise<void> {
    await Promise.all([...this.#sockets.keys()].filter((socket) => socket.agentId === agentId).map((socket) => this.#check(socket, reason)));
  }

  async recheckAll(): Promise<void> {
    await Promise.all([...this.#sockets.keys()].map((socket) => this.#check(socket)));
  }

  #schedule(socket: WatchedSocket): void {
    if (this.#stopped) return;
    // ±10 %: sockets opened together (an instance restart) do not all query in the same tick.
    const delay = this.#checkMs * (0.9 + Math.random() * 0.2);
    const timer = setTimeout(() => void this.#check(socket).finally(() => this.#sockets.has(socket) && this.#schedule(socket)), delay);
    timer.unref();
    this.#sockets.set(socket, timer);
  }

  /** `reason`: what a notice said; a periodic check finds out itself (disabled, or else expired). */
  async #check(socket: WatchedSocket, reason?: SessionEndReason): Promise<void> {
    if (!this.#sockets.has(socket)) return;
    let agent: SessionAgent | undefined;
    try {
      agent = await agentForSession(this.#db, socket.token, this.#sessionHours);
    } catch (error) {
      this.#log.warn({ err: error, agentId: socket.agentId }, 'could not re-check an agent socket’s session; keeping it until the next check');
      return;
    }
    if (!this.#sockets.has(socket)) return;
    if (agent) return socket.refresh(agent);
    this.forget(socket);
    socket.end(reason ?? ((await findAgent(this.#db, socket.agentId).catch(() => undefined))?.disabled ? 'disabled' : 'expired'));
  }

  #heard(payload: string | undefined): void {
    let parsed: z.infer<typeof notice>;
    try {
      parsed = notice.parse(JSON.parse(payload ?? ''));
    } catch {
      return this.#log.warn({ payload }, 'ignored a malformed agent session notice');
    }
    void this.recheckAgent(parsed.agentId, parsed.reason);
  }
}
