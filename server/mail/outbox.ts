// The mail outbox in PostgreSQL: what is queued here goes out exactly once, in order of queueing,
// with retries; the sender worker (sender.ts) claims rows with FOR UPDATE SKIP LOCKED.
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
 * Claims up to `limit` mails that are due, and pushes their next attempt into the future before
 * sending: if this process dies mid-send, the row comes back after the backoff and goes out again
 * with the same Message-ID (receivers and Balie itself recognise the repeat).
 */
export async function claimDueMail(db: Db, limit: number, retryAfterSeconds: (attempt: number) => number): Promise<ClaimedMail[]> {
  const { rows } = await db.query<ClaimedMail>(
    `UPDATE mail_outbox o SET state = 'sending', attempts = o.attempts + 1,
            next_attempt_at = now() + make_interval(secs => ($2::int[])[least(o.attempts + 1, cardinality($2::int[]))])
      WHERE o.id IN (SELECT id FROM mail_outbox WHERE state IN ('queued', 'sending') AND next_attempt_at <= now()
                      ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.conversation_id AS "conversationId", o.message_id AS "messageId", o.purpose,
                o.rfc_message_id AS "rfcMessageId", o.to_address AS "toAddress", o.to_name AS "toName", o.subject,
                o.body_text AS "bodyText", o.body_html AS "bodyHtml", o.in_reply_to AS "inReplyTo",
                o.references_ids AS "references", o.attempts`,
    [limit, Array.from({ length: 12 }, (_, i) => retryAfterSeconds(i + 1))],
  );
  return rows.sort((a, b) => a.id - b.id);
}

export async function markSent(db: Db, id: number, at: Date): Promise<void> {
  await db.query("UPDATE mail_outbox SET state = 'sent', sent_at = $2, last_error = NULL WHERE id = $1", [id, at]);
  await db.query('UPDATE email_messages SET sent_at = $2 WHERE message_id = (SELECT message_id FROM mail_outbox WHERE id = $1)', [id, at]);
}

/** Records a failed attempt: `final` gives up (permanent SMTP error or too many attempts); otherwise it is retried. */
export async function markAttemptFailed(db: Db, id: number, reason: string, final: boolean): Promise<void> {
  await db.query(`UPDATE mail_outbox SET last_error = $2, state = CASE WHEN $3 THEN 'failed' ELSE state END WHERE id = $1`, [id, reason.slice(0, 1000), final]);
}

/** When the next queued mail is due, to sleep exactly that long. */
export async function nextDueAt(db: Db): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | null }>("SELECT min(next_attempt_at) AS at FROM mail_outbox WHERE state IN ('queued', 'sending')");
  return rows[0]?.at ?? undefined;
}
