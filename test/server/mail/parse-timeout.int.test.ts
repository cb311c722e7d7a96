// Issue 12, item 1: a mail whose reading takes too long ends as a clear error for that mail — it is
// quarantined with the reason — and never stalls the mailbox: the mail after it is stored. Real
// Balie, Dovecot and PostgreSQL; MAIL_PARSE_TIMEOUT_SECONDS is short and the HTML cap lifted, so that
// sanitising 24 MB of markup cannot finish in time.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { untilDone } from '../../support/wait.ts';
import { citizenMail, deliver, startMailWorld, type MailWorld } from './mail-support.ts';

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;

beforeAll(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld({ MAIL_PARSE_TIMEOUT_SECONDS: '8', MAIL_HTML_MAX_BYTES: '100000000' })]);
  balie = await startTestBalie(db.url, world.env);
}, 180_000);
afterAll(async () => {
  await balie?.stop();
  await world?.close();
  await db?.drop();
});

it('a mail that takes too long to read is quarantined with the reason; the next mail is stored', { timeout: 300_000 }, async () => {
  const unit = '<div><p>Beste gemeente, <b>mijn</b> vraag over <a href="https://www.example.nl/">de vergunning</a>.</p><img src="https://t.example/p.gif" alt="logo"></div>\n';
  const html = `<html><body>${unit.repeat(Math.ceil((24 * 1024 * 1024) / unit.length))}</body></html>`;
  const slow = citizenMail({ messageId: 'te-traag@example.nl', subject: 'Te traag', headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: html });
  await deliver(world.dovecot, slow, citizenMail({ messageId: 'daarna@example.nl', subject: 'Daarna' }));

  const quarantined = await untilDone(
    async () => (await db.pool.query<{ reason: string; reason_code: string }>('SELECT reason, reason_code FROM mail_quarantine')).rows,
    (rows) => rows.length > 0,
    { stallMs: 240_000 },
  );
  expect(quarantined).toEqual([{ reason: 'reading the mail took longer than 8 s', reason_code: 'processing_error' }]);
  // The mailbox moved on: the next mail is stored (its worker started afresh).
  const stored = await untilDone(
    async () => (await db.pool.query<{ id: string }>("SELECT rfc_message_id AS id FROM email_messages WHERE rfc_message_id IN ('te-traag@example.nl', 'daarna@example.nl')")).rows,
    (rows) => rows.length > 0,
    { stallMs: 120_000 },
  );
  expect(stored).toEqual([{ id: 'daarna@example.nl' }]);
});
