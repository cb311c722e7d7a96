// Conversations: one thread with a citizen on one channel, with its reference number.
import { inTransaction, type Db, type Pool } from '../db/index.ts';
import { openMilestonesFor, openPickupMilestone, type Milestone } from '../deadlines/index.ts';
import { nextReference } from './references.ts';

export type Channel = 'chat' | 'email' | 'phone';
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

export interface NewConversation {
  channel: Channel;
  subject?: string | null;
  contactId?: number | null;
  referencePrefix: string;
  /** When the mail arrived or the chat was queued; the milestones count from here. Default now. */
  receivedAt?: Date;
}

/**
 * Creates a conversation with its service-norm milestones inside the caller's transaction: an
 * e-mail gets the active norm's acknowledgement and answer deadlines counted from `receivedAt`,
 * a chat its pickup deadline counted from being queued.
 */
export async function createConversationIn(tx: Db, input: NewConversation): Promise<{ conversation: Conversation; milestones: Milestone[] }> {
  const receivedAt = input.receivedAt ?? new Date();
  const reference = await nextReference(tx, input.referencePrefix, receivedAt);
  const { rows } = await tx.query<Conversation>(
    `INSERT INTO conversations (reference, channel, subject, contact_id) VALUES ($1, $2, $3, $4)
     RETURNING ${CONVERSATION_COLUMNS}`,
    [reference, input.channel, input.subject ?? null, input.contactId ?? null],
  );
  const conversation = rows[0]!;
  const milestones =
    input.channel === 'email' ? await openMilestonesFor(tx, conversation.id, receivedAt) : await openPickupMilestone(tx, conversation.id, receivedAt);
  return { conversation, milestones };
}

/** createConversationIn in a transaction of its own. */
export async function createConversation(pool: Pool, input: NewConversation): Promise<Conversation> {
  return inTransaction(pool, async (tx) => (await createConversationIn(tx, input)).conversation);
}
