// The mail outbox in PostgreSQL: what is queued here goes out in order of queueing, with retries,
// by whichever instance claims it (FOR UPDATE SKIP LOCKED, the claimer's advisory lock, a lease).
// Delivery is at least once: a crash between the SMTP server's "250 OK" and our record of it sends
// that mail again, with the same Message-ID (docs/operations.md, "SMTP").
import type pg from 'pg';
import type { Db } from '../db/index.ts';
import { insertEmailHeaders } from './store.ts';

/** Wakes the sender on every instance; sent with the transaction's commit. */
export const OUTBOX_CHANNEL = 'balie_outbox';

export type OutboxPurpose = 'acknowledgement' | 'reply' | 'transcript';
export type DeliveryState = 'queued' | 'sending' | 'sent' | 'failed';

export interface OutgoingMail {
  conversationId: number;
  /** The message row (direction out) that this mail delivers. */
  messageId: number;
  purpose: OutboxPurpose;
  rfcMessageId: string;
  from: { name: string | null; address: string };
  to: { name: string | null; address: string };
  subject: string;
  text: string;
  html: string | null;
  inReplyTo: string | null;
  references: readonly string[];
}

/** Queues a mail in the caller's transaction and records its headers so that answers to it thread. */
export async function enqueueMail(tx: Db, mail: OutgoingMail): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO mail_outbox (conversation_id, message_id, purpose, rfc_message_id, to_address, to_name, subject,
       body_text, body_html, in_reply_to, references_ids)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [mail.conversationId, mail.messageId, mail.purpose, mail.rfcMessageId, mail.to.address, mail.to.name, mail.subject, mail.text, mail.html, mail.inReplyTo, mail.references],
  );
  await insertEmailHeaders(tx, mail.messageId, {
    rfcMessageId: mail.rfcMessageId,
    inReplyTo: mail.inReplyTo ? [mail.inReplyTo] : [],
    references: mail.references,
    fromAddress: mail.from.address,
    fromName: mail.from.name,
    toAddresses: [mail.to.address],
    subject: mail.subject,
    sentAt: null,
  });
  await tx.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, String(rows[0]!.id)]);
  return rows[0]!.id;
}

/** Whether an acknowledgement went to this address in the last hour (at most one per sender per hour). */
export async function acknowledgedRecently(db: Db, address: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM mail_outbox WHERE purpose = 'acknowledgement' AND to_address = $1
        AND created_at > $2::timestamptz - interval '1 hour' LIMIT 1`,
    [address.toLowerCase(), now],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Limits on automatic mail to one address — transcripts and acknowledgements, which anyone can make
 * Balie send to any address they type (issue 12, item 5) — and on all of it together. Counted in
 * PostgreSQL, so they hold across instances.
 */
export interface AutomaticMailLimits {
  /** Transcripts and acknowledgements to one address in 24 hours. */
  perRecipientPerDay: number;
  /** Transcripts and acknowledgements to all addresses together in one hour. */
  perHour: number;
}

export const DEFAULT_AUTOMATIC_MAIL_LIMITS: AutomaticMailLimits = Object.freeze({ perRecipientPerDay: 5, perHour: 300 });

/** Classid of the advisory locks of the outbox: 'bali' (two-key form; the poller and migrations use the one-key form). */
export const OUTBOX_LOCK_CLASS = 0x62616c69;
// Keys under OUTBOX_LOCK_CLASS: sender instances take theirs from mail_sender_instance_seq (≥ 1);
// keys below 0 are transaction locks that count automatic mail one request at a time: -1 for the
// global count, -2 and below for one address each.
const GLOBAL_COUNT_LOCK = -1;
const RECIPIENT_COUNT_LOCKS_FROM = -2;

/**
 * Whether one more automatic mail may go to `address` now. Call it in the transaction that queues
 * the mail: it takes transaction locks (per address, and one for the global count) so that two
 * requests on two instances cannot both take the last place.
 */
export async function automaticMailAllowance(
  tx: Db,
  address: string,
  limits: AutomaticMailLimits = DEFAULT_AUTOMATIC_MAIL_LIMITS,
): Promise<'allowed' | 'recipient_limit' | 'global_limit'> {
  const recipient = address.toLowerCase();
  // hashtext spreads addresses over the negative keys below the global one; a collision only
  // makes two addresses wait for each other for a moment.
  await tx.query('SELECT pg_advisory_xact_lock($1, $2::int - (hashtext($3) & 1073741823))', [OUTBOX_LOCK_CLASS, RECIPIENT_COUNT_LOCKS_FROM, recipient]);
  const { rows } = await tx.query<{ recipient: number }>(
    `SELECT count(*)::int AS recipient FROM mail_outbox
      WHERE purpose IN ('acknowledgement', 'transcript') AND to_address = $1 AND created_at > now() - interval '24 hours'`,
    [recipient],
  );
  if (rows[0]!.recipient >= limits.perRecipientPerDay) return 'recipient_limit';
  await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [OUTBOX_LOCK_CLASS, GLOBAL_COUNT_LOCK]);
  const all = await tx.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM mail_outbox WHERE purpose IN ('acknowledgement', 'transcript') AND created_at > now() - interval '1 hour'`,
  );
  return all.rows[0]!.count >= limits.perHour ? 'global_limit' : 'allowed';
}

