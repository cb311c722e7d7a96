// Milestones in PostgreSQL: opened from the active norm when a contact arrives, met by what agents send.
import { DateTime } from 'luxon';
import type { Db } from '../db/index.ts';
import type { WorkingCalendar } from './calendar.ts';
import type { Term } from './norms.ts';
import { scheduleOf, type MilestoneKind } from './schedule.ts';
import { findNorm, loadServiceContext, type ServiceContext } from './settings.ts';
import { ZONE } from './zone.ts';

/**
 * suspended: waiting on the citizen, the business time left kept (opschorting); not_applicable:
 * ended by closing or by the citizen leaving a queued chat, with a reason (issue 11).
 */
export type MilestoneState = 'open' | 'due_soon' | 'breached' | 'met' | 'met_late' | 'suspended' | 'not_applicable';
/** The states of a milestone that something may still meet or end. */
export const UNMET_STATES = ['open', 'due_soon', 'breached', 'suspended'] as const satisfies readonly MilestoneState[];
/**
 * What met a milestone: a delivered automatic acknowledgement, a reply, a reply marked as the
 * answer, a tussenbericht, a pickup, a callback made, the answer given on another channel (recorded
 * by the agent), or closing as afgehandeld in eerste contact.
 */
export type MetBy = 'acknowledgement' | 'reply' | 'answer' | 'interim' | 'pickup' | 'callback' | 'other_channel' | 'close' | 'back_office';
/** Why a milestone ended as not applicable (see server/conversations/lifecycle.ts). */
export type EndedReason = 'auto_reply' | 'spam' | 'duplicate' | 'withdrawn' | 'abandoned' | 'handed_to_back_office' | 'handed_to_callback' | 'closed_before_tracking' | 'handoff_cancelled' | 'merged';

export interface Milestone {
  id: number;
  conversationId: number;
  kind: MilestoneKind;
  normId: string;
  term: Term;
  /** The agent named the term in a tussenbericht. */
  termStated: boolean;
  startsAt: string;
  dueAt: string;
  dueSoonAt: string;
  state: MilestoneState;
  metAt: string | null;
  metBy: MetBy | null;
  /** Set when not applicable: when and why it ended. */
  endedAt: string | null;
  endedReason: EndedReason | null;
  /** While suspended: the business seconds that were left when the gemeente began waiting. */
  remainingSeconds: number | null;
}

/** Channel on which every change to milestones is announced, so each instance re-arms its timer. */
export const MILESTONES_CHANNEL = 'balie_milestones';

const COLUMNS = `id, conversation_id AS "conversationId", kind, norm_id AS "normId",
  json_build_object('unit', term_unit, 'amount', term_amount) AS term, term_stated AS "termStated",
  starts_at AS "startsAt", due_at AS "dueAt", due_soon_at AS "dueSoonAt", state, met_at AS "metAt", met_by AS "metBy",
  ended_at AS "endedAt", ended_reason AS "endedReason", CASE WHEN state = 'suspended' THEN remaining_seconds::float8 END AS "remainingSeconds"`;

interface Row extends Omit<Milestone, 'startsAt' | 'dueAt' | 'dueSoonAt' | 'metAt' | 'endedAt'> {
  startsAt: Date;
  dueAt: Date;
  dueSoonAt: Date;
  metAt: Date | null;
  endedAt: Date | null;
}

/** Instants leave the server as ISO 8601 in Amsterdam time with offset, like the public API. */
export const isoAmsterdam = (instant: Date): string => DateTime.fromJSDate(instant, { zone: ZONE }).toISO()!;

function toMilestone(row: Row): Milestone {
  return {
    ...row,
    startsAt: isoAmsterdam(row.startsAt),
    dueAt: isoAmsterdam(row.dueAt),
    dueSoonAt: isoAmsterdam(row.dueSoonAt),
    metAt: row.metAt ? isoAmsterdam(row.metAt) : null,
    endedAt: row.endedAt ? isoAmsterdam(row.endedAt) : null,
  };
}

/** Tells every instance's scheduler that milestones changed; inside a transaction it is sent at commit. */
export async function notifyMilestonesChanged(db: Db): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [MILESTONES_CHANNEL, '']);
}

