// The new conversations of a batch are stored together (ingest.ts NewMailGroup, issue 17 item 2).
// The same mails ingested one at a time (ingestMail) and as one batch (ingestBatch) must leave the
// same rows — conversations, milestones, contacts, messages, headers, outbox, reference counter —
// and report the same results (the live events are made from them): a reply in the batch to a
// mail earlier in it threads, a reference in the subject threads, a robot closes at once through
// the lifecycle, a mail sent twice is stored once, a sender is acknowledged once an hour.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBatch, ingestMail, type IngestResult, type MailSettings } from '../../../server/mail/ingest.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { citizenMail } from './mail-support.ts';

let single: TestDatabase;
let batched: TestDatabase;

beforeAll(async () => {
  [single, batched] = await Promise.all([createTestDatabase(), createTestDatabase()]);
});
afterAll(async () => {
  await single?.drop();
  await batched?.drop();
});

const settings: MailSettings = { referencePrefix: 'BAL', from: { name: 'Gemeente Test', address: 'balie@gemeente.test' }, autoAck: true, maxBytes: 25 * 1024 * 1024 };
const receivedAt = new Date('2026-12-01T09:00:00Z');

const mails = [
  citizenMail({ messageId: 'm1@example.nl', from: 'Anna <anna@example.nl>', subject: 'Paspoort' }),
  citizenMail({ messageId: 'm2@example.nl', from: 'Bert <bert@example.nl>', subject: 'Rijbewijs' }),
  // Anna again, a new question: a conversation of its own, not acknowledged again within the hour.
  citizenMail({ messageId: 'm3@example.nl', from: 'anna@example.nl', subject: 'Parkeren' }),
  // A reply to the first mail of this batch: it threads into that conversation.
  citizenMail({ messageId: 'm4@example.nl', from: 'anna@example.nl', subject: 'Re: Paspoort', headers: { 'In-Reply-To': '<m1@example.nl>', References: '<m1@example.nl>' } }),
  citizenMail({ messageId: 'm2@example.nl', from: 'Bert <bert@example.nl>', subject: 'Rijbewijs' }),
  citizenMail({ messageId: 'm6@example.nl', from: 'Cor <cor@example.nl>', subject: 'Afwezig', headers: { 'Auto-Submitted': 'auto-replied' } }),
  citizenMail({ messageId: 'm7@example.nl', from: 'Dirk <dirk@example.nl>', subject: 'Afval' }),
  citizenMail({ messageId: 'm7@example.nl', from: 'Dirk <dirk@example.nl>', subject: 'Afval' }),
  citizenMail({ messageId: 'm9@example.nl', from: 'Formulier <noreply@gemeente-site.nl>', subject: 'Contactformulier', headers: { 'Reply-To': 'Eva <eva@example.nl>' } }),
  // Names the first conversation's reference (a fresh database: BAL-2026-000001), from its sender.
  citizenMail({ messageId: 'm10@example.nl', from: 'anna@example.nl', subject: 'Nog een vraag [BAL-2026-000001]' }),
  citizenMail({ messageId: 'm11@example.nl', from: 'Bert <BERT@example.nl>', subject: 'Nog iets' }),
].map((text) => Buffer.from(text));

