// Issue 11 item 5: a recompute that fails half-way in a running Balie (its database connection
// is cut) is resumed from its last batch without a restart; the admin's change stands.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeStatus } from '../../../server/deadlines/calendar-recompute.ts';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { milestonesOffCalendar, recomputeCaughtUp, seedOpenMail, waitFor, weekdaysFrom } from './recompute-support.ts';

const CONVERSATIONS = 6_000;
// pg_advisory_lock(0x62616c6964) as pg_locks shows a bigint key: its high and low 32 bits.
const RECOMPUTE_LOCK = { classid: 0x62, objid: 0x616c6964 };

let db: TestDatabase;
let balie: TestBalie;
let admin: string;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'vng' });
  admin = await balie.login(ADMIN.email, ADMIN.password);
  await recomputeCaughtUp(db.pool);
  await seedOpenMail(db.pool, { count: CONVERSATIONS, normId: 'vng', terms: [{ kind: 'acknowledgement', workingDays: 2 }] });
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

describe('a recompute whose connection is cut', () => {
  it('resumes in the background: the change answers 200 with the recompute pending, and the recompute completes', async () => {
    const version = (await recomputeStatus(db.pool)).settingsVersion;
    const closureDays = weekdaysFrom(new Date(Date.now() + 86_400_000), 2);
    const put = balie.request('/api/settings/service', { method: 'PUT', cookie: admin, body: { closureDays } });

    await waitFor(() => recomputeStatus(db.pool), (status) => status.targetVersion === version + 1 && status.afterConversationId > 0, { everyMs: 10 });
    const { rows } = await db.pool.query<{ terminated: boolean }>(
      `SELECT pg_terminate_backend(pid) AS terminated FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2`,
      [RECOMPUTE_LOCK.classid, RECOMPUTE_LOCK.objid],
    );
    expect(rows).toEqual([{ terminated: true }]);

    const response = await put;
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.settings.closureDays).toEqual(closureDays);
    expect(body.recomputed.pending).toBe(true);

    expect(await recomputeCaughtUp(db.pool)).toMatchObject({ settingsVersion: version + 1, appliedVersion: version + 1, pending: false });
    const { checked, off } = await milestonesOffCalendar(db.pool, (path) => balie.request(path));
    expect(checked).toBe(CONVERSATIONS);
    expect(off).toEqual([]);
    expect(await (await balie.request('/api/reconcile', { cookie: admin })).json()).toMatchObject({ clean: true });
  });
});
