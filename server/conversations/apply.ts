// Carries out the lifecycle's decisions (lifecycle.ts) on PostgreSQL: the one place that changes a
// conversation's status, outcome, assignee and milestones, for every channel. It locks the
// conversation row before touching its milestones — the lock order every writer follows.
import { inRetriedTransaction, type Db, type Pool } from '../db/index.ts';
import {
  endMilestones,
  isoAmsterdam,
  meetMilestones,
  openCallbackMilestone,
  openComplexAnswer,
  openHandoffMilestone,
  openMilestonesFor,
  resumeMilestones,
  suspendMilestones,
  type Milestone,
  type Term,
} from '../deadlines/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import { transition, type Channel, type ConversationOutcome, type ConversationStatus, type LifecycleEvent, type MilestoneEffect, type RefusalCode } from './lifecycle.ts';

export interface ConversationRef {
  conversationId: number;
  reference: string;
  channel: Channel;
}

/** What an event changed, for the caller's answer and for the domain event clients patch with. */
export interface LifecycleChange {
  conversation: ConversationRef & {
    status: ConversationStatus;
    outcome: ConversationOutcome | null;
    assigneeId: number | null;
    pickedUp: boolean;
    /** ISO 8601 with offset; null while not closed. */
    closedAt: string | null;
  };
  before: { status: ConversationStatus; outcome: ConversationOutcome | null; assigneeId: number | null; pickedUp: boolean };
  /** The milestones this event opened, met, ended, suspended or resumed, as they are now. */
  milestones: Milestone[];
  /** The event's time. */
  at: Date;
}

export type Refusal = RefusalCode | 'not_found' | 'interim_not_allowed' | 'no_open_answer' | 'term_required';
export type ApplyOutcome = { ok: true; change: LifecycleChange } | { ok: false; code: Refusal };

/** Refusals found after some writes: thrown so that the caller's transaction rolls them back. */
export class LifecycleRefused extends Error {
  constructor(readonly code: Refusal) {
    super(code);
    this.name = 'LifecycleRefused';
  }
}

interface Row {
  reference: string;
  channel: Channel;
  status: ConversationStatus;
  outcome: ConversationOutcome | null;
  assigneeId: number | null;
  pickedUp: boolean;
  closedAt: Date | null;
}

export interface ApplyOptions {
  /** When it happened (a mail's receipt, the SMTP server's acceptance); default now. */
  at?: Date;
  /** For a tussenbericht: the term the agent states. */
  statedTerm?: Term;
}

/**
 * Applies one lifecycle event to a conversation inside the caller's transaction: locks the
 * conversation, asks the state machine, writes the row and the milestone effects. A refusal by the
 * machine writes nothing; one found while writing (a tussenbericht the norm does not allow) throws
 * LifecycleRefused, for runLifecycle or the caller to roll back.
 */
export async function applyEvent(tx: Db, conversationId: number, event: LifecycleEvent, options: ApplyOptions = {}): Promise<ApplyOutcome> {
  const at = options.at ?? new Date();
  const { rows } = await tx.query<Row>(
    `SELECT reference, channel, status, outcome, assignee_id AS "assigneeId", picked_up_at IS NOT NULL AS "pickedUp", closed_at AS "closedAt"
       FROM conversations WHERE id = $1 FOR NO KEY UPDATE`,
    [conversationId],
  );
  const row = rows[0];
  if (!row) return { ok: false, code: 'not_found' };
  const result = transition(row, event);
  if (!result.ok) return result;
  const { decision } = result;

  const changed: Milestone[] = [];
  const actor = 'agentId' in event ? event.agentId : null;
  for (const effect of decision.milestones) changed.push(...(await applyEffect(tx, conversationId, effect, at, actor, options)));

  const closedAt = decision.closed === true ? at : decision.closed === false ? null : row.closedAt;
  const rowChanged =
    decision.status !== row.status || decision.outcome !== row.outcome || decision.assigneeId !== row.assigneeId || decision.pickedUp !== row.pickedUp || closedAt !== row.closedAt;
  if (rowChanged) {
    await tx.query(
      `UPDATE conversations SET status = $2, outcome = $3, assignee_id = $4, closed_at = $5, updated_at = now(),
              outcome_reason = CASE WHEN $3::text IS DISTINCT FROM outcome THEN $6 ELSE outcome_reason END,
              picked_up_at = CASE WHEN $7 THEN coalesce(picked_up_at, $8) ELSE picked_up_at END
        WHERE id = $1`,
      [conversationId, decision.status, decision.outcome, decision.assigneeId, closedAt, event.type === 'close' ? (event.reason ?? null) : event.type === 'merged' ? 'duplicate' : null, decision.pickedUp, at],
    );
  }
  return {
    ok: true,
    change: {
      conversation: {
        conversationId,
        reference: row.reference,
        channel: row.channel,
        status: decision.status,
        outcome: decision.outcome,
        assigneeId: decision.assigneeId,
        pickedUp: decision.pickedUp,
        closedAt: closedAt ? isoAmsterdam(closedAt) : null,
      },
      before: { status: row.status, outcome: row.outcome, assigneeId: row.assigneeId, pickedUp: row.pickedUp },
      milestones: changed,
      at,
    },
  };
}

