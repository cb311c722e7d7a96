// The mail outbox in PostgreSQL: what is queued here goes out in order of queueing, with retries,
// by whichever instance claims it (FOR UPDATE SKIP LOCKED plus a lease). Delivery is at least
// once: a crash between the SMTP server's "250 OK" and our record of it sends that mail again,
// with the same Message-ID, after the lease.
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
 * How long a claimed mail belongs to the instance that claimed it: longer than sending a whole
 * batch can take (connect, greeting and socket timeouts for each mail), so that no other instance
 * takes it over while it is still being sent. Only a crashed sender lets a lease run out.
 */
export const LEASE_SECONDS = 20 * 60;

/**
 * Claims up to `limit` mails that are due, leasing them (see LEASE_SECONDS). If this process dies
 * mid-send, the row comes back when the lease ends and goes out again with the same Message-ID.
 */
export async function claimDueMail(db: Db, limit: number): Promise<ClaimedMail[]> {
  const { rows } = await db.query<ClaimedMail>(
    `UPDATE mail_outbox o SET state = 'sending', attempts = o.attempts + 1,
            next_attempt_at = now() + make_interval(secs => $2)
      WHERE o.id IN (SELECT id FROM mail_outbox WHERE state IN ('queued', 'sending') AND next_attempt_at <= now()
                      ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.conversation_id AS "conversationId", o.message_id AS "messageId", o.purpose,
                o.rfc_message_id AS "rfcMessageId", o.to_address AS "toAddress", o.to_name AS "toName", o.subject,
                o.body_text AS "bodyText", o.body_html AS "bodyHtml", o.in_reply_to AS "inReplyTo",
                o.references_ids AS "references", o.attempts`,
    [limit, LEASE_SECONDS],
  );
  return rows.sort((a, b) => a.id - b.id);
}

export async function markSent(db: Db, id: number, at: Date): Promise<void> {
  await db.query("UPDATE mail_outbox SET state = 'sent', sent_at = $2, last_error = NULL WHERE id = $1", [id, at]);
  await db.query('UPDATE email_messages SET sent_at = $2 WHERE message_id = (SELECT message_id FROM mail_outbox WHERE id = $1)', [id, at]);
}

/**
 * Records a failed attempt: `final` gives up (permanent SMTP error or too many attempts);
 * otherwise the lease is cut short and the mail is tried again after `retryAfterSeconds`.
 */
export async function markAttemptFailed(db: Db, id: number, reason: string, final: boolean, retryAfterSeconds: number): Promise<void> {
  await db.query(
    `UPDATE mail_outbox SET last_error = $2, state = CASE WHEN $3 THEN 'failed' ELSE state END,
            next_attempt_at = now() + make_interval(secs => $4)
      WHERE id = $1`,
    [id, reason.slice(0, 1000), final, retryAfterSeconds],
  );
}

/** When the next queued mail is due, to sleep exactly that long. */
export async function nextDueAt(db: Db): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | null }>("SELECT min(next_attempt_at) AS at FROM mail_outbox WHERE state IN ('queued', 'sending')");
  return rows[0]?.at ?? undefined;
}
