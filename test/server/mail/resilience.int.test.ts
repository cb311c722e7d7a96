// The e-mail channel when things break: Balie killed mid-ingest, Dovecot restarted, the mailbox's
// UIDVALIDITY changed, the SMTP server away for a while. Nothing lost, nothing doubled.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { freePort, spawnBalie, stopBalie, waitForHealthy } from '../../support/process.ts';
import { reconcileInbox } from '../../../server/reconcile/index.ts';
import { untilDone } from '../../support/wait.ts';
import { citizenMail, countIncoming, deliver, eventually, startMailWorld, type MailWorld } from './mail-support.ts';

let db: TestDatabase;
let world: MailWorld;

// Each test has a database and a mailbox of its own: a test that fails half-way (its 500 mails
// still arriving) cannot leak into the next one's counts.
beforeEach(async () => {
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld()]);
});
afterEach(async () => {
  await world?.close();
  await db?.drop();
});

async function distinctIncoming(): Promise<{ total: number; distinct: number }> {
  const { rows } = await db.pool.query(
    "SELECT count(*)::int AS total, count(DISTINCT e.rfc_message_id)::int AS distinct FROM messages m JOIN email_messages e ON e.message_id = m.id WHERE m.direction = 'in'",
  );
  return rows[0];
}

/** Delivers mails and waits until a running Balie has stored all of them. */
async function deliverAndStore(count: number, prefix: string): Promise<void> {
  const mails = Array.from({ length: count }, (_, i) => citizenMail({ messageId: `${prefix}-${i}@example.nl`, subject: `${prefix} ${i}` }));
  await deliver(world.dovecot, ...mails);
  await untilDone(() => countIncoming(db.pool), (stored) => stored >= count);
}

