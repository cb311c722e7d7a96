// Raises due-soon and breach transitions the moment they happen: one timer armed for the next one, re-armed over LISTEN/NOTIFY.
import { ReconnectingListener } from '../db/listener.ts';
import { inRetriedTransaction, lockConversations, type Pool } from '../db/index.ts';
import type { DeadlineTransition, DomainEvents } from '../domain-events.ts';
import type { Logger } from '../log.ts';
import { isoAmsterdam, MILESTONES_CHANNEL } from './milestones.ts';
import type { MilestoneKind } from './schedule.ts';

// setTimeout holds at most 2^31-1 ms; a later transition is simply re-armed when this one fires.
const MAX_DELAY_MS = 6 * 3_600_000;
const RETRY_DELAY_MS = 5_000;
// How often a calendar recompute left unfinished (a crash, a lost connection) is looked for.
const RESUME_INTERVAL_MS = 15_000;

/** What the scheduler needs of the durable calendar recompute (calendar-recompute.ts). */
export interface RecomputeResumer {
  resume(): void;
}

interface TransitionRow {
  id: number;
  conversation_id: number;
  reference: string;
  kind: MilestoneKind;
  norm_id: string;
  due_at: Date;
}

// Balie's lock order (server/db/lock-order.ts): the conversations of the milestones that are due
// are locked first, in id order, and only then their milestones — the 0006 trigger updates the
// conversation when a milestone changes, and a reply holds its conversation while it meets
// milestones. Two instances transitioning together wait on each other in that same order; the
// state guard, re-checked after the wait, makes the second find nothing: each transition happens
// — and is announced — exactly once, by whichever instance commits it. now() is the
// transaction's start, the same instant in both statements.
// "Met at the due instant is on time", so a breach needs now() strictly past due_at.
// True for a milestone (m) whose due time the calendar recompute under way has already reached.
const NOT_AWAITING_RECOMPUTE = `NOT EXISTS (
  SELECT 1 FROM deadline_recompute r, service_settings s
   WHERE r.applied_version < s.version
     AND m.conversation_id > CASE WHEN r.target_version = s.version THEN r.after_conversation_id ELSE 0 END)`;

const TRANSITIONS = {
  // A breach is final (the recompute leaves breached milestones alone), so none is raised on a due
  // time that a calendar recompute under way has yet to reach: conversations past its cursor, or
  // all of them before a pending pass has begun. Those are raised when the pass has moved them.
  breach: {
    due: `SELECT DISTINCT m.conversation_id FROM milestones m
           WHERE m.state IN ('open', 'due_soon') AND m.due_at < now() AND ${NOT_AWAITING_RECOMPUTE}`,
    update: `
      UPDATE milestones m SET state = 'breached', breached_at = now(), updated_at = now()
        FROM conversations c
       WHERE m.conversation_id = ANY($1::bigint[]) AND m.state IN ('open', 'due_soon') AND m.due_at < now() AND c.id = m.conversation_id
       RETURNING m.id, m.conversation_id, c.reference, m.kind, m.norm_id, m.due_at`,
  },
  dueSoon: {
    due: `SELECT DISTINCT conversation_id FROM milestones WHERE state = 'open' AND due_soon_at <= now() AND due_at >= now()`,
    update: `
      UPDATE milestones m SET state = 'due_soon', due_soon_raised_at = now(), updated_at = now()
        FROM conversations c
       WHERE m.conversation_id = ANY($1::bigint[]) AND m.state = 'open' AND m.due_soon_at <= now() AND m.due_at >= now() AND c.id = m.conversation_id
       RETURNING m.id, m.conversation_id, c.reference, m.kind, m.norm_id, m.due_at`,
  },
} as const;

// Milliseconds until the next transition by the database's clock, which is the clock the
// transition queries compare with; both minima come from partial indexes. Breaches held back for
// a recompute are not waited for: its batches and its end are NOTIFYed, and wake the scheduler.
const NEXT = `
  SELECT extract(epoch FROM least(
           (SELECT min(due_soon_at) FROM milestones WHERE state = 'open'),
           (SELECT min(due_at) FROM milestones m WHERE state IN ('open', 'due_soon') AND ${NOT_AWAITING_RECOMPUTE})
         ) - clock_timestamp())::float8 * 1000 AS delay_ms`;

