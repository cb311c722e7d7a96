// The database plumbing's face: connect (external or embedded), migrate, watch, and stop.
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { openEmbeddedDatabase, type EmbeddedDatabase, type EmbeddedStatus } from './embedded.ts';
import { loadMigrations, migrate } from './migrate.ts';
import { connectionStringFor, createPool, describeConnectionError, MAINTENANCE_LIMITS, type Pool } from './pool.ts';

export { inTransaction, type Db, type Pool } from './pool.ts';
export { isMigrated, loadMigrations } from './migrate.ts';
export { inRetriedTransaction, isTransientConflict, retryOnConflict, type RetryOptions } from './retry.ts';
export { lockConversations } from './lock-order.ts';

/** The database could not be reached or prepared; the message is one line for the operator. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'database_unavailable';
}

/** What Balie knows about its database between health checks (for /healthz details and the log). */
export interface DatabaseHealth {
  /** ok, or unavailable since `since` (Balie keeps running and keeps trying). */
  state: 'ok' | 'unavailable';
  since: string;
  /** The last error seen while unavailable, without credentials. */
  error: string | null;
  /** When the next attempt to reach it is due, while unavailable. */
  retryInMs: number | null;
  /** external (DATABASE_URL) or embedded, with the embedded server's own state. */
  kind: 'external' | 'embedded';
  embedded?: EmbeddedStatus;
}

export interface Database {
  /** Requests and background work: statement, lock and idle-in-transaction timeouts (pool.ts). */
  pool: Pool;
  /**
   * Work whose statements legitimately run long or wait for another instance (the calendar
   * recompute's pass lock, reconcile): no statement or lock timeout, application_name
   * 'balie-maintenance'.
   */
  maintenancePool: Pool;
  /** Ids of the migrations this build expects (for the health check). */
  migrationIds: readonly string[];
  /** The connection string for a role's own connections (LISTEN), with application_name and timeouts. */
  connectionStringFor(role: string): string;
  health(): DatabaseHealth;
  /** Whether the database answers `SELECT 1` within `ms` (a failure makes the monitor look again at once). */
  ping(ms: number): Promise<boolean>;
  /** A health check saw the database answer (or not): the monitor looks again if that is news. */
  observed(ok: boolean): void;
  /** Ends the pools (bounded) and stops the embedded server; `quick` when the database is unreachable. */
  close(options?: { quick?: boolean }): Promise<void>;
}

export interface OpenDatabaseOptions {
  /**
   * The embedded server died and could not be restarted: the process should exit non-zero so
   * that its supervisor (systemd, a container runtime) starts Balie again.
   */
  onGiveUp?(error: Error): void;
}

export async function openDatabase(config: Config, log: Logger, options: OpenDatabaseOptions = {}): Promise<Database> {
  const embedded = config.databaseUrl
    ? undefined
    : await openEmbeddedDatabase({
        dataDir: config.dataDir,
        log,
        watch: {
          onGiveUp: (error) => {
            log.fatal({ err: error }, 'the embedded PostgreSQL is gone and could not be restarted; Balie exits so that its supervisor restarts it');
            options.onGiveUp?.(error);
          },
        },
      });
  const url = config.databaseUrl ?? embedded!.url;
  const pool = createPool(url, log);
  const maintenancePool = createPool(url, log, 2, { role: 'maintenance', limits: MAINTENANCE_LIMITS });
  try {
    await pool.query('SELECT 1').catch((error: unknown) => {
      throw new DatabaseUnavailableError(describeConnectionError(url, error));
    });
    await migrate(maintenancePool, log);
  } catch (error) {
    await endPool(pool);
    await endPool(maintenancePool);
    await embedded?.stop();
    throw error;
  }
  const migrationIds = (await loadMigrations()).map((migration) => migration.id);
  const monitor = new DatabaseMonitor(pool, url, log, embedded);
  monitor.start();
  return {
    pool,
    maintenancePool,
    migrationIds,
    connectionStringFor: (role) => connectionStringFor(url, role),
    health: () => monitor.health(),
    observed: (ok) => monitor.observed(ok),
    async ping(ms) {
      if (embedded && embedded.status().state !== 'running') return false;
      const ok = await withDeadline(pool.query('SELECT 1'), ms).then(
        () => true,
        () => false,
      );
      monitor.observed(ok);
      return ok;
    },
    async close(closeOptions = {}) {
      monitor.stop();
      const bound = closeOptions.quick ? QUICK_POOL_END_MS : POOL_END_BOUND_MS;
      await Promise.all([endPool(pool, bound), endPool(maintenancePool, bound)]);
      await embedded?.stop({ quick: closeOptions.quick });
    },
  };
}

