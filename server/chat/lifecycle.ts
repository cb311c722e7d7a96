// A chat from start to end: queued with the first message, picked up (claimed), written in by both
// sides, closed by the agent with an outcome, rated by the citizen, ended by the citizen.
import { applyEvent, inLifecycle, type LifecycleChange } from '../conversations/apply.ts';
import { createConversationIn } from '../conversations/index.ts';
import type { NoAnswerReason } from '../conversations/lifecycle.ts';
import { inTransaction, type Db, type Pool } from '../db/index.ts';
import type { ChatMessage, ChatState, ConversationOutcome } from '../realtime/events.ts';
import { setCloseTopic } from '../topics/topics.ts';
import { chatStartKey, chatMessageKey, citizenMessageByClientId, firstName, insertCitizenMessage, isoAmsterdam } from './messages.ts';
import { createChatSession, endChatSessions } from './sessions.ts';

export interface ConversationRef {
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
}

/** PostgreSQL unique_violation: two retries of the same start raced; the second finds the first. */
const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

export type StartOutcome =
  | { ok: true; created: boolean; token: string; expiresAt: Date; conversation: ConversationRef; message: ChatMessage }
  | { ok: false; code: 'conversation_closed' };

/**
 * Queues a new chat with the citizen's first message (status 'new', the pickup milestone running)
 * and opens a session for it. Retrying with the same client id — the answer was lost on the way —
 * starts nothing new: it opens another session on the same conversation. The client id is a
 * random UUID only the citizen's browser has seen, so knowing it is as good as the first token.
 */
export async function startChat(
  pool: Pool,
  input: { clientId: string; text: string; name: string | null; referencePrefix: string; sessionHours: number },
): Promise<StartOutcome> {
  const attempt = () =>
    inTransaction(pool, async (tx): Promise<StartOutcome> => {
      const key = chatStartKey(input.clientId);
      const earlier = await tx.query<{ conversationId: number; status: string; reference: string }>(
        `SELECT c.id AS "conversationId", c.status, c.reference FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE m.idempotency_key = $1`,
        [key],
      );
      const found = earlier.rows[0];
      if (found) {
        if (found.status === 'closed') return { ok: false, code: 'conversation_closed' };
        const session = await createChatSession(tx, found.conversationId, input.sessionHours);
        const message = (await citizenMessageByClientId(tx, found.conversationId, input.clientId))!;
        return { ok: true, created: false, ...session, conversation: { conversationId: found.conversationId, reference: found.reference, channel: 'chat' }, message };
      }
      // An anonymous chat stores no contact at all (AVG: only what is needed); a name only when given.
      const contactId = input.name
        ? (await tx.query<{ id: number }>('INSERT INTO contacts (name) VALUES ($1) RETURNING id', [input.name])).rows[0]!.id
        : null;
      const { conversation } = await createConversationIn(tx, { channel: 'chat', contactId, referencePrefix: input.referencePrefix });
      const message = await insertCitizenMessage(tx, { conversationId: conversation.id, key, text: input.text, contactId });
      const session = await createChatSession(tx, conversation.id, input.sessionHours);
      return { ok: true, created: true, ...session, conversation: { conversationId: conversation.id, reference: conversation.reference, channel: 'chat' }, message };
    });
  try {
    return await attempt();
  } catch (error) {
    if (isUniqueViolation(error)) return attempt();
    throw error;
  }
}

interface StateRow {
  reference: string;
  status: ChatState['status'];
  agentName: string | null;
  lastMessageId: number | null;
  readThrough: number | null;
  rated: boolean;
}

