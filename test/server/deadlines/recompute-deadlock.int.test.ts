// Issue 11 item 5: eight agents replying while an admin toggles closure days twelve times over
// 3,000 open conversations. Replies lock their conversation and then write its milestones; the
// recompute must take the same order (conversations in id order, then milestones) or PostgreSQL
// breaks the cycle with a 40P01 and someone gets a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { milestonesOffCalendar, recomputeCaughtUp, seedOpenMail, weekdaysFrom } from './recompute-support.ts';

const CONVERSATIONS = 3_000;
const REPLIERS = 8;
const CALENDAR_CHANGES = 12;

let db: TestDatabase;
let balie: TestBalie;
let admin: string;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'vng' });
  admin = await balie.login(ADMIN.email, ADMIN.password);
  // A norm with two terms, so that a reply ("reactie") meets one milestone and leaves the other open.
  const norm = {
    name: 'Proefnorm',
    source: 'test',
    terms: { acknowledgement: { unit: 'workingDays', amount: 2 }, answer: { unit: 'workingDays', amount: 5 } },
    targets: { acknowledgement: 100, answer: 100 },
  };
  expect((await balie.request('/api/settings/norms/proef', { method: 'PUT', cookie: admin, body: norm })).status).toBe(201);
  expect((await balie.request('/api/settings/service', { method: 'PUT', cookie: admin, body: { activeNormId: 'proef' } })).status).toBe(200);
  await seedOpenMail(db.pool, {
    count: CONVERSATIONS,
    normId: 'proef',
    terms: [
      { kind: 'acknowledgement', workingDays: 2 },
      { kind: 'answer', workingDays: 5 },
    ],
  });
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

describe('replies during calendar changes', () => {
  it('8 repliers and 12 closure-day toggles over 3,000 conversations: no 5xx, every open milestone on the final calendar, no drift', async () => {
    const agents = await Promise.all(
      Array.from({ length: REPLIERS }, async (_, i) => {
        const agent = await addAgent(db.pool, 'agent', `replier${i}@gemeente.test`);
        return balie.login(agent.email, agent.password);
      }),
    );
    const { rows } = await db.pool.query<{ id: number }>('SELECT id FROM conversations ORDER BY id');
    const ids = rows.map((row) => row.id);

    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    let changing = true;
    // Each agent works through its own stretch of the inbox, from the low ids the recompute
    // locks first to the high ones it locks last, so replies meet every batch.
    const repliers = agents.map(async (cookie, i) => {
      for (let n = 0; changing || n < 20; n++) {
        const id = ids[(i * 379 + n * 53) % ids.length]!;
        const response = await balie.request(`/api/conversations/${id}/messages`, {
          cookie,
          // "Vraag aan inwoner" suspends the answer term in the reply's own transaction: the
          // reply holds the conversation and writes its milestones, as the recompute does.
          body: { text: `Vraag ${n} van agent ${i}`, kind: n % 4 === 3 ? 'reply' : 'question' },
        });
        count(response.status);
        await response.arrayBuffer();
        // A moment between replies, as agents have: eight loops flat out would measure the CPU, not the locks.
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    });

    // Closure days on the working days ahead, inside the 2- and 5-working-day terms.
    const candidates = weekdaysFrom(new Date(Date.now() + 86_400_000), 7);
    let closureDays: string[] = [];
    const settingsStatuses: number[] = [];
    const changes = (async () => {
      try {
        for (let n = 0; n < CALENDAR_CHANGES; n++) {
          const day = candidates[(n * 5) % candidates.length]!; // toggles two days an odd number of times
          closureDays = closureDays.includes(day) ? closureDays.filter((d) => d !== day) : [...closureDays, day].sort();
          const response = await balie.request('/api/settings/service', { method: 'PUT', cookie: admin, body: { closureDays } });
          settingsStatuses.push(response.status);
          const body = await response.json();
          expect(body.recomputed.pending).toBe(false);
        }
      } finally {
        changing = false;
      }
    })();
    await Promise.all([changes, ...repliers]);

    expect(settingsStatuses).toEqual(Array(CALENDAR_CHANGES).fill(200));
    expect([...statuses.keys()]).toEqual([201]);
    expect(statuses.get(201)).toBeGreaterThanOrEqual(REPLIERS * 20);
    expect(closureDays.length).toBeGreaterThan(0);

    const status = await recomputeCaughtUp(db.pool);
    const { rows: versions } = await db.pool.query<{ version: number }>('SELECT version FROM service_settings');
    expect(status.appliedVersion).toBe(versions[0]!.version);

    const { checked, off } = await milestonesOffCalendar(db.pool, (path) => balie.request(path));
    // The questions suspended answer terms (not open, so not checked); acknowledgements stay open.
    const { rows: suspended } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM milestones WHERE state = 'suspended'");
    expect(suspended[0]!.n).toBeGreaterThan(REPLIERS * 10);
    expect(checked).toBe(2 * CONVERSATIONS - suspended[0]!.n);
    expect(off).toEqual([]);

    const report = await (await balie.request('/api/reconcile', { cookie: admin })).json();
    expect(report).toMatchObject({ clean: true, sortKeys: { drifted: 0 }, counts: { drifted: 0 }, milestones: { drifted: 0, missedTransitions: 0 } });
    expect(report.sortKeys.examined).toBe(CONVERSATIONS);
  });
});
