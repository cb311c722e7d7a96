// Mail Balie could not store, kept whole in mail_quarantine: put there by the poller, listed,
// downloaded, tried again or dismissed by a supervisor (issue 13, item 4).
import { createHash } from 'node:crypto';
import pg from 'pg';
import { inTransaction, type Db, type Pool } from '../db/index.ts';
import { ingestMail, type IngestResult, type MailboxPosition, type MailSettings } from './ingest.ts';
import { MailCrashedReadingError } from './poison-guard.ts';
import { saveCheckpoint } from './store.ts';

/**
 * Why a mail could not be stored, as a code the inbox translates; the error text is kept beside it.
 * From the SQLSTATE classes of PostgreSQL's appendix A: 54 program limit (a value too long for an
 * index row, issue 13 item 7), 23 integrity constraint, 22 data exception; any other database error;
 * or an error in Balie's own processing of the mail; or Balie died while reading it, again and again
 * (`reading_crashed`, poison-guard.ts: it is kept without being read again).
 */
export type QuarantineReasonCode = 'value_too_long' | 'constraint_violation' | 'invalid_data' | 'database_error' | 'processing_error' | 'reading_crashed' | 'unknown';

export function reasonCodeOf(error: unknown): QuarantineReasonCode {
  if (error instanceof MailCrashedReadingError) return error.quarantineReason;
  if (error instanceof pg.DatabaseError || /^[0-9A-Z]{5}$/.test(String((error as { code?: unknown }).code ?? ''))) {
    const code = String((error as { code?: unknown }).code ?? '');
    if (code.startsWith('54')) return 'value_too_long';
    if (code.startsWith('23')) return 'constraint_violation';
    if (code.startsWith('22')) return 'invalid_data';
    return 'database_error';
  }
  return error instanceof Error ? 'processing_error' : 'unknown';
}

export function describeError(error: unknown): string {
  const err = error as { message?: string; responseText?: string };
  return err.responseText ?? err.message ?? String(error);
}

export interface QuarantinedMail {
  id: number;
  mailbox: string;
  uidValidity: string;
  uid: number;
  reasonCode: string;
  reason: string;
  /** When the gemeente's server received it (INTERNALDATE), else when it was quarantined. */
  receivedAt: string;
  quarantinedAt: string;
  lastAttemptAt: string;
  /** Size in the mailbox; the stored raw is only the header when it was over MAIL_MAX_BYTES. */
  sizeBytes: number;
  storedBytes: number;
  attempts: number;
  from: string | null;
  subject: string | null;
}

/**
 * Puts a mail in quarantine and moves the mailbox checkpoint past it, in one transaction. A mail
 * already waiting there (the same bytes, read again after a UIDVALIDITY change, or the same
 * position) is not listed twice: its row gets the new position, reason and one more attempt.
 */
export async function quarantineMail(
  pool: Pool,
  mail: { raw: Buffer; position: MailboxPosition; receivedAt?: Date; size?: number },
  error: unknown,
): Promise<{ id: number; reasonCode: QuarantineReasonCode; reason: string }> {
  const reasonCode = reasonCodeOf(error);
  const reason = describeError(error);
  const sha = createHash('sha256').update(mail.raw).digest();
  const { position } = mail;
  const id = await inTransaction(pool, async (tx) => {
    // Dismissed once is dismissed for good: the same bytes read again (a new UIDVALIDITY makes the
    // poller re-read the whole mailbox) do not put spam back on the supervisors' list.
    const dismissed = await tx.query<{ id: number }>(
      'SELECT id FROM mail_quarantine WHERE raw_sha256 = $1 AND dismissed_at IS NOT NULL ORDER BY id DESC LIMIT 1 FOR UPDATE',
      [sha],
    );
    if (dismissed.rows[0]) {
      const rowId = Number(dismissed.rows[0].id);
      await tx.query('UPDATE mail_quarantine SET attempts = attempts + 1, last_attempt_at = now() WHERE id = $1', [rowId]);
      await saveCheckpoint(tx, position.mailbox, { uidValidity: position.uidValidity, lastUid: position.uid });
      return rowId;
    }
    const waiting = await tx.query<{ id: number }>(
      `SELECT id FROM mail_quarantine WHERE resolved_at IS NULL AND dismissed_at IS NULL
          AND (raw_sha256 = $1 OR (mailbox = $2 AND uid_validity = $3 AND uid = $4))
        ORDER BY id LIMIT 1 FOR UPDATE`,
      [sha, position.mailbox, position.uidValidity, position.uid],
    );
    let rowId: number;
    if (waiting.rows[0]) {
      rowId = Number(waiting.rows[0].id);
      await tx.query(
        `UPDATE mail_quarantine SET reason = $2, reason_code = $3, attempts = attempts + 1, last_attempt_at = now()
          WHERE id = $1`,
        [rowId, reason, reasonCode],
      );
      // The same bytes at a new position (a new UIDVALIDITY): follow the mailbox, unless that
      // position is already taken by another (resolved) row.
      await tx.query(
        `UPDATE mail_quarantine SET mailbox = $2, uid_validity = $3, uid = $4 WHERE id = $1
            AND NOT EXISTS (SELECT 1 FROM mail_quarantine WHERE mailbox = $2 AND uid_validity = $3 AND uid = $4)`,
        [rowId, position.mailbox, position.uidValidity, position.uid],
      );
    } else {
      // A position that was quarantined, resolved and then failed again (it cannot be, since the
      // checkpoint is past it, but a manual checkpoint reset can): the old row is opened again.
      const { rows } = await tx.query<{ id: number }>(
        `INSERT INTO mail_quarantine (mailbox, uid_validity, uid, raw, reason, reason_code, received_at, size_bytes, raw_sha256, last_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
         ON CONFLICT (mailbox, uid_validity, uid) DO UPDATE SET
           reason = EXCLUDED.reason, reason_code = EXCLUDED.reason_code, attempts = mail_quarantine.attempts + 1,
           last_attempt_at = now(), resolved_at = NULL, resolved_message_id = NULL, resolved_by = NULL,
           dismissed_at = NULL, dismissed_by = NULL, dismiss_reason = NULL, seen_flagged_at = NULL
         RETURNING id`,
        [position.mailbox, position.uidValidity, position.uid, mail.raw, reason, reasonCode, mail.receivedAt ?? new Date(), mail.size ?? mail.raw.length, sha],
      );
      rowId = Number(rows[0]!.id);
    }
    await saveCheckpoint(tx, position.mailbox, { uidValidity: position.uidValidity, lastUid: position.uid });
    return rowId;
  });
  return { id, reasonCode, reason };
}