interface NewMilestone {
  kind: MilestoneKind;
  normId: string;
  term: Term;
  termStated?: boolean;
  startsAt: DateTime;
}

async function insertMilestones(db: Db, conversationId: number, items: NewMilestone[], context: ServiceContext): Promise<Milestone[]> {
  const rows = items.flatMap((item) => {
    const schedule = scheduleOf(item.term, item.startsAt, { calendar: context.calendar, chatHours: context.settings.chatHours, dueSoonHours: context.settings.dueSoonHours });
    return schedule ? [{ ...item, ...schedule }] : [];
  });
  if (rows.length === 0) return [];
  const { rows: inserted } = await db.query<Row>(
    `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, term_stated, starts_at, due_at, due_soon_at)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::boolean[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
     RETURNING ${COLUMNS}`,
    [
      conversationId,
      rows.map((r) => r.kind),
      rows.map((r) => r.normId),
      rows.map((r) => r.term.unit),
      rows.map((r) => r.term.amount),
      rows.map((r) => r.termStated ?? false),
      rows.map((r) => r.startsAt.toISO()),
      rows.map((r) => r.due.toISO()),
      rows.map((r) => r.dueSoon.toISO()),
    ],
  );
  await notifyMilestonesChanged(db);
  return inserted.map(toMilestone);
}

/** Kinds of which the conversation has an unmet milestone: opening one beside it would count it twice. */
async function unmetKinds(db: Db, conversationId: number): Promise<Set<MilestoneKind>> {
  const { rows } = await db.query<{ kind: MilestoneKind }>('SELECT DISTINCT kind FROM milestones WHERE conversation_id = $1 AND state = ANY($2)', [conversationId, UNMET_STATES]);
  return new Set(rows.map((row) => row.kind));
}

/**
 * Opens the e-mail milestones of the active norm for a message received at `receivedAt`: when the
 * conversation is created, and when it is reopened (from the moment of reopening). Call it inside
 * the transaction that stores the message, with the conversation locked. Only acknowledgement and
 * answer open here: the complex answer follows a tussenbericht, the callback a callback request. A
 * kind that is still unmet is not opened again beside it.
 */
export async function openMilestonesFor(tx: Db, conversationId: number, receivedAt: Date): Promise<Milestone[]> {
  const context = await loadServiceContext(tx);
  const norm = context.activeNorm;
  const startsAt = DateTime.fromJSDate(receivedAt, { zone: ZONE });
  const unmet = await unmetKinds(tx, conversationId);
  const items: NewMilestone[] = [];
  for (const kind of ['acknowledgement', 'answer'] as const) {
    const term = norm.terms[kind];
    if (term && !unmet.has(kind)) items.push({ kind, normId: norm.id, term, startsAt });
  }
  return insertMilestones(tx, conversationId, items, context);
}

/**
 * The milestones {@link openMilestonesFor} opens on a conversation that has none yet (a new one:
 * nothing unmet), computed without a query, as the columns of an INSERT from unnest — so that the
 * mail ingest inserts them in the statement that creates the conversation (issue 17, item 2).
 * `context` is the transaction's service context (the one openMilestonesFor would load).
 */
export function firstEmailMilestoneColumns(context: ServiceContext, receivedAt: Date): NewMilestoneColumns {
  const norm = context.activeNorm;
  const startsAt = DateTime.fromJSDate(receivedAt, { zone: ZONE });
  const columns: NewMilestoneColumns = { kinds: [], normIds: [], termUnits: [], termAmounts: [], termStated: [], startsAt: [], dueAt: [], dueSoonAt: [] };
  for (const kind of ['acknowledgement', 'answer'] as const) {
    const term = norm.terms[kind];
    if (!term) continue;
    const schedule = scheduleOf(term, startsAt, { calendar: context.calendar, chatHours: context.settings.chatHours, dueSoonHours: context.settings.dueSoonHours });
    if (!schedule) continue;
    columns.kinds.push(kind);
    columns.normIds.push(norm.id);
    columns.termUnits.push(term.unit);
    columns.termAmounts.push(term.amount);
    columns.termStated.push(false);
    columns.startsAt.push(startsAt.toISO()!);
    columns.dueAt.push(schedule.due.toISO()!);
    columns.dueSoonAt.push(schedule.dueSoon.toISO()!);
  }
  return columns;
}

