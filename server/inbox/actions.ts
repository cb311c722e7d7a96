// What an agent does to a conversation besides writing in it: hand it to a colleague (or release
// it), set it open or waiting on the citizen, reopen it, record that the answer was given on
// another channel, record a call attempt. The rules are the lifecycle's (server/conversations).
import { recordAudit } from '../audit.ts';
import { applyEvent, inLifecycle, type LifecycleChange } from '../conversations/apply.ts';
import type { ConversationStatus } from '../conversations/lifecycle.ts';
import type { Db, Pool } from '../db/index.ts';
import { UNMET_STATES } from '../deadlines/index.ts';

export interface ConversationRef {
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
}

const refOf = (change: LifecycleChange): ConversationRef => ({
  conversationId: change.conversation.conversationId,
  reference: change.conversation.reference,
  channel: change.conversation.channel,
});

export type AssignOutcome =
  | { ok: true; conversation: ConversationRef; assignee: { id: number; name: string } | null; changed: boolean }
  | { ok: false; code: 'not_found' | 'conversation_closed' | 'unknown_agent' };

/**
 * Gives the conversation to `agentId`, or releases it with null. Any agent may do this for any
 * conversation (a team hands work around); the audit log records who did. The status stays: a
 * queued chat is picked up when its new agent answers, not when it is handed over.
 */
export async function assignConversation(pool: Pool, conversationId: number, agentId: number | null, by: { id: number }): Promise<AssignOutcome> {
  return inLifecycle(pool, async (tx): Promise<AssignOutcome> => {
    let assignee: { id: number; name: string } | null = null;
    if (agentId !== null) {
      const found = await tx.query<{ id: number; name: string }>('SELECT id, name FROM agents WHERE id = $1 AND NOT disabled', [agentId]);
      if (!found.rows[0]) return { ok: false, code: 'unknown_agent' };
      assignee = found.rows[0];
    }
    const applied = await applyEvent(tx, conversationId, { type: 'assign', agentId });
    if (!applied.ok) return { ok: false, code: applied.code === 'not_found' ? 'not_found' : 'conversation_closed' };
    const { change } = applied;
    const changed = change.before.assigneeId !== agentId;
    if (changed) {
      await recordAudit(tx, { agentId: by.id, action: 'conversation.assign', subjectType: 'conversation', subjectId: conversationId, details: { from: change.before.assigneeId, to: agentId } });
    }
    return { ok: true, conversation: refOf(change), assignee, changed };
  }).then((outcome) => (outcome.ok ? outcome : { ok: false, code: outcome.code === 'unknown_agent' || outcome.code === 'not_found' ? outcome.code : 'conversation_closed' }));
}

export type StatusOutcome =
  | { ok: true; conversation: ConversationRef; status: ConversationStatus; changed: boolean; change: LifecycleChange }
  | { ok: false; code: 'not_found' | 'conversation_closed' | 'not_closed' | 'channel_not_supported' };

type ActionCode = Extract<StatusOutcome, { ok: false }>['code'];

async function act(
  pool: Pool,
  conversationId: number,
  event: Parameters<typeof applyEvent>[2],
  audit: { by: { id: number }; action: string; details?: (change: LifecycleChange) => Record<string, unknown> },
  at?: Date,
): Promise<StatusOutcome> {
  const outcome = await inLifecycle(pool, async (tx): Promise<StatusOutcome> => {
    const applied = await applyEvent(tx, conversationId, event, at ? { at } : {});
    if (!applied.ok) return { ok: false, code: codeOf(applied.code) };
    const { change } = applied;
    const changed = change.before.status !== change.conversation.status || change.before.outcome !== change.conversation.outcome || change.milestones.length > 0;
    if (changed) {
      await recordAudit(tx, {
        agentId: audit.by.id,
        action: audit.action,
        subjectType: 'conversation',
        subjectId: conversationId,
        details: { from: change.before.status, to: change.conversation.status, ...audit.details?.(change) },
      });
    }
    return { ok: true, conversation: refOf(change), status: change.conversation.status, changed, change };
  });
  return outcome.ok ? outcome : { ok: false, code: codeOf(outcome.code) };
}

function codeOf(code: string): ActionCode {
  return code === 'not_found' || code === 'not_closed' || code === 'channel_not_supported' ? code : 'conversation_closed';
}

/**
 * Open (we are working on it) or waiting (on the citizen). Waiting suspends the answer term where
 * the norm says so; open resumes it. Closing has its own route: it needs an outcome.
 */
export function setConversationStatus(pool: Pool, conversationId: number, status: 'open' | 'waiting', by: { id: number }): Promise<StatusOutcome> {
  return act(pool, conversationId, { type: status === 'waiting' ? 'wait' : 'resume' }, { by, action: 'conversation.status' });
}

