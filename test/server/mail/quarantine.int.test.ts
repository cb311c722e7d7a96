// Quarantined mail (issue 13, item 4) with a real Balie, PostgreSQL and Dovecot: a mail the database
// refuses is listed with its reason, downloadable byte for byte, left unseen in the mailbox, counted
// from the table across a restart, and stored exactly once by "try again" once the cause is gone.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, addAgent, startTestBalie, type TestBalie } from '../../support/balie.ts';
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

// The cause we can lift: the database refuses any message whose text holds this marker, with a
// check_violation (SQLSTATE 23514) as a real constraint would. A mail error, not an outage.
const MARKER = 'WEIGEREN-IN-TEST';
async function refuseMarkedMail(db: TestDatabase) {
  await db.pool.query(`
    CREATE FUNCTION test_refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.body_text LIKE '%${MARKER}%' THEN
        RAISE EXCEPTION 'test constraint refuses this mail' USING ERRCODE = '23514';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_refuse_marked BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION test_refuse_marked();`);
}
async function acceptMarkedMail(db: TestDatabase) {
  await db.pool.query('DROP TRIGGER test_refuse_marked ON messages; DROP FUNCTION test_refuse_marked()');
}

/** The mailbox as Dovecot holds it: each mail's source and flags, by Message-ID. */
async function mailbox(): Promise<Map<string, { uid: number; source: Buffer; seen: boolean }>> {
  const client = new ImapFlow({ host: world.dovecot.host, port: world.dovecot.imapPort, secure: false, auth: { user: world.dovecot.user, pass: world.dovecot.password }, logger: false });
  await client.connect();
  const found = new Map<string, { uid: number; source: Buffer; seen: boolean }>();
  const lock = await client.getMailboxLock('INBOX');
  try {
    for await (const message of client.fetch('1:*', { uid: true, source: true, flags: true, envelope: true })) {
      found.set(message.envelope?.messageId ?? '', { uid: message.uid, source: message.source!, seen: message.flags?.has('\\Seen') ?? false });
    }
  } finally {
    lock.release();
    await client.logout();
  }
  return found;
}

// The details are for logged-in staff (issue 12.11): asked with a session. Undefined when the
// probe answered without them (its session check has a deadline of its own on a busy machine).
const health = async (balie: TestBalie, cookie: string): Promise<{ imap: string; quarantined: number } | undefined> =>
  (await (await balie.request('/healthz', { cookie })).json()).details?.email;
