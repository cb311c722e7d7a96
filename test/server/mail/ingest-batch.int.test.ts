// A backlog is stored in batches, one transaction per batch with the checkpoint (issue 17, item 2):
// a mail the database refuses in the middle of a batch is quarantined, and every other mail of the
// batch is stored exactly once — none lost with the rolled-back batch, none stored twice when the
// mails before it are stored again — and a mail that arrives twice in one batch is stored once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from './mail-support.ts';

let db: TestDatabase;
let world: MailWorld;

beforeAll(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld()]);
});
afterAll(async () => {
  await world?.close();
  await db?.drop();
});

// A mail error, not an outage: a check_violation (SQLSTATE 23514) as a real constraint would raise.
const MARKER = 'WEIGEREN-IN-BATCH';

describe('backlog in batches', () => {
  it('a refused mail in the middle of a batch is quarantined; the others are stored exactly once, a doubled one once', { timeout: 120_000 }, async () => {
    await db.pool.query(`
      CREATE FUNCTION test_refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.body_text LIKE '%${MARKER}%' THEN
          RAISE EXCEPTION 'test constraint refuses this mail' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_refuse_marked BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION test_refuse_marked();`);
    // In the mailbox before Balie starts: one backlog, read in one sync, stored in one batch.
    const ids = Array.from({ length: 12 }, (_, i) => `batch-${i}@example.nl`);
    await deliver(
      world.dovecot,
      ...ids.map((id, i) => citizenMail({ messageId: id, from: `burger${i}@example.nl`, subject: `Vraag ${i}`, body: i === 6 ? `Mijn vraag. ${MARKER}` : `Mijn vraag ${i}.` })),
      // The fourth mail once more (sent twice by the citizen's client): the same Message-ID.
      citizenMail({ messageId: ids[3], from: 'burger3@example.nl', subject: 'Vraag 3', body: 'Mijn vraag 3.' }),
    );
    const balie = await startTestBalie(db.url, world.env);
    try {
      const checkpoint = await eventually(
        async () => (await db.pool.query<{ last_uid: number }>('SELECT last_uid FROM mailbox_checkpoints')).rows[0]?.last_uid ?? 0,
        (uid) => uid === 13,
        60_000,
      );
      expect(checkpoint).toBe(13);
      const stored = await db.pool.query<{ id: string; n: number }>(
        `SELECT e.rfc_message_id AS id, count(*)::int AS n FROM email_messages e JOIN messages m ON m.id = e.message_id
          WHERE m.direction = 'in' GROUP BY 1 ORDER BY 1`,
      );
      expect(Object.fromEntries(stored.rows.map((row) => [row.id, row.n]))).toEqual(Object.fromEntries(ids.filter((_, i) => i !== 6).map((id) => [id, 1])));
      const quarantined = await db.pool.query<{ uid: number; reason_code: string }>('SELECT uid, reason_code FROM mail_quarantine');
      expect(quarantined.rows).toEqual([{ uid: 7, reason_code: 'constraint_violation' }]);
      // Each stored mail has its conversation and its milestones, once.
      const conversations = await db.pool.query<{ n: number; milestones: number }>(
        `SELECT count(*)::int AS n, (SELECT count(*)::int FROM milestones) AS milestones FROM conversations WHERE channel = 'email'`,
      );
      expect(conversations.rows[0]!.n).toBe(11);
      expect(conversations.rows[0]!.milestones % 11).toBe(0);
    } finally {
      await balie.stop();
    }
  });
});
