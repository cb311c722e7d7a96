// Recomputes the due times of unmet milestones after the calendar or a norm changed: per batch of
// conversations, under Balie's lock order (conversations in id order, then their milestones).
import { DateTime } from 'luxon';
import { inRetriedTransaction, lockConversations, type Db, type Pool } from '../db/index.ts';
import type { Term, TermUnit } from './norms.ts';
import { notifyMilestonesChanged, resumedDue } from './milestones.ts';
import { scheduleOf, termKeyOf, type MilestoneKind } from './schedule.ts';
import { loadServiceContext, type ServiceContext } from './settings.ts';
import { ZONE } from './zone.ts';

/** Conversations per batch: one transaction each, so row locks are held for milliseconds. */
export const RECOMPUTE_BATCH = 500;
// Amsterdam's offsets are whole quarter hours, so all instants of one UTC quarter hour share a
// calendar date — and a day-scale term depends on nothing but that date (domain.md: "the receipt
// date never counts, whatever the hour"). Memoising per quarter hour spares most luxon work.
const QUARTER_HOUR_MS = 900_000;

export interface RecomputeResult {
  /** Unmet milestones looked at. */
  examined: number;
  /** Milestones whose term, due time or due-soon moment changed. */
  changed: number;
}

/** An open or due-soon milestone as stored, its instants in epoch milliseconds. */
export interface OpenMilestoneRow {
  id: number;
  conversation_id: number;
  kind: MilestoneKind;
  norm_id: string;
  term_unit: TermUnit;
  term_amount: number;
  term_stated: boolean;
  starts_ms: number;
  due_ms: number;
  due_soon_ms: number;
  /** Set when a suspended term resumed (opschorting): it runs `remaining_seconds` on from then. */
  resumed_ms: number | null;
  remaining_seconds: number | null;
}

/** What a milestone's row should say under the current settings. */
export interface ExpectedSchedule {
  term: Term;
  dueMs: number;
  dueSoonMs: number;
}

export const OPEN_MILESTONE_COLUMNS = `id, conversation_id, kind, norm_id, term_unit, term_amount, term_stated,
  extract(epoch FROM starts_at)::float8 * 1000 AS starts_ms,
  extract(epoch FROM due_at)::float8 * 1000 AS due_ms,
  extract(epoch FROM due_soon_at)::float8 * 1000 AS due_soon_ms,
  extract(epoch FROM resumed_at)::float8 * 1000 AS resumed_ms, remaining_seconds::float8 AS remaining_seconds`;

/**
 * The schedule every unmet milestone should have under these settings: the calendar (closure
 * days, gelijkgestelde dagen, business and chat hours, due-soon threshold) and the term its norm
 * now has for its kind. A term the agent stated in a tussenbericht stays. A term that resumed
 * after waiting on the citizen is due its kept business time after the resumption (domain.md,
 * opschorting), counted on the current calendar. Null: a seconds term that can never start (chat
 * hours "never"); such a row is left as it is.
 */
export function expectedSchedules(context: ServiceContext): (row: OpenMilestoneRow) => ExpectedSchedule | null {
  const options = { calendar: context.calendar, chatHours: context.settings.chatHours, dueSoonHours: context.settings.dueSoonHours };
  const dayTermMemo = new Map<string, { dueMs: number; dueSoonMs: number } | null>();
  const scheduleMs = (term: Term, startMs: number) => {
    const compute = () => {
      const schedule = scheduleOf(term, DateTime.fromMillis(startMs, { zone: ZONE }), options);
      return schedule && { dueMs: schedule.due.toMillis(), dueSoonMs: schedule.dueSoon.toMillis() };
    };
    if (term.unit === 'seconds') return compute();
    const key = `${term.unit}:${term.amount}:${Math.floor(startMs / QUARTER_HOUR_MS)}`;
    let hit = dayTermMemo.get(key);
    if (hit === undefined) dayTermMemo.set(key, (hit = compute()));
    return hit;
  };
  return (row) => {
    if (row.resumed_ms !== null) {
      const due = resumedDue(context.calendar, DateTime.fromMillis(Math.round(row.resumed_ms), { zone: ZONE }), row.remaining_seconds ?? 0);
      const dueSoon = context.calendar.minusBusinessSeconds(due, context.settings.dueSoonHours * 3600);
      return { term: { unit: row.term_unit, amount: row.term_amount }, dueMs: due.toMillis(), dueSoonMs: dueSoon.toMillis() };
    }
    const normTerm = row.term_stated ? undefined : context.norms.get(row.norm_id)?.terms[termKeyOf(row.kind)];
    const term: Term = normTerm ?? { unit: row.term_unit, amount: row.term_amount };
    const schedule = scheduleMs(term, Math.round(row.starts_ms));
    return schedule && { term, ...schedule };
  };
}

/** True when the stored row already says what `expected` says (to the millisecond). */
export function matchesSchedule(row: OpenMilestoneRow, expected: ExpectedSchedule): boolean {
  return (
    expected.term.unit === row.term_unit &&
    expected.term.amount === row.term_amount &&
    Math.abs(expected.dueMs - row.due_ms) < 1 &&
    Math.abs(expected.dueSoonMs - row.due_soon_ms) < 1
  );
}

/**
 * Brings the unmet milestones of these conversations in line with `expected`. The caller holds
 * the conversations' locks (lockConversations) in the same transaction: the milestones are read
 * after that, so no writer that follows the lock order can change them in between. Met and
 * breached milestones stay as they are (met ones are frozen, breaches were announced). A due-soon
 * milestone whose due-soon moment moved into the future is open again.
 */
