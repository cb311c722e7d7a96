// Hand-offs (contactverzoeken) in PostgreSQL: created from a conversation — which closes it with
// the lifecycle's outcome `callback_requested` or `back_office` — worked by the back office with
// call attempts, completed, sent back as misrouted, or cancelled. Every hand-off carries a
// milestone with the team's term or the norm's: the conversation's callback milestone for a
// callback (a reached attempt meets it), a `handoff` milestone otherwise (completing meets it).
// The conversation's status, outcome and milestones change only through the lifecycle
// (applyEvent); writers lock in its order: the conversation, then its milestones, then the hand-off.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import { applyEvent, inLifecycle, type LifecycleChange } from '../conversations/apply.ts';
import type { Channel, ConversationStatus } from '../conversations/lifecycle.ts';
import type { Db, Pool } from '../db/index.ts';
import { isoAmsterdam, loadServiceContext, type Term } from '../deadlines/index.ts';
import { ZONE } from '../deadlines/zone.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { newMessageIdValue } from '../mail/compose.ts';
import { confirmationMail, teamNotificationMail, type HandoffAction } from './notifications.ts';
import { normalisePhone } from './phone.ts';
import { currentAbsences, findTeam, teamIdsOf, type Team } from './teams.ts';
import { handoffDue, handoffTermFor, type TermSource } from './terms.ts';

export type HandoffStatus = 'open' | 'attempted' | 'completed' | 'misrouted' | 'cancelled';
export type AttemptResult = 'reached' | 'not_reached' | 'voicemail' | 'wrong_number';
export const ATTEMPT_RESULTS = ['reached', 'not_reached', 'voicemail', 'wrong_number'] as const;
export const OPEN_STATUSES: readonly HandoffStatus[] = ['open', 'attempted'];

const id = z.int().positive().max(Number.MAX_SAFE_INTEGER);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((value) => value || undefined);

const phone = z
  .string()
  .trim()
  .max(40)
  .transform((value, ctx) => {
    if (value === '') return undefined;
    const normalised = normalisePhone(value);
    if (!normalised) {
      ctx.addIssue({ code: 'custom', message: 'not a valid phone number' });
      return z.NEVER;
    }
    return normalised;
  })
  .optional();

/** The fields of a hand-off, before the rules between them (newHandoffSchema). */
export const handoffFields = z.strictObject({
  conversationId: id,
  teamId: id.nullable().default(null),
  assigneeId: id.nullable().default(null),
  action: z.enum(['callback', 'email', 'other']),
  actionLabel: optionalText(200),
  // Klantinteracties: klantcontact.inhoud and interne taak.toelichting hold at most 1000 characters.
  question: z.string().trim().min(1).max(1000),
  phone,
  email: z.email().max(254).transform((value) => value.toLowerCase()).optional(),
  preferredMoment: optionalText(200),
  internalNote: optionalText(1000),
});

export const newHandoffSchema = handoffFields.superRefine((input, ctx) => {
  if (input.teamId === null && input.assigneeId === null) ctx.addIssue({ code: 'custom', path: ['teamId'], message: 'hand it to a team or a person' });
  if (input.action === 'callback' && !input.phone) ctx.addIssue({ code: 'custom', path: ['phone'], message: 'a callback needs a phone number' });
  if (input.action === 'email' && !input.email) ctx.addIssue({ code: 'custom', path: ['email'], message: 'an answer by e-mail needs an e-mail address' });
  if (input.action === 'other' && !input.actionLabel) ctx.addIssue({ code: 'custom', path: ['actionLabel'], message: 'say what should be done' });
});
export type NewHandoff = z.infer<typeof newHandoffSchema>;

export interface HandoffAttempt {
  id: number;
  result: AttemptResult;
  note: string | null;
  at: string;
  by: { id: number; name: string } | null;
}

export interface HandoffStep {
  kind: 'created' | 'forwarded' | 'sent_back' | 'completed' | 'cancelled';
  at: string;
  by: { id: number; name: string } | null;
  fromTeam: { id: number; name: string } | null;
  toTeam: { id: number; name: string } | null;
  note: string | null;
}