/** What the widget needs on (re)connect to show the conversation as it is. */
export async function chatState(db: Db, conversationId: number, expiresAt: Date): Promise<ChatState | undefined> {
  const { rows } = await db.query<StateRow>(
    `SELECT c.reference, c.status, a.name AS "agentName", c.agent_read_through AS "readThrough", c.csat_score IS NOT NULL AS rated,
            (SELECT max(id) FROM messages m WHERE m.conversation_id = c.id AND m.kind = 'message') AS "lastMessageId"
       FROM conversations c LEFT JOIN agents a ON a.id = c.assignee_id
      WHERE c.id = $1`,
    [conversationId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    reference: row.reference,
    status: row.status,
    agent: row.agentName ? { firstName: firstName(row.agentName) } : null,
    lastMessageId: row.lastMessageId,
    readThrough: row.readThrough,
    rated: row.rated,
    expiresAt: isoAmsterdam(expiresAt),
  };
}

export type SendOutcome =
  | { ok: true; created: boolean; message: ChatMessage; conversation: ConversationRef; change?: LifecycleChange }
  | { ok: false; code: 'session_ended' | 'conversation_closed' };

/**
 * Stores a citizen's message once per client id. The session is checked in the same statement that
 * locks the conversation, so a message never lands after "Gesprek beëindigen" or expiry; the lock
 * also makes two sends of the same client id (two tabs, a resend racing the original) find one row.
 */
export async function sendCitizenMessage(pool: Pool, session: { tokenHash: string }, input: { clientId: string; text: string }): Promise<SendOutcome> {
  return inTransaction(pool, async (tx): Promise<SendOutcome> => {
    const { rows } = await tx.query<{ id: number; reference: string; status: string; contactId: number | null }>(
      `SELECT c.id, c.reference, c.status, c.contact_id AS "contactId" FROM chat_sessions s JOIN conversations c ON c.id = s.conversation_id
        WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > now() FOR UPDATE OF c`,
      [Buffer.from(session.tokenHash, 'hex')],
    );
    const conversation = rows[0];
    if (!conversation) return { ok: false, code: 'session_ended' };
    const ref: ConversationRef = { conversationId: conversation.id, reference: conversation.reference, channel: 'chat' };
    // A resend of what was stored before answers with the stored message, even after closing.
    const earlier = await citizenMessageByClientId(tx, conversation.id, input.clientId);
    if (earlier) return { ok: true, created: false, message: earlier, conversation: ref };
    if (conversation.status === 'closed') return { ok: false, code: 'conversation_closed' };
    const message = await insertCitizenMessage(tx, { conversationId: conversation.id, key: chatMessageKey(conversation.id, input.clientId), text: input.text, contactId: conversation.contactId });
    const applied = await applyEvent(tx, conversation.id, { type: 'citizen_message' });
    if (!applied.ok) throw new Error(`a citizen's chat message was refused: ${applied.code}`);
    await tx.query('UPDATE conversations SET last_message_at = now() WHERE id = $1', [conversation.id]);
    return { ok: true, created: true, message, conversation: ref, change: applied.change };
  });
}

export type ClaimOutcome =
  | { ok: true; claimed: boolean; pickedUp: boolean; conversation: ConversationRef; assignee: { id: number; name: string }; change?: LifecycleChange }
  | { ok: false; code: 'not_found' | 'conversation_closed' }
  | { ok: false; code: 'already_claimed'; assignee: { id: number; name: string } };

/**
 * Takes an unassigned conversation. Atomic: of two agents claiming at once, the second waits for
 * the first's row lock, then finds the assignee set and changes nothing — that agent is told who
 * has it. Claiming a chat is its pickup: it meets the pickup milestone (server/conversations).
 */
export async function claimConversation(pool: Pool, conversationId: number, agent: { id: number; name: string }): Promise<ClaimOutcome> {
  return inTransaction(pool, async (tx): Promise<ClaimOutcome> => {
    const applied = await applyEvent(tx, conversationId, { type: 'claim', agentId: agent.id });
    if (applied.ok) {
      const { change } = applied;
      const conversation = { conversationId, reference: change.conversation.reference, channel: change.conversation.channel };
      const claimed = change.before.assigneeId !== agent.id;
      const pickedUp = change.conversation.pickedUp && !change.before.pickedUp;
      return { ok: true, claimed, pickedUp, conversation, assignee: { id: agent.id, name: agent.name }, change };
    }
    if (applied.code === 'already_claimed') {
      const current = await tx.query<{ assigneeId: number; assigneeName: string | null }>(
        'SELECT c.assignee_id AS "assigneeId", a.name AS "assigneeName" FROM conversations c LEFT JOIN agents a ON a.id = c.assignee_id WHERE c.id = $1',
        [conversationId],
      );
      const row = current.rows[0]!;
      return { ok: false, code: 'already_claimed', assignee: { id: row.assigneeId, name: row.assigneeName ?? '' } };
    }
    return { ok: false, code: applied.code === 'not_found' ? 'not_found' : 'conversation_closed' };
  });
}

export type CloseOutcome =
  | { ok: true; conversation: ConversationRef; outcome: ConversationOutcome; closedAt: Date; change: LifecycleChange }
  | { ok: false; code: 'not_found' | 'conversation_closed' | 'reason_required' | 'topic_required' | 'unknown_topic' };

/**
 * Closes a conversation with the outcome the first-contact KPI counts (issue 6). Closing leaves
 * none of its own milestones open (server/conversations/lifecycle.ts); a callback request opens
 * the callback milestone with the norm's term.
 */
export async function closeConversation(
  pool: Pool,
  conversationId: number,
  agent: { id: number },
  outcome: ConversationOutcome,
  reason?: NoAnswerReason,
  topicId?: number,
): Promise<CloseOutcome> {
  const result = await inLifecycle(pool, async (tx) => {
    const applied = await applyEvent(tx, conversationId, { type: 'close', outcome, reason, agentId: agent.id });
    // The topic in the same transaction: a required one missing undoes the close (issue 15 §2).
    if (applied.ok) {
      const topic = await setCloseTopic(tx, conversationId, topicId, outcome);
      if (!topic.ok) return topic;
    }
    // The citizen's token stops opening the chat (issue 12 §10): ended at the very moment of
    // closing, which marks the sessions an open widget may still rate with for a short while.
    if (applied.ok && applied.change.conversation.channel === 'chat') await endChatSessions(tx, conversationId, applied.change.at);
    return applied;
  });
  if (!result.ok) {
    const passed = ['not_found', 'reason_required', 'topic_required', 'unknown_topic'] as const;
    return { ok: false, code: passed.find((code) => code === result.code) ?? 'conversation_closed' };
  }
  const { change } = result;
  return {
    ok: true,
    conversation: { conversationId, reference: change.conversation.reference, channel: change.conversation.channel },
    outcome,
    closedAt: change.at,
    change,
  };
}

export type RateOutcome = { ok: true; conversation: ConversationRef; score: number } | { ok: false; code: 'already_rated' };

/** Stores the citizen's CSAT: once per conversation, the first rating stands. */
export async function rateConversation(pool: Pool, conversationId: number, score: number, comment: string | null): Promise<RateOutcome> {
  const { rows } = await pool.query<{ reference: string; channel: 'chat' | 'email' | 'phone' }>(
    `UPDATE conversations SET csat_score = $2, csat_comment = $3, csat_at = now(), updated_at = now()
      WHERE id = $1 AND csat_score IS NULL RETURNING reference, channel`,
    [conversationId, score, comment],
  );
  return rows[0] ? { ok: true, conversation: { conversationId, ...rows[0] }, score } : { ok: false, code: 'already_rated' };
}

/**
 * "Gesprek beëindigen", or no widget connected for long enough: ends the conversation's sessions
 * and notes it in the thread for agents. Before pickup the chat leaves the queue as abandoned
 * (its pickup not applicable); after pickup it stays for the agent to close with an outcome.
 */
export async function endChat(
  pool: Pool,
  conversationId: number,
  how: 'ended' | 'left' = 'ended',
): Promise<{ conversation: ConversationRef; noteId: number; change: LifecycleChange } | undefined> {
  return inTransaction(pool, async (tx) => {
    const applied = await applyEvent(tx, conversationId, { type: 'citizen_left' });
    if (!applied.ok) return undefined;
    const abandoned = applied.change.conversation.outcome === 'abandoned' && applied.change.before.status !== 'closed';
    // A citizen whose widget went away after pickup may come back: only an abandoned chat ends.
    if (how === 'left' && !abandoned) return undefined;
    const ended = await endChatSessions(tx, conversationId);
    if (ended === 0 && !abandoned) return undefined;
    const { conversation } = applied.change;
    const note = await tx.query<{ id: number }>(`INSERT INTO messages (conversation_id, direction, kind, body_text) VALUES ($1, 'in', 'system', $2) RETURNING id`, [
      conversationId,
      how === 'ended' ? 'De inwoner heeft het gesprek beëindigd.' : 'De inwoner heeft de chat verlaten.',
    ]);
    return { conversation: { conversationId, reference: conversation.reference, channel: conversation.channel }, noteId: note.rows[0]!.id, change: applied.change };
  });
}

export type ReceiptOutcome = { advanced: false } | { advanced: true; throughId: number; at: Date };

/**
 * Moves a watermark forward: the citizen received or read the agents' messages, or an agent read
 * the citizen's, up to `throughId`. Clamped to the other side's messages in this conversation, so a
 * forged id moves nothing beyond them; never moves back.
 */
export async function markThrough(db: Db, conversationId: number, reader: 'citizen' | 'agent', state: 'delivered' | 'read', throughId: number): Promise<ReceiptOutcome> {
  const column = reader === 'agent' ? 'agent_read_through' : state === 'read' ? 'citizen_read_through' : 'citizen_delivered_through';
  // What was read was delivered too.
  const alsoDelivered = reader === 'citizen' && state === 'read' ? ', citizen_delivered_through = GREATEST(coalesce(c.citizen_delivered_through, 0), x.through)' : '';
  const { rows } = await db.query<{ through: number; at: Date }>(
    `UPDATE conversations c SET ${column} = x.through${alsoDelivered}
       FROM (SELECT max(id) AS through FROM messages WHERE conversation_id = $1 AND direction = $2 AND kind = 'message' AND id <= $3) x
      WHERE c.id = $1 AND x.through IS NOT NULL AND x.through > coalesce(c.${column}, 0)
      RETURNING x.through, now() AS at`,
    [conversationId, reader === 'citizen' ? 'out' : 'in', throughId],
  );
  return rows[0] ? { advanced: true, throughId: rows[0].through, at: rows[0].at } : { advanced: false };
}