/** Everything the ingest wrote, without ids, clock times and the random Message-IDs of our own mail. */
async function snapshot(db: TestDatabase) {
  const strip = (row: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(row).filter(([key]) => !/^(id|created_at|updated_at|last_message_at|waiting_since|sort_waiting|.*_id)$/.test(key) || key === 'rfc_message_id'));
  const query = async (sql: string) => (await db.pool.query(sql)).rows.map(strip);
  return {
    conversations: await query(`SELECT c.*, ct.email AS contact_email FROM conversations c LEFT JOIN contacts ct ON ct.id = c.contact_id ORDER BY c.reference`),
    milestones: await query(`SELECT c.reference, m.* FROM milestones m JOIN conversations c ON c.id = m.conversation_id ORDER BY c.reference, m.id`),
    contacts: await query('SELECT email, name FROM contacts ORDER BY email, id'),
    messages: await query(
      `SELECT c.reference, m.*, a.email AS author_email, to_jsonb(e) - 'message_id' - 'created_at' - CASE WHEN m.direction = 'out' THEN 'rfc_message_id' ELSE '' END AS headers
         FROM messages m JOIN conversations c ON c.id = m.conversation_id LEFT JOIN contacts a ON a.id = m.author_contact_id
         LEFT JOIN email_messages e ON e.message_id = m.id ORDER BY c.reference, m.id`,
    ),
    outbox: await query(`SELECT c.reference, o.* FROM mail_outbox o JOIN conversations c ON c.id = o.conversation_id ORDER BY c.reference, o.id`).then((rows) =>
      rows.map(({ rfc_message_id: _random, next_attempt_at: _next, retry_since: _since, ...rest }) => rest),
    ),
    counters: await query('SELECT year, last_value FROM reference_counters ORDER BY year'),
  };
}

/** A result as the live events see it: the conversation by its reference. */
async function described(db: TestDatabase, result: IngestResult) {
  if (result.outcome === 'duplicate') return { outcome: 'duplicate' };
  const { rows } = await db.pool.query<{ reference: string }>('SELECT reference FROM conversations WHERE id = $1', [result.conversationId]);
  const { conversationId: _id, messageId: _message, change, ...rest } = result;
  return { ...rest, reference: rows[0]!.reference, change: change ? { before: change.before.status, after: change.conversation.status } : null };
}

describe('a batch of new conversations stored together', () => {
  it('leaves the same rows and results as the same mails stored one at a time', { timeout: 60_000 }, async () => {
    const one: unknown[] = [];
    for (const raw of mails) one.push(await described(single, await ingestMail(single.pool, raw, settings, { receivedAt })));
    const outcome = await ingestBatch(
      batched.pool,
      mails.map((raw, index) => ({ raw, receivedAt, position: { mailbox: 'INBOX', uidValidity: '1', uid: index + 1 } })),
      settings,
    );
    expect(outcome.failed).toBeUndefined();
    const together: unknown[] = [];
    for (const { result } of outcome.stored) together.push(await described(batched, result));

    expect(together).toEqual(one);
    const [expected, actual] = [await snapshot(single), await snapshot(batched)];
    expect(actual).toEqual(expected);
    // What the mails should have done, so that equal is also right.
    expect(expected.conversations.map((row) => [row.reference, row.status])).toEqual([
      ['BAL-2026-000001', 'new'],
      ['BAL-2026-000002', 'new'],
      ['BAL-2026-000003', 'new'],
      ['BAL-2026-000004', 'closed'],
      ['BAL-2026-000005', 'new'],
      ['BAL-2026-000006', 'new'],
      ['BAL-2026-000007', 'new'],
    ]);
    expect(expected.messages.filter((row) => row.direction === 'in').map((row) => [row.reference, (row.headers as { rfc_message_id: string }).rfc_message_id])).toEqual([
      ['BAL-2026-000001', 'm1@example.nl'],
      ['BAL-2026-000001', 'm4@example.nl'],
      ['BAL-2026-000001', 'm10@example.nl'],
      ['BAL-2026-000002', 'm2@example.nl'],
      ['BAL-2026-000003', 'm3@example.nl'],
      ['BAL-2026-000004', 'm6@example.nl'],
      ['BAL-2026-000005', 'm7@example.nl'],
      ['BAL-2026-000006', 'm9@example.nl'],
      ['BAL-2026-000007', 'm11@example.nl'],
    ]);
    expect(expected.outbox.map((row) => row.to_address)).toEqual(['anna@example.nl', 'bert@example.nl', 'dirk@example.nl', 'eva@example.nl']);
    expect(expected.milestones.length).toBeGreaterThan(0);
    const checkpoint = await batched.pool.query('SELECT last_uid FROM mailbox_checkpoints');
    expect(checkpoint.rows).toEqual([{ last_uid: mails.length }]);
  });
});