export interface Handoff {
  id: number;
  conversationId: number;
  reference: string;
  channel: Channel;
  /** The conversation's status now (it reopens when a hand-off is sent back to the KCC). */
  conversationStatus: ConversationStatus;
  subject: string | null;
  team: { id: number; name: string } | null;
  assignee: { id: number; name: string } | null;
  action: HandoffAction;
  actionLabel: string | null;
  question: string;
  internalNote: string | null;
  citizenName: string | null;
  phone: string | null;
  email: string | null;
  preferredMoment: string | null;
  status: HandoffStatus;
  term: Term;
  termSource: TermSource;
  requestedAt: string;
  /** The promised moment; for a callback the milestone's (it follows a calendar recompute). */
  dueAt: string;
  /** The hand-off's own milestone (callback or handoff kind); null when it has none. */
  milestoneId: number | null;
  milestoneState: string | null;
  outcome: string | null;
  completedAt: string | null;
  completedBy: { id: number; name: string } | null;
  misroutedCount: number;
  createdBy: { id: number; name: string } | null;
  createdAt: string;
  cancelledAt: string | null;
  cancelledBy: { id: number; name: string } | null;
  cancelReason: string | null;
  attempts: HandoffAttempt[];
  steps: HandoffStep[];
}

const person = (alias: string) => `CASE WHEN ${alias}.id IS NULL THEN NULL ELSE json_build_object('id', ${alias}.id, 'name', ${alias}.name) END`;

const HANDOFF_QUERY = `
  SELECT h.id, h.conversation_id AS "conversationId", c.reference, c.channel, c.status AS "conversationStatus", c.subject,
         ${person('t')} AS team, ${person('a')} AS assignee,
         h.action, h.action_label AS "actionLabel", h.question, h.internal_note AS "internalNote",
         h.citizen_name AS "citizenName", h.phone, h.email, h.preferred_moment AS "preferredMoment", h.status,
         json_build_object('unit', h.term_unit, 'amount', h.term_amount) AS term, h.term_source AS "termSource",
         h.requested_at AS "requestedAt", coalesce(ms.due_at, h.due_at) AS "dueAt", h.milestone_id::int AS "milestoneId", ms.state AS "milestoneState",
         h.outcome, h.completed_at AS "completedAt", ${person('cb')} AS "completedBy",
         h.misrouted_count AS "misroutedCount", ${person('cr')} AS "createdBy", h.created_at AS "createdAt",
         h.cancelled_at AS "cancelledAt", ${person('xb')} AS "cancelledBy", h.cancel_reason AS "cancelReason",
         coalesce((SELECT json_agg(json_build_object('id', x.id, 'result', x.result, 'note', x.note, 'at', x.at,
                     'by', CASE WHEN xa.id IS NULL THEN NULL ELSE json_build_object('id', xa.id, 'name', xa.name) END) ORDER BY x.at, x.id)
                     FROM handoff_attempts x LEFT JOIN agents xa ON xa.id = x.agent_id WHERE x.handoff_id = h.id), '[]') AS attempts,
         coalesce((SELECT json_agg(json_build_object('kind', e.kind, 'at', e.at, 'note', e.note,
                     'by', CASE WHEN ea.id IS NULL THEN NULL ELSE json_build_object('id', ea.id, 'name', ea.name) END,
                     'fromTeam', CASE WHEN ft.id IS NULL THEN NULL ELSE json_build_object('id', ft.id, 'name', ft.name) END,
                     'toTeam', CASE WHEN tt.id IS NULL THEN NULL ELSE json_build_object('id', tt.id, 'name', tt.name) END) ORDER BY e.at, e.id)
                     FROM handoff_events e LEFT JOIN agents ea ON ea.id = e.agent_id LEFT JOIN teams ft ON ft.id = e.from_team_id
                     LEFT JOIN teams tt ON tt.id = e.to_team_id WHERE e.handoff_id = h.id), '[]') AS steps
    FROM handoffs h
    JOIN conversations c ON c.id = h.conversation_id
    LEFT JOIN teams t ON t.id = h.team_id
    LEFT JOIN agents a ON a.id = h.assignee_id
    LEFT JOIN agents cb ON cb.id = h.completed_by
    LEFT JOIN agents cr ON cr.id = h.created_by
    LEFT JOIN agents xb ON xb.id = h.cancelled_by
    LEFT JOIN milestones ms ON ms.id = h.milestone_id`;

