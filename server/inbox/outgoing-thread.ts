// Where a reply goes in a conversation Balie started (a new mail to a citizen, outgoing.ts).
import type { Db } from '../db/index.ts';

/**
 * Our own last mail in a conversation, shaped as store.ts lastIncomingMail's answer (the contact
 * as the one to write to): what a second mail continues before the citizen has written back.
 */
export async function lastOutgoingMail(
  db: Db,
  conversationId: number,
): Promise<{ rfcMessageId: string; references: string[]; fromAddress: string | null; fromName: string | null; subject: string } | undefined> {
  const { rows } = await db.query(
    `SELECT e.rfc_message_id AS "rfcMessageId", e.references_ids AS "references", ct.email AS "fromAddress", ct.name AS "fromName", e.subject
       FROM email_messages e
       JOIN messages m ON m.id = e.message_id
       JOIN conversations c ON c.id = m.conversation_id
       JOIN contacts ct ON ct.id = c.contact_id
      WHERE m.conversation_id = $1 AND m.direction = 'out' AND ct.email IS NOT NULL
      ORDER BY m.id DESC LIMIT 1`,
    [conversationId],
  );
  return rows[0];
}