// A pool whose server is gone (or frozen) may never finish `end()`: its clients wait for answers
// that do not come. Stopping Balie must not wait for them (issue 13.11).
const POOL_END_BOUND_MS = 2_000;
const QUICK_POOL_END_MS = 500;

/** Ends `pool`, waiting at most a moment; connections still busy then are dropped with the process. */
export async function endPool(pool: Pool, boundMs = POOL_END_BOUND_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    pool.end().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, boundMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/** `work`, or a rejection when it has not settled within `ms` (the work itself goes on). */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const HEALTHY_PROBE_MS = 10_000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;
const PROBE_DEADLINE_MS = 2_000;
// While unavailable, repeat the log line at most this often (the transitions are always logged).
const OUTAGE_LOG_MS = 60_000;

/**
 * Watches whether the database answers, so that an outage is said once in the log (and when it
 * ends, with its length) and /healthz can tell since when and why. The pool reconnects by itself
 * on the next query; the probe is what retries with backoff while nobody asks, and an idle
 * connection lost (the pool's 'error') makes it look at once.
 */
class DatabaseMonitor {
  #state: DatabaseHealth['state'] = 'ok';
  #since = new Date().toISOString();
  #error: string | null = null;
  #retryDelay = FIRST_RETRY_MS;
  #nextAt: number | null = null;
  #timer: NodeJS.Timeout | undefined;
  #probing = false;
  #stopped = false;
  #lastOutageLog = 0;

  constructor(
    private readonly pool: Pool,
    private readonly url: string,
    private readonly log: Logger,
    private readonly embedded: EmbeddedDatabase | undefined,
  ) {}

  start(): void {
    this.pool.on('error', () => this.#schedule(0));
    this.#schedule(HEALTHY_PROBE_MS);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Someone else (a health check) saw the database answer or not: probe now if that is news. */
  observed(ok: boolean): void {
    if (ok !== (this.#state === 'ok') && !this.#probing) this.#schedule(0);
  }

  health(): DatabaseHealth {
    const unavailable = this.#state === 'unavailable';
    return {
      state: this.#state,
      since: this.#since,
      error: this.#error,
      retryInMs: unavailable && this.#nextAt !== null ? Math.max(0, this.#nextAt - Date.now()) : null,
      kind: this.embedded ? 'embedded' : 'external',
      ...(this.embedded ? { embedded: this.embedded.status() } : {}),
    };
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#nextAt = Date.now() + ms;
    this.#timer = setTimeout(() => void this.#probe(), ms);
    this.#timer.unref();
  }

  async #probe(): Promise<void> {
    if (this.#probing || this.#stopped) return;
    this.#probing = true;
    try {
      await withDeadline(this.pool.query('SELECT 1'), PROBE_DEADLINE_MS);
      if (this.#state === 'unavailable') {
        const downMs = Date.now() - Date.parse(this.#since);
        this.log.warn({ downMs }, 'database reachable again');
        this.#set('ok', null);
      }
      this.#retryDelay = FIRST_RETRY_MS;
      this.#schedule(HEALTHY_PROBE_MS);
    } catch (error) {
      const message = describeConnectionError(this.url, error);
      const retryInMs = this.#retryDelay;
      if (this.#state === 'ok') {
        this.log.error({ retryInMs }, `database unreachable; Balie keeps running and retries: ${message}`);
        this.#lastOutageLog = Date.now();
      } else if (Date.now() - this.#lastOutageLog >= OUTAGE_LOG_MS) {
        this.log.error({ retryInMs, downMs: Date.now() - Date.parse(this.#since) }, `database still unreachable: ${message}`);
        this.#lastOutageLog = Date.now();
      }
      this.#set('unavailable', message);
      this.#schedule(retryInMs);
      this.#retryDelay = Math.min(this.#retryDelay * 2, MAX_RETRY_MS);
    } finally {
      this.#probing = false;
    }
  }

  #set(state: DatabaseHealth['state'], error: string | null): void {
    if (state !== this.#state) this.#since = new Date().toISOString();
    this.#state = state;
    this.#error = error;
  }
}