interface Row extends Omit<Handoff, 'requestedAt' | 'dueAt' | 'completedAt' | 'cancelledAt' | 'createdAt' | 'attempts' | 'steps'> {
  requestedAt: Date;
  dueAt: Date;
  completedAt: Date | null;
  cancelledAt: Date | null;
  createdAt: Date;
  attempts: (Omit<HandoffAttempt, 'at'> & { at: string })[];
  steps: (Omit<HandoffStep, 'at'> & { at: string })[];
}

// json_agg gives PostgreSQL's timestamp text; instants leave the server in Amsterdam time with offset.
const isoText = (value: string) => isoAmsterdam(new Date(value));

function toHandoff(row: Row): Handoff {
  return {
    ...row,
    requestedAt: isoAmsterdam(row.requestedAt),
    dueAt: isoAmsterdam(row.dueAt),
    completedAt: row.completedAt ? isoAmsterdam(row.completedAt) : null,
    cancelledAt: row.cancelledAt ? isoAmsterdam(row.cancelledAt) : null,
    createdAt: isoAmsterdam(row.createdAt),
    attempts: row.attempts.map((attempt) => ({ ...attempt, at: isoText(attempt.at) })),
    steps: row.steps.map((step) => ({ ...step, at: isoText(step.at) })),
  };
}

export async function findHandoff(db: Db, handoffId: number): Promise<Handoff | undefined> {
  const { rows } = await db.query<Row>(`${HANDOFF_QUERY} WHERE h.id = $1`, [handoffId]);
  return rows[0] ? toHandoff(rows[0]) : undefined;
}

/**
 * The back-office list: hand-offs of the agent's teams and those assigned to them, nearest due
 * first; `open` (default) only those still to do.
 */
export async function listHandoffsFor(db: Db, agentId: number, options: { open?: boolean } = {}): Promise<Handoff[]> {
  const { rows } = await db.query<Row>(
    `${HANDOFF_QUERY}
      WHERE (h.assignee_id = $1 OR h.team_id IN (SELECT team_id FROM team_members WHERE agent_id = $1))
        AND ($2::boolean IS FALSE OR h.status = ANY($3))
      ORDER BY coalesce(ms.due_at, h.due_at), h.id LIMIT 500`,
    [agentId, options.open ?? true, OPEN_STATUSES],
  );
  return rows.map(toHandoff);
}

/**
 * The hand-offs in a citizen's contact history: of every conversation of the same contact (or of
 * this conversation alone when the citizen is anonymous), newest first.
 */
export async function handoffsInHistory(db: Db, conversationId: number): Promise<Handoff[]> {
  const { rows } = await db.query<Row>(
    `${HANDOFF_QUERY}
      WHERE h.conversation_id = $1
         OR c.contact_id = (SELECT contact_id FROM conversations WHERE id = $1 AND contact_id IS NOT NULL)
      ORDER BY h.created_at DESC, h.id DESC LIMIT 200`,
    [conversationId],
  );
  return rows.map(toHandoff);
}

/** Whether this agent may work the hand-off: assigned to them, or to one of their teams. */
export async function mayWork(db: Db, handoff: Handoff, agentId: number): Promise<boolean> {
  if (handoff.assignee?.id === agentId) return true;
  if (!handoff.team) return false;
  return (await teamIdsOf(db, agentId)).includes(handoff.team.id);
}

export type CreateRefusal = 'not_found' | 'conversation_closed' | 'unknown_team' | 'unknown_agent' | 'not_a_member' | 'assignee_absent';
export type CreateOutcome =
  | { ok: true; handoff: Handoff; change: LifecycleChange; mails: number }
  | { ok: false; code: CreateRefusal; absentUntil?: string };

export interface MailContext {
  from: { name: string | null; address: string } | undefined;
  /** The inbox's address, for the link in the team's notification. */
  publicUrl: string;
}

/**
 * Hands a conversation to a team or a person. Refused when the person is away now (the caller
 * may hand it to the team instead), or the conversation is closed. Closes the conversation with
 * the lifecycle's outcome, opens (or sets the term of) the callback milestone for a callback, and
 * queues the citizen's confirmation and the team's notification in the same transaction.
 */
