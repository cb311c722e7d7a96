// Agents' presence across instances: one row per /agent socket in PostgreSQL, refreshed by a
// heartbeat of the instance that holds it. An agent is online while a fresh row exists, available
// unless they set themselves away; rows of a crashed instance go stale after three beats.
import type { Pool } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import type { Logger } from '../log.ts';
import type { AgentPresence, AgentPresenceStatus } from '../realtime/events.ts';

export class PresenceTracker {
  readonly #pool: Pool;
  readonly #events: DomainEvents;
  readonly #log: Logger;
  readonly #instanceId: string;
  readonly #heartbeatMs: number;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: { pool: Pool; events: DomainEvents; log: Logger; instanceId: string; heartbeatSeconds: number }) {
    this.#pool = options.pool;
    this.#events = options.events;
    this.#log = options.log;
    this.#instanceId = options.instanceId;
    this.#heartbeatMs = options.heartbeatSeconds * 1000;
  }

  /** Seconds after which a row without heartbeat no longer counts. */
  get #staleAfter(): number {
    return (this.#heartbeatMs * 3) / 1000;
  }

  start(): void {
    this.#timer = setInterval(() => void this.#beat(), this.#heartbeatMs);
    this.#timer.unref();
  }

  /** Forgets this instance's connections (they close with it); later disconnects are ignored. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#pool.query('DELETE FROM agent_connections WHERE instance_id = $1', [this.#instanceId]).catch((error: unknown) => {
      this.#log.warn({ err: error }, 'could not clear agent presence');
    });
  }

  async #beat(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#pool.query('UPDATE agent_connections SET last_seen_at = now() WHERE instance_id = $1', [this.#instanceId]);
      // Rows of instances that died without stopping: long stale, nobody will refresh them.
      await this.#pool.query('DELETE FROM agent_connections WHERE last_seen_at < now() - make_interval(secs => $1)', [this.#staleAfter * 4]);
    } catch (error) {
      this.#log.warn({ err: error }, 'presence heartbeat failed');
    }
  }

  async #statusOf(agentId: number): Promise<AgentPresenceStatus> {
    const { rows } = await this.#pool.query<{ n: number; available: boolean | null }>(
      `SELECT count(*)::int AS n, bool_or(status = 'available') AS available FROM agent_connections
        WHERE agent_id = $1 AND last_seen_at > now() - make_interval(secs => $2)`,
      [agentId, this.#staleAfter],
    );
    const row = rows[0]!;
    return row.n === 0 ? 'offline' : row.available ? 'available' : 'away';
  }

  async #changing(agent: { id: number; name: string }, change: () => Promise<unknown>): Promise<AgentPresence> {
    const before = await this.#statusOf(agent.id);
    await change();
    const status = await this.#statusOf(agent.id);
    const presence = { agentId: agent.id, name: agent.name, status };
    if (status !== before) this.#events.emit('agent.presence_changed', presence);
    return presence;
  }

  /** A new /agent socket: it takes the status the agent has in their other tabs (available when none). */
  connected(socketId: string, agent: { id: number; name: string }): Promise<AgentPresence> {
    return this.#changing(agent, () =>
      this.#pool.query(
        `INSERT INTO agent_connections (socket_id, agent_id, instance_id, status)
         VALUES ($1, $2, $3, coalesce((SELECT status FROM agent_connections WHERE agent_id = $2 AND last_seen_at > now() - make_interval(secs => $4)
                                        ORDER BY last_seen_at DESC LIMIT 1), 'available'))
         ON CONFLICT (socket_id) DO NOTHING`,
        [socketId, agent.id, this.#instanceId, this.#staleAfter],
      ),
    );
  }

  async disconnected(socketId: string, agent: { id: number; name: string }): Promise<void> {
    if (this.#stopped) return;
    await this.#changing(agent, () => this.#pool.query('DELETE FROM agent_connections WHERE socket_id = $1', [socketId]));
  }

  /** Available or away, for all of the agent's connections on every instance. */
  set(agent: { id: number; name: string }, status: 'available' | 'away'): Promise<AgentPresence> {
    return this.#changing(agent, () => this.#pool.query('UPDATE agent_connections SET status = $2 WHERE agent_id = $1', [agent.id, status]));
  }

  /** The agents online now, on any instance. */
  async list(): Promise<AgentPresence[]> {
    const { rows } = await this.#pool.query<AgentPresence>(
      `SELECT a.id AS "agentId", a.name, CASE WHEN bool_or(c.status = 'available') THEN 'available' ELSE 'away' END AS status
         FROM agent_connections c JOIN agents a ON a.id = c.agent_id
        WHERE c.last_seen_at > now() - make_interval(secs => $1) AND NOT a.disabled
        GROUP BY a.id, a.name ORDER BY a.name`,
      [this.#staleAfter],
    );
    return rows;
  }

  /** Whether at least one agent is connected and not away: the widget then offers chat. */
  async anyAvailable(): Promise<boolean> {
    const { rows } = await this.#pool.query<{ available: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM agent_connections c JOIN agents a ON a.id = c.agent_id
                       WHERE c.status = 'available' AND c.last_seen_at > now() - make_interval(secs => $1) AND NOT a.disabled) AS available`,
      [this.#staleAfter],
    );
    return rows[0]!.available;
  }
}
