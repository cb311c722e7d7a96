// Merging two conversations about one question (issue 16.5): the absorbed conversation's messages
// (with their attachments and mail headers), milestones, hand-offs, call attempts and queued mail
// move to the kept one; the absorbed one closes through the lifecycle (event `merged`) and points
// to the kept one. Milestones combine as docs/lifecycle.md says: of two unmet milestones of one
// kind the earlier due one stays — the earliest promise made to the citizen — and the other ends
// not applicable, reason `merged`; met and ended ones move as history.
import { applyEvent, inLifecycle, type LifecycleChange, type Refusal } from '../conversations/apply.ts';
import { recordAudit } from '../audit.ts';
import { endChatSessions } from '../chat/sessions.ts';
import { lockConversations, type Db, type Pool } from '../db/index.ts';
import { endMilestones, listMilestones, type Milestone } from '../deadlines/milestones.ts';
import type { MilestoneKind } from '../deadlines/schedule.ts';

const UNMET = ['open', 'due_soon', 'breached', 'suspended'];

export type MergeOutcome =
  | { ok: true; kept: { conversationId: number; reference: string; channel: 'chat' | 'email' | 'phone'; milestones: Milestone[] }; absorbed: LifecycleChange; moved: { messages: number; milestones: number; handoffs: number } }
  | { ok: false; code: Refusal | 'merge_refused' };

interface Head {
  id: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
  status: string;
  mergedInto: number | null;
}

/** Merges `absorbedId` into `keptId` for `agent`, audited on both, in one transaction (retried on deadlock). */
export function mergeConversations(pool: Pool, keptId: number, absorbedId: number, agent: { id: number }): Promise<MergeOutcome> {
  if (keptId === absorbedId) return Promise.resolve({ ok: false, code: 'merge_refused' });
  return inLifecycle(pool, async (tx): Promise<MergeOutcome> => {
    // One lock order for every writer: both rows in id order (shared/style.md).
    await lockConversations(tx, [keptId, absorbedId]);
    const { rows } = await tx.query<Head>(
      'SELECT id::int, reference, channel, status, merged_into_id::int AS "mergedInto" FROM conversations WHERE id = ANY($1::bigint[])',
      [[keptId, absorbedId]],
    );
    const kept = rows.find((row) => row.id === keptId);
    const absorbed = rows.find((row) => row.id === absorbedId);
    if (!kept || !absorbed) return { ok: false, code: 'not_found' };
    // Both must still be open: a closed one's figures are final (reopen it first).
    if (kept.status === 'closed' || absorbed.status === 'closed') return { ok: false, code: 'conversation_closed' };
    const at = new Date();

    await combineMilestones(tx, kept.id, absorbed.id, at, agent.id);
    const moved = await moveHistory(tx, kept.id, absorbed.id);
    const applied = await applyEvent(tx, absorbed.id, { type: 'merged', agentId: agent.id }, { at });
    if (!applied.ok) return applied;
    await tx.query('UPDATE conversations SET merged_into_id = $2 WHERE id = $1', [absorbed.id, kept.id]);
    if (absorbed.channel === 'chat') await endChatSessions(tx, absorbed.id, at);

    const details = { kept: kept.reference, absorbed: absorbed.reference, ...moved };
    await recordAudit(tx, { agentId: agent.id, action: 'conversation.merged', subjectType: 'conversation', subjectId: kept.id, details: { ...details, absorbedId: absorbed.id } });
    await recordAudit(tx, { agentId: agent.id, action: 'conversation.merged_into', subjectType: 'conversation', subjectId: absorbed.id, details: { ...details, keptId: kept.id } });
    return {
      ok: true,
      kept: { conversationId: kept.id, reference: kept.reference, channel: kept.channel, milestones: await listMilestones(tx, kept.id) },
      absorbed: applied.change,
      moved,
    };
  });
}

/**
 * Of each kind unmet in both conversations, the one due later ends as not applicable (`merged`),
 * wherever it is; the earlier stays a promise. Run before the milestones move, so that the kept
 * conversation never holds two unmet milestones of one kind (reconcile's doubledMilestones).
 */
