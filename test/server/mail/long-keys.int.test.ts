// Message-IDs and addresses of any length (issue 13, item 7), through a real Balie, Dovecot and
// PostgreSQL: a 10 kB Message-ID and a 5 kB sender address passed the btree row limit (~2.7 kB) and
// the mail was quarantined. Now it is stored once, with the full values, and threads.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from './mail-support.ts';

const CEILING = 45_000;
vi.setConfig({ testTimeout: 180_000 });

// Random characters: PostgreSQL compresses index rows, and a run of one letter would fit after all.
const LONG_ID = `${randomBytes(7_500).toString('base64url')}@mail.example.nl`;
const LONG_ADDRESS = `${randomBytes(3_750).toString('base64url').toLowerCase()}@example.nl`;

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;

beforeAll(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld()]);
  balie = await startTestBalie(db.url, world.env);
});
afterAll(async () => {
  await balie?.stop();
  await world?.close();
  await db?.drop();
});

const conversationOf = async (messageId: string) =>
  (
    await eventually(
      () => db.pool.query<{ id: number; reference: string }>('SELECT c.id, c.reference FROM email_messages e JOIN messages m ON m.id = e.message_id JOIN conversations c ON c.id = m.conversation_id WHERE e.rfc_message_id = $1', [messageId]),
      (result) => result.rowCount === 1,
      CEILING,
    )
  ).rows[0]!;

const quarantined = async () => (await db.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM mail_quarantine')).rows[0]!.count;

describe('long Message-IDs and sender addresses', () => {
  it('a 10 kB Message-ID from a 5 kB address is stored once with its full values, never quarantined, and threads by either', async () => {
    const first = citizenMail({ from: `Lange Naam <${LONG_ADDRESS}>`, messageId: LONG_ID, subject: 'Heel lang' });
    // Delivered twice (two UIDs, as a re-delivery or a copy does): one message.
    await deliver(world.dovecot, first, first);
    const conversation = await conversationOf(LONG_ID);
    await eventually(() => db.pool.query("SELECT 1 FROM mailbox_checkpoints WHERE last_uid >= 2"), (result) => result.rowCount === 1, CEILING);
    const stored = await db.pool.query<{ id: string; from: string; contact: string }>(
      `SELECT e.rfc_message_id AS id, e.from_address AS from, ct.email AS contact
         FROM email_messages e JOIN messages m ON m.id = e.message_id JOIN contacts ct ON ct.id = m.author_contact_id`,
    );
    expect(stored.rows).toEqual([{ id: LONG_ID, from: LONG_ADDRESS, contact: LONG_ADDRESS }]);

    // A reply to it by Message-ID, then a mail that only quotes the reference from the same long address.
    await deliver(world.dovecot, citizenMail({ from: LONG_ADDRESS, messageId: 'antwoord-1@mail.example.nl', subject: 'Re: Heel lang', headers: { 'In-Reply-To': `<${LONG_ID}>`, References: `<${LONG_ID}>` } }));
    expect((await conversationOf('antwoord-1@mail.example.nl')).id).toBe(conversation.id);
    await deliver(world.dovecot, citizenMail({ from: LONG_ADDRESS, messageId: 'antwoord-2@mail.example.nl', subject: `Nog iets [${conversation.reference}]` }));
    expect((await conversationOf('antwoord-2@mail.example.nl')).id).toBe(conversation.id);

    expect(await quarantined()).toBe(0);
    const contacts = await db.pool.query('SELECT id FROM contacts WHERE email = $1', [LONG_ADDRESS]);
    expect(contacts.rowCount).toBe(1);
    const incoming = await db.pool.query("SELECT id FROM messages WHERE direction = 'in'");
    expect(incoming.rowCount).toBe(3);
  });

  it('the lookups by Message-ID, address and acknowledged address can use the hash indexes (migration 0010)', async () => {
    const client = await db.pool.connect();
    try {
      // Tables this small are scanned anyway; forbid that to see which index the planner can use.
      await client.query('SET enable_seqscan = off');
      const plan = async (sql: string, params: unknown[]) => (await client.query(`EXPLAIN ${sql}`, params)).rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(await plan('SELECT message_id FROM email_messages WHERE rfc_message_id = ANY($1)', [[LONG_ID, 'x@y']])).toContain('email_messages_rfc_hash_idx');
      expect(await plan('SELECT id FROM contacts WHERE email = $1 ORDER BY id LIMIT 1', [LONG_ADDRESS])).toContain('contacts_email_hash_idx');
      expect(await plan("SELECT 1 FROM mail_outbox WHERE purpose = 'acknowledgement' AND to_address = $1 AND created_at > now() - interval '1 hour'", [LONG_ADDRESS])).toContain(
        'mail_outbox_ack_recent_hash_idx',
      );
    } finally {
      client.release();
    }
  });
});
