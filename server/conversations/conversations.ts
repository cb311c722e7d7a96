// Conversations: one thread with a citizen on one channel, with its reference number.
import { inTransaction, type Pool } from '../db/index.ts';
import { nextReference } from './references.ts';

export type Channel = 'chat' | 'email';
export type ConversationStatus = 'new' | 'open' | 'waiting' | 'closed';

export interface Conversation {
  id: number;
  reference: string;
  channel: Channel;
  status: ConversationStatus;
  subject: string | null;
  contactId: number | null;
  assigneeId: number | null;
  createdAt: string;
  lastMessageAt: string;
}

export const CONVERSATION_COLUMNS = `id, reference, channel, status, subject, contact_id AS "contactId",
  assignee_id AS "assigneeId", created_at AS "createdAt", last_message_at AS "lastMessageAt"`;

export async function createConversation(
  pool: Pool,
  input: { channel: Channel; subject?: string | null; contactId?: number | null; referencePrefix: string },
): Promise<Conversation> {
  return inTransaction(pool, async (tx) => {
    const reference = await nextReference(tx, input.referencePrefix);
    const { rows } = await tx.query<Conversation>(
      `INSERT INTO conversations (reference, channel, subject, contact_id) VALUES ($1, $2, $3, $4)
       RETURNING ${CONVERSATION_COLUMNS}`,
      [reference, input.channel, input.subject ?? null, input.contactId ?? null],
    );
    return rows[0]!;
  });
}