/** New milestone rows column by column (see {@link firstEmailMilestoneColumns}, {@link MILESTONE_UNNEST}). */
export interface NewMilestoneColumns {
  kinds: MilestoneKind[];
  normIds: string[];
  termUnits: string[];
  termAmounts: number[];
  termStated: boolean[];
  startsAt: string[];
  dueAt: string[];
  dueSoonAt: string[];
}

/**
 * `INSERT INTO milestones … SELECT <conversationId>, * FROM unnest(...)` for {@link NewMilestoneColumns}
 * from placeholder `$first` on, returning the milestone's columns (read them with {@link milestoneFromJson}).
 */
export function milestoneUnnestInsert(conversationId: string, first: number): string {
  const types = ['text', 'text', 'text', 'int', 'boolean', 'timestamptz', 'timestamptz', 'timestamptz'];
  return `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, term_stated, starts_at, due_at, due_soon_at)
     SELECT ${conversationId}, m.* FROM unnest(${types.map((type, index) => `$${first + index}::${type}[]`).join(', ')}) AS m
     RETURNING ${COLUMNS}`;
}

/** The values of {@link milestoneUnnestInsert}, in its order. */
export function milestoneUnnestValues(columns: NewMilestoneColumns): unknown[] {
  return [columns.kinds, columns.normIds, columns.termUnits, columns.termAmounts, columns.termStated, columns.startsAt, columns.dueAt, columns.dueSoonAt];
}

/** A row of {@link milestoneUnnestInsert} that came back through json (instants as text). */
export function milestoneFromJson(row: Record<string, unknown>): Milestone {
  const instant = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  return toMilestone({ ...(row as unknown as Row), startsAt: instant(row.startsAt)!, dueAt: instant(row.dueAt)!, dueSoonAt: instant(row.dueSoonAt)!, metAt: instant(row.metAt), endedAt: instant(row.endedAt) });
}

/** Opens the chat pickup milestone (seconds in chat hours from queueing), when the active norm has one. */
export async function openPickupMilestone(tx: Db, conversationId: number, queuedAt: Date): Promise<Milestone[]> {
  const context = await loadServiceContext(tx);
  const term = context.activeNorm.terms.chatPickup;
  if (!term) return [];
  return insertMilestones(tx, conversationId, [{ kind: 'pickup', normId: context.activeNorm.id, term, startsAt: DateTime.fromJSDate(queuedAt, { zone: ZONE }) }], context);
}

/** Opens a callback milestone for a callback request, when the active norm has a callback term. */
export async function openCallbackMilestone(tx: Db, conversationId: number, requestedAt: Date): Promise<Milestone[]> {
  const context = await loadServiceContext(tx);
  const term = context.activeNorm.terms.callback;
  if (!term || (await unmetKinds(tx, conversationId)).has('callback')) return [];
  return insertMilestones(tx, conversationId, [{ kind: 'callback', normId: context.activeNorm.id, term, startsAt: DateTime.fromJSDate(requestedAt, { zone: ZONE }) }], context);
}

/**
 * The milestone of a hand-off (issue 14): kind `callback` for a callback, `handoff` for another
 * hand-off, from `requestedAt` with the hand-off's term. The conversation's unmet one of that kind
 * (a callback the norm opened on closing, or a hand-off sent back and handed on again) takes the
 * term — unless it is breached already: that one stays as it is, breach and all; else one is
 * opened. The milestones in `heldByOthers` belong to other open hand-offs of the conversation
 * (to Burgerzaken, and since a reopen to Belastingen): each keeps its own term and is never taken. A term that is not the norm's is stored as stated, so that a calendar recompute keeps it
 * (recompute.ts); a `handoff` term always is (the norm names none).
 */
