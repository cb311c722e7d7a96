// Milestones in PostgreSQL: opened from the active norm when a contact arrives, met by what agents send.
import { DateTime } from 'luxon';
import type { Db } from '../db/index.ts';
import type { Term } from './norms.ts';
import { scheduleOf, type MilestoneKind } from './schedule.ts';
import { findNorm, loadServiceContext, type ServiceContext } from './settings.ts';
import { ZONE } from './zone.ts';

export type MilestoneState = 'open' | 'due_soon' | 'breached' | 'met' | 'met_late';
/** What met a milestone: a delivered automatic acknowledgement, a reply, a reply marked as the answer, a tussenbericht, a pickup, a callback made. */
export type MetBy = 'acknowledgement' | 'reply' | 'answer' | 'interim' | 'pickup' | 'callback';

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
}

/** Channel on which every change to milestones is announced, so each instance re-arms its timer. */
export const MILESTONES_CHANNEL = 'balie_milestones';

const COLUMNS = `id, conversation_id AS "conversationId", kind, norm_id AS "normId",
  json_build_object('unit', term_unit, 'amount', term_amount) AS term, term_stated AS "termStated",
  starts_at AS "startsAt", due_at AS "dueAt", due_soon_at AS "dueSoonAt", state, met_at AS "metAt", met_by AS "metBy"`;

interface Row extends Omit<Milestone, 'startsAt' | 'dueAt' | 'dueSoonAt' | 'metAt'> {
  startsAt: Date;
  dueAt: Date;
  dueSoonAt: Date;
  metAt: Date | null;
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

/**
 * Opens the e-mail milestones of the active norm for a message received at `receivedAt`: when the
 * conversation is created, and when the citizen writes again after it was closed. Call it inside
 * the transaction that stores the message. Only acknowledgement and answer open here: the complex
 * answer follows a tussenbericht, the callback a callback request.
 */
export async function openMilestonesFor(tx: Db, conversationId: number, receivedAt: Date): Promise<Milestone[]> {
  const context = await loadServiceContext(tx);
  const norm = context.activeNorm;
  const startsAt = DateTime.fromJSDate(receivedAt, { zone: ZONE });
  const items: NewMilestone[] = [];
  for (const kind of ['acknowledgement', 'answer'] as const) {
    const term = norm.terms[kind];
    if (term) items.push({ kind, normId: norm.id, term, startsAt });
  }
  return insertMilestones(tx, conversationId, items, context);
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
  if (!term) return [];
  return insertMilestones(tx, conversationId, [{ kind: 'callback', normId: context.activeNorm.id, term, startsAt: DateTime.fromJSDate(requestedAt, { zone: ZONE }) }], context);
}

export async function listMilestones(db: Db, conversationId: number): Promise<Milestone[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM milestones WHERE conversation_id = $1 ORDER BY id`, [conversationId]);
  return rows.map(toMilestone);
}

/**
 * Meets the unmet milestones of these kinds at `at`: on time ('met') up to and including the due
 * instant, else 'met_late' (a breached milestone can still be met, late). Met milestones are
 * frozen: the state guard leaves them alone. Returns the milestones it met.
 */
export async function meetMilestones(db: Db, conversationId: number, kinds: readonly MilestoneKind[], at: Date, by: MetBy): Promise<Milestone[]> {
  const { rows } = await db.query<Row>(
    `UPDATE milestones SET state = CASE WHEN $3::timestamptz <= due_at THEN 'met' ELSE 'met_late' END,
            met_at = $3, met_by = $4, updated_at = now()
      WHERE conversation_id = $1 AND kind = ANY($2) AND state IN ('open', 'due_soon', 'breached')
      RETURNING ${COLUMNS}`,
    [conversationId, kinds, at, by],
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

export type InterimOutcome =
  | { ok: true; met: Milestone[]; opened: Milestone }
  | { ok: false; reason: 'no_open_answer' | 'interim_not_allowed' | 'term_required'; met: Milestone[] };

/**
 * A tussenbericht was sent at `at`. Being a reply it meets the acknowledgement. Under a norm that
 * allows it (Enschede, Zwolle, Rotterdam) it also meets the open answer milestone and opens the
 * complex answer: with the term the agent states, counted from the tussenbericht, or else the
 * norm's complex term counted from the original receipt (Rotterdam's 4 weeks run from receipt).
 * Call inside a transaction: both changes stand or fall together.
 */
export async function interimSent(tx: Db, conversationId: number, at: Date, statedTerm?: Term): Promise<InterimOutcome> {
  const met = await meetMilestones(tx, conversationId, ['acknowledgement'], at, 'reply');
  const { rows } = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM milestones WHERE conversation_id = $1 AND kind = 'answer' AND state IN ('open', 'due_soon')
      ORDER BY id DESC LIMIT 1 FOR UPDATE`,
    [conversationId],
  );
  const answer = rows[0];
  if (!answer) return { ok: false, reason: 'no_open_answer', met };
  const norm = await findNorm(tx, answer.normId);
  if (!norm?.interimAllowed) return { ok: false, reason: 'interim_not_allowed', met };
  const normTerm = norm.terms.complexAnswer;
  if (!statedTerm && !normTerm) return { ok: false, reason: 'term_required', met };

  const [metAnswer] = await tx.query<Row>(
    `UPDATE milestones SET state = CASE WHEN $2::timestamptz <= due_at THEN 'met' ELSE 'met_late' END, met_at = $2, met_by = 'interim', updated_at = now()
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [answer.id, at],
  ).then((result) => result.rows);
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
  return { ok: true, met: [...met, toMilestone(metAnswer!)], opened: opened! };
}

