// The reconcile job (issue 11 item 7): derived inbox data that drifted from its source rows is
// reported per section with examples, a repair puts it right, and clean data reports clean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { recomputeCaughtUp, seedOpenMail } from '../deadlines/recompute-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'vng' });
  admin = await balie.login(ADMIN.email, ADMIN.password);
  await seedOpenMail(db.pool, { count: 40, normId: 'vng', terms: [{ kind: 'acknowledgement', workingDays: 2 }] });
  // The seed's due times are wrong on purpose; a settings change lets the recompute set them.
  expect((await balie.request('/api/settings/service', { method: 'PUT', cookie: admin, body: { dueSoonHours: 3 } })).status).toBe(200);
  await recomputeCaughtUp(db.pool);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const reconcile = async (path = '/api/reconcile', method = 'GET') => {
  const response = await balie.request(path, { method, cookie: admin });
  expect(response.status).toBe(200);
  return response.json();
};

describe('GET /api/reconcile', () => {
  it('reports clean data as clean', async () => {
    expect(await reconcile()).toMatchObject({
      clean: true,
      repaired: false,
      sortKeys: { examined: 40, drifted: 0 },
      counts: { drifted: 0 },
      milestones: { examined: 40, drifted: 0, missedTransitions: 0 },
      lifecycle: { openOnClosed: 0, statusMismatch: 0, doubledMilestones: 0, samples: [] },
      searchLexicon: null,
      recompute: { pending: false },
    });
  });

  it('finds drifted sort keys, counts and milestone due times, changes nothing, and a repair puts them right', async () => {
    const { rows } = await db.pool.query<{ id: number; reference: string }>('SELECT id, reference FROM conversations ORDER BY id LIMIT 3');
    const [a, b, c] = rows as [{ id: number; reference: string }, { id: number; reference: string }, { id: number; reference: string }];
    // A sort key written by hand (no trigger derives it from this UPDATE), a count delta that
    // counts nothing real, and a due time a day off the calendar.
    await db.pool.query('UPDATE conversations SET breached = true WHERE id = $1', [a.id]);
    await db.pool.query(`INSERT INTO inbox_count_deltas (channel, status, assignee_id, due_soon, breached, delta) VALUES ('chat', 'new', NULL, false, false, 2)`);
    await db.pool.query(`UPDATE milestones SET due_at = due_at + interval '1 day' WHERE conversation_id = $1`, [b.id]);
    await db.pool.query(`UPDATE conversations SET preview = 'iets anders' WHERE id = $1`, [c.id]);

    const report = await reconcile();
    expect(report.clean).toBe(false);
    expect(report.repaired).toBe(false);
    expect(report.sortKeys.drifted).toBe(2);
    expect(report.sortKeys.samples).toEqual([
      { conversationId: a.id, reference: a.reference, field: 'breached', stored: true, expected: false },
      { conversationId: c.id, reference: c.reference, field: 'preview', stored: 'iets anders', expected: 'Mijn vraag over de lantaarnpaal' },
    ]);
    expect(report.counts.samples).toEqual(
      expect.arrayContaining([{ channel: 'chat', status: 'new', assigneeId: null, dueSoon: false, breached: false, stored: 2, expected: 0 }]),
    );
    expect(report.milestones.drifted).toBe(1);
    expect(report.milestones.samples[0]).toMatchObject({ conversationId: b.id, kind: 'acknowledgement' });
    // Only a report: the next one finds the same.
    expect((await reconcile()).sortKeys.drifted).toBe(2);

    const repaired = await reconcile('/api/reconcile/repair', 'POST');
    expect(repaired).toMatchObject({ repaired: true, sortKeys: { drifted: 2 }, milestones: { drifted: 1 }, searchLexicon: { added: 0, removed: 0 } });
    expect(await reconcile()).toMatchObject({ clean: true, sortKeys: { drifted: 0 }, counts: { drifted: 0 }, milestones: { drifted: 0 } });
    const audit = await db.pool.query("SELECT details FROM audit_log WHERE action = 'reconcile.repaired'");
    expect(audit.rows).toHaveLength(1);
  });

  it("finds breaches of the lifecycle's rules: an open milestone on a closed conversation, a closed one without outcome, a doubled milestone", async () => {
    const { rows } = await db.pool.query<{ id: number }>('SELECT id FROM conversations ORDER BY id DESC LIMIT 2');
    const [closedWithOpen, doubled] = rows.map((row) => Number(row.id)) as [number, number];
    // Written by hand, past the lifecycle: closed with its acknowledgement still open and no outcome…
    await db.pool.query("UPDATE conversations SET status = 'closed', closed_at = now() WHERE id = $1", [closedWithOpen]);
    // …and a second open acknowledgement beside the first.
    await db.pool.query(
      `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, state)
       SELECT conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at, state FROM milestones WHERE conversation_id = $1`,
      [doubled],
    );
    const report = await reconcile();
    expect(report.clean).toBe(false);
    expect(report.lifecycle).toEqual({ openOnClosed: 1, statusMismatch: 1, doubledMilestones: 1, samples: [doubled, closedWithOpen].sort((a, b) => a - b) });
    await db.pool.query("UPDATE conversations SET status = 'open', closed_at = NULL WHERE id = $1", [closedWithOpen]);
    await db.pool.query('DELETE FROM milestones WHERE id = (SELECT max(id) FROM milestones WHERE conversation_id = $1)', [doubled]);
    expect((await reconcile()).lifecycle).toMatchObject({ openOnClosed: 0, statusMismatch: 0, doubledMilestones: 0 });
  });

  it('is for admins only', async () => {
    const supervisor = await addAgent(db.pool, 'supervisor', 'teamleider-reconcile@gemeente.test');
    const cookie = await balie.login(supervisor.email, supervisor.password);
    expect((await balie.request('/api/reconcile', { cookie })).status).toBe(403);
    expect((await balie.request('/api/reconcile/repair', { method: 'POST', cookie })).status).toBe(403);
  });
});