export interface ClaimedMail {
  id: number;
  conversationId: number;
  messageId: number;
  purpose: OutboxPurpose;
  rfcMessageId: string;
  toAddress: string;
  toName: string | null;
  subject: string;
  bodyText: string;
  bodyHtml: string | null;
  inReplyTo: string | null;
  references: string[];
  attempts: number;
}

/**
 * How long a claimed mail belongs to the instance that claimed it while that instance lives:
 * longer than sending a whole batch can take (connect, greeting and socket timeouts for each mail),
 * so that no other instance takes it over while it is still being sent. An instance that died is
 * recognised at once by its advisory lock (see claimDueMail); the lease only ends the claim of
 * an instance that lives but hangs.
 */
export const LEASE_SECONDS = 20 * 60;

/**
 * A new key for a sender instance. The caller must hold `pg_advisory_lock(OUTBOX_LOCK_CLASS, key)`
 * on a connection of its own for as long as it claims mail under this key.
 */
export async function newSenderKey(db: Db | pg.ClientBase): Promise<number> {
  const { rows } = await db.query<{ key: number }>("SELECT nextval('mail_sender_instance_seq')::int AS key");
  return rows[0]!.key;
}

/**
 * Claims up to `limit` mails that are due, leasing them (see LEASE_SECONDS) to the sender `key`.
 * Due are: queued mail whose time has come, and mail claimed by a sender whose advisory lock is
 * gone — its process died (PostgreSQL released the lock when the connection closed), so the row
 * comes back at once instead of after the lease, and goes out again with the same Message-ID.
 * Call it only between batches: mail still claimed under `key` is taken again as left over.
 */
export async function claimDueMail(db: Db, limit: number, key: number): Promise<ClaimedMail[]> {
  const { rows } = await db.query<ClaimedMail>(
    `UPDATE mail_outbox o SET state = 'sending', attempts = o.attempts + 1, claimed_by = $3,
            next_attempt_at = now() + make_interval(secs => $2)
      WHERE o.id IN (
        SELECT m.id FROM mail_outbox m
         WHERE m.state IN ('queued', 'sending')
           AND (m.next_attempt_at <= now()
                -- Left over from this sender's own earlier batch (it lost its lock mid-batch and
                -- skipped the rest): a sender claims only between batches, so none is in flight.
                OR m.claimed_by = $3
                OR (m.claimed_by IS NOT NULL AND NOT EXISTS (
                      SELECT 1 FROM pg_locks l
                       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                         AND l.classid = $4::int::oid AND l.objid = m.claimed_by::oid)))
         ORDER BY m.id LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.conversation_id AS "conversationId", o.message_id AS "messageId", o.purpose,
                o.rfc_message_id AS "rfcMessageId", o.to_address AS "toAddress", o.to_name AS "toName", o.subject,
                o.body_text AS "bodyText", o.body_html AS "bodyHtml", o.in_reply_to AS "inReplyTo",
                o.references_ids AS "references", o.attempts`,
    [limit, LEASE_SECONDS, key, OUTBOX_LOCK_CLASS],
  );
  return rows.sort((a, b) => a.id - b.id);
}

