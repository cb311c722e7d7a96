// Retries a transaction that PostgreSQL aborted to resolve a conflict: a deadlock (40P01) or a
// serialization failure (40001). Both are PostgreSQL's way of saying "run it again"; neither
// left anything behind, because the whole transaction was rolled back.
import type pg from 'pg';
import { inTransaction, type Pool } from './pool.ts';

/** SQLSTATEs after which the same transaction, run again, may well succeed. */
export const TRANSIENT_CONFLICT_CODES: ReadonlySet<string> = new Set(['40P01', '40001']);

/** True for a deadlock or serialization failure (SQLSTATE 40P01 or 40001). */
export function isTransientConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CONFLICT_CODES.has(code);
}

export interface RetryOptions {
  /** Tries in all, the first one included (default 5). */
  attempts?: number;
  /** Base of the jittered exponential backoff between tries (default 20 ms). */
  baseDelayMs?: number;
  /** Told about every conflict that will be retried (e.g. to log it). */
  onRetry?: (error: unknown, attempt: number) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` again when it fails with a transient conflict, up to `attempts` times; any other
 * error, or the last conflict, is thrown as it came. `work` must be a whole transaction (or
 * several): retrying one statement inside an aborted transaction cannot succeed. Keep side
 * effects outside the database (events, mail) after it resolves, so a retry does not repeat them.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 20;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransientConflict(error)) throw error;
      options.onRetry?.(error, attempt);
      // Full jitter: the two transactions that deadlocked must not collide again in step.
      await sleep(Math.random() * base * 2 ** (attempt - 1));
    }
  }
}

/** `inTransaction`, run again on a deadlock or serialization failure (see retryOnConflict). */
export function inRetriedTransaction<T>(pool: Pool, work: (tx: pg.PoolClient) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  return retryOnConflict(() => inTransaction(pool, work), options);
}
