// The poison-mail guard (server/mail/poison-guard.ts): a mail whose reading kills Balie must not be
// read again after every restart. Balie runs as a real process on a real Dovecot and PostgreSQL and
// is killed (-9) twice while it reads one slow mail P — as a heap-limit abort in a parse worker
// would end it; the third start quarantines P unread with its source and reason, stores the mail
// after it exactly once, and goes on with new mail. An admin's retry still stores P.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, sessionCookie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { freePort, spawnBalie, stopBalie, waitForHealthy, type BalieProcess } from '../../support/process.ts';
import { untilDone } from '../../support/wait.ts';
import { citizenMail, deliver, startMailWorld, type MailWorld } from './mail-support.ts';

let db: TestDatabase;
let world: MailWorld;

beforeAll(async () => {
  // The HTML cap lifted, so that sanitising P's markup takes seconds: long enough to kill Balie
  // while it is at it. The timeout far above that, so that P is never quarantined for being slow.
  [db, world] = await Promise.all([createTestDatabase(), startMailWorld({ MAIL_HTML_MAX_BYTES: '100000000', MAIL_PARSE_TIMEOUT_SECONDS: '900' })]);
}, 120_000);
afterAll(async () => {
  await world?.close();
  await db?.drop();
});

async function storedIds(): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    "SELECT e.rfc_message_id AS id FROM email_messages e JOIN messages m ON m.id = e.message_id WHERE m.direction = 'in' ORDER BY e.rfc_message_id",
  );
  return rows.map((row) => row.id);
}

/** The note of what is being read, once the process `balie` has noted that it reads UID `uid` alone. */
async function readingAlone(balie: BalieProcess, uid: number): Promise<void> {
  await untilDone(
    async () => (await db.pool.query<{ first_uid: string; last_uid: string; reader: string }>('SELECT first_uid, last_uid, reader FROM mail_reading')).rows,
    (rows) => rows.length === 1 && Number(rows[0]!.first_uid) === uid && Number(rows[0]!.last_uid) === uid && rows[0]!.reader.includes(`:${balie.child.pid}:`),
    { stallMs: 120_000 },
  );
}

it('a mail Balie dies reading twice is quarantined unread on the third start; the mail after it is stored once, and new mail too', { timeout: 600_000 }, async () => {
  const unit = '<div><p>Beste gemeente, <b>mijn</b> vraag over <a href="https://www.example.nl/">de vergunning</a>.</p><img src="https://t.example/p.gif" alt="logo"></div>\n';
  const html = `<html><body>${unit.repeat(Math.ceil((8 * 1024 * 1024) / unit.length))}</body></html>`;
  const poison = citizenMail({ messageId: 'gif@example.nl', subject: 'Gif', headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: html });
  // UIDs 1, 2, 3 in a fresh mailbox.
  await deliver(world.dovecot, citizenMail({ messageId: 'a@example.nl', subject: 'A' }), poison, citizenMail({ messageId: 'b@example.nl', subject: 'B' }));
  const port = await freePort();
  const env = { ...world.env, DATABASE_URL: db.url, PORT: String(port), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'warn' };

  // Twice: Balie dies while reading P (UID 2).
  for (let round = 1; round <= 2; round++) {
    const balie = spawnBalie(env);
    try {
      await waitForHealthy(port, balie, 120_000);
      await readingAlone(balie, 2);
    } finally {
      await stopBalie(balie, 'SIGKILL');
    }
    expect(await storedIds()).toEqual(['a@example.nl']);
    const crashes = round === 1 ? [] : [{ uid: 2, crashes: 1 }];
    expect((await db.pool.query('SELECT uid, crashes FROM mail_read_crashes')).rows.map((row) => ({ uid: Number(row.uid), crashes: row.crashes }))).toEqual(crashes);
  }

  const third = spawnBalie(env);
  try {
    await waitForHealthy(port, third, 120_000);
    const quarantined = await untilDone(
      async () => (await db.pool.query<{ id: string; uid: string; reason_code: string; reason: string; raw: Buffer }>('SELECT id, uid, reason_code, reason, raw FROM mail_quarantine')).rows,
      (rows) => rows.length > 0,
      { stallMs: 120_000 },
    );
    expect(quarantined.map((row) => ({ uid: Number(row.uid), reasonCode: row.reason_code }))).toEqual([{ uid: 2, reasonCode: 'reading_crashed' }]);
    expect(quarantined[0]!.reason).toMatch(/stopped abruptly 2 times while reading this mail \(UID 2\)/);
    // Its source, whole, for the admin to download or try again.
    expect(quarantined[0]!.raw.toString('utf8').replace(/\r\n/g, '\n')).toBe(poison);
    expect(third.output()).toContain('it goes into quarantine without being read again');

    // The mailbox moved on: B stored, exactly once, and new mail after it as well.
    await untilDone(storedIds, (ids) => ids.includes('b@example.nl'), { stallMs: 120_000 });
    await deliver(world.dovecot, citizenMail({ messageId: 'c@example.nl', subject: 'C' }));
    await untilDone(storedIds, (ids) => ids.includes('c@example.nl'), { stallMs: 120_000 });
    expect(await storedIds()).toEqual(['a@example.nl', 'b@example.nl', 'c@example.nl']);

    // An admin's retry reads it after all (here it is only slow) and stores it once.
    await db.pool.query('UPDATE agents SET password_must_change = false WHERE email = $1', [ADMIN.email]);
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    expect(login.status).toBe(200);
    const retried = await fetch(`http://127.0.0.1:${port}/api/quarantine/${quarantined[0]!.id}/retry`, { method: 'POST', headers: { cookie: sessionCookie(login) } });
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { outcome: string }).outcome).toBe('stored');
    expect(await storedIds()).toEqual(['a@example.nl', 'b@example.nl', 'c@example.nl', 'gif@example.nl']);
  } finally {
    // A clean stop leaves no note: the next start takes nothing for a crash.
    expect(await stopBalie(third, 'SIGTERM')).toEqual({ code: 0, signal: null });
  }
  expect((await db.pool.query('SELECT reader FROM mail_reading')).rows).toEqual([]);
});
