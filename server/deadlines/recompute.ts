// Recomputes the due times of unmet milestones after the calendar or a norm changed, set-based and in batches.
import { DateTime } from 'luxon';
import type { Pool } from '../db/index.ts';
import type { Term, TermUnit } from './norms.ts';
import { notifyMilestonesChanged } from './milestones.ts';
import { scheduleOf, termKeyOf, type MilestoneKind } from './schedule.ts';
import { loadServiceContext } from './settings.ts';
import { ZONE } from './zone.ts';

// One recompute at a time across all instances: a slow one started on old settings must not
// finish after, and overwrite, one started on newer settings.
const RECOMPUTE_LOCK = 0x62616c6964;
const BATCH = 10_000;
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

interface OpenRow {
  id: number;
  kind: MilestoneKind;
  norm_id: string;
  term_unit: TermUnit;
  term_amount: number;
  term_stated: boolean;
  starts_ms: number;
  due_ms: number;
  due_soon_ms: number;
}

/**
 * Brings every open and due-soon milestone in line with the current settings: the calendar
 * (closure days, gelijkgestelde dagen, business and chat hours, due-soon threshold) and the term
 * its norm now has for its kind (an admin edited a custom norm). Met milestones are frozen and
 * breached ones were already announced, so both stay as they are. A due-soon milestone whose
 * due-soon moment moved into the future is open again. Rows are read by key range, computed in
 * Node with the domain core, and written back with one UPDATE … FROM unnest() per batch.
 */
export async function recomputeOpenMilestones(pool: Pool): Promise<RecomputeResult> {
  const client = await pool.connect();
  const result: RecomputeResult = { examined: 0, changed: 0 };
  try {
    await client.query('SELECT pg_advisory_lock($1)', [RECOMPUTE_LOCK]);
    try {
      const context = await loadServiceContext(client);
      const options = { calendar: context.calendar, chatHours: context.settings.chatHours, dueSoonHours: context.settings.dueSoonHours };
      const dayTermMemo = new Map<string, { due: number; dueSoon: number } | null>();
      const scheduleMs = (term: Term, startMs: number): { due: number; dueSoon: number } | null => {
        const compute = () => {
          const schedule = scheduleOf(term, DateTime.fromMillis(startMs, { zone: ZONE }), options);
          return schedule && { due: schedule.due.toMillis(), dueSoon: schedule.dueSoon.toMillis() };
        };
        if (term.unit === 'seconds') return compute();
        const key = `${term.unit}:${term.amount}:${Math.floor(startMs / QUARTER_HOUR_MS)}`;
        let hit = dayTermMemo.get(key);
        if (hit === undefined) dayTermMemo.set(key, (hit = compute()));
        return hit;
      };
      for (let after = 0; ; ) {
        const { rows } = await client.query<OpenRow>(
          `SELECT id, kind, norm_id, term_unit, term_amount, term_stated,
                  extract(epoch FROM starts_at)::float8 * 1000 AS starts_ms,
                  extract(epoch FROM due_at)::float8 * 1000 AS due_ms,
                  extract(epoch FROM due_soon_at)::float8 * 1000 AS due_soon_ms
             FROM milestones WHERE state IN ('open', 'due_soon') AND id > $1 ORDER BY id LIMIT $2`,
          [after, BATCH],
        );
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.id;
        result.examined += rows.length;

        const ids: number[] = [];
        const units: string[] = [];
        const amounts: number[] = [];
        const dues: number[] = [];
        const dueSoons: number[] = [];
        for (const row of rows) {
          // A term the agent stated stays; a norm term follows the norm when it still has one.
          const normTerm = row.term_stated ? undefined : context.norms.get(row.norm_id)?.terms[termKeyOf(row.kind)];
          const term: Term = normTerm ?? { unit: row.term_unit, amount: row.term_amount };
          const schedule = scheduleMs(term, Math.round(row.starts_ms));
          if (!schedule) continue;
          const { due, dueSoon } = schedule;
          if (term.unit === row.term_unit && term.amount === row.term_amount && Math.abs(due - row.due_ms) < 1 && Math.abs(dueSoon - row.due_soon_ms) < 1) continue;
          ids.push(row.id);
          units.push(term.unit);
          amounts.push(term.amount);
          dues.push(due);
          dueSoons.push(dueSoon);
        }
        if (ids.length === 0) continue;
        const updated = await client.query(
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
        result.changed += updated.rowCount ?? 0;
      }
      if (result.changed > 0) await notifyMilestonesChanged(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [RECOMPUTE_LOCK]);
    }
  } finally {
    client.release();
  }
  return result;
}
