// What Balie's connections are allowed to spend (issue 13.10), who may read /healthz's details
// (issue 12.11), and an external database (DATABASE_URL) that goes away and comes back: said in
// the log and in /healthz, and recovered without anyone acting (issue 13.1).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectionStringFor, createPool } from '../../../server/db/pool.ts';
import { createLogger } from '../../../server/log.ts';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { freePort, spawnBalie, stopBalie, waitForHealthy } from '../../support/process.ts';
import { untilDone } from '../../support/wait.ts';

const HEALTH_TOKEN = 'operators-only-health-token';
let db: TestDatabase;
let balie: TestBalie;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { HEALTH_TOKEN, IMAP_HOST: '127.0.0.1', IMAP_PORT: String(await freePort()), IMAP_USER: 'kcc', MAIL_FROM: 'info@gemeente.test', IMAP_SECURE: 'false' });
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

async function settings(client: pg.ClientBase) {
  const { rows } = await client.query<{ name: string; setting: string }>(
    "SELECT name, current_setting(name) AS setting FROM unnest(array['application_name','statement_timeout','lock_timeout','idle_in_transaction_session_timeout']) AS name",
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.setting]));
}

describe('connection limits', () => {
  it('request pool, maintenance pool and the LISTEN connections carry a name and bounded timeouts', async () => {
    const pool = createPool(db.url, createLogger('silent'), 1);
    try {
      const client = await pool.connect();
      expect(await settings(client)).toEqual({ application_name: 'balie', statement_timeout: '30s', lock_timeout: '10s', idle_in_transaction_session_timeout: '1min' });
      client.release();
    } finally {
      await pool.end();
    }
    // Migrations and the calendar recompute wait for other instances and walk everything: no timeouts.
    const maintenance = await balie.database.maintenancePool.connect();
    expect(await settings(maintenance)).toEqual({ application_name: 'balie-maintenance', statement_timeout: '0', lock_timeout: '0', idle_in_transaction_session_timeout: '10min' });
    maintenance.release();
    const listener = new pg.Client({ connectionString: connectionStringFor(db.url, 'scheduler') });
    await listener.connect();
    expect(await settings(listener)).toMatchObject({ application_name: 'balie-scheduler', statement_timeout: '30s' });
    await listener.end();
  });

  it('a statement that runs too long is cancelled by PostgreSQL itself', async () => {
    const pool = createPool(db.url, createLogger('silent'), 1, { limits: { statementTimeoutMs: 200 } });
    try {
      await expect(pool.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await pool.end();
    }
  });
});

describe('/healthz', () => {
  it('tells anonymous callers the status only, however they ask', async () => {
    const asked: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-of-some-length' }, { cookie: 'balie_session=made-up' }];
    for (const headers of asked) {
      const response = await balie.request('/healthz', { headers });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ status: 'ok' });
      expect(text).not.toContain('127.0.0.1');
    }
  });

  it('gives the details to a HEALTH_TOKEN bearer and to a logged-in agent', async () => {
    const cookie = await balie.login(ADMIN.email, ADMIN.password);
    const asked: Record<string, string>[] = [{ authorization: `Bearer ${HEALTH_TOKEN}` }, { cookie }];
    for (const headers of asked) {
      const body = await (await balie.request('/healthz', { headers })).json();
      expect(body).toMatchObject({ status: 'ok', checks: { database: 'ok' }, details: { database: { state: 'ok', kind: 'external', error: null } } });
      // The mail server is not there: its state and error are for operators only.
      expect(body.details.email).toHaveProperty('imap');
    }
  });
});

describe('an external database that goes away', () => {
  it('is reported in the log and /healthz while it is gone, and Balie is healthy again without anyone acting', { timeout: 120_000 }, async () => {
    const own = await createTestDatabase();
    const name = new URL(own.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: `${inject('postgresServerUrl')}/postgres` });
    await admin.connect();
    const port = await freePort();
    const child = spawnBalie({ DATABASE_URL: own.url, PORT: String(port), HEALTH_TOKEN, LOG_LEVEL: 'info', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    const url = `http://127.0.0.1:${port}`;
    const health = async () => {
      const response = await fetch(`${url}/healthz`, { headers: { authorization: `Bearer ${HEALTH_TOKEN}` } });
      return { status: response.status, body: await response.json() };
    };
    try {
      await waitForHealthy(port, child);
      // Gone: no new connections, and every existing one cut.
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      const down = await untilDone(health, (h) => h.status === 503 && h.body.details.database.state === 'unavailable', { stallMs: 30_000 });
      expect(down.body.details.database).toMatchObject({ kind: 'external', state: 'unavailable' });
      expect(down.body.details.database.error).toMatch(/cannot reach PostgreSQL/);
      expect(down.body.details.database.error).not.toContain(new URL(own.url).password);
      expect(typeof down.body.details.database.retryInMs).toBe('number');
      await untilDone(async () => child.output(), (output) => /database unreachable; Balie keeps running and retries/.test(output), { stallMs: 30_000 });

      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      const up = await untilDone(health, (h) => h.status === 200 && h.body.details.database.state === 'ok', { stallMs: 30_000 });
      expect(up.body.details.database.error).toBeNull();
      await untilDone(async () => child.output(), (output) => /database reachable again/.test(output), { stallMs: 30_000 });
      // Said once when it began, not on every probe.
      expect(child.output().match(/database unreachable; Balie keeps running/g)).toHaveLength(1);
      expect((await stopBalie(child)).code).toBe(0);
    } finally {
      if (child.child.exitCode === null) await stopBalie(child, 'SIGKILL');
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => {});
      await admin.end();
      await own.drop();
    }
  });
});
