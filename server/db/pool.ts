// The PostgreSQL connection pool and the one helper every data-access module uses for transactions.
import pg from 'pg';
import type { Logger } from '../log.ts';

export type Pool = pg.Pool;
/** A pool or a client inside a transaction: data-access functions take either (style.md §5). */
export type Db = pg.Pool | pg.PoolClient;

// bigint ids (int8) come back as strings by default; Balie's ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function createPool(connectionString: string, log: Logger, max = 10): Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
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
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
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
