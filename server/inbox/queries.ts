// Read models of the agents' inbox: the conversation list (cursor-paged) and one whole conversation.
import type { Db } from '../db/index.ts';
import { listMilestones, type Milestone } from '../deadlines/index.ts';

export interface ListFilter {
  channel?: 'chat' | 'email';
  status?: 'new' | 'open' | 'waiting' | 'closed';
  limit: number;
  /** Opaque cursor from the previous page. */
  cursor?: string;
}

export interface ConversationSummary {
  id: number;
  reference: string;
  channel: 'chat' | 'email';
  status: string;
  subject: string | null;
  contact: { id: number; name: string | null; email: string | null } | null;
  assignee: { id: number; name: string } | null;
  lastMessageAt: string;
  preview: string;
  /** The nearest unmet milestone's due time and state. */
  nextDue: { kind: string; dueAt: string; state: string } | null;
}

function encodeCursor(lastMessageAt: string, id: number): string {
  return Buffer.from(JSON.stringify([lastMessageAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, number] | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, number];
    return typeof at === 'string' && Number.isInteger(id) && !Number.isNaN(Date.parse(at)) ? [at, id] : undefined;
  } catch {
    return undefined;
  }
}

/** Newest activity first, paged by (last_message_at, id) so a page never skips or repeats a row. */
export async function listConversations(db: Db, filter: ListFilter): Promise<{ items: ConversationSummary[]; nextCursor: string | null } | 'bad_cursor'> {
  const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
  if (filter.cursor !== undefined && !after) return 'bad_cursor';
  const { rows } = await db.query<ConversationSummary & { lastMessageAtRaw: Date }>(
    `SELECT c.id, c.reference, c.channel, c.status, c.subject, c.last_message_at AS "lastMessageAtRaw",
            to_char(c.last_message_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "lastMessageAt",
            CASE WHEN ct.id IS NULL THEN NULL ELSE json_build_object('id', ct.id, 'name', ct.name, 'email', ct.email) END AS contact,
            CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object('id', a.id, 'name', a.name) END AS assignee,
            coalesce(left(last.body_text, 140), '') AS preview,
            (SELECT json_build_object('kind', ms.kind, 'dueAt', ms.due_at, 'state', ms.state) FROM milestones ms
              WHERE ms.conversation_id = c.id AND ms.state IN ('open', 'due_soon', 'breached')
              ORDER BY ms.due_at LIMIT 1) AS "nextDue"
       FROM conversations c
       LEFT JOIN contacts ct ON ct.id = c.contact_id
       LEFT JOIN agents a ON a.id = c.assignee_id
       LEFT JOIN LATERAL (SELECT body_text FROM messages m WHERE m.conversation_id = c.id AND m.kind = 'message'
                          ORDER BY m.id DESC LIMIT 1) last ON true
      WHERE ($1::text IS NULL OR c.channel = $1)
        AND ($2::text IS NULL OR c.status = $2)
        AND ($3::timestamptz IS NULL OR (c.last_message_at, c.id) < ($3::timestamptz, $4::bigint))
      ORDER BY c.last_message_at DESC, c.id DESC
      LIMIT $5`,
    [filter.channel ?? null, filter.status ?? null, after?.[0] ?? null, after?.[1] ?? null, filter.limit + 1],
  );
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ lastMessageAtRaw: _raw, ...item }) => item),
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last.lastMessageAt, last.id) : null,
  };
}

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
  email: { messageId: string; from: string | null; subject: string; stubReason: string | null; deliveryReport: unknown; ackSkipped: string | null } | null;
  delivery: { state: string; error: string | null; attempts: number; sentAt: string | null } | null;
  attachments: { id: number; filename: string | null; contentType: string; size: number; inline: boolean }[];
}

export interface ConversationDetail extends Omit<ConversationSummary, 'preview' | 'nextDue'> {
  createdAt: string;
  closedAt: string | null;
  messages: ThreadMessage[];
  milestones: Milestone[];
}

export async function conversationDetail(db: Db, id: number): Promise<ConversationDetail | undefined> {
  const head = await db.query(
    `SELECT c.id, c.reference, c.channel, c.status, c.subject, c.last_message_at AS "lastMessageAt", c.created_at AS "createdAt",
            c.closed_at AS "closedAt",
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
              'subject', e.subject, 'stubReason', e.stub_reason, 'deliveryReport', e.delivery_report, 'ackSkipped', e.ack_skipped) END AS email,
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
  return { ...head.rows[0], messages: messages.rows, milestones: await listMilestones(db, id) };
}
