// Applies the SQL migrations in server/db/migrations at start, once, in order, under a lock.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.ts';
import { inTransaction, type Db, type Pool } from './pool.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
// Any constant will do; it only has to be the same for every Balie instance sharing the database.
const MIGRATION_LOCK = 0x62616c6965;

interface Migration {
  id: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(): Promise<Migration[]> {
  const files = (await fs.readdir(MIGRATIONS_DIR)).filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await fs.readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
      return { id: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Brings the schema up to date. Several instances starting together serialise on an advisory
 * lock; a released migration whose file was edited afterwards stops the start (migrations are
 * never edited once released — write a new one).
 */
export async function migrate(pool: Pool, log: Logger): Promise<void> {
  const migrations = await loadMigrations();
  await inTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = new Map(
      (await tx.query<{ id: string; checksum: string }>('SELECT id, checksum FROM schema_migrations')).rows.map((row) => [row.id, row.checksum]),
    );
    for (const migration of migrations) {
      const checksum = applied.get(migration.id);
      if (checksum === migration.checksum) continue;
      if (checksum !== undefined) {
        throw new Error(`migration ${migration.id} was changed after it was applied; add a new migration instead`);
      }
      await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)', [migration.id, migration.checksum]);
      log.info({ migration: migration.id }, 'migration applied');
    }
  });
}

/** True when every migration this build knows of has been applied (the health check asks this). */
export async function isMigrated(db: Db, expected: readonly string[]): Promise<boolean> {
  const result = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM schema_migrations WHERE id = ANY($1)', [expected]);
  return result.rows[0]!.count === expected.length;
}