export async function openHandoffMilestone(
  tx: Db,
  conversationId: number,
  kind: 'callback' | 'handoff',
  term: Term,
  stated: boolean,
  requestedAt: Date,
  heldByOthers: readonly number[] = [],
): Promise<Milestone[]> {
  const context = await loadServiceContext(tx);
  const startsAt = DateTime.fromJSDate(requestedAt, { zone: ZONE });
  const schedule = scheduleOf(term, startsAt, { calendar: context.calendar, chatHours: context.settings.chatHours, dueSoonHours: context.settings.dueSoonHours });
  if (!schedule) return [];
  const values = [conversationId, kind, context.activeNorm.id, term.unit, term.amount, stated || kind === 'handoff', requestedAt, schedule.due.toISO(), schedule.dueSoon.toISO(), heldByOthers];
  const { rows } = await tx.query<Row>(
    `WITH unmet AS (
       SELECT id, state FROM milestones WHERE conversation_id = $1 AND kind = $2 AND state IN ('open', 'due_soon', 'breached') AND NOT id = ANY($10::bigint[])
        ORDER BY id DESC LIMIT 1 FOR UPDATE
     ), updated AS (
       -- A breached promise stays breached: handing it on again (after a send-back) gives the
       -- citizen no new term, and must not wipe the breach from the figures.
       UPDATE milestones SET norm_id = $3, term_unit = $4, term_amount = $5, term_stated = $6, starts_at = $7, due_at = $8, due_soon_at = $9,
              state = 'open', due_soon_raised_at = NULL, updated_at = now()
        WHERE id = (SELECT id FROM unmet WHERE state <> 'breached') RETURNING ${COLUMNS}
     ), inserted AS (
       INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, term_stated, starts_at, due_at, due_soon_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE NOT EXISTS (SELECT 1 FROM unmet) RETURNING ${COLUMNS}
     )
     SELECT * FROM updated UNION ALL SELECT * FROM inserted`,
    values,
  );
  await notifyMilestonesChanged(tx);
  return rows.map(toMilestone);
}

