// Data access for the e-mail channel: threading lookups, stored mail headers, the mailbox checkpoint.
import type { Db } from '../db/index.ts';
import type { ReferencedConversation } from './threading.ts';

/**
 * The e-mail conversations these references (BAL-2026-000123) name, in the order given, each with
 * whether it knows `sender`: the conversation's contact has that address, or a mail in it was
 * written by a contact with that address (threading.ts chooseThread decides with it).
 */
export async function conversationsByReference(db: Db, references: readonly string[], sender: string | null): Promise<ReferencedConversation[]> {
  if (references.length === 0) return [];
  const { rows } = await db.query<ReferencedConversation>(
    `SELECT c.id, c.reference,
            $2::text IS NOT NULL AND (ct.email = $2 OR EXISTS (
              SELECT 1 FROM messages m JOIN contacts a ON a.id = m.author_contact_id
               WHERE m.conversation_id = c.id AND m.direction = 'in' AND a.email = $2)) AS "senderKnown"
       FROM conversations r
       -- A reference of a conversation merged into another (issue 16.5) threads into the kept one.
       JOIN conversations c ON c.id = coalesce(r.merged_into_id, r.id)
       LEFT JOIN contacts ct ON ct.id = c.contact_id
      WHERE r.reference = ANY($1) AND c.channel = 'email'
      ORDER BY array_position($1, r.reference)`,
    [references, sender === null ? null : sender.toLowerCase()],
  );
  return rows;
}

/** The conversation holding any of these Message-IDs (ours or the citizen's), first id first. */
export async function conversationByMessageIds(db: Db, messageIds: readonly string[]): Promise<number | undefined> {
  if (messageIds.length === 0) return undefined;
  const { rows } = await db.query<{ conversation_id: number }>(
    `SELECT m.conversation_id FROM email_messages e JOIN messages m ON m.id = e.message_id
      WHERE e.rfc_message_id = ANY($1)
      ORDER BY array_position($1, e.rfc_message_id), m.id DESC LIMIT 1`,
    [messageIds],
  );
  return rows[0]?.conversation_id;
}

export interface EmailHeaders {
  rfcMessageId: string;
  inReplyTo: readonly string[];
  references: readonly string[];
  fromAddress: string | null;
  fromName: string | null;
  toAddresses: readonly string[];
  subject: string;
  sentAt: Date | null;
  stubReason?: string | null;
  deliveryReport?: unknown;
  ackSkipped?: string | null;
  /** A reference the subject names of another conversation than this mail's (threading.ts chooseThread). */
  quotedReference?: string | null;
}

/**
 * The INSERT of a mail's headers for the message `messageId` (a placeholder or a subquery), with
 * {@link emailHeaderValues} from placeholder `$first` on — so that a caller can run it in the
 * statement that inserts the message (one round trip fewer per mail, issue 17).
 */
export function emailHeadersInsert(messageId: string, first: number): string {
  const values = Array.from({ length: 12 }, (_, index) => `$${first + index}`).join(', ');
  return `INSERT INTO email_messages (message_id, rfc_message_id, in_reply_to, references_ids, from_address, from_name,
       to_addresses, subject, sent_at, stub_reason, delivery_report, ack_skipped, quoted_reference)
     VALUES (${messageId}, ${values})`;
}

/** The values of {@link emailHeadersInsert}, in its order. */
export function emailHeaderValues(headers: EmailHeaders): unknown[] {
  return [
    headers.rfcMessageId,
    headers.inReplyTo,
    headers.references,
    headers.fromAddress,
    headers.fromName,
    headers.toAddresses,
    headers.subject,
    headers.sentAt,
    headers.stubReason ?? null,
    headers.deliveryReport === undefined ? null : JSON.stringify(headers.deliveryReport),
    headers.ackSkipped ?? null,
    headers.quotedReference ?? null,
  ];
}

export async function insertEmailHeaders(db: Db, messageId: number, headers: EmailHeaders): Promise<void> {
  await db.query(emailHeadersInsert('$1', 2), [messageId, ...emailHeaderValues(headers)]);
}

/**
 * Where a reply in this conversation goes, and the chain it continues: the citizen's most recent
 * mail for In-Reply-To and References, and as recipient the conversation's contact — never simply
 * the last sender, or anyone who quotes a (sequential, guessable) reference in a subject would
 * receive the gemeente's answers to someone else.
 */
export async function lastIncomingMail(
  db: Db,
  conversationId: number,
): Promise<{ rfcMessageId: string; references: string[]; fromAddress: string | null; fromName: string | null; subject: string } | undefined> {
  const { rows } = await db.query(
    `SELECT e.rfc_message_id AS "rfcMessageId", e.references_ids AS "references",
            coalesce(ct.email, e.from_address) AS "fromAddress", coalesce(ct.name, e.from_name) AS "fromName", e.subject
       FROM email_messages e
       JOIN messages m ON m.id = e.message_id
       JOIN conversations c ON c.id = m.conversation_id
       LEFT JOIN contacts ct ON ct.id = c.contact_id
      WHERE m.conversation_id = $1 AND m.direction = 'in' AND e.delivery_report IS NULL
      ORDER BY (e.from_address = ct.email) DESC NULLS LAST, m.id DESC LIMIT 1`,
    [conversationId],
  );
  return rows[0];
}

export interface Checkpoint {
  uidValidity: string;
  lastUid: number;
}

export async function loadCheckpoint(db: Db, mailbox: string): Promise<Checkpoint | undefined> {
  const { rows } = await db.query<Checkpoint>(
    'SELECT uid_validity AS "uidValidity", last_uid AS "lastUid" FROM mailbox_checkpoints WHERE mailbox = $1',
    [mailbox],
  );
  return rows[0];
}

/** Moves the checkpoint forward (never back, unless UIDVALIDITY changed and the mailbox is re-read). */
export async function saveCheckpoint(db: Db, mailbox: string, checkpoint: Checkpoint): Promise<void> {
  await db.query(
    `INSERT INTO mailbox_checkpoints (mailbox, uid_validity, last_uid) VALUES ($1, $2, $3)
     ON CONFLICT (mailbox) DO UPDATE SET
       last_uid = CASE WHEN mailbox_checkpoints.uid_validity = EXCLUDED.uid_validity
                       THEN greatest(mailbox_checkpoints.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END,
       uid_validity = EXCLUDED.uid_validity,
       updated_at = now()`,
    [mailbox, checkpoint.uidValidity, checkpoint.lastUid],
  );
}