export async function createHandoff(pool: Pool, input: NewHandoff, by: { id: number; name: string }, mail: MailContext, now = new Date()): Promise<CreateOutcome> {
  return inLifecycle(pool, (tx) => createHandoffIn(tx, input, by, mail, now)).then((outcome) =>
    outcome.ok || isCreateRefusal(outcome.code) ? (outcome as CreateOutcome) : { ok: false, code: 'conversation_closed' },
  );
}

/** createHandoff inside the caller's transaction (a phone contact registered with its hand-off); a refusal must roll it back. */
export async function createHandoffIn(tx: Db, input: NewHandoff, by: { id: number; name: string }, mail: MailContext, now = new Date()): Promise<CreateOutcome> {
  let team: Team | undefined;
  if (input.teamId !== null) {
    team = await findTeam(tx, input.teamId);
    if (!team) return { ok: false, code: 'unknown_team' };
  }
  let assignee: { id: number; name: string } | undefined;
  if (input.assigneeId !== null) {
    assignee = (await tx.query<{ id: number; name: string }>('SELECT id, name FROM agents WHERE id = $1 AND NOT disabled', [input.assigneeId])).rows[0];
    if (!assignee) return { ok: false, code: 'unknown_agent' };
    if (team && !team.members.some((member) => member.id === assignee!.id)) return { ok: false, code: 'not_a_member' };
    const away = (await currentAbsences(tx, now, [assignee.id])).find((absence) => absence.startsAt <= now);
    if (away) return { ok: false, code: 'assignee_absent', absentUntil: isoAmsterdam(away.endsAt) };
  }

  const context = await loadServiceContext(tx);
  const { term, source } = handoffTermFor(team?.handoffTerm ?? null, context.activeNorm);
  // The conversation first (the lock order); then the milestones its other open hand-offs hold:
  // reopened by the citizen and handed off again, each hand-off keeps a promise of its own.
  await tx.query('SELECT 1 FROM conversations WHERE id = $1 FOR NO KEY UPDATE', [input.conversationId]);
  const heldByOthers = await milestonesOfOpenHandoffs(tx, input.conversationId);
  // Closing hands the obligation to the hand-off's milestone (the lifecycle opens it with this term).
  const outcome = input.action === 'callback' ? 'callback_requested' : 'back_office';
  const applied = await applyEvent(tx, input.conversationId, { type: 'close', outcome, agentId: by.id, handoff: { term, stated: source !== 'norm', heldByOthers } }, { at: now });
  if (!applied.ok) return { ok: false, code: applied.code === 'not_found' ? 'not_found' : 'conversation_closed' };
  const { change } = applied;
  const milestoneKind = input.action === 'callback' ? 'callback' : 'handoff';
  const opened = change.milestones.find((changed) => changed.kind === milestoneKind && changed.state === 'open');
  // None opened: the unmet one of the kind was breached already and stays so (handed on again
  // after a send-back) — the hand-off carries that one, breach and all.
  const milestone = opened ?? (await unmetMilestoneOfKind(tx, input.conversationId, milestoneKind, heldByOthers));
  const due = milestone ? DateTime.fromJSDate(new Date(milestone.dueAt), { zone: ZONE }) : handoffDue(term, DateTime.fromJSDate(now, { zone: ZONE }), context.calendar);
  const milestoneId = milestone?.id ?? null;

  const conversation = (
    await tx.query<{ subject: string | null; contactName: string | null; contactEmail: string | null }>(
      `SELECT c.subject, k.name AS "contactName", k.email AS "contactEmail" FROM conversations c LEFT JOIN contacts k ON k.id = c.contact_id WHERE c.id = $1`,
      [input.conversationId],
    )
  ).rows[0]!;
  const email = input.email ?? conversation.contactEmail ?? null;
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO handoffs (conversation_id, team_id, assignee_id, action, action_label, question, internal_note, citizen_name, phone, email,
                           preferred_moment, term_unit, term_amount, term_source, requested_at, due_at, milestone_id, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
    [
      input.conversationId,
      team?.id ?? null,
      assignee?.id ?? null,
      input.action,
      input.action === 'other' ? input.actionLabel : null,
      input.question,
      input.internalNote ?? null,
      conversation.contactName,
      input.phone ?? null,
      email,
      input.preferredMoment ?? null,
      term.unit,
      term.amount,
      source,
      now,
      due.toJSDate(),
      milestoneId,
      by.id,
    ],
  );
  const handoffId = rows[0]!.id;
  await tx.query(`INSERT INTO handoff_events (handoff_id, kind, agent_id, to_team_id, at) VALUES ($1, 'created', $2, $3, $4)`, [handoffId, by.id, team?.id ?? null, now]);
  await recordAudit(tx, {
    agentId: by.id,
    action: 'handoff.created',
    subjectType: 'handoff',
    subjectId: handoffId,
    details: { conversationId: input.conversationId, teamId: team?.id ?? null, assigneeId: assignee?.id ?? null, action: input.action, termSource: source },
  });

  let mails = 0;
  if (mail.from) {
    const reference = change.conversation.reference;
    if (email) {
      const composed = confirmationMail({
        reference,
        subject: conversation.subject,
        citizenName: conversation.contactName,
        action: input.action,
        teamName: team?.name ?? null,
        phone: input.phone ?? null,
        dueAt: due,
      });
      await queueMail(tx, { conversationId: input.conversationId, from: mail.from, to: { name: conversation.contactName, address: email }, ...composed, kind: 'message', by: by.id, purpose: 'reply' });
      mails++;
    }
    if (team?.notificationEmail) {
      const composed = teamNotificationMail({
        reference,
        teamName: team.name,
        action: input.action,
        actionLabel: input.actionLabel ?? null,
        question: input.question,
        citizenName: conversation.contactName,
        phone: input.phone ?? null,
        email,
        preferredMoment: input.preferredMoment ?? null,
        internalNote: input.internalNote ?? null,
        dueAt: due,
        handedOffBy: by.name,
        link: new URL('/#backoffice', mail.publicUrl).href,
      });
      // A note: the citizen never sees the team's notification in the thread; internal mail meets no milestone.
      await queueMail(tx, { conversationId: input.conversationId, from: mail.from, to: { name: team.name, address: team.notificationEmail }, ...composed, kind: 'note', by: by.id, purpose: 'internal' });
      mails++;
    }
  }
  return { ok: true, handoff: (await findHandoff(tx, handoffId))!, change, mails };
}