async function combineMilestones(tx: Db, keptId: number, absorbedId: number, at: Date, agentId: number): Promise<void> {
  const { rows } = await tx.query<{ id: number; conversationId: number; kind: MilestoneKind; dueAt: Date }>(
    // An open hand-off's milestone is that hand-off's own promise (migration 0027): it moves with
    // its hand-off and is never ended for another one's.
    `SELECT id::int, conversation_id::int AS "conversationId", kind, due_at AS "dueAt" FROM milestones m
      WHERE conversation_id = ANY($1::bigint[]) AND state = ANY($2)
        AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.milestone_id = m.id AND h.status IN ('open', 'attempted'))
      ORDER BY id`,
    [[keptId, absorbedId], UNMET],
  );
  const byKind = new Map<MilestoneKind, { kept?: Date; absorbed?: Date; ids: { kept: number[]; absorbed: number[] } }>();
  for (const row of rows) {
    const entry = byKind.get(row.kind) ?? { ids: { kept: [], absorbed: [] } };
    const side = row.conversationId === keptId ? 'kept' : 'absorbed';
    entry[side] = row.dueAt;
    entry.ids[side].push(row.id);
    byKind.set(row.kind, entry);
  }
  for (const [kind, due] of byKind) {
    if (!due.kept || !due.absorbed) continue;
    // A tie keeps the kept conversation's own.
    const loser = due.absorbed.getTime() >= due.kept.getTime() ? 'absorbed' : 'kept';
    await endMilestones(tx, loser === 'absorbed' ? absorbedId : keptId, [kind], at, 'merged', agentId, due.ids[loser]);
  }
}

/** Moves everything of the absorbed conversation to the kept one and refreshes both rows' derived keys. */
async function moveHistory(tx: Db, keptId: number, absorbedId: number): Promise<{ messages: number; milestones: number; handoffs: number }> {
  const messages = await tx.query('UPDATE messages SET conversation_id = $1 WHERE conversation_id = $2', [keptId, absorbedId]);
  const milestones = await tx.query('UPDATE milestones SET conversation_id = $1, updated_at = now() WHERE conversation_id = $2', [keptId, absorbedId]);
  const handoffs = await tx.query('UPDATE handoffs SET conversation_id = $1, updated_at = now() WHERE conversation_id = $2', [keptId, absorbedId]);
  await tx.query('UPDATE callback_attempts SET conversation_id = $1 WHERE conversation_id = $2', [keptId, absorbedId]);
  // Mail still queued for the absorbed one (an acknowledgement) is delivered for the kept one — and
  // meets its milestones — only when it goes to the kept conversation's citizen (its contact's
  // address): domain.md counts an acknowledgement met only when the citizen it is owed to received
  // it. Unsent mail to another address (another citizen's question merged in) stays with the
  // absorbed conversation, whose milestones have all moved: it still goes out, and meets nothing.
  await tx.query(
    `UPDATE mail_outbox o SET conversation_id = $1 WHERE o.conversation_id = $2
        AND (o.state = 'sent' OR lower(o.to_address) IN (SELECT lower(k.email) FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.id = $1 AND k.email IS NOT NULL))`,
    [keptId, absorbedId],
  );
  // The message trigger only sees inserts: the sort keys, preview and search words are set here,
  // with the functions the triggers use (migration 0006/0017), so that reconcile finds them right.
  await tx.query('SELECT inbox_refresh_messages($1::bigint[]), inbox_refresh_deadlines($1::bigint[])', [[keptId, absorbedId]]);
  await tx.query(
    `UPDATE conversations k
        SET messages_document = CASE WHEN octet_length(k.messages_document::text) + octet_length(a.messages_document::text) < 600000
                                     THEN k.messages_document || a.messages_document ELSE k.messages_document END,
            last_message_at = greatest(k.last_message_at, a.last_message_at), updated_at = now()
       FROM conversations a WHERE k.id = $1 AND a.id = $2`,
    [keptId, absorbedId],
  );
  await tx.query(`UPDATE conversations SET messages_document = ''::tsvector WHERE id = $1`, [absorbedId]);
  return { messages: messages.rowCount ?? 0, milestones: milestones.rowCount ?? 0, handoffs: handoffs.rowCount ?? 0 };
}