export async function listMilestones(db: Db, conversationId: number): Promise<Milestone[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM milestones WHERE conversation_id = $1 ORDER BY id`, [conversationId]);
  return rows.map(toMilestone);
}

/**
 * Meets the unmet milestones of these kinds at `at`: on time ('met') up to and including the due
 * instant, else 'met_late' (a breached milestone can still be met, late). A suspended milestone
 * still had time left, so it is met on time. Met and not-applicable milestones are frozen: the
 * state guard leaves them alone. With `ids`, only those (a hand-off's own milestone). Returns the milestones it met.
 */
export async function meetMilestones(db: Db, conversationId: number, kinds: readonly MilestoneKind[], at: Date, by: MetBy, ids?: readonly number[]): Promise<Milestone[]> {
  const { rows } = await db.query<Row>(
    `UPDATE milestones SET state = CASE WHEN state = 'suspended' OR $3::timestamptz <= due_at THEN 'met' ELSE 'met_late' END,
            met_at = $3, met_by = $4, suspended_at = NULL, remaining_seconds = CASE WHEN resumed_at IS NULL THEN NULL ELSE remaining_seconds END, updated_at = now()
      WHERE conversation_id = $1 AND kind = ANY($2) AND state = ANY($5) AND ($6::bigint[] IS NULL OR id = ANY($6::bigint[]))
      RETURNING ${COLUMNS}`,
    [conversationId, kinds, at, by, UNMET_STATES, ids ?? null],
  );
  if (rows.length > 0) await notifyMilestonesChanged(db);
  return rows.map(toMilestone);
}

/** The automatic acknowledgement was accepted by the SMTP server: it meets the acknowledgement. */
export function acknowledgementDelivered(db: Db, conversationId: number, at: Date): Promise<Milestone[]> {
  return meetMilestones(db, conversationId, ['acknowledgement'], at, 'acknowledgement');
}

/**
 * An agent replied. Any reply meets the acknowledgement; a reply marked as the answer also meets
 * the answer (and the complex answer after a tussenbericht).
 */
export function replySent(db: Db, conversationId: number, at: Date, options: { asAnswer: boolean }): Promise<Milestone[]> {
  return options.asAnswer
    ? meetMilestones(db, conversationId, ['acknowledgement', 'answer', 'complexAnswer'], at, 'answer')
    : meetMilestones(db, conversationId, ['acknowledgement'], at, 'reply');
}

/** An agent picked up the chat. */
export function agentPickedUp(db: Db, conversationId: number, at: Date): Promise<Milestone[]> {
  return meetMilestones(db, conversationId, ['pickup'], at, 'pickup');
}

/**
 * Ends the unmet milestones of these kinds as not applicable at `at`, with the reason and the agent
 * whose action ended them (null: the citizen's). Compliance leaves them out and counts them beside.
 * With `ids`, only those (a cancelled hand-off's own milestone).
 */
export async function endMilestones(db: Db, conversationId: number, kinds: readonly MilestoneKind[], at: Date, reason: EndedReason, by: number | null, ids?: readonly number[]): Promise<Milestone[]> {
  const { rows } = await db.query<Row>(
    `UPDATE milestones SET state = 'not_applicable', ended_at = $3, ended_reason = $4, ended_by = $5,
            suspended_at = NULL, remaining_seconds = CASE WHEN resumed_at IS NULL THEN NULL ELSE remaining_seconds END, updated_at = now()
      WHERE conversation_id = $1 AND kind = ANY($2) AND state = ANY($6) AND ($7::bigint[] IS NULL OR id = ANY($7::bigint[]))
      RETURNING ${COLUMNS}`,
    [conversationId, kinds, at, reason, by, UNMET_STATES, ids ?? null],
  );
  if (rows.length > 0) await notifyMilestonesChanged(db);
  return rows.map(toMilestone);
}

/**
 * The gemeente waits on the citizen from `at`: open milestones of these kinds whose norm suspends
 * while waiting (default) keep the business time they had left and stop running. A breached one
 * stays breached: there was no time left to keep.
 */
export async function suspendMilestones(tx: Db, conversationId: number, kinds: readonly MilestoneKind[], at: Date): Promise<Milestone[]> {
  const { rows } = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM milestones WHERE conversation_id = $1 AND kind = ANY($2) AND state IN ('open', 'due_soon') AND due_at > $3 ORDER BY id FOR UPDATE`,
    [conversationId, kinds, at],
  );
  if (rows.length === 0) return [];
  const context = await loadServiceContext(tx);
  const from = DateTime.fromJSDate(at, { zone: ZONE });
  const suspended: Milestone[] = [];
  for (const row of rows) {
    const norm = context.norms.get(row.normId) ?? (await findNorm(tx, row.normId));
    if (norm?.suspendWhileWaiting === false || row.term.unit === 'seconds') continue;
    const remaining = Math.max(0, context.calendar.businessSecondsBetween(from, DateTime.fromJSDate(row.dueAt, { zone: ZONE })));
    const updated = await tx.query<Row>(
      `UPDATE milestones SET state = 'suspended', suspended_at = $2, remaining_seconds = $3, resumed_at = NULL, due_soon_raised_at = NULL, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [row.id, at, remaining],
    );
    suspended.push(toMilestone(updated.rows[0]!));
  }
  if (suspended.length > 0) await notifyMilestonesChanged(tx);
  return suspended;
}

/**
 * When a resumed term is due: the business time that was left, counted on from the resumption.
 * A calendar recompute counts resumed milestones (resumed_at set) this way, not from starts_at.
 */
export function resumedDue(calendar: WorkingCalendar, resumedAt: DateTime, remainingSeconds: number): DateTime {
  return calendar.plusBusinessSeconds(resumedAt, remainingSeconds);
}

/** The citizen wrote back (or the agent resumed) at `at`: suspended milestones are due the kept business time later. */
export async function resumeMilestones(tx: Db, conversationId: number, kinds: readonly MilestoneKind[], at: Date): Promise<Milestone[]> {
  const { rows } = await tx.query<Row & { suspendedAt: Date | null }>(
    `SELECT ${COLUMNS}, suspended_at AS "suspendedAt" FROM milestones WHERE conversation_id = $1 AND kind = ANY($2) AND state = 'suspended' ORDER BY id FOR UPDATE`,
    [conversationId, kinds],
  );
  if (rows.length === 0) return [];
  const context = await loadServiceContext(tx);
  const resumed: Milestone[] = [];
  for (const row of rows) {
    // A term never resumes before it stopped: a reply's receipt time comes from the mail server
    // in whole seconds (or from before an outage), and may lie a moment before the question that
    // suspended the term. Resuming then would take time off the citizen's term that never ran.
    const resumeAt = row.suspendedAt !== null && row.suspendedAt.getTime() > at.getTime() ? row.suspendedAt : at;
    const from = DateTime.fromJSDate(resumeAt, { zone: ZONE });
    const due = resumedDue(context.calendar, from, row.remainingSeconds ?? 0);
    const dueSoon = context.calendar.minusBusinessSeconds(due, context.settings.dueSoonHours * 3600);
    const updated = await tx.query<Row>(
      `UPDATE milestones SET state = 'open', due_at = $2, due_soon_at = $3, suspended_at = NULL, resumed_at = $4, due_soon_raised_at = NULL, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [row.id, due.toISO(), dueSoon.toISO(), resumeAt],
    );
    resumed.push(toMilestone(updated.rows[0]!));
  }
  await notifyMilestonesChanged(tx);
  return resumed;
}