/**
 * Opens a closed conversation again. Its outcome is cleared — a question that came back was not
 * handled in the first contact — and the norm's milestones open from now.
 */
export function reopenConversation(pool: Pool, conversationId: number, by: { id: number }): Promise<StatusOutcome> {
  return act(pool, conversationId, { type: 'reopen' }, { by, action: 'conversation.reopen', details: (change) => ({ outcome: change.before.outcome }) });
}

/** The agent gave the answer by phone or at the desk at `at`: that meets the answer milestone then. */
export function recordAnsweredElsewhere(pool: Pool, conversationId: number, at: Date, channel: 'phone' | 'desk' | 'other', by: { id: number }): Promise<StatusOutcome> {
  return act(pool, conversationId, { type: 'answered_elsewhere' }, { by, action: 'conversation.answered_elsewhere', details: () => ({ channel, at: at.toISOString() }) }, at);
}

/**
 * The callback milestones the conversation's open hand-offs hold (handoffs.milestone_id): each is
 * that hand-off's own promise, worked and met by its team in the back office — never by the inbox.
 * A hand-off sent back to the KCC (misrouted) holds nothing any more: its callback is the KCC's again.
 */
export async function callbacksHeldByHandoffs(db: Db, conversationId: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT h.milestone_id::int AS id FROM handoffs h JOIN milestones m ON m.id = h.milestone_id
      WHERE h.conversation_id = $1 AND h.status IN ('open', 'attempted') AND m.kind = 'callback' ORDER BY 1`,
    [conversationId],
  );
  return rows.map((row) => row.id);
}

export type CallbackAttemptOutcome =
  | { ok: true; conversation: ConversationRef; status: ConversationStatus; changed: boolean; change: LifecycleChange }
  | { ok: false; code: ActionCode | 'callback_held_by_handoff' };

/**
 * The KCC agent's own call attempt (closed with callback_requested, "Teruggebeld: bereikt" in the
 * inbox). One that reached the citizen meets the conversation's own callback milestone only — the
 * one no open hand-off holds. A callback a back-office team holds is that team's to work through
 * its hand-off; when that is the only one owed, the attempt is refused and nothing is recorded.
 */
export async function recordCallbackAttempt(pool: Pool, conversationId: number, input: { reached: boolean; at: Date; note: string | null }, by: { id: number }): Promise<CallbackAttemptOutcome> {
  const outcome = await inLifecycle(pool, async (tx): Promise<CallbackAttemptOutcome> => {
    // The conversation first (the lock order), so no hand-off takes or leaves a milestone meanwhile.
    await tx.query('SELECT 1 FROM conversations WHERE id = $1 FOR NO KEY UPDATE', [conversationId]);
    const held = await callbacksHeldByHandoffs(tx, conversationId);
    const own = await tx.query<{ id: number }>(
      `SELECT id::int FROM milestones WHERE conversation_id = $1 AND kind = 'callback' AND state = ANY($2) AND NOT id = ANY($3::bigint[]) ORDER BY id DESC LIMIT 1`,
      [conversationId, UNMET_STATES, held],
    );
    const ownId = own.rows[0]?.id;
    if (ownId === undefined && held.length > 0) {
      const unmetHeld = await tx.query('SELECT 1 FROM milestones WHERE id = ANY($1::bigint[]) AND state = ANY($2)', [held, UNMET_STATES]);
      if (unmetHeld.rows.length > 0) return { ok: false, code: 'callback_held_by_handoff' };
    }
    // Without an own callback owed (none, or met already) nothing is unmet to meet: the attempt is recorded only.
    const event = { type: 'callback_attempt', reached: input.reached, ...(ownId === undefined ? {} : { milestoneId: ownId }) } as const;
    const applied = await applyEvent(tx, conversationId, event, { at: input.at });
    if (!applied.ok) return { ok: false, code: codeOf(applied.code) };
    await tx.query('INSERT INTO callback_attempts (conversation_id, agent_id, reached, at, note) VALUES ($1, $2, $3, $4, $5)', [conversationId, by.id, input.reached, input.at, input.note]);
    await recordAudit(tx, { agentId: by.id, action: 'conversation.callback_attempt', subjectType: 'conversation', subjectId: conversationId, details: { reached: input.reached, milestoneId: ownId ?? null } });
    const { change } = applied;
    return { ok: true, conversation: refOf(change), status: change.conversation.status, changed: change.milestones.length > 0, change };
  });
  return outcome.ok || outcome.code === 'callback_held_by_handoff' ? outcome : { ok: false, code: codeOf(outcome.code) };
}
