// One whole conversation for the agent: its thread, milestones, outcome and rating, and the
// contact's other conversations on any channel (the contact history KCCs lack, issue 6).
import type { Db } from '../db/index.ts';
import { listMilestones, type Milestone } from '../deadlines/index.ts';
import { callbacksHeldByHandoffs } from './actions.ts';
import type { ConversationSummary } from './list.ts';

export interface ThreadMessage {
  id: number;
  direction: 'in' | 'out';
  kind: 'message' | 'note' | 'system';
  replyKind: 'reply' | 'answer' | 'interim' | null;
  author: { type: 'agent'; id: number; name: string } | { type: 'contact'; id: number; name: string | null } | null;
  text: string;
  /** Sanitised on the way in (server/mail/sanitize.ts). */
  html: string | null;
  createdAt: string;
  email: {
    messageId: string;
    /** The sender's address as the mail gave it (From), shown beside the contact's name. */
    from: string | null;
    subject: string;
    stubReason: string | null;
    deliveryReport: unknown;
    ackSkipped: string | null;
    /** A reference the subject named of another conversation (a stranger's, or the citizen from another address). */
    quotedReference: string | null;
  } | null;
  delivery: { state: string; error: string | null; attempts: number; sentAt: string | null } | null;
  attachments: { id: number; filename: string | null; contentType: string; size: number; inline: boolean }[];
}

export interface HistoryItem {
  id: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
  status: string;
  subject: string | null;
  createdAt: string;
  closedAt: string | null;
}

export interface ConversationDetail extends Omit<ConversationSummary, 'preview' | 'nextDue' | 'breached' | 'waitingSince'> {
  createdAt: string;
  closedAt: string | null;
  outcome: string | null;
  csat: { score: number; comment: string | null } | null;
  /** The contact's other conversations, newest first (at most 50). */
  history: HistoryItem[];
  messages: ThreadMessage[];
  milestones: Milestone[];
  /** The callback milestones open hand-offs hold: the back office works those, not the inbox's call button. */
  handoffCallbacks: number[];
}

export async function conversationDetail(db: Db, id: number): Promise<ConversationDetail | undefined> {
  const head = await db.query(
    `SELECT c.id, c.reference, c.channel, c.status, c.subject, c.last_message_at AS "lastMessageAt", c.created_at AS "createdAt",
            c.closed_at AS "closedAt", c.outcome, c.contact_id AS "contactId",
            CASE WHEN c.csat_score IS NULL THEN NULL ELSE json_build_object('score', c.csat_score, 'comment', c.csat_comment) END AS csat,
            CASE WHEN ct.id IS NULL THEN NULL ELSE json_build_object('id', ct.id, 'name', ct.name, 'email', ct.email) END AS contact,
            CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object('id', a.id, 'name', a.name) END AS assignee
       FROM conversations c LEFT JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN agents a ON a.id = c.assignee_id
      WHERE c.id = $1`,
    [id],
  );
  if (!head.rows[0]) return undefined;
  const messages = await db.query<ThreadMessage>(
    `SELECT m.id, m.direction, m.kind, m.reply_kind AS "replyKind", m.body_text AS text, m.body_html AS html, m.created_at AS "createdAt",
            CASE WHEN ag.id IS NOT NULL THEN json_build_object('type', 'agent', 'id', ag.id, 'name', ag.name)
                 WHEN ct.id IS NOT NULL THEN json_build_object('type', 'contact', 'id', ct.id, 'name', ct.name) END AS author,
            CASE WHEN e.message_id IS NULL THEN NULL ELSE json_build_object('messageId', e.rfc_message_id, 'from', e.from_address,
              'subject', e.subject, 'stubReason', e.stub_reason, 'deliveryReport', e.delivery_report, 'ackSkipped', e.ack_skipped,
              'quotedReference', e.quoted_reference) END AS email,
            CASE WHEN o.id IS NULL THEN NULL ELSE json_build_object('state', o.state, 'error', o.last_error, 'attempts', o.attempts, 'sentAt', o.sent_at) END AS delivery,
            coalesce((SELECT json_agg(json_build_object('id', at.id, 'filename', at.filename, 'contentType', at.content_type,
                        'size', at.size_bytes, 'inline', at.content_id IS NOT NULL) ORDER BY at.id)
                        FROM attachments at WHERE at.message_id = m.id), '[]') AS attachments
       FROM messages m
       LEFT JOIN agents ag ON ag.id = m.author_agent_id
       LEFT JOIN contacts ct ON ct.id = m.author_contact_id
       LEFT JOIN email_messages e ON e.message_id = m.id
       LEFT JOIN mail_outbox o ON o.message_id = m.id
      WHERE m.conversation_id = $1
      ORDER BY m.created_at, m.id`,
    [id],
  );
  const { contactId, ...conversation } = head.rows[0] as { contactId: number | null } & Record<string, unknown>;
  return { ...(conversation as unknown as Omit<ConversationDetail, 'messages' | 'milestones' | 'history'>), messages: messages.rows, milestones: await listMilestones(db, id), handoffCallbacks: await callbacksHeldByHandoffs(db, id), history: await contactHistory(db, id, contactId) };
}

/**
 * The contact's other conversations: the same contact, or another contact with the same e-mail
 * address or phone number (a citizen who chatted under a name and later mailed is two contacts).
 */
export async function contactHistory(db: Db, conversationId: number, contactId: number | null): Promise<HistoryItem[]> {
  if (contactId === null) return [];
  const { rows } = await db.query<HistoryItem>(
    `SELECT cv.id, cv.reference, cv.channel, cv.status, cv.subject, cv.created_at AS "createdAt", cv.closed_at AS "closedAt"
       FROM conversations cv
      WHERE cv.id <> $2
        AND cv.contact_id IN (SELECT o.id FROM contacts me JOIN contacts o
                                ON o.id = me.id OR o.email = me.email OR o.phone = me.phone
                               WHERE me.id = $1)
      ORDER BY cv.created_at DESC, cv.id DESC
      LIMIT 50`,
    [contactId, conversationId],
  );
  return rows;
}