/**
 * Moves a claim from `fromKey` to `toKey` (the same key after the sender got its lock back): false
 * when another sender took the mail over meanwhile, which then sends it instead.
 */
export async function confirmClaim(db: Db, id: number, fromKey: number, toKey: number): Promise<boolean> {
  const { rowCount } = await db.query("UPDATE mail_outbox SET claimed_by = $3 WHERE id = $1 AND state = 'sending' AND claimed_by = $2", [id, fromKey, toKey]);
  return (rowCount ?? 0) > 0;
}

/** Records the SMTP server's acceptance; in the caller's transaction with what the delivery met. */
export async function markSent(db: Db, id: number, at: Date): Promise<void> {
  await db.query("UPDATE mail_outbox SET state = 'sent', sent_at = $2, last_error = NULL, claimed_by = NULL WHERE id = $1", [id, at]);
  await db.query('UPDATE email_messages SET sent_at = $2 WHERE message_id = (SELECT message_id FROM mail_outbox WHERE id = $1)', [id, at]);
}

export type AttemptFailure =
  /** The SMTP server refused this mail or this recipient for good (5xx). */
  | { kind: 'permanent' }
  /** Worth another try after `retryAfterSeconds`, unless the retry window (seconds) has ended. */
  | { kind: 'transient'; retryAfterSeconds: number; retryWindowSeconds: number };

/**
 * Records a failed attempt. A permanent failure, or a transient one after the retry window, ends
 * in 'failed' (resendable); otherwise the claim is given up and the mail is due again after the
 * backoff. Returns the state the mail is in now.
 */
export async function markAttemptFailed(db: Db, id: number, reason: string, failure: AttemptFailure): Promise<'sending' | 'failed'> {
  const permanent = failure.kind === 'permanent';
  const { rows } = await db.query<{ state: 'sending' | 'failed' }>(
    `UPDATE mail_outbox SET last_error = $2, claimed_by = NULL,
            state = CASE WHEN $3 OR now() >= retry_since + make_interval(secs => $5) THEN 'failed' ELSE state END,
            failure_kind = CASE WHEN $3 THEN 'permanent' WHEN now() >= retry_since + make_interval(secs => $5) THEN 'retry_window' END,
            failed_at = CASE WHEN $3 OR now() >= retry_since + make_interval(secs => $5) THEN now() END,
            next_attempt_at = now() + make_interval(secs => $4)
      WHERE id = $1 RETURNING state`,
    [id, reason.slice(0, 1000), permanent, permanent ? 0 : failure.retryAfterSeconds, permanent ? 0 : failure.retryWindowSeconds],
  );
  return rows[0]?.state ?? 'failed';
}

/** When the next queued mail is due, to sleep exactly that long. */
export async function nextDueAt(db: Db): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | null }>("SELECT min(next_attempt_at) AS at FROM mail_outbox WHERE state IN ('queued', 'sending')");
  return rows[0]?.at ?? undefined;
}

/** One row of the outbox as supervisors and agents see it (GET /api/outbox). */
export interface OutboxEntry {
  id: number;
  conversationId: number;
  reference: string;
  messageId: number;
  purpose: OutboxPurpose;
  toAddress: string;
  subject: string;
  state: DeliveryState;
  attempts: number;
  lastError: string | null;
  failureKind: 'permanent' | 'retry_window' | null;
  createdAt: string;
  nextAttemptAt: string | null;
  failedAt: string | null;
  resentAt: string | null;
  resendCount: number;
}

