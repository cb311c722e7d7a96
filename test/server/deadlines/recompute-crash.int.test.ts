// Issue 11 item 5: a calendar recompute is durable. Balie is killed (kill -9) half-way through
// the recompute a closure day started; the next start finishes it from its last batch, and
// every open milestone then follows the calendar the settings show.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeStatus } from '../../../server/deadlines/calendar-recompute.ts';
import { ADMIN, adminLogin, sessionCookie, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { freePort, spawnBalie, stopBalie, waitForHealthy, type BalieProcess } from '../../support/process.ts';
import { milestonesOffCalendar, recomputeCaughtUp, seedOpenMail, waitFor, weekdaysFrom } from './recompute-support.ts';

// Enough conversations for a pass of a dozen batches: the kill lands between two of them.
const CONVERSATIONS = 6_000;

let db: TestDatabase;
let killed: BalieProcess | undefined;
let balie: TestBalie | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  if (killed && killed.child.exitCode === null && killed.child.signalCode === null) await stopBalie(killed, 'SIGKILL');
  await balie?.stop();
  await db?.drop();
});

/** The seed leaves due times at receipt + 60 days; the recompute moves each to the calendar's. */
async function seededDueTimes() {
  const { rows } = await db.pool.query<{ untouched: number; moved: number }>(
    `SELECT count(*) FILTER (WHERE due_at = starts_at + interval '60 days')::int AS untouched,
            count(*) FILTER (WHERE due_at <> starts_at + interval '60 days')::int AS moved
       FROM milestones WHERE state IN ('open', 'due_soon')`,
  );
  return rows[0]!;
}

describe('a recompute interrupted by kill -9', () => {
  it('is finished by the next start: every open milestone on the final calendar, the applied version the current one', async () => {
    const port = await freePort();
    killed = spawnBalie({
      DATABASE_URL: db.url,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      NORM: 'vng',
      LOG_LEVEL: 'warn',
    });
    await waitForHealthy(port, killed);
    const first = await recomputeCaughtUp(db.pool);
    await seedOpenMail(db.pool, { count: CONVERSATIONS, normId: 'vng', terms: [{ kind: 'acknowledgement', workingDays: 2 }] });

    const base = `http://127.0.0.1:${port}`;
    const login = await adminLogin(base);
    expect(login.status).toBe(200);
    const closureDays = weekdaysFrom(new Date(Date.now() + 86_400_000), 2);
    // The answer never comes: the process dies while this request waits for the recompute.
    const put = fetch(`${base}/api/settings/service`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', cookie: sessionCookie(login) },
      body: JSON.stringify({ closureDays }),
    }).catch(() => undefined);

    const target = first.settingsVersion + 1;
    await waitFor(() => recomputeStatus(db.pool), (status) => status.targetVersion === target && status.afterConversationId > 0, { everyMs: 10 });
    expect(await stopBalie(killed, 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await put;

    // Half-way: the settings say version `target`, the milestones are partly on the old calendar.
    const interrupted = await recomputeStatus(db.pool);
    expect(interrupted).toMatchObject({ settingsVersion: target, appliedVersion: first.settingsVersion, targetVersion: target, pending: true });
    const halfway = await seededDueTimes();
    expect(halfway.moved).toBeGreaterThan(0);
    expect(halfway.untouched).toBeGreaterThan(0);

    balie = await startTestBalie(db.url, { NORM: 'vng' });
    const finished = await recomputeCaughtUp(db.pool);
    expect(finished).toMatchObject({ settingsVersion: target, appliedVersion: target, pending: false });
    expect(await seededDueTimes()).toEqual({ untouched: 0, moved: CONVERSATIONS });

    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const { settings } = await (await balie.request('/api/settings/service', { cookie: admin })).json();
    expect(settings.closureDays).toEqual(closureDays);
    const { checked, off } = await milestonesOffCalendar(db.pool, (path) => balie!.request(path));
    expect(checked).toBe(CONVERSATIONS);
    expect(off).toEqual([]);
    const report = await (await balie.request('/api/reconcile', { cookie: admin })).json();
    expect(report).toMatchObject({ clean: true, milestones: { drifted: 0 }, sortKeys: { drifted: 0 }, counts: { drifted: 0 } });
  });
});