/** The milestones held by the conversation's open hand-offs (handoffs.milestone_id). */
async function milestonesOfOpenHandoffs(tx: Db, conversationId: number): Promise<number[]> {
  const { rows } = await tx.query<{ id: number }>(
    `SELECT milestone_id::int AS id FROM handoffs WHERE conversation_id = $1 AND status = ANY($2) AND milestone_id IS NOT NULL`,
    [conversationId, OPEN_STATUSES],
  );
  return rows.map((row) => row.id);
}

/** The unmet milestone of a kind openHandoffMilestone would have taken (the newest, not another hand-off's). */
async function unmetMilestoneOfKind(tx: Db, conversationId: number, kind: 'callback' | 'handoff', heldByOthers: readonly number[]): Promise<{ id: number; dueAt: Date } | undefined> {
  const { rows } = await tx.query<{ id: number; dueAt: Date }>(
    `SELECT id::int, due_at AS "dueAt" FROM milestones
      WHERE conversation_id = $1 AND kind = $2 AND state IN ('open', 'due_soon', 'breached') AND NOT id = ANY($3::bigint[])
      ORDER BY id DESC LIMIT 1`,
    [conversationId, kind, heldByOthers],
  );
  return rows[0];
}

function isCreateRefusal(code: string): code is CreateRefusal {
  return ['not_found', 'conversation_closed', 'unknown_team', 'unknown_agent', 'not_a_member', 'assignee_absent'].includes(code);
}

export interface QueuedMail {
  conversationId: number;
  from: { name: string | null; address: string };
  to: { name: string | null; address: string };
  subject: string;
  text: string;
  kind: 'message' | 'note';
  by: number | null;
  /** `reply`: to the citizen; `internal`: to staff — delivered as the outbox's `transcript`, which meets no milestone. */
  purpose: 'reply' | 'internal';
  /** The note shown in the thread, when it differs from the mail's text. */
  noteText?: string;
  /** A reminder's once-only key (messages.idempotency_key): a second instance finds it taken. */
  idempotencyKey?: string;
}