/**
 * Mail that waits (queued, or being retried) or failed, oldest waiting first / newest failure first;
 * `assigneeId` limits it to the conversations one agent works on.
 */
export async function listOutbox(db: Db, options: { state: 'waiting' | 'failed'; limit: number; assigneeId?: number }): Promise<OutboxEntry[]> {
  const waiting = options.state === 'waiting';
  const { rows } = await db.query<OutboxEntry>(
    `SELECT o.id, o.conversation_id AS "conversationId", c.reference, o.message_id AS "messageId", o.purpose,
            o.to_address AS "toAddress", o.subject, o.state, o.attempts, o.last_error AS "lastError",
            o.failure_kind AS "failureKind", o.created_at AS "createdAt",
            CASE WHEN o.state = 'failed' THEN NULL ELSE o.next_attempt_at END AS "nextAttemptAt",
            o.failed_at AS "failedAt", o.resent_at AS "resentAt", o.resend_count AS "resendCount"
       FROM mail_outbox o JOIN conversations c ON c.id = o.conversation_id
      WHERE ${waiting ? "o.state IN ('queued', 'sending')" : "o.state = 'failed'"}
        AND ($2::bigint IS NULL OR c.assignee_id = $2)
      ORDER BY ${waiting ? 'o.id' : 'o.failed_at DESC NULLS LAST, o.id DESC'} LIMIT $1`,
    [options.limit, options.assigneeId ?? null],
  );
  return rows.map((row) => ({
    ...row,
    createdAt: new Date(row.createdAt).toISOString(),
    nextAttemptAt: row.nextAttemptAt ? new Date(row.nextAttemptAt).toISOString() : null,
    failedAt: row.failedAt ? new Date(row.failedAt).toISOString() : null,
    resentAt: row.resentAt ? new Date(row.resentAt).toISOString() : null,
  }));
}

export type ResendOutcome =
  | { ok: true; mail: { id: number; conversationId: number; messageId: number; reference: string } }
  | { ok: false; code: 'not_found' | 'not_failed' | 'forbidden' };

/**
 * Queues a failed mail again with a new retry window, as the same mail (same Message-ID: a
 * citizen's client that somehow got the first one shows it once). `onlyAssignee`: an agent may
 * resend mail of a conversation assigned to them only. Call in a transaction (with the audit).
 */
export async function resendMail(tx: Db, id: number, agent: { id: number; onlyAssignee: boolean }): Promise<ResendOutcome> {
  const { rows } = await tx.query<{ state: DeliveryState; conversationId: number; messageId: number; reference: string; assigneeId: number | null }>(
    `SELECT o.state, o.conversation_id AS "conversationId", o.message_id AS "messageId", c.reference, c.assignee_id AS "assigneeId"
       FROM mail_outbox o JOIN conversations c ON c.id = o.conversation_id WHERE o.id = $1 FOR UPDATE OF o`,
    [id],
  );
  const row = rows[0];
  if (!row) return { ok: false, code: 'not_found' };
  if (agent.onlyAssignee && row.assigneeId !== agent.id) return { ok: false, code: 'forbidden' };
  if (row.state !== 'failed') return { ok: false, code: 'not_failed' };
  await tx.query(
    `UPDATE mail_outbox SET state = 'queued', attempts = 0, next_attempt_at = now(), retry_since = now(), claimed_by = NULL,
            failed_at = NULL, failure_kind = NULL, resent_at = now(), resent_by = $2, resend_count = resend_count + 1
      WHERE id = $1`,
    [id, agent.id],
  );
  await tx.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, String(id)]);
  return { ok: true, mail: { id, conversationId: row.conversationId, messageId: row.messageId, reference: row.reference } };
}