/**
 * Keeps milestone states current without polling. On start it raises everything that fell due
 * while Balie was down; then it sleeps until the earliest due-soon or due moment. Any change to
 * milestones, on any instance, is NOTIFYed on MILESTONES_CHANNEL and makes every instance re-arm.
 * The listening connection is its own client (not from the pool) and is re-opened when it drops.
 */
export class DeadlineScheduler {
  readonly #pool: Pool;
  readonly #connectionString: string;
  readonly #events: DomainEvents;
  readonly #log: Logger;
  readonly #recompute: RecomputeResumer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #resumeTimer: NodeJS.Timeout | undefined;
  readonly #listener: ReconnectingListener;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  /** With `recompute`, it also resumes an unfinished calendar recompute: at start and every 15 s. */
  constructor(options: { pool: Pool; connectionString: string; events: DomainEvents; log: Logger; recompute?: RecomputeResumer }) {
    this.#pool = options.pool;
    this.#recompute = options.recompute;
    this.#connectionString = options.connectionString;
    this.#events = options.events;
    this.#log = options.log.child({ component: 'deadline-scheduler' });
    this.#listener = new ReconnectingListener({
      connectionString: this.#connectionString,
      channel: MILESTONES_CHANNEL,
      purpose: 'the milestone notification connection',
      log: this.#log,
      onNotification: () => void this.check(),
      // Changes made while we were not listening went unheard: look again.
      onRestored: () => void this.check(),
    });
  }

  /** Listens for changes and raises what is already due; resolves when that first pass is done. */
  async start(): Promise<void> {
    await this.#listener.start();
    await this.check();
    if (this.#recompute && !this.#stopped) {
      this.#recompute.resume();
      this.#resumeTimer = setInterval(() => this.#recompute!.resume(), RESUME_INTERVAL_MS);
      this.#resumeTimer.unref();
    }
  }

  /** Runs the transitions that are due now and re-arms the timer; calls during a run are coalesced into one more run. */
  check(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      // A notification during the last query (NEXT) set #again after the loop had ended: its
      // milestone may be due before the timer just armed, so look once more.
      if (this.#again && !this.#stopped) void this.check();
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#resumeTimer);
    await this.#running?.catch(() => {});
    await this.#listener.stop();
  }

  async #run(): Promise<void> {
    let progressed = false;
    try {
      do {
        this.#again = false;
        // Breaches first: a milestone overdue already is announced as breached, not as due soon.
        const breached = await this.#transition('breach');
        const dueSoon = await this.#transition('dueSoon');
        progressed ||= breached.length + dueSoon.length > 0;
        for (const row of breached) this.#events.emit('deadline.breached', transition(row));
        for (const row of dueSoon) this.#events.emit('deadline.due_soon', transition(row));
      } while (this.#again && !this.#stopped);
      const { rows } = await this.#pool.query<{ delay_ms: number | null }>(NEXT);
      const delay = rows[0]?.delay_ms;
      // A transition whose moment has come but that the queries did not take (its clock tick
      // not reached yet) is retried shortly rather than in a tight loop.
      if (delay !== null && delay !== undefined) this.#arm(delay <= 0 && !progressed ? 20 : delay + 1);
      else clearTimeout(this.#timer);
    } catch (error) {
      if (this.#stopped) return;
      this.#log.warn({ err: error }, `deadline transitions failed; retrying in ${RETRY_DELAY_MS / 1000} s`);
      this.#arm(RETRY_DELAY_MS);
    }
  }

  /** One kind of transition in one transaction, under the lock order; events only after the commit. */
  #transition(kind: keyof typeof TRANSITIONS): Promise<TransitionRow[]> {
    return inRetriedTransaction(this.#pool, async (tx) => {
      const { rows } = await tx.query<{ conversation_id: number }>(TRANSITIONS[kind].due);
      if (rows.length === 0) return [];
      const locked = await lockConversations(tx, rows.map((row) => row.conversation_id));
      return (await tx.query<TransitionRow>(TRANSITIONS[kind].update, [locked])).rows;
    });
  }

  #arm(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.check(), Math.min(Math.max(delayMs, 0), MAX_DELAY_MS));
  }
}

function transition(row: TransitionRow): DeadlineTransition {
  return { milestoneId: row.id, conversationId: row.conversation_id, reference: row.reference, kind: row.kind, normId: row.norm_id, dueAt: isoAmsterdam(row.due_at) };
}
