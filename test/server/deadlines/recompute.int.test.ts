// The calendar recompute's rules, one at a time: the settings version it records, norm edits,
// and a term resumed after waiting on the citizen (opschorting) keeping its kept business time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUSINESS_HOURS } from '../../../server/deadlines/business-hours.ts';
import { CalendarRecompute, recomputeStatus } from '../../../server/deadlines/calendar-recompute.ts';
import { DeadlineScheduler } from '../../../server/deadlines/scheduler.ts';
import { ensureServiceSettings } from '../../../server/deadlines/settings.ts';
import { DomainEvents } from '../../../server/domain-events.ts';
import { createLogger } from '../../../server/log.ts';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'zwolle', BUSINESS_HOURS: 'mon-fri 08:30-17:00' });
  admin = await balie.login(ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const settings = async (body: unknown) => {
  const response = await balie.request('/api/settings/service', { method: 'PUT', cookie: admin, body });
  expect(response.status).toBe(200);
  return response.json();
};

describe('the durable calendar recompute', () => {
  it('records the settings version it applied, in the same answer as the change', async () => {
    const before = await recomputeStatus(db.pool);
    const { settings: after, recomputed } = await settings({ closureDays: ['2030-01-02'] });
    expect(recomputed.pending).toBe(false);
    expect(after.version).toBe(before.settingsVersion + 1);
    expect(await recomputeStatus(db.pool)).toMatchObject({ settingsVersion: after.version, appliedVersion: after.version, pending: false });
    const { recompute } = await (await balie.request('/api/settings/service', { cookie: admin })).json();
    expect(recompute).toMatchObject({ appliedVersion: after.version, pending: false });
  });

  it('an edited custom norm bumps the version, and its open milestones follow it', async () => {
    const norm = (days: number) => ({ name: 'Eigen', source: 'test', terms: { answer: { unit: 'workingDays', amount: days } }, targets: { answer: 100 } });
    await balie.request('/api/settings/norms/eigen', { method: 'PUT', cookie: admin, body: norm(2) });
    const { id } = await seedConversation(db.pool, { status: 'open' });
    await db.pool.query(
      `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at)
       VALUES ($1, 'answer', 'eigen', 'workingDays', 2, '2030-03-04T10:00:00+01:00', '2030-03-06T17:00:00+01:00', '2030-03-06T13:00:00+01:00')`,
      [id],
    );
    const version = (await recomputeStatus(db.pool)).settingsVersion;
    const response = await balie.request('/api/settings/norms/eigen', { method: 'PUT', cookie: admin, body: norm(4) });
    expect((await response.json()).recomputed).toMatchObject({ changed: 1, pending: false });
    expect(await recomputeStatus(db.pool)).toMatchObject({ settingsVersion: version + 1, appliedVersion: version + 1 });
    const { rows } = await db.pool.query('SELECT term_amount, due_at FROM milestones WHERE conversation_id = $1', [id]);
    expect(rows[0]).toEqual({ term_amount: 4, due_at: new Date('2030-03-08T17:00:00+01:00') });
  });

  it('a term resumed after waiting on the citizen stays due its kept business time after the resumption', async () => {
    const { id } = await seedConversation(db.pool, { status: 'open' });
    // Received Mon 4 Feb 2030, asked the citizen, who wrote back Mon 11 Feb 2030 at 16:00 with
    // 9 business hours of the 5 working days left: due Tue 12 Feb 16:30 (1 h Monday, 8 h Tuesday).
    await db.pool.query(
      `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, resumed_at, remaining_seconds)
       VALUES ($1, 'answer', 'zwolle', 'workingDays', 5, '2030-02-04T10:00:00+01:00', '2030-02-12T16:30:00+01:00', '2030-02-12T12:30:00+01:00',
               '2030-02-11T16:00:00+01:00', 32400)`,
      [id],
    );
    // A closure day on the Tuesday: the kept time runs on to Wednesday, not from the receipt.
    await settings({ closureDays: ['2030-02-12'] });
    const { rows } = await db.pool.query('SELECT due_at, due_soon_at FROM milestones WHERE conversation_id = $1', [id]);
    expect(rows[0]).toEqual({ due_at: new Date('2030-02-13T16:30:00+01:00'), due_soon_at: new Date('2030-02-13T12:30:00+01:00') });
    const report = await (await balie.request('/api/reconcile', { cookie: admin })).json();
    expect(report.milestones.drifted).toBe(0);
  });
});

describe('breaches while a recompute is pending', () => {
  it('are held back until the recompute has reached the conversation, then raised', async () => {
    // A database of its own, with no Balie running: nothing but this test moves its milestones.
    const own = await createTestDatabase();
    const log = createLogger('silent');
    const events = new DomainEvents();
    const breached: number[] = [];
    events.on('deadline.breached', (transition) => breached.push(transition.milestoneId));
    const scheduler = new DeadlineScheduler({ pool: own.pool, connectionString: own.url, events, log });
    try {
      // Seeded settings (version 1) whose pass has not run, as after a crash right after a change.
      await ensureServiceSettings(own.pool, { normId: 'vng', businessHours: DEFAULT_BUSINESS_HOURS, chatHours: DEFAULT_BUSINESS_HOURS, closureDays: [], dueSoonHours: 4 });
      expect((await recomputeStatus(own.pool)).pending).toBe(true);
      const { id } = await seedConversation(own.pool, { status: 'open' });
      const { rows } = await own.pool.query<{ id: number }>(
        `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at)
         VALUES ($1, 'acknowledgement', 'vng', 'workingDays', 2, now() - interval '10 days', now() - interval '1 hour', now() - interval '5 hours') RETURNING id`,
        [id],
      );
      const milestoneId = rows[0]!.id;
      const state = async () => (await own.pool.query('SELECT state FROM milestones WHERE id = $1', [milestoneId])).rows[0].state;

      await scheduler.check();
      expect(await state()).toBe('open');
      expect(breached).toEqual([]);

      await new CalendarRecompute({ pool: own.pool, log }).catchUp();
      await scheduler.check();
      expect(await state()).toBe('breached');
      expect(breached).toEqual([milestoneId]);
    } finally {
      await scheduler.stop();
      await own.drop();
    }
  });
});