/** UIDs of quarantined mail in this mailbox that was resolved or dismissed and is still unseen there. */
export async function resolvedToFlag(db: Db, mailbox: string, uidValidity: string): Promise<number[]> {
  const { rows } = await db.query<{ uid: string }>(
    `SELECT uid FROM mail_quarantine WHERE mailbox = $1 AND uid_validity = $2
        AND (resolved_at IS NOT NULL OR dismissed_at IS NOT NULL) AND seen_flagged_at IS NULL ORDER BY uid LIMIT 1000`,
    [mailbox, uidValidity],
  );
  return rows.map((row) => Number(row.uid));
}

export async function markFlagged(db: Db, mailbox: string, uidValidity: string, uids: readonly number[]): Promise<void> {
  await db.query('UPDATE mail_quarantine SET seen_flagged_at = now() WHERE mailbox = $1 AND uid_validity = $2 AND uid = ANY($3)', [mailbox, uidValidity, uids]);
}

/** How many quarantined mails wait for a supervisor, on every instance (the table, not a counter). */
export async function countQuarantined(db: Db): Promise<number> {
  const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM mail_quarantine WHERE resolved_at IS NULL AND dismissed_at IS NULL');
  return rows[0]!.count;
}

/** What waits, newest first, with From and Subject read from the stored header (no full parse). */
export async function listQuarantined(db: Db, options: { limit?: number } = {}): Promise<QuarantinedMail[]> {
  const { rows } = await db.query(
    `SELECT id, mailbox, uid_validity, uid, reason_code, reason, coalesce(received_at, created_at) AS received_at, created_at,
            coalesce(last_attempt_at, created_at) AS last_attempt_at, coalesce(size_bytes, octet_length(raw)) AS size_bytes,
            octet_length(raw) AS stored_bytes, attempts,
            -- The header only: at most 64 kB of it, so a list of huge mails stays cheap.
            substring(raw FROM 1 FOR 65536) AS head
       FROM mail_quarantine WHERE resolved_at IS NULL AND dismissed_at IS NULL
      ORDER BY created_at DESC, id DESC LIMIT $1`,
    [options.limit ?? 200],
  );
  return rows.map((row) => {
    const headers = headerFields(row.head as Buffer);
    return {
      id: Number(row.id),
      mailbox: row.mailbox,
      uidValidity: row.uid_validity,
      uid: Number(row.uid),
      reasonCode: row.reason_code,
      reason: row.reason,
      receivedAt: (row.received_at as Date).toISOString(),
      quarantinedAt: (row.created_at as Date).toISOString(),
      lastAttemptAt: (row.last_attempt_at as Date).toISOString(),
      sizeBytes: Number(row.size_bytes),
      storedBytes: Number(row.stored_bytes),
      attempts: row.attempts,
      from: headers.get('from') ?? null,
      subject: headers.get('subject') ?? null,
    };
  });
}

/** The mail exactly as it was read from the mailbox, if it is still in quarantine or kept after. */
export async function quarantinedRaw(db: Db, id: number): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ raw: Buffer }>('SELECT raw FROM mail_quarantine WHERE id = $1', [id]);
  return rows[0]?.raw;
}

