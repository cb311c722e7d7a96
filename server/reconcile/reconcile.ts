// The reconcile job: recomputes the inbox's derived data from the source rows and reports (or
// repairs) any drift — the conversations' sort keys, the count deltas, and the due times of unmet
// milestones under the current calendar and norms.
import type pg from 'pg';
import { inRetriedTransaction, lockConversations, type Pool } from '../db/index.ts';
import { recomputeStatus, type RecomputeStatus } from '../deadlines/calendar-recompute.ts';
import { notifyMilestonesChanged } from '../deadlines/milestones.ts';
import { expectedSchedules, matchesSchedule, OPEN_MILESTONE_COLUMNS, recomputeOpenMilestones, type OpenMilestoneRow } from '../deadlines/recompute.ts';
import { loadServiceContext } from '../deadlines/settings.ts';

/** Drifted items listed per section; the counts cover them all. */
const SAMPLES = 20;
const CONVERSATION_BATCH = 1000;
const MILESTONE_BATCH = 5000;
// The scheduler raises a transition the moment it falls due; one this late it has missed.
const TRANSITION_GRACE = '5 minutes';

/** Columns the 0006 triggers derive from milestones and messages (inbox_refresh_deadlines, inbox_refresh_messages). */
const SORT_KEY_COLUMNS = ['next_due_at', 'next_due_kind', 'next_due_state', 'breached', 'waiting_since', 'preview'] as const;
type SortKeyColumn = (typeof SORT_KEY_COLUMNS)[number];

export interface SortKeyDrift {
  conversationId: number;
  reference: string;
  field: SortKeyColumn;
  stored: unknown;
  expected: unknown;
}

export interface CountDrift {
  channel: string;
  status: string;
  assigneeId: number | null;
  dueSoon: boolean;
  breached: boolean;
  /** What inbox_count_deltas sums to for this key. */
  stored: number;
  /** How many conversations that are not closed have this key. */
  expected: number;
}

export interface MilestoneDrift {
  milestoneId: number;
  conversationId: number;
  kind: string;
  stored: { term: string; dueAt: string; dueSoonAt: string };
  expected: { term: string; dueAt: string; dueSoonAt: string };
}

export interface DriftReport {
  checkedAt: string;
  /** No drift anywhere and no recompute pending. */
  clean: boolean;
  /** The drift below was found and then repaired. */
  repaired: boolean;
  sortKeys: { examined: number; drifted: number; samples: SortKeyDrift[] };
  counts: { drifted: number; samples: CountDrift[] };
  milestones: {
    examined: number;
    /** Unmet milestones whose term or due times differ from the current calendar and norm. */
    drifted: number;
    samples: MilestoneDrift[];
    /** Unmet milestones past their due (or due-soon) moment for longer than the grace: the scheduler missed them. */
    missedTransitions: number;
  };
  /**
   * The lifecycle's rules, checked on the rows themselves (no repair: which outcome or milestone
   * state is right is a decision, not a derivation). Each count should be 0.
   */
  lifecycle: LifecycleDrift;
  /**
   * With `repair` only: the search lexicon (0009) rebuilt from the documents — words it lacked
   * added, words no document holds any more (an erased name) removed. Null when only checking.
   */
  searchLexicon: { added: number; removed: number } | null;
  recompute: RecomputeStatus;
}

