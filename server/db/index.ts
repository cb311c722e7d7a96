// The database plumbing's face: connect (external or embedded), migrate, and stop.
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { openEmbeddedDatabase } from './embedded.ts';
import { loadMigrations, migrate } from './migrate.ts';
import { createPool, describeConnectionError, type Pool } from './pool.ts';

export { inTransaction, type Db, type Pool } from './pool.ts';
export { isMigrated, loadMigrations } from './migrate.ts';
export { inRetriedTransaction, isTransientConflict, retryOnConflict, type RetryOptions } from './retry.ts';
export { lockConversations } from './lock-order.ts';

/** The database could not be reached or prepared; the message is one line for the operator. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'database_unavailable';
}

export interface Database {
  pool: Pool;
  /** Ids of the migrations this build expects (for the health check). */
  migrationIds: readonly string[];
  close(): Promise<void>;
}

export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await openEmbeddedDatabase({ dataDir: config.dataDir, log });
  const url = config.databaseUrl ?? embedded!.url;
  const pool = createPool(url, log);
  try {
    await pool.query('SELECT 1').catch((error: unknown) => {
      throw new DatabaseUnavailableError(describeConnectionError(url, error));
    });
    await migrate(pool, log);
  } catch (error) {
    await pool.end().catch(() => {});
    await embedded?.stop();
    throw error;
  }
  const migrationIds = (await loadMigrations()).map((migration) => migration.id);
  return {
    pool,
    migrationIds,
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}