async function applyEffect(tx: Db, conversationId: number, effect: MilestoneEffect, at: Date, actor: number | null, options: ApplyOptions): Promise<Milestone[]> {
  switch (effect.op) {
    case 'meet':
      return meetMilestones(tx, conversationId, effect.kinds, at, effect.by, effect.ids);
    case 'not_applicable':
      return endMilestones(tx, conversationId, effect.kinds, at, effect.reason, actor, effect.ids);
    case 'suspend':
      return suspendMilestones(tx, conversationId, effect.kinds, at);
    case 'resume':
      return resumeMilestones(tx, conversationId, effect.kinds, at);
    case 'open_norm':
      return effect.set === 'email' ? openMilestonesFor(tx, conversationId, at) : openCallbackMilestone(tx, conversationId, at);
    case 'open_handoff':
      return openHandoffMilestone(tx, conversationId, effect.kind, effect.term, effect.stated, at, effect.heldByOthers);
    case 'open_complex_answer': {
      const outcome = await openComplexAnswer(tx, conversationId, at, options.statedTerm);
      if (!outcome.ok) throw new LifecycleRefused(outcome.reason);
      return [outcome.opened];
    }
  }
}

/** applyEvent in a transaction of its own; a LifecycleRefused becomes a refusal, everything rolled back. */
export async function runLifecycle(pool: Pool, conversationId: number, event: LifecycleEvent, options: ApplyOptions = {}): Promise<ApplyOutcome> {
  return inLifecycle(pool, (tx) => applyEvent(tx, conversationId, event, options));
}

/**
 * Runs `work` in a transaction. A refusal it answers with ({ ok: false, code }) rolls back what it
 * wrote and is passed on; a LifecycleRefused thrown inside becomes such a refusal. A deadlock or
 * serialization failure (40P01, 40001) reruns the whole transaction: `work` only writes to the
 * database, and callers announce and send after it returns.
 */
export async function inLifecycle<T>(pool: Pool, work: (tx: Db) => Promise<T>): Promise<T | { ok: false; code: Refusal }> {
  let refused: T | undefined;
  try {
    return await inRetriedTransaction(pool, async (tx) => {
      const result = await work(tx);
      if (isRefusal(result)) {
        refused = result;
        throw new LifecycleRefused(result.code as Refusal);
      }
      return result;
    });
  } catch (error) {
    if (refused !== undefined) return refused;
    if (error instanceof LifecycleRefused) return { ok: false, code: error.code };
    throw error;
  }
}

function isRefusal(value: unknown): value is { ok: false; code: string } {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false && typeof (value as { code?: unknown }).code === 'string';
}

/** Whether the event changed what an inbox shows of the conversation (row or milestones). */
export function isVisibleChange(change: LifecycleChange): boolean {
  const { conversation: now, before } = change;
  return now.status !== before.status || now.outcome !== before.outcome || change.milestones.length > 0;
}

/**
 * Announces a change as `conversation.updated`, carrying the new status, outcome, closed time and
 * the changed milestones so that inboxes patch instead of re-fetching. Closing has its own event
 * (conversation.closed) and assigning its own (conversation.assigned); a close also announces the
 * milestones it ended here.
 */
export function announceChange(events: DomainEvents, change: LifecycleChange): void {
  if (!isVisibleChange(change)) return;
  const { conversation } = change;
  events.emit('conversation.updated', {
    conversationId: conversation.conversationId,
    reference: conversation.reference,
    channel: conversation.channel,
    status: conversation.status,
    outcome: conversation.outcome,
    closedAt: conversation.closedAt,
    milestones: change.milestones,
  });
}
