// The durable calendar recompute: brings every unmet milestone to the current settings version,
// one batch per transaction with its progress, resumed after a crash, a deadlock or a lost connection.
import type pg from 'pg';
import { retryOnConflict, type Db, type Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { expectedSchedules, recomputeBatch, RECOMPUTE_BATCH, type ExpectedSchedule, type OpenMilestoneRow, type RecomputeResult } from './recompute.ts';
import { notifyMilestonesChanged } from './milestones.ts';
import { loadServiceContext } from './settings.ts';

// One pass at a time across all instances: a pass on old settings must not finish after, and
// overwrite, one on newer settings. Held for the session: it ends when the process dies.
const RECOMPUTE_LOCK = 0x62616c6964;
// A pass that failed (database gone, a bug) is tried again after this, doubling up to the cap.
const RETRY_DELAY_MS = 1_000;
const MAX_RETRY_DELAY_MS = 60_000;

export interface RecomputeStatus {
  /** The version of the service settings now (bumped by every change, norms included). */
  settingsVersion: number;
  /** The version every unmet milestone followed when the last pass completed. */
  appliedVersion: number;
  /** The version the pass under way applies, and the last conversation it has done. */
  targetVersion: number;
  afterConversationId: number;
  /** True while open milestones may still follow an older calendar. */
  pending: boolean;
}

export interface RecomputeOutcome extends RecomputeResult {
  /** Another instance held the pass; nothing was done here. */
  skipped: boolean;
}

interface ProgressRow {
  applied_version: number;
  target_version: number;
  after_conversation_id: number;
}

/** Where the recompute stands against the current settings. */
export async function recomputeStatus(db: Db): Promise<RecomputeStatus> {
  const { rows } = await db.query<{ settings_version: number | null } & Partial<ProgressRow>>(
    `SELECT (SELECT version FROM service_settings) AS settings_version, r.applied_version, r.target_version, r.after_conversation_id
       FROM (SELECT 1) one LEFT JOIN deadline_recompute r ON true`,
  );
  const row = rows[0]!;
  const settingsVersion = row.settings_version ?? 0;
  const appliedVersion = row.applied_version ?? 0;
  return {
    settingsVersion,
    appliedVersion,
    targetVersion: row.target_version ?? 0,
    afterConversationId: row.after_conversation_id ?? 0,
    pending: appliedVersion < settingsVersion,
  };
}

type Step = { done: true } | { done: false; examined: number; changed: number };

/**
 * Runs passes until the applied version is the settings version. Each step is one transaction:
 * it reads the settings, takes the progress row, restarts the pass when the settings moved on
 * since it began (conversations done so far followed the old ones), then does the next batch of
 * conversations and advances the cursor — or, with none left, records the version as applied.
 *
 * In one process calls are coalesced: `catchUp` joins a pass under way and waits until it has
 * caught up (for an admin's PUT, so its answer says the calendar is applied); `resume` starts one
 * in the background unless another instance has it (start-up, the scheduler).
 */
export class CalendarRecompute {
  readonly #pool: Pool;
  readonly #log: Logger;
  readonly #batchSize: number;
  #running: Promise<RecomputeOutcome> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelay = RETRY_DELAY_MS;
  #resuming = false;
  #stopped = false;
  // The schedule function of the last settings version seen: its memo spans the batches of a pass.
  #expected: { version: number; fn: (row: OpenMilestoneRow) => ExpectedSchedule | null } | undefined;

  constructor(options: { pool: Pool; log: Logger; batchSize?: number }) {
    this.#pool = options.pool;
    this.#log = options.log.child({ component: 'calendar-recompute' });
    this.#batchSize = options.batchSize ?? RECOMPUTE_BATCH;
  }

  status(): Promise<RecomputeStatus> {
    return recomputeStatus(this.#pool);
  }

  /** Resolves once every unmet milestone follows the settings as they are at the call (or later). */
  async catchUp(): Promise<RecomputeResult> {
    const total: RecomputeResult = { examined: 0, changed: 0 };
    for (;;) {
      // A stopping Balie leaves the rest to the next start (it would loop here otherwise).
      if (this.#stopped) throw new Error('the calendar recompute is stopping; the next start resumes it');
      if (!this.#running && !(await this.status()).pending) return total;
      // Waits for another instance's pass rather than skipping: then reads the status again.
      const outcome = await this.#start(true);
      total.examined += outcome.examined;
      total.changed += outcome.changed;
    }
  }

  /**
   * Starts a pass in the background when one is pending and nobody runs it (one cheap query when
   * nothing is pending). A pass that fails is tried again later, from its last batch.
   */
  resume(): void {
    if (this.#stopped || this.#running || this.#resuming) return;
    this.#resuming = true;
    void this.#resume().finally(() => {
      this.#resuming = false;
    });
  }

  async #resume(): Promise<void> {
    try {
      if (!(await this.status()).pending || this.#stopped) return;
      await this.#start(false);
      this.#retryDelay = RETRY_DELAY_MS;
    } catch (error) {
      if (this.#stopped) return;
      this.#log.warn({ err: error, retryInMs: this.#retryDelay }, 'calendar recompute failed; it resumes from its last batch');
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => this.resume(), this.#retryDelay);
      this.#retryTimer.unref();
      this.#retryDelay = Math.min(this.#retryDelay * 2, MAX_RETRY_DELAY_MS);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    await this.#running?.catch(() => {});
  }

  #start(wait: boolean): Promise<RecomputeOutcome> {
    this.#running ??= this.#run(wait).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #run(wait: boolean): Promise<RecomputeOutcome> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    const outcome: RecomputeOutcome = { examined: 0, changed: 0, skipped: false };
    try {
      if (wait) await client.query('SELECT pg_advisory_lock($1)', [RECOMPUTE_LOCK]);
      else if (!(await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [RECOMPUTE_LOCK])).rows[0]!.got) {
        return { ...outcome, skipped: true };
      }
      const started = performance.now();
      try {
        for (;;) {
          if (this.#stopped) break;
          const step = await retryOnConflict(() => this.#step(client), {
            onRetry: (error, attempt) => this.#log.info({ err: error, attempt }, 'calendar recompute batch hit a conflict; retrying'),
          });
          if (step.done) break;
          outcome.examined += step.examined;
          outcome.changed += step.changed;
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [RECOMPUTE_LOCK]);
      }
      if (outcome.examined > 0) this.#log.info({ ...outcome, ms: Math.round(performance.now() - started) }, 'recomputed open milestones');
      return outcome;
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      // A client whose connection failed must not go back to the pool (nor keep the lock).
      client.release(broken);
    }
  }

  /** One transaction on the lock holder's connection. */
  async #step(client: pg.PoolClient): Promise<Step> {
    await client.query('BEGIN');
    try {
      const step = await this.#stepIn(client);
      await client.query('COMMIT');
      return step;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  async #stepIn(tx: pg.PoolClient): Promise<Step> {
    const context = await loadServiceContext(tx);
    const version = context.settings.version;
    const { rows } = await tx.query<ProgressRow>('SELECT applied_version, target_version, after_conversation_id FROM deadline_recompute FOR UPDATE');
    let progress = rows[0];
    if (!progress) {
      // Only a database whose row was removed by hand: start from nothing.
      progress = { applied_version: 0, target_version: 0, after_conversation_id: 0 };
      await tx.query('INSERT INTO deadline_recompute (applied_version, target_version) VALUES (0, 0) ON CONFLICT (id) DO NOTHING');
    }
    if (progress.applied_version >= version) return { done: true };
    let after = progress.after_conversation_id;
    if (progress.target_version !== version) {
      after = 0;
      await tx.query('UPDATE deadline_recompute SET target_version = $1, after_conversation_id = 0, started_at = now(), updated_at = now(), finished_at = NULL', [version]);
    }
    if (this.#expected?.version !== version) this.#expected = { version, fn: expectedSchedules(context) };
    const batch = await recomputeBatch(tx, after, this.#expected.fn, this.#batchSize);
    if (batch.lastId === null) {
      await tx.query('UPDATE deadline_recompute SET applied_version = $1, target_version = $1, updated_at = now(), finished_at = now()', [version]);
      // Schedulers held back breaches while this pass was under way: let them look again.
      await notifyMilestonesChanged(tx);
      this.#log.info({ version }, 'open milestones follow the current service settings');
      return { done: false, examined: 0, changed: 0 };
    }
    await tx.query('UPDATE deadline_recompute SET after_conversation_id = $1, updated_at = now()', [batch.lastId]);
    return { done: false, examined: batch.examined, changed: batch.changed };
  }
}