const storedCount = async (messageId: string) =>
  (await db.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM email_messages WHERE rfc_message_id = $1', [messageId])).rows[0]!.count;

describe('quarantine', () => {
  it('lists a refused mail with its reason, serves it whole, keeps it unseen, counts it across a restart, and stores it once on retry', { timeout: 180_000 }, async () => {
    await refuseMarkedMail(db);
    let balie = await startTestBalie(db.url, world.env);
    try {
      const agent = await addAgent(db.pool, 'agent', 'medewerker@gemeente.test');
      const adminCookie = await balie.login(ADMIN.email, ADMIN.password);
      const agentCookie = await balie.login(agent.email, agent.password);

      await deliver(
        world.dovecot,
        citizenMail({ messageId: 'geweigerd@example.nl', from: 'Els de Vries <els@example.nl>', subject: '=?utf-8?Q?Aanvraag_kapvergunning_=E2=80=93_eik?=', body: `Mijn vraag. ${MARKER}` }),
        citizenMail({ messageId: 'gewoon@example.nl', subject: 'Gewone vraag' }),
      );
      // The mail after it is stored: the refused one did not block the mailbox.
      await eventually(() => storedCount('gewoon@example.nl'), (count) => count === 1, 60_000);
      expect(await storedCount('geweigerd@example.nl')).toBe(0);

      // The supervisors' list shows it, with the code the inbox translates and the error itself.
      const listed = await (await balie.request('/api/quarantine', { cookie: adminCookie })).json();
      expect(listed.total).toBe(1);
      expect(listed.mails).toHaveLength(1);
      const [entry] = listed.mails;
      expect(entry).toMatchObject({
        mailbox: 'INBOX',
        reasonCode: 'constraint_violation',
        reason: 'test constraint refuses this mail',
        from: 'Els de Vries <els@example.nl>',
        subject: 'Aanvraag kapvergunning – eik',
        attempts: 1,
      });

      // The raw download is the mail exactly as Dovecot holds it, as a download only.
      const inMailbox = await mailbox();
      const refused = inMailbox.get('<geweigerd@example.nl>')!;
      expect(entry.uid).toBe(refused.uid);
      expect(entry.sizeBytes).toBe(refused.source.length);
      const raw = await balie.request(`/api/quarantine/${entry.id}/raw`, { cookie: adminCookie });
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toBe('application/octet-stream');
      expect(raw.headers.get('content-disposition')).toBe(`attachment; filename="quarantine-${entry.id}.eml"`);
      expect(raw.headers.get('x-content-type-options')).toBe('nosniff');
      expect(raw.headers.get('cache-control')).toBe('no-store');
      expect(Buffer.from(await raw.arrayBuffer()).equals(refused.source)).toBe(true);

      // Whoever looks in the mailbox sees it too: only the stored mail is marked read.
      expect(refused.seen).toBe(false);
      expect(inMailbox.get('<gewoon@example.nl>')!.seen).toBe(true);

      // An agent who is not a supervisor sees none of it.
      for (const [method, path] of [
        ['GET', '/api/quarantine'],
        ['GET', `/api/quarantine/${entry.id}/raw`],
        ['POST', `/api/quarantine/${entry.id}/retry`],
        ['POST', `/api/quarantine/${entry.id}/dismiss`],
      ] as const) {
        const response = await balie.request(path, { method, cookie: agentCookie, ...(method === 'POST' ? { body: { reason: 'x' } } : {}) });
        expect(response.status, `${method} ${path}`).toBe(403);
      }
      expect((await balie.request('/api/quarantine')).status).toBe(401);

      // The count comes from the table: it survives a restart of Balie.
      await eventually(() => health(balie, adminCookie), (email) => email?.quarantined === 1);
      await balie.stop();
      balie = await startTestBalie(db.url, world.env);
      const cookie = await balie.login(ADMIN.email, ADMIN.password);
      await eventually(() => health(balie, cookie), (email) => email?.imap === 'connected' && email.quarantined === 1, 30_000);

      // Trying again while the cause is still there: it fails again, the reason and attempts follow.
      const again = await balie.request(`/api/quarantine/${entry.id}/retry`, { cookie, method: 'POST' });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ outcome: 'failed', reasonCode: 'constraint_violation', attempts: 2 });
      expect(await storedCount('geweigerd@example.nl')).toBe(0);

      // The cause lifted, "try again" stores it, exactly once, in a conversation of its own.
      await acceptMarkedMail(db);
      const retried = await balie.request(`/api/quarantine/${entry.id}/retry`, { cookie, method: 'POST' });
      expect(retried.status).toBe(200);
      const result = await retried.json();
      expect(result).toMatchObject({ outcome: 'stored' });
      expect(await storedCount('geweigerd@example.nl')).toBe(1);
      const stored = await db.pool.query(
        `SELECT m.id, m.conversation_id, c.subject, q.resolved_at, q.resolved_message_id, q.attempts
           FROM email_messages e JOIN messages m ON m.id = e.message_id JOIN conversations c ON c.id = m.conversation_id
           JOIN mail_quarantine q ON q.id = $1
          WHERE e.rfc_message_id = 'geweigerd@example.nl'`,
        [entry.id],
      );
      expect(stored.rows[0]).toMatchObject({ subject: 'Aanvraag kapvergunning – eik', resolved_message_id: stored.rows[0].id, attempts: 3 });
      expect(stored.rows[0].resolved_at).not.toBeNull();
      expect(Number(result.messageId)).toBe(Number(stored.rows[0].id));
      expect(Number(result.conversationId)).toBe(Number(stored.rows[0].conversation_id));

      // Stored now, so marked read in the mailbox like any stored mail: unseen means "needs someone".
      await eventually(async () => (await mailbox()).get('<geweigerd@example.nl>')!.seen, (seen) => seen, 30_000);

      // Resolved: off the list, out of the count; a second retry finds nothing to do and stores nothing.
      expect((await (await balie.request('/api/quarantine', { cookie })).json()).total).toBe(0);
      await eventually(() => health(balie, cookie), (email) => email?.quarantined === 0);
      expect((await balie.request(`/api/quarantine/${entry.id}/retry`, { cookie, method: 'POST' })).status).toBe(404);
      expect(await storedCount('geweigerd@example.nl')).toBe(1);

      const audit = await db.pool.query("SELECT action FROM audit_log WHERE subject_type = 'mail_quarantine' AND subject_id = $1 ORDER BY id", [String(entry.id)]);
      expect(audit.rows.map((row) => row.action)).toEqual(['quarantine.downloaded', 'quarantine.retry_failed', 'quarantine.retried']);
    } finally {
      await balie.stop();
    }
  });

  it('a retry recognises a mail that was stored meanwhile, and a dismissal takes a mail off the list with a reason', { timeout: 120_000 }, async () => {
    await refuseMarkedMail(db);
    const balie = await startTestBalie(db.url, world.env);
    try {
      const cookie = await balie.login(ADMIN.email, ADMIN.password);
      await deliver(
        world.dovecot,
        citizenMail({ messageId: 'dubbel@example.nl', subject: 'Twee keer', body: `Eerste poging. ${MARKER}` }),
        citizenMail({ messageId: 'weg@example.nl', subject: 'Spam', body: `Koop nu. ${MARKER}` }),
        citizenMail({ messageId: 'tegelijk@example.nl', subject: 'Tegelijk', body: `Twee supervisors. ${MARKER}` }),
      );
      const listed = await eventually(async () => (await balie.request('/api/quarantine', { cookie })).json(), (body) => body.total === 3, 60_000);
      // Newest first.
      expect(listed.mails.map((mail: { subject: string }) => mail.subject)).toEqual(['Tegelijk', 'Spam', 'Twee keer']);
      const [together, spam, twice] = listed.mails;
      await acceptMarkedMail(db);

      // The same mail delivered again is stored by the poller; the retry then finds it, stores nothing.
      await deliver(world.dovecot, citizenMail({ messageId: 'dubbel@example.nl', subject: 'Twee keer', body: `Eerste poging. ${MARKER}` }));
      await eventually(() => storedCount('dubbel@example.nl'), (count) => count === 1, 60_000);
      const retried = await (await balie.request(`/api/quarantine/${twice.id}/retry`, { cookie, method: 'POST' })).json();
      expect(retried.outcome).toBe('duplicate');
      expect(await storedCount('dubbel@example.nl')).toBe(1);

      // Two supervisors press "try again" at the same moment: stored once; the other is told it is
      // running already, or finds it resolved (404), or recognises it as stored.
      const answers = await Promise.all([1, 2, 3].map(() => balie.request(`/api/quarantine/${together.id}/retry`, { cookie, method: 'POST' })));
      const bodies = await Promise.all(answers.map(async (answer) => ({ status: answer.status, body: await answer.json().catch(() => null) })));
      expect(bodies.filter((answer) => answer.status === 200 && answer.body.outcome === 'stored')).toHaveLength(1);
      for (const answer of bodies) {
        expect(answer.status === 200 ? answer.body.outcome : answer.body.error.code).toMatch(/^(stored|duplicate|quarantine_retry_running|not_found)$/);
      }
      expect(await storedCount('tegelijk@example.nl')).toBe(1);

      expect((await balie.request(`/api/quarantine/${spam.id}/dismiss`, { cookie, method: 'POST', body: {} })).status).toBe(400);
      expect((await balie.request(`/api/quarantine/${spam.id}/dismiss`, { cookie, method: 'POST', body: { reason: 'spam' } })).status).toBe(204);
      expect((await (await balie.request('/api/quarantine', { cookie })).json()).total).toBe(0);
      expect(await storedCount('weg@example.nl')).toBe(0);
      const row = await db.pool.query('SELECT dismiss_reason, dismissed_by FROM mail_quarantine WHERE id = $1', [spam.id]);
      expect(row.rows[0].dismiss_reason).toBe('spam');
      expect(row.rows[0].dismissed_by).not.toBeNull();
      // Dismissed is dealt with too: marked read in the mailbox.
      await eventually(async () => (await mailbox()).get('<weg@example.nl>')!.seen, (seen) => seen, 30_000);
      await eventually(() => health(balie, cookie), (email) => email?.quarantined === 0);
    } finally {
      await balie.stop();
    }
  });

  // Last: it starts the mailbox over under a new UIDVALIDITY, so the poller reads every mail again.
  it('a mailbox read again after a UIDVALIDITY change lists a waiting mail once and keeps dismissed mail dismissed', { timeout: 120_000 }, async () => {
    await refuseMarkedMail(db);
    const balie = await startTestBalie(db.url, world.env);
    try {
      const cookie = await balie.login(ADMIN.email, ADMIN.password);
      await deliver(world.dovecot, citizenMail({ messageId: 'wacht@example.nl', subject: 'Wacht nog', body: `Nog niet opgelost. ${MARKER}` }));
      // The list and the count are two reads: wait until both show the mail.
      const before = await eventually(async () => (await balie.request('/api/quarantine', { cookie })).json(), (body) => body.total === 1 && body.mails.length === 1, 60_000);
      const validityBefore = (await db.pool.query('SELECT uid_validity FROM mailbox_checkpoints')).rows[0].uid_validity;

      await world.dovecot.stop();
      const maildir = path.join(world.dovecot.dir, 'mail', world.dovecot.user);
      for (const file of await fs.readdir(maildir)) {
        if (file.startsWith('dovecot')) await fs.rm(path.join(maildir, file), { recursive: true, force: true });
      }
      await new Promise((resolve) => setTimeout(resolve, 1100)); // UIDVALIDITY is a timestamp in seconds
      await world.dovecot.restart();
      await deliver(world.dovecot, citizenMail({ messageId: 'na-wissel@example.nl', subject: 'Na de wissel' }));
      await eventually(() => storedCount('na-wissel@example.nl'), (count) => count === 1, 60_000);
      expect((await db.pool.query('SELECT uid_validity FROM mailbox_checkpoints')).rows[0].uid_validity).not.toBe(validityBefore);

      // Every earlier mail was read again: the one still waiting is listed once, tried once more,
      // at its new place; the dismissed spam (refused again by the same cause) stays off the list.
      const after = await (await balie.request('/api/quarantine', { cookie })).json();
      expect(after.total).toBe(1);
      expect(after.mails[0]).toMatchObject({ id: before.mails[0].id, subject: 'Wacht nog', attempts: 2 });
      expect(after.mails[0].uidValidity).not.toBe(before.mails[0].uidValidity);
      const spam = await db.pool.query("SELECT count(*)::int AS rows, bool_and(dismissed_at IS NOT NULL) AS dismissed FROM mail_quarantine WHERE convert_from(raw, 'UTF8') LIKE '%Koop nu%'");
      expect(spam.rows[0]).toEqual({ rows: 1, dismissed: true });
      await eventually(() => health(balie, cookie), (email) => email?.quarantined === 1);
      for (const id of ['geweigerd@example.nl', 'dubbel@example.nl', 'tegelijk@example.nl']) expect(await storedCount(id), id).toBe(1);
    } finally {
      await balie.stop();
    }
  });
});