/** Stores the mail's message row and queues it; false when its idempotency key was taken (sent already). */
export async function queueMail(tx: Db, mail: QueuedMail): Promise<boolean> {
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO messages (conversation_id, direction, kind, author_agent_id, body_text, idempotency_key) VALUES ($1, 'out', $2, $3, $4, $5)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [mail.conversationId, mail.kind, mail.by, mail.noteText ?? mail.text, mail.idempotencyKey ?? null],
  );
  if (!inserted.rows[0]) return false;
  await enqueueMail(tx, {
    conversationId: mail.conversationId,
    messageId: inserted.rows[0].id,
    purpose: mail.purpose === 'reply' ? 'reply' : 'transcript',
    rfcMessageId: newMessageIdValue(mail.from.address.split('@')[1] ?? 'balie.local'),
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: null,
    inReplyTo: null,
    references: [],
  });
  return true;
}

// ── Working it ─────────────────────────────────────────────────────────────

export const attemptSchema = z
  .strictObject({
    result: z.enum(ATTEMPT_RESULTS),
    note: optionalText(1000),
    /** What was agreed; required with `reached`, which completes the hand-off. */
    outcome: optionalText(1000),
    at: z.iso
      .datetime({ offset: true })
      .transform((value) => new Date(value))
      .refine((date) => date.getTime() <= Date.now() + 60_000, 'must not be in the future')
      .optional(),
  })
  .superRefine((input, ctx) => {
    if (input.result === 'reached' && !input.outcome) ctx.addIssue({ code: 'custom', path: ['outcome'], message: 'say what was agreed with the citizen' });
  });
export type AttemptInput = z.infer<typeof attemptSchema>;

export type WorkRefusal = 'not_found' | 'forbidden' | 'not_open' | 'not_a_callback' | 'unknown_team' | 'not_yours';
export type WorkOutcome = { ok: true; handoff: Handoff; change: LifecycleChange | null } | { ok: false; code: WorkRefusal };

/** The hand-off locked for a change, after its conversation (the lock order). */
async function lockForWork(tx: Db, handoffId: number, by: { id: number; role: string }): Promise<{ ok: true; handoff: Handoff } | { ok: false; code: WorkRefusal }> {
  const before = await findHandoff(tx, handoffId);
  if (!before) return { ok: false, code: 'not_found' };
  if (by.role !== 'admin' && !(await mayWork(tx, before, by.id))) return { ok: false, code: 'forbidden' };
  await tx.query('SELECT 1 FROM conversations WHERE id = $1 FOR NO KEY UPDATE', [before.conversationId]);
  const locked = await tx.query<{ status: HandoffStatus }>('SELECT status FROM handoffs WHERE id = $1 FOR UPDATE', [handoffId]);
  if (!OPEN_STATUSES.includes(locked.rows[0]!.status)) return { ok: false, code: 'not_open' };
  return { ok: true, handoff: before };
}

/**
 * Records a call attempt. Only `reached` meets the callback milestone (domain.md: attempts without
 * contact are recorded but meet nothing); with its outcome it completes the hand-off.
 */
export async function recordAttempt(pool: Pool, handoffId: number, input: AttemptInput, by: { id: number; role: string }): Promise<WorkOutcome> {
  return inLifecycle(pool, async (tx): Promise<WorkOutcome> => {
    const locked = await lockForWork(tx, handoffId, by);
    if (!locked.ok) return locked;
    const { handoff } = locked;
    if (!handoff.phone) return { ok: false, code: 'not_a_callback' };
    const at = input.at ?? new Date();
    const reached = input.result === 'reached';
    let change: LifecycleChange | null = null;
    // A callback's attempt is the lifecycle's; reaching the citizen on another hand-off completes it.
    // Either meets this hand-off's own milestone only; one without a milestone meets nothing.
    const own = handoff.milestoneId;
    const event =
      own === null ? null : handoff.action === 'callback' ? ({ type: 'callback_attempt', reached, milestoneId: own } as const) : reached ? ({ type: 'handoff_completed', milestoneId: own } as const) : null;
    if (event) {
      const applied = await applyEvent(tx, handoff.conversationId, event, { at });
      if (applied.ok) change = applied.change;
    }
    await tx.query('INSERT INTO handoff_attempts (handoff_id, agent_id, result, note, at) VALUES ($1, $2, $3, $4, $5)', [handoffId, by.id, input.result, input.note ?? null, at]);
    if (reached) {
      await tx.query(`UPDATE handoffs SET status = 'completed', outcome = $2, completed_at = $3, completed_by = $4, updated_at = now() WHERE id = $1`, [handoffId, input.outcome, at, by.id]);
      await tx.query(`INSERT INTO handoff_events (handoff_id, kind, agent_id, note, at) VALUES ($1, 'completed', $2, $3, $4)`, [handoffId, by.id, input.outcome, at]);
    } else {
      await tx.query(`UPDATE handoffs SET status = 'attempted', updated_at = now() WHERE id = $1`, [handoffId]);
    }
    await recordAudit(tx, { agentId: by.id, action: 'handoff.attempt', subjectType: 'handoff', subjectId: handoffId, details: { result: input.result, completed: reached } });
    return { ok: true, handoff: (await findHandoff(tx, handoffId))!, change };
  }).then(asWorkOutcome);
}

