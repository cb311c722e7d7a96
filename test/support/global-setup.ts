// Starts one real PostgreSQL (embedded) for the whole test run and prepares a migrated template
// database; every test file then clones its own database from it (see database.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../../server/db/embedded.ts';
import { migrate } from '../../server/db/migrate.ts';
import { createLogger } from '../../server/log.ts';

export const TEMPLATE_DATABASE = 'balie_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://user:pass@127.0.0.1:port — without a database name. */
    postgresServerUrl: string;
  }
}

interface Shared {
  started: Promise<{ server: EmbeddedDatabase; dir: string; serverUrl: string }>;
  users: number;
}

// Each vitest project runs the global setup; they share one server through this process-wide slot.
const slot = globalThis as typeof globalThis & { __baliePostgres?: Shared };

async function startServer() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-test-pg-'));
  const log = createLogger(process.env.BALIE_TEST_LOG ?? 'silent');
  const server = await openEmbeddedDatabase({ dataDir: dir, database: TEMPLATE_DATABASE, log });
  const pool = new pg.Pool({ connectionString: server.url });
  try {
    await migrate(pool, log);
  } finally {
    await pool.end();
  }
  return { server, dir, serverUrl: server.url.replace(/\/[^/]*$/, '') };
}

export default async function setup(project: TestProject) {
  slot.__baliePostgres ??= { started: startServer(), users: 0 };
  const shared = slot.__baliePostgres;
  shared.users += 1;
  const { serverUrl } = await shared.started;
  project.provide('postgresServerUrl', serverUrl);

  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    const { server, dir } = await shared.started;
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
    delete slot.__baliePostgres;
  };
}