export async function recomputeConversations(
  tx: Db,
  conversationIds: readonly number[],
  expected: (row: OpenMilestoneRow) => ExpectedSchedule | null,
): Promise<RecomputeResult> {
  const { rows } = await tx.query<OpenMilestoneRow>(
    `SELECT ${OPEN_MILESTONE_COLUMNS} FROM milestones
      WHERE conversation_id = ANY($1::bigint[]) AND state IN ('open', 'due_soon') ORDER BY id`,
    [[...conversationIds]],
  );
  const ids: number[] = [];
  const units: string[] = [];
  const amounts: number[] = [];
  const dues: number[] = [];
  const dueSoons: number[] = [];
  for (const row of rows) {
    const schedule = expected(row);
    if (!schedule || matchesSchedule(row, schedule)) continue;
    ids.push(row.id);
    units.push(schedule.term.unit);
    amounts.push(schedule.term.amount);
    dues.push(schedule.dueMs);
    dueSoons.push(schedule.dueSoonMs);
  }
  if (ids.length === 0) return { examined: rows.length, changed: 0 };
  const updated = await tx.query(
    `UPDATE milestones m SET
       term_unit = u.unit, term_amount = u.amount,
       due_at = timestamptz 'epoch' + u.due_ms * interval '1 millisecond',
       due_soon_at = timestamptz 'epoch' + u.due_soon_ms * interval '1 millisecond',
       state = CASE WHEN m.state = 'due_soon' AND timestamptz 'epoch' + u.due_soon_ms * interval '1 millisecond' > now() THEN 'open' ELSE m.state END,
       due_soon_raised_at = CASE WHEN m.state = 'due_soon' AND timestamptz 'epoch' + u.due_soon_ms * interval '1 millisecond' > now() THEN NULL ELSE m.due_soon_raised_at END,
       updated_at = now()
     FROM unnest($1::bigint[], $2::text[], $3::int[], $4::float8[], $5::float8[]) AS u(id, unit, amount, due_ms, due_soon_ms)
     WHERE m.id = u.id AND m.state IN ('open', 'due_soon')`,
    [ids, units, amounts, dues, dueSoons],
  );
  const changed = updated.rowCount ?? 0;
  if (changed > 0) await notifyMilestonesChanged(tx);
  return { examined: rows.length, changed };
}

/** The next `limit` conversations after `afterId` that have unmet milestones, in id order. */
export async function conversationsWithOpenMilestones(db: Db, afterId: number, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ conversation_id: number }>(
    `SELECT DISTINCT conversation_id FROM milestones
      WHERE state IN ('open', 'due_soon') AND conversation_id > $1 ORDER BY conversation_id LIMIT $2`,
    [afterId, limit],
  );
  return rows.map((row) => row.conversation_id);
}

/**
 * One batch: the next conversations after `afterId` that have unmet milestones. Their milestones
 * are read without locks first; only the conversations with a milestone to change are then
 * locked (in id order) and recomputed from a fresh read — a pass that moves nothing (a switch of
 * the active norm, a closure day beyond every term) makes no agent wait. Returns the last
 * conversation looked at, or null when none was left. Run it inside a transaction.
 */
export async function recomputeBatch(
  tx: Db,
  afterId: number,
  expected: (row: OpenMilestoneRow) => ExpectedSchedule | null,
  limit = RECOMPUTE_BATCH,
): Promise<RecomputeResult & { lastId: number | null }> {
  const candidates = await conversationsWithOpenMilestones(tx, afterId, limit);
  if (candidates.length === 0) return { examined: 0, changed: 0, lastId: null };
  const lastId = candidates[candidates.length - 1]!;
  const { rows } = await tx.query<OpenMilestoneRow>(
    `SELECT ${OPEN_MILESTONE_COLUMNS} FROM milestones WHERE conversation_id = ANY($1::bigint[]) AND state IN ('open', 'due_soon')`,
    [candidates],
  );
  const stale = [...new Set(rows.filter((row) => !isCurrent(row, expected)).map((row) => row.conversation_id))];
  if (stale.length === 0) return { examined: rows.length, changed: 0, lastId };
  const locked = await lockConversations(tx, stale);
  const { changed } = await recomputeConversations(tx, locked, expected);
  return { examined: rows.length, changed, lastId };
}

function isCurrent(row: OpenMilestoneRow, expected: (row: OpenMilestoneRow) => ExpectedSchedule | null): boolean {
  const schedule = expected(row);
  return !schedule || matchesSchedule(row, schedule);
}

/**
 * One full pass over every unmet milestone under the settings as they are now, batch by batch,
 * each batch its own transaction (retried on a deadlock). It records no progress: the durable,
 * versioned pass is CalendarRecompute; this is for repairs (the reconcile job) and benchmarks.
 */
export async function recomputeOpenMilestones(pool: Pool): Promise<RecomputeResult> {
  const expected = expectedSchedules(await loadServiceContext(pool));
  const total: RecomputeResult = { examined: 0, changed: 0 };
  for (let after = 0; ; ) {
    const batch = await inRetriedTransaction(pool, (tx) => recomputeBatch(tx, after, expected));
    if (batch.lastId === null) return total;
    total.examined += batch.examined;
    total.changed += batch.changed;
    after = batch.lastId;
  }
}