export type RetryOutcome =
  | { outcome: 'stored' | 'duplicate'; messageId: number; conversationId: number | null; result: IngestResult }
  | { outcome: 'failed'; reasonCode: QuarantineReasonCode; reason: string; attempts: number }
  | { outcome: 'not_found' }
  /** Another retry of this mail is running. */
  | { outcome: 'busy' };

// The first key of the two-key advisory lock a retry holds: "balQ", distinct from every other
// advisory lock key of Balie (the outbox's sender class is "bali", 0x62616c69).
const RETRY_LOCK = 0x62616c51;

/**
 * Runs the normal ingest again on the stored raw mail. The ingest's own idempotency key (the
 * mail's fingerprint) means a mail stored meanwhile — by an earlier retry that crashed before it
 * marked the row, or a second delivery — is recognised, not stored twice. Without a mailbox
 * position: the checkpoint is long past this mail, and an old UIDVALIDITY must not reset it.
 */
export async function retryQuarantined(pool: Pool, id: number, settings: MailSettings, agentId: number | null): Promise<RetryOutcome> {
  // One retry of a mail at a time (two supervisors clicking together): a session lock on a
  // connection of its own, since the ingest runs its own transaction.
  const lock = await pool.connect();
  try {
    const { rows: locked } = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [RETRY_LOCK, id]);
    if (!locked[0]!.ok) return { outcome: 'busy' };
    try {
      return await retryLocked(pool, id, settings, agentId);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1, $2)', [RETRY_LOCK, id]);
    }
  } finally {
    lock.release();
  }
}

async function retryLocked(pool: Pool, id: number, settings: MailSettings, agentId: number | null): Promise<RetryOutcome> {
  const { rows } = await pool.query<{ raw: Buffer; received_at: Date | null; size_bytes: string | null; created_at: Date }>(
    'SELECT raw, received_at, size_bytes, created_at FROM mail_quarantine WHERE id = $1 AND resolved_at IS NULL AND dismissed_at IS NULL',
    [id],
  );
  const row = rows[0];
  if (!row) return { outcome: 'not_found' };
  let result: IngestResult;
  try {
    result = await ingestMail(pool, row.raw, settings, { receivedAt: row.received_at ?? row.created_at, size: row.size_bytes === null ? undefined : Number(row.size_bytes) });
  } catch (error) {
    const reasonCode = reasonCodeOf(error);
    const reason = describeError(error);
    const updated = await pool.query<{ attempts: number }>(
      'UPDATE mail_quarantine SET reason = $2, reason_code = $3, attempts = attempts + 1, last_attempt_at = now() WHERE id = $1 RETURNING attempts',
      [id, reason, reasonCode],
    );
    return { outcome: 'failed', reasonCode, reason, attempts: updated.rows[0]?.attempts ?? 0 };
  }
  await pool.query(
    `UPDATE mail_quarantine SET resolved_at = now(), resolved_message_id = $2, resolved_by = $3, attempts = attempts + 1, last_attempt_at = now()
      WHERE id = $1 AND resolved_at IS NULL`,
    [id, result.messageId, agentId],
  );
  const conversationId =
    result.outcome === 'stored'
      ? result.conversationId
      : ((await pool.query<{ conversation_id: number }>('SELECT conversation_id FROM messages WHERE id = $1', [result.messageId])).rows[0]?.conversation_id ?? null);
  return { outcome: result.outcome, messageId: result.messageId, conversationId: conversationId === null ? null : Number(conversationId), result };
}

/** Takes a mail off the list without storing it (spam, a test mail), with the supervisor's reason. */
export async function dismissQuarantined(db: Db, id: number, agentId: number, reason: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE mail_quarantine SET dismissed_at = now(), dismissed_by = $2, dismiss_reason = $3 WHERE id = $1 AND resolved_at IS NULL AND dismissed_at IS NULL',
    [id, agentId, reason],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * From and Subject from the raw header (RFC 5322 §2.2: the header ends at the first empty line;
 * folded lines continue with white space), with RFC 2047 encoded words decoded where Node can.
 * Cheap on purpose: a mail that broke the parser must still be listable.
 */
export function headerFields(head: Buffer): Map<string, string> {
  const text = head.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const header = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const fields = new Map<string, string>();
  for (const line of header.split(/\r?\n/)) {
    const match = /^(from|subject):\s*(.*)$/i.exec(line);
    if (match && !fields.has(match[1]!.toLowerCase())) fields.set(match[1]!.toLowerCase(), decodeWords(Buffer.from(match[2]!, 'latin1').toString('utf8')).slice(0, 300));
  }
  return fields;
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (word, charset: string, encoding: string, data: string) => {
      try {
        const bytes = encoding.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
        return new TextDecoder(charset.toLowerCase().split('*')[0]!).decode(bytes);
      } catch {
        return word;
      }
    });
}