describe('crashes and outages', () => {
  // The time this takes depends on the machine: the waits follow the stored count, and the test's
  // own timeout is only an outer bound.
  it('kill -9 in the middle of ingesting 500 mails, then a restart: every mail stored exactly once', { timeout: 600_000 }, async () => {
    const mails = Array.from({ length: 500 }, (_, i) => citizenMail({ messageId: `massa-${i}@example.nl`, from: `burger${i % 50}@example.nl`, subject: `Massa ${i}` }));
    await deliver(world.dovecot, ...mails);
    const port = await freePort();
    const env = { ...world.env, DATABASE_URL: db.url, PORT: String(port), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'warn' };
    const first = spawnBalie(env);
    await waitForHealthy(port, first, 120_000);
    await untilDone(() => countIncoming(db.pool), (count) => count >= 50, { stallMs: 60_000 });
    await stopBalie(first, 'SIGKILL');
    const partial = await countIncoming(db.pool);
    expect(partial).toBeLessThan(500);

    const second = spawnBalie(env);
    try {
      await waitForHealthy(port, second, 120_000);
      await untilDone(() => countIncoming(db.pool), (count) => count >= 500, { stallMs: 60_000 });
      // A doubled mail would arrive after the 500th: give the poller a moment to store one.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await distinctIncoming()).toEqual({ total: 500, distinct: 500 });
      // The derived inbox data (sort keys, counts, milestones) survived the crash as well.
      const report = await untilDone(() => reconcileInbox(db.pool), (r) => r.clean || r.recompute.pending === false);
      expect({ clean: report.clean, lifecycle: report.lifecycle, counts: report.counts.drifted, sortKeys: report.sortKeys.drifted, milestones: report.milestones.drifted }).toEqual({
        clean: true,
        lifecycle: { openOnClosed: 0, statusMismatch: 0, doubledMilestones: 0, samples: [] },
        counts: 0,
        sortKeys: 0,
        milestones: 0,
      });
    } finally {
      await stopBalie(second);
    }
  });

  it('reconnects after Dovecot restarts under a running Balie', { timeout: 120_000 }, async () => {
    const balie = await startTestBalie(db.url, world.env);
    try {
      await deliver(world.dovecot, citizenMail({ messageId: 'voor-herstart@example.nl' }));
      await eventually(() => db.pool.query("SELECT 1 FROM email_messages WHERE rfc_message_id = 'voor-herstart@example.nl'"), (r) => r.rowCount === 1, 60_000);
      await world.dovecot.stop();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await world.dovecot.restart();
      await deliver(world.dovecot, citizenMail({ messageId: 'na-herstart@example.nl' }));
      await eventually(() => db.pool.query("SELECT 1 FROM email_messages WHERE rfc_message_id = 'na-herstart@example.nl'"), (r) => r.rowCount === 1, 60_000);
      const health = await balie.health();
      expect(health.checks.email).toBe('connected');
    } finally {
      await balie.stop();
    }
  });

  it('a UIDVALIDITY change re-reads the mailbox without duplicates', { timeout: 120_000 }, async () => {
    const balie = await startTestBalie(db.url, world.env);
    await deliverAndStore(5, 'voor-uidvalidity');
    const before = await distinctIncoming();
    const validityBefore = (await db.pool.query('SELECT uid_validity FROM mailbox_checkpoints')).rows[0].uid_validity;
    try {
      await world.dovecot.stop();
      // Dovecot forgets its UID list and starts the mailbox over with a new UIDVALIDITY.
      const maildir = path.join(world.dovecot.dir, 'mail', world.dovecot.user);
      // Its UID list and the indexes that remember the old UIDVALIDITY.
      for (const file of await fs.readdir(maildir)) {
        if (file.startsWith('dovecot')) await fs.rm(path.join(maildir, file), { recursive: true, force: true });
      }
      await new Promise((resolve) => setTimeout(resolve, 1100)); // UIDVALIDITY is a timestamp in seconds
      await world.dovecot.restart();
      await deliver(world.dovecot, citizenMail({ messageId: 'na-uidvalidity@example.nl' }));
      await eventually(() => db.pool.query("SELECT 1 FROM email_messages WHERE rfc_message_id = 'na-uidvalidity@example.nl'"), (r) => r.rowCount === 1, 60_000);
      const checkpoint = await db.pool.query('SELECT uid_validity, last_uid FROM mailbox_checkpoints');
      // The change really happened (else this test would prove nothing), and every old mail was
      // read again under the new UIDs and recognised.
      expect(checkpoint.rows[0].uid_validity).not.toBe(validityBefore);
      expect(Number(checkpoint.rows[0].last_uid)).toBeGreaterThan(before.total);
      expect(await distinctIncoming()).toEqual({ total: before.total + 1, distinct: before.total + 1 });
      expect((await reconcileInbox(db.pool)).clean).toBe(true);
    } finally {
      await balie.stop();
    }
  });

  it('replies wait while the SMTP server is down and go out once it is back, each exactly once', { timeout: 120_000 }, async () => {
    const balie = await startTestBalie(db.url, world.env);
    try {
      const cookie = await balie.login(ADMIN.email, ADMIN.password);
      await deliverAndStore(1, 'smtp-weg');
      const { rows } = await db.pool.query("SELECT m.conversation_id AS id FROM email_messages e JOIN messages m ON m.id = e.message_id WHERE e.rfc_message_id = 'smtp-weg-0@example.nl'");
      // The acknowledgement goes out first; only the replies are meant to meet the outage.
      await eventually(() => db.pool.query("SELECT 1 FROM mail_outbox WHERE purpose <> 'reply' AND state = 'sent'"), (r) => r.rowCount === 1, 60_000);
      await world.smtp.down();
      const sentBefore = world.smtp.received.length;
      for (const text of ['Eerste antwoord', 'Tweede antwoord']) {
        expect((await balie.request(`/api/conversations/${rows[0].id}/messages`, { cookie, body: { text } })).status).toBe(201);
      }
      await eventually(
        () => db.pool.query("SELECT attempts, last_error FROM mail_outbox WHERE purpose = 'reply' AND state = 'sending'"),
        (r) => r.rowCount === 2 && r.rows.every((row) => row.last_error),
        60_000,
      );
      await world.smtp.up();
      await eventually(() => db.pool.query("SELECT 1 FROM mail_outbox WHERE purpose = 'reply' AND state = 'sent'"), (r) => r.rowCount === 2, 60_000);
      const replies = world.smtp.received.slice(sentBefore).filter((mail) => /antwoord/.test(mail.parsed.text ?? ''));
      expect(replies.map((mail) => mail.parsed.text?.trim()).sort()).toEqual(['Eerste antwoord', 'Tweede antwoord']);
      expect(new Set(replies.map((mail) => mail.parsed.messageId)).size).toBe(2);
    } finally {
      await balie.stop();
    }
  });
});