export const completeSchema = z.strictObject({ outcome: z.string().trim().min(1).max(1000) });

/**
 * Completes a hand-off that is not a callback (answered by e-mail, the other action done). A
 * callback is completed by the attempt that reached the citizen: only that meets its milestone.
 */
export async function completeHandoff(pool: Pool, handoffId: number, outcome: string, by: { id: number; role: string }): Promise<WorkOutcome> {
  return inLifecycle(pool, async (tx): Promise<WorkOutcome> => {
    const locked = await lockForWork(tx, handoffId, by);
    if (!locked.ok) return locked;
    if (locked.handoff.action === 'callback') return { ok: false, code: 'not_a_callback' };
    const at = new Date();
    // Its own milestone only: another open hand-off of the conversation keeps its promise.
    const own = locked.handoff.milestoneId;
    const applied = own === null ? null : await applyEvent(tx, locked.handoff.conversationId, { type: 'handoff_completed', milestoneId: own }, { at });
    await tx.query(`UPDATE handoffs SET status = 'completed', outcome = $2, completed_at = $4, completed_by = $3, updated_at = now() WHERE id = $1`, [handoffId, outcome, by.id, at]);
    await tx.query(`INSERT INTO handoff_events (handoff_id, kind, agent_id, note, at) VALUES ($1, 'completed', $2, $3, $4)`, [handoffId, by.id, outcome, at]);
    await recordAudit(tx, { agentId: by.id, action: 'handoff.completed', subjectType: 'handoff', subjectId: handoffId });
    return { ok: true, handoff: (await findHandoff(tx, handoffId))!, change: applied?.ok ? applied.change : null };
  }).then(asWorkOutcome);
}

export const misroutedSchema = z.strictObject({ teamId: id.nullable().default(null), note: z.string().trim().min(1).max(1000) });

/**
 * Verkeerde afdeling: the hand-off goes on to another team (it stays open, its term unchanged: the
 * citizen's promise stands), or back to the KCC (status misrouted; the conversation reopens in the
 * inbox, its callback milestone still owed). Either way it counts as misrouted.
 */
export async function sendBack(pool: Pool, handoffId: number, input: z.infer<typeof misroutedSchema>, by: { id: number; role: string }): Promise<WorkOutcome> {
  return inLifecycle(pool, async (tx): Promise<WorkOutcome> => {
    const locked = await lockForWork(tx, handoffId, by);
    if (!locked.ok) return locked;
    const { handoff } = locked;
    let change: LifecycleChange | null = null;
    if (input.teamId !== null) {
      if (!(await findTeam(tx, input.teamId))) return { ok: false, code: 'unknown_team' };
      await tx.query(`UPDATE handoffs SET team_id = $2, assignee_id = NULL, misrouted_count = misrouted_count + 1, updated_at = now() WHERE id = $1`, [handoffId, input.teamId]);
      await tx.query(`INSERT INTO handoff_events (handoff_id, kind, agent_id, from_team_id, to_team_id, note) VALUES ($1, 'forwarded', $2, $3, $4, $5)`, [
        handoffId,
        by.id,
        handoff.team?.id ?? null,
        input.teamId,
        input.note,
      ]);
    } else {
      await tx.query(`UPDATE handoffs SET status = 'misrouted', misrouted_count = misrouted_count + 1, updated_at = now() WHERE id = $1`, [handoffId]);
      await tx.query(`INSERT INTO handoff_events (handoff_id, kind, agent_id, from_team_id, note) VALUES ($1, 'sent_back', $2, $3, $4)`, [handoffId, by.id, handoff.team?.id ?? null, input.note]);
      const reopened = await applyEvent(tx, handoff.conversationId, { type: 'reopen' });
      if (reopened.ok) change = reopened.change;
    }
    await recordAudit(tx, { agentId: by.id, action: 'handoff.misrouted', subjectType: 'handoff', subjectId: handoffId, details: { toTeamId: input.teamId } });
    return { ok: true, handoff: (await findHandoff(tx, handoffId))!, change };
  }).then(asWorkOutcome);
}

