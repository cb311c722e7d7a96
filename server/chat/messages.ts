// Chat messages as the citizen sees them: stored once per client id, fetched after a message id.
import { DateTime } from 'luxon';
import type { Db } from '../db/index.ts';
import { ZONE } from '../deadlines/index.ts';
import type { ChatMessage } from '../realtime/events.ts';

/** Instants leave the server as ISO 8601 in Amsterdam time with offset, like the public API. */
export const isoAmsterdam = (instant: Date): string => DateTime.fromJSDate(instant, { zone: ZONE }).toISO()!;

/** "Fatima" from "Fatima el Amrani": citizens see the agent's first name only. */
export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

/**
 * The idempotency key of a citizen's chat message. Scoped to the conversation: a client id known
 * to someone else never reveals or touches another conversation's message. The first message,
 * stored before the conversation exists, has its own key (see startChat).
 */
export const chatMessageKey = (conversationId: number, clientId: string) => `chat:${conversationId}:${clientId}`;
export const chatStartKey = (clientId: string) => `chat:start:${clientId}`;

interface Row {
  id: number;
  direction: 'in' | 'out';
  idempotencyKey: string | null;
  agentName: string | null;
  text: string;
  createdAt: Date;
}

const SELECT = `SELECT m.id, m.direction, m.idempotency_key AS "idempotencyKey", a.name AS "agentName", m.body_text AS text, m.created_at AS "createdAt"
                  FROM messages m LEFT JOIN agents a ON a.id = m.author_agent_id`;

function toChatMessage(row: Row): ChatMessage {
  const fromCitizen = row.direction === 'in';
  return {
    id: row.id,
    clientId: fromCitizen && row.idempotencyKey ? row.idempotencyKey.slice(row.idempotencyKey.lastIndexOf(':') + 1) : null,
    from: fromCitizen ? 'citizen' : 'agent',
    agentFirstName: !fromCitizen && row.agentName ? firstName(row.agentName) : null,
    text: row.text,
    createdAt: isoAmsterdam(row.createdAt),
  };
}

/** One message as the citizen sees it; undefined for notes, system lines and other conversations. */
export async function chatMessage(db: Db, conversationId: number, messageId: number): Promise<ChatMessage | undefined> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE m.id = $1 AND m.conversation_id = $2 AND m.kind = 'message'`, [messageId, conversationId]);
  return rows[0] ? toChatMessage(rows[0]) : undefined;
}

/** The citizen's message with this client id, when it was stored before. */
export async function citizenMessageByClientId(db: Db, conversationId: number, clientId: string): Promise<ChatMessage | undefined> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE m.conversation_id = $1 AND m.idempotency_key = ANY($2::text[])`, [
    conversationId,
    [chatMessageKey(conversationId, clientId), chatStartKey(clientId)],
  ]);
  return rows[0] ? toChatMessage(rows[0]) : undefined;
}

/** Stores a citizen's message in the caller's transaction (the conversation row must be locked). */
export async function insertCitizenMessage(tx: Db, input: { conversationId: number; key: string; text: string; contactId: number | null }): Promise<ChatMessage> {
  const { rows } = await tx.query<{ id: number; createdAt: Date }>(
    `INSERT INTO messages (conversation_id, direction, kind, author_contact_id, body_text, idempotency_key)
     VALUES ($1, 'in', 'message', $2, $3, $4) RETURNING id, created_at AS "createdAt"`,
    [input.conversationId, input.contactId, input.text, input.key],
  );
  return toChatMessage({ id: rows[0]!.id, direction: 'in', idempotencyKey: input.key, agentName: null, text: input.text, createdAt: rows[0]!.createdAt });
}

/** The citizen-visible messages after `afterId` (null: all), oldest first. */
export async function chatMessagesAfter(db: Db, conversationId: number, afterId: number | null, limit: number): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE m.conversation_id = $1 AND m.kind = 'message' AND m.id > $2 ORDER BY m.id LIMIT $3`, [
    conversationId,
    afterId ?? 0,
    limit + 1,
  ]);
  return { messages: rows.slice(0, limit).map(toChatMessage), hasMore: rows.length > limit };
}

/** The whole citizen-visible thread, for the transcript. */
export async function chatThread(db: Db, conversationId: number): Promise<ChatMessage[]> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE m.conversation_id = $1 AND m.kind = 'message' ORDER BY m.id`, [conversationId]);
  return rows.map(toChatMessage);
}
