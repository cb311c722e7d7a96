// What an agent does to a conversation besides writing in it: hand it to a colleague (or release
// it), set it open or waiting on the citizen, reopen it. Claim and close live with the chat
// (server/chat/lifecycle.ts), which they shaped first.
import { recordAudit } from '../audit.ts';
import { inTransaction, type Db, type Pool } from '../db/index.ts';

export interface ConversationRef {
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email';
}

type Status = 'new' | 'open' | 'waiting' | 'closed';

interface Locked extends ConversationRef {
  status: Status;
  assigneeId: number | null;
}

async function lockConversation(tx: Db, id: number): Promise<Locked | undefined> {
  const { rows } = await tx.query<Locked>(
    `SELECT id AS "conversationId", reference, channel, status, assignee_id AS "assigneeId" FROM conversations WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0];
}

export type AssignOutcome =
  | { ok: true; conversation: ConversationRef; assignee: { id: number; name: string } | null; changed: boolean }
  | { ok: false; code: 'not_found' | 'conversation_closed' | 'unknown_agent' };

/**
 * Gives the conversation to `agentId`, or releases it with null. Any agent may do this for any
 * conversation (a team hands work around); the audit log records who did. The status stays: a
 * queued chat is picked up when its new agent answers, not when it is handed over.
 */
export async function assignConversation(pool: Pool, conversationId: number, agentId: number | null, by: { id: number }): Promise<AssignOutcome> {
  return inTransaction(pool, async (tx): Promise<AssignOutcome> => {
    const conversation = await lockConversation(tx, conversationId);
    if (!conversation) return { ok: false, code: 'not_found' };
    if (conversation.status === 'closed') return { ok: false, code: 'conversation_closed' };
    let assignee: { id: number; name: string } | null = null;
    if (agentId !== null) {
      const found = await tx.query<{ id: number; name: string }>('SELECT id, name FROM agents WHERE id = $1 AND NOT disabled', [agentId]);
      if (!found.rows[0]) return { ok: false, code: 'unknown_agent' };
      assignee = found.rows[0];
    }
    const { status: _status, assigneeId, ...ref } = conversation;
    if (assigneeId === agentId) return { ok: true, conversation: ref, assignee, changed: false };
    await tx.query('UPDATE conversations SET assignee_id = $2, updated_at = now() WHERE id = $1', [conversationId, agentId]);
    await recordAudit(tx, { agentId: by.id, action: 'conversation.assign', subjectType: 'conversation', subjectId: conversationId, details: { from: assigneeId, to: agentId } });
    return { ok: true, conversation: ref, assignee, changed: true };
  });
}

export type StatusOutcome =
  | { ok: true; conversation: ConversationRef; status: Status; changed: boolean }
  | { ok: false; code: 'not_found' | 'conversation_closed' | 'not_closed' };

/** Open (we are working on it) or waiting (on the citizen). Closing has its own route: it needs an outcome. */
export async function setConversationStatus(pool: Pool, conversationId: number, status: 'open' | 'waiting', by: { id: number }): Promise<StatusOutcome> {
  return inTransaction(pool, async (tx): Promise<StatusOutcome> => {
    const conversation = await lockConversation(tx, conversationId);
    if (!conversation) return { ok: false, code: 'not_found' };
    if (conversation.status === 'closed') return { ok: false, code: 'conversation_closed' };
    const { status: before, assigneeId: _assignee, ...ref } = conversation;
    if (before === status) return { ok: true, conversation: ref, status, changed: false };
    await tx.query('UPDATE conversations SET status = $2, updated_at = now() WHERE id = $1', [conversationId, status]);
    await recordAudit(tx, { agentId: by.id, action: 'conversation.status', subjectType: 'conversation', subjectId: conversationId, details: { from: before, to: status } });
    return { ok: true, conversation: ref, status, changed: true };
  });
}

/**
 * Opens a closed conversation again. Its outcome is cleared: a question that came back was not
 * handled in the first contact, and the first-contact KPI must not count it as such.
 */
export async function reopenConversation(pool: Pool, conversationId: number, by: { id: number }): Promise<StatusOutcome> {
  return inTransaction(pool, async (tx): Promise<StatusOutcome> => {
    const conversation = await lockConversation(tx, conversationId);
    if (!conversation) return { ok: false, code: 'not_found' };
    if (conversation.status !== 'closed') return { ok: false, code: 'not_closed' };
    const { status: _status, assigneeId: _assignee, ...ref } = conversation;
    const { rows } = await tx.query<{ outcome: string | null }>(
      `UPDATE conversations c SET status = 'open', closed_at = NULL, outcome = NULL, updated_at = now()
         FROM (SELECT outcome FROM conversations WHERE id = $1) before
        WHERE c.id = $1 RETURNING before.outcome`,
      [conversationId],
    );
    await recordAudit(tx, { agentId: by.id, action: 'conversation.reopen', subjectType: 'conversation', subjectId: conversationId, details: { outcome: rows[0]?.outcome ?? null } });
    return { ok: true, conversation: ref, status: 'open', changed: true };
  });
}
