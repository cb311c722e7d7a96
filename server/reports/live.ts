// Live figures (issue 15 §8) and the rollups' dirty days, both fed by the domain events — after the
// writers' transactions, never inside them. Work on a conversation (created, replied, closed,
// rated, assigned, a milestone met or ended) makes today's figures stale: supervisors hear
// `reports.changed` at most once per CHANGE_EVERY_MS (the first change opens a window, the event
// goes at its end, so a steady stream still yields one event per window and never starves). The
// same changes mark the past days whose rollups they alter dirty, for the rollup job.
import type { EventEmitter } from 'node:events';
import { DateTime } from 'luxon';
import type { Pool } from '../db/index.ts';
import { ZONE } from '../deadlines/zone.ts';
import type { DomainEvents } from '../domain-events.ts';
import type { Logger } from '../log.ts';
import { sameCitizen } from './facts.ts';
import type { ReportsChanged } from './kpi-types.ts';

export const CHANGE_EVERY_MS = 2000;

export interface ReportsEventMap {
  /** Today's figures changed (a cheap invalidation; clients refetch). */
  'reports.changed': [ReportsChanged];
}

/** The bus typed with the reports' event (the same bus; style.md §7: the realtime layer maps it). */
export function reportsEvents(events: DomainEvents): EventEmitter<ReportsEventMap> {
  return events as unknown as EventEmitter<ReportsEventMap>;
}

/**
 * Marks dirty the past days (before today) whose figures these conversations count in: their
 * creation, close and rating days, their milestones' due days, and the close days of the same
 * citizen's conversations in the 7 days before a new one (its first-contact figure changes).
 */
export async function markDirtyDays(db: Pool, conversationIds: readonly number[], now = new Date()): Promise<void> {
  if (conversationIds.length === 0) return;
  const z = `'Europe/Amsterdam'`;
  await db.query(
    `INSERT INTO report_dirty_days (day)
     SELECT DISTINCT day FROM (
       SELECT (c.created_at AT TIME ZONE ${z})::date AS day FROM conversations c WHERE c.id = ANY($1)
       UNION SELECT (c.closed_at AT TIME ZONE ${z})::date FROM conversations c WHERE c.id = ANY($1)
       UNION SELECT (c.csat_at AT TIME ZONE ${z})::date FROM conversations c WHERE c.id = ANY($1)
       UNION SELECT (m.due_at AT TIME ZONE ${z})::date FROM milestones m WHERE m.conversation_id = ANY($1)
       UNION SELECT (y.closed_at AT TIME ZONE ${z})::date FROM conversations c JOIN conversations y ON y.contact_id IN (${sameCitizen('c.contact_id')})
              WHERE c.id = ANY($1) AND c.contact_id IS NOT NULL AND y.closed_at >= c.created_at - interval '7 days' AND y.closed_at < c.created_at) d
      WHERE day IS NOT NULL AND day < $2::date
     ON CONFLICT (day) DO UPDATE SET marked_at = now()`,
    [conversationIds, DateTime.fromJSDate(now, { zone: ZONE }).toISODate()],
  );
}

export class ReportsLive {
  #pending = new Set<number>();
  #since: Date | null = null;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly events: DomainEvents,
    private readonly log: Logger,
    private readonly everyMs = CHANGE_EVERY_MS,
  ) {}

  /** Subscribes to the work that changes figures. */
  listen(): void {
    const touched = ({ conversationId }: { conversationId: number }) => this.touch(conversationId);
    this.events.on('conversation.created', touched);
    this.events.on('conversation.updated', touched);
    this.events.on('conversation.closed', touched);
    this.events.on('conversation.rated', touched);
    this.events.on('conversation.assigned', touched);
    this.events.on('deadline.breached', touched);
    this.events.on('message.created', (activity) => {
      if (activity.kind === 'message') this.touch(activity.conversationId);
    });
  }

  /** A conversation's figures changed now. */
  touch(conversationId: number): void {
    this.#pending.add(conversationId);
    if (this.#timer) return;
    this.#since = new Date();
    this.#timer = setTimeout(() => this.#emit(), this.everyMs);
    this.#timer.unref();
  }

  #emit(): void {
    this.#timer = undefined;
    const since = this.#since ?? new Date();
    this.#since = null;
    const ids = [...this.#pending];
    this.#pending.clear();
    const now = new Date();
    reportsEvents(this.events).emit('reports.changed', { day: DateTime.fromJSDate(now, { zone: ZONE }).toISODate()!, since: DateTime.fromJSDate(since, { zone: ZONE }).toISO()! });
    this.#flushing = this.#flushing
      .then(() => markDirtyDays(this.pool, ids, now))
      .catch((error: unknown) => this.log.warn({ err: error, conversations: ids.length }, 'marking report days dirty failed; the rollups safety net will recompute them'));
  }

  /** Sends what is pending now and waits for its dirty marks (shutdown, tests). */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#emit();
    }
    await this.#flushing;
  }

  async stop(): Promise<void> {
    await this.flush();
  }
}
