// The PostgreSQL connection pool and the one helper every data-access module uses for transactions.
import pg from 'pg';
import type { Logger } from '../log.ts';

export type Pool = pg.Pool;
/** A pool or a client inside a transaction: data-access functions take either (style.md §5). */
export type Db = pg.Pool | pg.PoolClient;

// bigint ids (int8) come back as strings by default; Balie's ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * What a pool's connections may spend, per connection (sent as startup parameters, so every
 * statement on them is bounded by PostgreSQL itself). Requests and background work share the
 * defaults; work whose statements legitimately run long (migrations, the calendar recompute and
 * its waits for another instance's pass) gets a pool of its own with `MAINTENANCE_LIMITS`.
 */
export interface ConnectionLimits {
  /** statement_timeout: a statement running longer is cancelled (SQLSTATE 57014). 0: none. */
  statementTimeoutMs: number;
  /** lock_timeout: waiting longer for a row, table or advisory lock fails (55P03). 0: none. */
  lockTimeoutMs: number;
  /** idle_in_transaction_session_timeout: a transaction left idle this long (a stuck caller) is ended with its session, releasing its locks. */
  idleInTransactionTimeoutMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = { statementTimeoutMs: 30_000, lockTimeoutMs: 10_000, idleInTransactionTimeoutMs: 60_000 };
export const MAINTENANCE_LIMITS: ConnectionLimits = { statementTimeoutMs: 0, lockTimeoutMs: 0, idleInTransactionTimeoutMs: 10 * 60_000 };

export interface PoolOptions {
  /** application_name in pg_stat_activity: 'balie', or 'balie-<role>' (e.g. 'balie-realtime'). */
  role?: string;
  limits?: Partial<ConnectionLimits>;
}

/** The application_name of a Balie connection with this role ('balie' for the request pool). */
export function applicationName(role?: string): string {
  return role ? `balie-${role}` : 'balie';
}

/**
 * `connectionString` with application_name and the default limits added as URL parameters, for
 * code that opens a `pg.Client` of its own (the LISTEN connections): pg reads them from the URL.
 * Parameters the operator put in DATABASE_URL win.
 */
export function connectionStringFor(connectionString: string, role: string, limits: ConnectionLimits = DEFAULT_LIMITS): string {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return connectionString;
  }
  const add = (name: string, value: string) => {
    if (!url.searchParams.has(name)) url.searchParams.set(name, value);
  };
  add('application_name', applicationName(role));
  add('statement_timeout', String(limits.statementTimeoutMs));
  add('lock_timeout', String(limits.lockTimeoutMs));
  add('idle_in_transaction_session_timeout', String(limits.idleInTransactionTimeoutMs));
  return url.href;
}

export function createPool(connectionString: string, log: Logger, max = 10, options: PoolOptions = {}): Pool {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const pool = new pg.Pool({
    connectionString,
    max,
    // A server that accepts TCP but never answers (frozen, overloaded) must not hold a caller for long.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: applicationName(options.role),
    // pg sends these only when non-zero; 0 means "none" and leaves the server's default.
    statement_timeout: limits.statementTimeoutMs,
    lock_timeout: limits.lockTimeoutMs,
    idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
    // A database host that vanished (failover, a cut network) is noticed on idle connections
    // instead of when the next query hangs.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // A client losing its connection (database restart, failover, an admin's pg_terminate_backend)
  // must not crash the process. The pool's 'error' covers idle clients only; clients held for
  // long (the Socket.IO adapter's LISTEN) need a listener of their own.
  pool.on('error', (error) => log.warn({ err: error }, 'idle PostgreSQL connection lost'));
  pool.on('connect', (client) => client.on('error', (error) => log.warn({ err: error }, 'PostgreSQL connection lost')));
  return pool;
}

/**
 * Returns a checked-out client to the pool when its connection ends. The Socket.IO PostgreSQL
 * adapter (0.5) holds one client for LISTEN and, when the connection drops, takes a new one
 * without releasing the old: the pool then counts a dead client forever, runs out of
 * connections and never finishes `end()`. Only for pools whose clients are held like that.
 */
export function releaseClientsWhenTheyEnd(pool: Pool): void {
  pool.on('connect', (client) => {
    client.once('end', () => {
      try {
        (client as pg.PoolClient).release(true);
      } catch {
        // Idle, or released already: nothing to do.
      }
    });
  });
}

/** Runs `work` in a transaction; commits when it resolves, rolls back when it throws. */
export async function inTransaction<T>(pool: Pool, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back (lost, timed out) must not go back to the pool.
    broken = await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackError: unknown) => (rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))),
    );
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Describes a connection failure in one line without leaking the password in the URL. */
export function describeConnectionError(connectionString: string, error: unknown): string {
  let where = 'the database';
  try {
    const url = new URL(connectionString);
    where = `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    // keep the generic name
  }
  const err = error as { code?: string; message?: string };
  return `cannot reach PostgreSQL at ${where}: ${err.code ?? ''}${err.code && err.message ? ' ' : ''}${err.message ?? String(error)}`.trim();
}
