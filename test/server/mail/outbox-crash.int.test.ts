// A sender that dies mid-send (issue 13.5) and a database blip right after the SMTP server's 250
// (issue 13.6): neither delays a citizen's mail by the 20-minute lease, and neither sends one twice.
//
// "Exactly once" here: every mail is answered 250 by the SMTP server exactly once. A mail whose
// DATA the server had received but not yet answered when the sender was killed was never accepted
// (RFC 5321 §4.1.1.4: the transaction ends without the end-of-data reply), and this server drops
// it, as it must; it is sent again by the next instance, with the same Message-ID. A real MTA that
// had already queued such a mail would deliver it twice, both with one Message-ID — the window
// documented in docs/operations.md.
import pg from 'pg';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { freePort, spawnBalie, stopBalie, waitForHealthy } from '../../support/process.ts';
import { untilDone } from '../../support/wait.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from './mail-support.ts';

/**
 * A real SMTP server whose end-of-data reply the test controls: `hold` keeps the 250 back (the
 * sender waits in DATA) until `release`, and `beforeReply` runs between receiving a mail and
 * answering it.
 */
async function startControlledSmtp() {
  const port = await freePort();
  const accepted: string[] = [];
  const unanswered: string[] = [];
  const controls = {
    hold: false,
    beforeReply: undefined as undefined | ((messageId: string) => Promise<void>),
    afterReply: undefined as undefined | ((messageId: string) => Promise<void>),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const messageId = ((await simpleParser(Buffer.concat(chunks))).messageId ?? '').replace(/^<|>$/g, '');
        // Held: the sender waits for our reply. If it dies meanwhile, the mail was never accepted.
        if (controls.hold) return void unanswered.push(messageId);
        await controls.beforeReply?.(messageId);
        accepted.push(messageId);
        callback();
        void controls.afterReply?.(messageId);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { port, accepted, unanswered, controls, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const counts = (ids: string[]) => {
  const map = new Map<string, number>();
  for (const id of ids) map.set(id, (map.get(id) ?? 0) + 1);
  return map;
};

let db: TestDatabase;
let world: MailWorld;
let smtp: Awaited<ReturnType<typeof startControlledSmtp>>;

beforeEach(async () => {
  [db, world, smtp] = await Promise.all([createTestDatabase(), startMailWorld({ NORM: 'vng' }), startControlledSmtp()]);
});
afterEach(async () => {
  await smtp?.close();
  await world?.close();
  await db?.drop();
});

const outbox = async () =>
  (await db.pool.query<{ id: number; state: string; rfc_message_id: string; claimed_by: number | null; leased: boolean }>(
    "SELECT id, state, rfc_message_id, claimed_by, next_attempt_at > now() + interval '10 minutes' AS leased FROM mail_outbox ORDER BY id",
  )).rows;

describe('a sender killed with kill -9 while it holds mail', () => {
  it('another instance takes its mail over at once, and each mail is accepted exactly once', { timeout: 300_000 }, async () => {
    const port = await freePort();
    const env = { ...world.env, SMTP_PORT: String(smtp.port), DATABASE_URL: db.url, PORT: String(port), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'warn' };
    // Nine citizens mail while the SMTP server keeps its end-of-data reply back.
    smtp.controls.hold = true;
    await deliver(world.dovecot, ...Array.from({ length: 9 }, (_, i) => citizenMail({ from: `burger${i} <burger${i}@example.nl>`, messageId: `lease-${i}@example.nl` })));
    const first = spawnBalie(env);
    let second: ReturnType<typeof spawnBalie> | undefined;
    try {
      await waitForHealthy(port, first, 120_000);
      // All nine acknowledgements queued, the first one in DATA, waiting for the server's reply.
      const before = await untilDone(outbox, (rows) => rows.length === 9 && smtp.unanswered.length === 1, { stallMs: 60_000 });
      const held = before.filter((row) => row.state === 'sending' && row.claimed_by !== null && row.leased);
      expect(held.map((row) => row.rfc_message_id)).toContain(smtp.unanswered[0]);
      await stopBalie(first, 'SIGKILL');
      smtp.controls.hold = false;

      second = spawnBalie(env);
      await waitForHealthy(port, second, 120_000);
      const started = Date.now();
      await untilDone(outbox, (rows) => rows.every((row) => row.state === 'sent'), { stallMs: 60_000 });
      // Seconds, not the 20-minute lease of the dead instance's claims.
      expect(Date.now() - started).toBeLessThan(120_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const accepted = counts(smtp.accepted);
      expect([...accepted.keys()].sort()).toEqual(before.map((row) => row.rfc_message_id).sort());
      expect([...accepted.values()]).toEqual(Array(9).fill(1));
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) await stopBalie(first, 'SIGKILL');
      if (second) await stopBalie(second, 'SIGTERM');
    }
  });
});

describe('the database connection lost right after the SMTP server’s 250', () => {
  it('the delivery is recorded on a new connection at once, and the mail is not sent again', { timeout: 120_000 }, async () => {
    const balie = await startTestBalie(db.url, { ...world.env, SMTP_PORT: String(smtp.port) });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      // Before the 250, lock the mail's row, so that recording it must wait; after the 250, end
      // the connection that waits to record it (what a failover or an admin's kill does).
      let locker: pg.Client | undefined;
      let terminated = 0;
      smtp.controls.beforeReply = async (messageId) => {
        locker = new pg.Client({ connectionString: db.url });
        await locker.connect();
        await locker.query('BEGIN');
        await locker.query('SELECT 1 FROM mail_outbox WHERE rfc_message_id = $1 FOR UPDATE', [messageId]);
      };
      smtp.controls.afterReply = async () => {
        const blocked = await eventually(
          () =>
            admin.query<{ pid: number }>(
              "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%mail_outbox%' AND pid <> $1",
              [(locker as unknown as { processID: number }).processID],
            ),
          (result) => result.rowCount === 1,
          30_000,
        );
        await admin.query('SELECT pg_terminate_backend($1)', [blocked.rows[0]!.pid]);
        terminated += 1;
        await locker!.query('ROLLBACK');
        await locker!.end();
        smtp.controls.beforeReply = undefined;
        smtp.controls.afterReply = undefined;
      };
      await deliver(world.dovecot, citizenMail({ from: 'Els <els@example.nl>', messageId: 'blip-1@example.nl' }));
      const rows = await untilDone(outbox, (current) => current.length === 1 && current[0]!.state === 'sent', { stallMs: 60_000, maxMs: 90_000 });
      expect(terminated).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(smtp.accepted).toEqual([rows[0]!.rfc_message_id]);
      const met = await db.pool.query("SELECT state FROM milestones WHERE kind = 'acknowledgement'");
      expect(met.rows).toEqual([{ state: 'met' }]);
    } finally {
      await admin.end();
      await balie.stop();
    }
  });
});
