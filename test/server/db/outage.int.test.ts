// A real Balie process on its own embedded PostgreSQL while that database is frozen (SIGSTOP of
// the postmaster and its backends) or has just died: /healthz answers within a second either way
// (issue 13.10), and SIGTERM stops Balie cleanly and quickly (issue 13.11).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../../server/db/embedded.ts';
import { createLogger } from '../../../server/log.ts';
import { freePort, spawnBalie, stopBalie, waitForHealthy, type BalieProcess } from '../../support/process.ts';
import { untilDone } from '../../support/wait.ts';

const HEALTH_TOKEN = 'a-health-token-for-operators';
let dataDir: string;
let port: number;
let balie: BalieProcess | undefined;
let frozen: number[] = [];

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'balie-outage-'));
  port = await freePort();
});
afterEach(async () => {
  thaw();
  if (balie && balie.child.exitCode === null && balie.child.signalCode === null) await stopBalie(balie, 'SIGKILL', { group: true });
  balie = undefined;
});
afterAll(async () => {
  await untilDone(async () => existsSync(lockFile()), (held) => !held, { stallMs: 20_000 }).catch(() => {});
  await fs.rm(dataDir, { recursive: true, force: true });
});

const lockFile = () => path.join(dataDir, 'postgres', 'postmaster.pid');
const postmasterPid = () => Number(readFileSync(lockFile(), 'utf8').split('\n')[0]);
/** Whether a postmaster runs on the data directory. A killed one leaves its postmaster.pid behind:
 * stale, not a postmaster (the next start takes it over). */
function postmasterRunning(): boolean {
  if (!existsSync(lockFile())) return false;
  try {
    process.kill(postmasterPid(), 0);
    return true;
  } catch {
    return false;
  }
}

/** The postmaster and every process it started (backends, checkpointer, walwriter, …). */
function postgresProcesses(): number[] {
  const postmaster = postmasterPid();
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

function freeze(): void {
  frozen = postgresProcesses();
  for (const pid of frozen) process.kill(pid, 'SIGSTOP');
}

function thaw(): void {
  for (const pid of frozen.splice(0)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone already
    }
  }
}

async function start(): Promise<string> {
  balie = spawnBalie({ DATA_DIR: dataDir, PORT: String(port), HEALTH_TOKEN, LOG_LEVEL: 'info' });
  await waitForHealthy(port, balie, 120_000);
  return `http://127.0.0.1:${port}`;
}

async function timedHealth(url: string, headers: Record<string, string> = {}) {
  const started = performance.now();
  const response = await fetch(`${url}/healthz`, { headers, signal: AbortSignal.timeout(30_000) });
  const body = await response.json();
  return { status: response.status, body, ms: performance.now() - started };
}

describe('PostgreSQL frozen (SIGSTOP of the postmaster and its backends)', () => {
  it('/healthz answers 503 within a second, for anyone and for the operator, and 200 once it runs again', { timeout: 180_000 }, async () => {
    const url = await start();
    // Balie's connections say who they are.
    const database = await openEmbeddedDatabase({ dataDir, log: createLogger('silent'), owner: false });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const names = await untilDone(
      async () => (await client.query<{ name: string }>("SELECT DISTINCT application_name AS name FROM pg_stat_activity WHERE application_name LIKE 'balie%' ORDER BY 1")).rows.map((row) => row.name),
      (found) => ['balie', 'balie-realtime', 'balie-scheduler'].every((name) => found.includes(name)),
    );
    expect(names).toEqual(expect.arrayContaining(['balie', 'balie-realtime', 'balie-scheduler']));
    await client.end();

    freeze();
    try {
      for (let i = 0; i < 3; i++) {
        const anonymous = await timedHealth(url);
        expect(anonymous.ms).toBeLessThan(1_000);
        expect(anonymous.status).toBe(503);
        expect(anonymous.body).toEqual({ status: 'unavailable' });
      }
      const operator = await timedHealth(url, { authorization: `Bearer ${HEALTH_TOKEN}` });
      expect(operator.ms).toBeLessThan(1_000);
      expect(operator.status).toBe(503);
      expect(operator.body).toMatchObject({ status: 'unavailable', checks: { database: 'unavailable' }, details: { database: { kind: 'embedded' } } });
    } finally {
      thaw();
    }
    await waitForHealthy(port, balie!, 60_000);
    const after = await timedHealth(url, { authorization: `Bearer ${HEALTH_TOKEN}` });
    expect(after.body).toMatchObject({ status: 'ok', details: { database: { kind: 'embedded', embedded: { state: 'running' } } } });
    expect((await stopBalie(balie!)).code).toBe(0);
  });

  it('SIGTERM while it is frozen: Balie stops cleanly within 8 s, and the database stops once it runs again', { timeout: 180_000 }, async () => {
    await start();
    freeze();
    const signalled = Date.now();
    const exit = await stopBalie(balie!, 'SIGTERM');
    const tookMs = Date.now() - signalled;
    thaw();
    expect(exit, balie!.output().slice(-3000)).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(8_000);
    expect(balie!.output()).toMatch(/Balie stopped/);
    expect(balie!.output()).not.toMatch(/shutdown took longer/);
    // The fast-shutdown request waited in the frozen postmaster and is acted on now.
    await untilDone(async () => existsSync(lockFile()), (held) => !held, { stallMs: 20_000 });
  });
});

describe('PostgreSQL just died (kill -9 of the postmaster)', () => {
  it('SIGTERM during the restart: Balie stops cleanly within 8 s and leaves no postmaster behind', { timeout: 180_000 }, async () => {
    const url = await start();
    process.kill(postmasterPid(), 'SIGKILL');
    await untilDone(async () => balie!.output(), (output) => /stopped unexpectedly/.test(output), { stallMs: 15_000 });
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    const signalled = Date.now();
    const exit = await stopBalie(balie!, 'SIGTERM');
    const tookMs = Date.now() - signalled;
    expect(exit, balie!.output().slice(-3000)).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(8_000);
    expect(balie!.output()).toMatch(/Balie stopped/);
    expect(balie!.output()).not.toMatch(/shutdown took longer/);
    // SIGTERM may come before the restart began (the killed postmaster's pid file is still there,
    // stale) or after it (the new postmaster must be stopped): either way none may be left running.
    await untilDone(async () => postmasterRunning(), (running) => !running, { stallMs: 20_000 });

    // And the next start recovers the database as usual.
    await start();
    expect((await stopBalie(balie!)).code).toBe(0);
  });
});

describe('PostgreSQL cannot be started again', () => {
  it('after five failed restarts Balie stops and exits non-zero, so that its supervisor restarts it', { timeout: 180_000 }, async () => {
    await start();
    const clusterDir = path.join(dataDir, 'postgres');
    const mode = (await fs.stat(clusterDir)).mode & 0o7777;
    process.kill(postmasterPid(), 'SIGKILL');
    // The server may no longer read its own data directory: every start fails.
    await fs.chmod(clusterDir, 0o000);
    try {
      const exit = await balie!.exited;
      expect(exit.code, balie!.output().slice(-3000)).toBe(1);
      expect(balie!.output().match(/could not restart the embedded PostgreSQL/g)).toHaveLength(5);
      expect(balie!.output()).toMatch(/the embedded PostgreSQL is gone and could not be restarted; Balie exits so that its supervisor restarts it/);
      expect(balie!.output()).toMatch(/Balie stopped/);
    } finally {
      await fs.chmod(clusterDir, mode);
    }
    // What the supervisor does next: a fresh start recovers the database.
    await start();
    expect((await stopBalie(balie!)).code).toBe(0);
  });
});