export interface LifecycleDrift {
  /** Unmet milestones (open, due soon, breached, suspended) left on a closed conversation; a callback is the one that may stay. */
  openOnClosed: number;
  /** Closed without an outcome or without closedAt, or an outcome or closedAt on a conversation that is not closed. */
  statusMismatch: number;
  /** More than one unmet milestone of one kind on a conversation (a reopen that opened beside an old one); open hand-offs' own milestones aside. */
  doubledMilestones: number;
  /** Conversation ids, up to 20, with any of these. */
  samples: number[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const termText = (unit: string, amount: number) => `${amount} ${unit}`;

/**
 * Checks the inbox's derived data against its sources; with `repair`, also puts right what
 * drifted. Sort keys are checked by running the triggers' own functions on locked batches of
 * conversations (in id order, the lock order) and comparing — rolled back unless repairing — so
 * the definition of a sort key lives in one place, the migrations. Counts compare one snapshot.
 */
export async function reconcileInbox(pool: Pool, options: { repair?: boolean } = {}): Promise<DriftReport> {
  const repair = options.repair ?? false;
  const checkedAt = new Date().toISOString();
  const milestones = await checkMilestones(pool);
  // Milestones first: their repair moves sort keys (through the triggers), which are checked next.
  if (repair && milestones.drifted > 0) await recomputeOpenMilestones(pool);
  if (repair && milestones.missedTransitions > 0) await notifyMilestonesChanged(pool);
  const sortKeys = await checkSortKeys(pool, repair);
  const counts = await checkCounts(pool);
  if (repair && counts.drifted > 0) await rebuildCounts(pool);
  const lifecycle = await checkLifecycle(pool);
  const searchLexicon = repair ? await rebuildSearchLexicon(pool) : null;
  const recompute = await recomputeStatus(pool);
  const lifecycleDrift = lifecycle.openOnClosed + lifecycle.statusMismatch + lifecycle.doubledMilestones;
  const clean = milestones.drifted + milestones.missedTransitions + sortKeys.drifted + counts.drifted + lifecycleDrift === 0 && !recompute.pending;
  return { checkedAt, clean, repaired: repair && !clean, sortKeys, counts, milestones, lifecycle, searchLexicon, recompute };
}

async function rebuildSearchLexicon(pool: Pool): Promise<{ added: number; removed: number }> {
  const { rows } = await pool.query<{ added: string; removed: string }>('SELECT added, removed FROM search_lexemes_rebuild()');
  return { added: Number(rows[0]!.added), removed: Number(rows[0]!.removed) };
}

const UNMET = `('open', 'due_soon', 'breached', 'suspended')`;

async function checkLifecycle(pool: Pool): Promise<LifecycleDrift> {
  const { rows } = await pool.query<{ check: keyof Omit<LifecycleDrift, 'samples'>; ids: number[] }>(
    `SELECT 'openOnClosed' AS check, array_agg(DISTINCT m.conversation_id ORDER BY m.conversation_id) AS ids
       FROM milestones m JOIN conversations c ON c.id = m.conversation_id
      WHERE c.status = 'closed' AND m.kind NOT IN ('callback', 'handoff') AND m.state IN ${UNMET}
     UNION ALL
     SELECT 'statusMismatch', array_agg(id ORDER BY id) FROM conversations
      WHERE (status = 'closed') <> (closed_at IS NOT NULL) OR (status = 'closed') <> (outcome IS NOT NULL)
     UNION ALL
     SELECT 'doubledMilestones', array_agg(DISTINCT conversation_id ORDER BY conversation_id) FROM (
       -- An open hand-off's milestone is its own promise (migration 0027): two hand-offs, two milestones.
       SELECT conversation_id FROM milestones m WHERE state IN ${UNMET}
          AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.milestone_id = m.id AND h.status IN ('open', 'attempted'))
        GROUP BY conversation_id, kind HAVING count(*) > 1) doubled`,
  );
  const drift: LifecycleDrift = { openOnClosed: 0, statusMismatch: 0, doubledMilestones: 0, samples: [] };
  const samples = new Set<number>();
  for (const row of rows) {
    const ids = (row.ids ?? []).map(Number);
    drift[row.check] = ids.length;
    for (const id of ids) if (samples.size < SAMPLES) samples.add(id);
  }
  drift.samples = [...samples].sort((a, b) => a - b);
  return drift;
}

async function checkMilestones(pool: Pool): Promise<DriftReport['milestones']> {
  const expected = expectedSchedules(await loadServiceContext(pool));
  const result: DriftReport['milestones'] = { examined: 0, drifted: 0, samples: [], missedTransitions: 0 };
  for (let after = 0; ; ) {
    const { rows } = await pool.query<OpenMilestoneRow>(
      `SELECT ${OPEN_MILESTONE_COLUMNS} FROM milestones WHERE state IN ('open', 'due_soon') AND id > $1 ORDER BY id LIMIT $2`,
      [after, MILESTONE_BATCH],
    );
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    result.examined += rows.length;
    for (const row of rows) {
      const schedule = expected(row);
      if (!schedule || matchesSchedule(row, schedule)) continue;
      result.drifted += 1;
      if (result.samples.length < SAMPLES) {
        result.samples.push({
          milestoneId: row.id,
          conversationId: row.conversation_id,
          kind: row.kind,
          stored: { term: termText(row.term_unit, row.term_amount), dueAt: iso(row.due_ms), dueSoonAt: iso(row.due_soon_ms) },
          expected: { term: termText(schedule.term.unit, schedule.term.amount), dueAt: iso(schedule.dueMs), dueSoonAt: iso(schedule.dueSoonMs) },
        });
      }
    }
  }
  const missed = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM milestones
      WHERE (state IN ('open', 'due_soon') AND due_at < now() - interval '${TRANSITION_GRACE}')
         OR (state = 'open' AND due_soon_at < now() - interval '${TRANSITION_GRACE}' AND due_at >= now())`,
  );
  result.missedTransitions = missed.rows[0]!.n;
  return result;
}

type SortKeys = { id: number; reference: string } & Record<SortKeyColumn, unknown>;
const SORT_KEYS_SQL = `SELECT id, reference, ${SORT_KEY_COLUMNS.join(', ')} FROM conversations WHERE id = ANY($1::bigint[]) ORDER BY id`;

const sameValue = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);

async function checkSortKeys(pool: Pool, repair: boolean): Promise<DriftReport['sortKeys']> {
  const result: DriftReport['sortKeys'] = { examined: 0, drifted: 0, samples: [] };
  for (let after = 0; ; ) {
    const batch = await inRetriedTransaction(pool, async (tx) => {
      const { rows } = await tx.query<{ id: number }>('SELECT id FROM conversations WHERE id > $1 ORDER BY id LIMIT $2', [after, CONVERSATION_BATCH]);
      if (rows.length === 0) return null;
      const ids = await lockConversations(tx, rows.map((row) => row.id));
      const drift = await sortKeyDrift(tx, ids);
      // Checking is the triggers' own refresh, undone: only a repair keeps it.
      if (!repair) await tx.query('ROLLBACK AND CHAIN');
      return { lastId: rows[rows.length - 1]!.id, examined: ids.length, drift };
    });
    if (!batch) return result;
    after = batch.lastId;
    result.examined += batch.examined;
    result.drifted += batch.drift.length;
    result.samples.push(...batch.drift.slice(0, SAMPLES - result.samples.length));
  }
}

async function sortKeyDrift(tx: pg.PoolClient, ids: number[]): Promise<SortKeyDrift[]> {
  const before = (await tx.query<SortKeys>(SORT_KEYS_SQL, [ids])).rows;
  await tx.query('SELECT inbox_refresh_deadlines($1::bigint[]), inbox_refresh_messages($1::bigint[])', [ids]);
  const after = new Map((await tx.query<SortKeys>(SORT_KEYS_SQL, [ids])).rows.map((row) => [row.id, row]));
  const drift: SortKeyDrift[] = [];
  for (const stored of before) {
    const expected = after.get(stored.id);
    if (!expected) continue;
    for (const field of SORT_KEY_COLUMNS) {
      if (!sameValue(stored[field], expected[field])) drift.push({ conversationId: stored.id, reference: stored.reference, field, stored: stored[field], expected: expected[field] });
    }
  }
  return drift;
}

// The key the 0006 counts trigger appends deltas under, computed from a conversation row.
const COUNT_KEY = `channel, status, assignee_id, coalesce(next_due_state = 'due_soon', false), breached`;

async function checkCounts(pool: Pool): Promise<DriftReport['counts']> {
  const client = await pool.connect();
  try {
    // One snapshot: the triggers write a conversation and its delta in the same transaction.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await client.query<{ channel: string; status: string; assignee_id: number | null; due_soon: boolean; breached: boolean; stored: number; expected: number }>(
      `WITH stored AS (
         SELECT channel, status, assignee_id, due_soon, breached, sum(delta)::int AS n FROM inbox_count_deltas GROUP BY 1, 2, 3, 4, 5),
       expected AS (
         SELECT channel, status, assignee_id, coalesce(next_due_state = 'due_soon', false) AS due_soon_key, breached, count(*)::int AS n
           FROM conversations WHERE status <> 'closed' GROUP BY 1, 2, 3, 4, 5)
       SELECT coalesce(s.channel, e.channel) AS channel, coalesce(s.status, e.status) AS status,
              coalesce(s.assignee_id, e.assignee_id) AS assignee_id, coalesce(s.due_soon, e.due_soon_key) AS due_soon,
              coalesce(s.breached, e.breached) AS breached, coalesce(s.n, 0) AS stored, coalesce(e.n, 0) AS expected
         FROM stored s FULL JOIN expected e
           ON s.channel = e.channel AND s.status = e.status AND s.assignee_id IS NOT DISTINCT FROM e.assignee_id
          AND s.due_soon = e.due_soon_key AND s.breached = e.breached
        WHERE coalesce(s.n, 0) <> coalesce(e.n, 0)
        ORDER BY 1, 2, 3, 4, 5`,
    );
    await client.query('COMMIT');
    return {
      drifted: rows.length,
      samples: rows.slice(0, SAMPLES).map((row) => ({
        channel: row.channel,
        status: row.status,
        assigneeId: row.assignee_id,
        dueSoon: row.due_soon,
        breached: row.breached,
        stored: row.stored,
        expected: row.expected,
      })),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Replaces the deltas with one row per key counted from the conversations. The table lock makes
 * writers' triggers wait: a writer that had already appended its delta has committed before the
 * lock is granted (and is counted); one that had not appends after the rebuild, on top of it.
 */
async function rebuildCounts(pool: Pool): Promise<void> {
  await inRetriedTransaction(pool, async (tx) => {
    await tx.query('LOCK TABLE inbox_count_deltas IN EXCLUSIVE MODE');
    await tx.query('DELETE FROM inbox_count_deltas');
    await tx.query(
      `INSERT INTO inbox_count_deltas (channel, status, assignee_id, due_soon, breached, delta)
       SELECT ${COUNT_KEY}, count(*) FROM conversations WHERE status <> 'closed' GROUP BY 1, 2, 3, 4, 5`,
    );
  });
}