export const cancelSchema = z.strictObject({ reason: z.string().trim().min(1).max(1000) });

/** Who may cancel a hand-off: the KCC agent who made it, a supervisor or an admin — not the back office. */
export function mayCancel(handoff: Handoff, by: { id: number; role: string }): boolean {
  return by.role === 'supervisor' || by.role === 'admin' || (by.role !== 'backoffice' && handoff.createdBy?.id === by.id);
}

/**
 * Cancels an open hand-off (the citizen withdrew the question, it was handed off by mistake): its
 * milestone ends as not applicable (`handoff_cancelled`) through the lifecycle — excluded from
 * compliance but counted beside it, with who ended it — and the reason is kept and audited.
 */
export async function cancelHandoff(pool: Pool, handoffId: number, reason: string, by: { id: number; role: string }): Promise<WorkOutcome> {
  return inLifecycle(pool, async (tx): Promise<WorkOutcome> => {
    const before = await findHandoff(tx, handoffId);
    if (!before) return { ok: false, code: 'not_found' };
    // Another team's hand-off does not exist for a back-office user; the KCC sees it in the history.
    if (!mayCancel(before, by)) return { ok: false, code: by.role === 'backoffice' && !(await mayWork(tx, before, by.id)) ? 'not_found' : 'not_yours' };
    const at = new Date();
    // The conversation first (the lock order), then the hand-off; then its own milestone ends —
    // never another hand-off's (a reopened conversation handed off again holds one per hand-off).
    await tx.query('SELECT 1 FROM conversations WHERE id = $1 FOR NO KEY UPDATE', [before.conversationId]);
    const locked = await tx.query<{ status: HandoffStatus }>('SELECT status FROM handoffs WHERE id = $1 FOR UPDATE', [handoffId]);
    if (!OPEN_STATUSES.includes(locked.rows[0]!.status)) return { ok: false, code: 'not_open' };
    const own = before.milestoneId;
    const applied = own === null ? null : await applyEvent(tx, before.conversationId, { type: 'handoff_cancelled', agentId: by.id, milestoneId: own }, { at });
    const change = applied?.ok ? applied.change : null;
    await tx.query(`UPDATE handoffs SET status = 'cancelled', cancelled_at = $2, cancelled_by = $3, cancel_reason = $4, updated_at = now() WHERE id = $1`, [handoffId, at, by.id, reason]);
    await tx.query(`INSERT INTO handoff_events (handoff_id, kind, agent_id, from_team_id, note, at) VALUES ($1, 'cancelled', $2, $3, $4, $5)`, [handoffId, by.id, before.team?.id ?? null, reason, at]);
    await recordAudit(tx, { agentId: by.id, action: 'handoff.cancelled', subjectType: 'handoff', subjectId: handoffId, details: { reason, conversationId: before.conversationId } });
    return { ok: true, handoff: (await findHandoff(tx, handoffId))!, change };
  }).then(asWorkOutcome);
}

function asWorkOutcome(outcome: WorkOutcome | { ok: false; code: string }): WorkOutcome {
  if (outcome.ok) return outcome;
  const codes: readonly string[] = ['not_found', 'forbidden', 'not_open', 'not_a_callback', 'unknown_team', 'not_yours'];
  return codes.includes(outcome.code) ? (outcome as WorkOutcome) : { ok: false, code: 'not_open' };
}