export type ComplexAnswerOutcome = { ok: true; opened: Milestone } | { ok: false; reason: 'no_open_answer' | 'interim_not_allowed' | 'term_required' };

/**
 * A tussenbericht is being sent at `at`: under a norm that allows it (Enschede, Zwolle, Rotterdam)
 * it opens the complex answer, with the term the agent states counted from the tussenbericht, or
 * else the norm's complex term counted from the original receipt (Rotterdam's 4 weeks run from
 * receipt). What it meets is met when the mail is delivered (domain.md: met only when received).
 */
export async function openComplexAnswer(tx: Db, conversationId: number, at: Date, statedTerm?: Term): Promise<ComplexAnswerOutcome> {
  const { rows } = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM milestones WHERE conversation_id = $1 AND kind = 'answer' AND state IN ('open', 'due_soon', 'suspended')
      ORDER BY id DESC LIMIT 1 FOR UPDATE`,
    [conversationId],
  );
  const answer = rows[0];
  if (!answer) return { ok: false, reason: 'no_open_answer' };
  const norm = await findNorm(tx, answer.normId);
  if (!norm?.interimAllowed) return { ok: false, reason: 'interim_not_allowed' };
  const normTerm = norm.terms.complexAnswer;
  if (!statedTerm && !normTerm) return { ok: false, reason: 'term_required' };
  // An earlier tussenbericht's promise stands: a second one cannot move the date unseen.
  if ((await unmetKinds(tx, conversationId)).has('complexAnswer')) return { ok: false, reason: 'no_open_answer' };
  const context = await loadServiceContext(tx);
  const [opened] = await insertMilestones(
    tx,
    conversationId,
    [
      statedTerm
        ? { kind: 'complexAnswer', normId: norm.id, term: statedTerm, termStated: true, startsAt: DateTime.fromJSDate(at, { zone: ZONE }) }
        : { kind: 'complexAnswer', normId: norm.id, term: normTerm!, startsAt: DateTime.fromJSDate(answer.startsAt, { zone: ZONE }) },
    ],
    context,
  );
  return { ok: true, opened: opened! };
}

export type InterimOutcome =
  | { ok: true; met: Milestone[]; opened: Milestone }
  | { ok: false; reason: 'no_open_answer' | 'interim_not_allowed' | 'term_required'; met: Milestone[] };

/**
 * A tussenbericht was sent and received at `at` (both at once: for callers without an outbox).
 * Being a reply it meets the acknowledgement; under a norm that allows it, it meets the open answer
 * milestone and opens the complex answer (see openComplexAnswer). Call inside a transaction.
 */
export async function interimSent(tx: Db, conversationId: number, at: Date, statedTerm?: Term): Promise<InterimOutcome> {
  const met = await meetMilestones(tx, conversationId, ['acknowledgement'], at, 'reply');
  const outcome = await openComplexAnswer(tx, conversationId, at, statedTerm);
  if (!outcome.ok) return { ok: false, reason: outcome.reason, met };
  const answer = await meetMilestones(tx, conversationId, ['answer'], at, 'interim');
  return { ok: true, met: [...met, ...answer], opened: outcome.opened };
}
