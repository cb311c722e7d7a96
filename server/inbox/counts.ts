// How many conversations each inbox filter holds, over the work that is not closed.
import type { Db } from '../db/index.ts';
import { filterConditions, Params } from './list.ts';
import { prepareSearch } from './search.ts';

export interface InboxCounts {
  all: number;
  mine: number;
  unassigned: number;
  new: number;
  open: number;
  waiting: number;
  dueSoon: number;
  breached: number;
  chat: number;
  email: number;
  /** Phone contacts (issue 14 §7): open only when a hand-off was sent back to the KCC. */
  phone: number;
  /** Chats queued for pickup: nobody has taken them yet. */
  waitingChats: number;
}

/** Past this many delta rows, the reader folds them into one row per key. */
const FOLD_AFTER_ROWS = 2000;

/** The counts as aggregates: `count` counts a condition over rows of conversations or of keys. */
function countsSql(count: (condition: string) => string, me: string, dueSoon: string): string {
  return `${count('true')} AS "all",
    ${count(`c.assignee_id = ${me}`)} AS mine,
    ${count('c.assignee_id IS NULL')} AS unassigned,
    ${count(`c.status = 'new'`)} AS "new",
    ${count(`c.status = 'open'`)} AS "open",
    ${count(`c.status = 'waiting'`)} AS waiting,
    ${count(dueSoon)} AS "dueSoon",
    ${count('c.breached')} AS breached,
    ${count(`c.channel = 'chat'`)} AS chat,
    ${count(`c.channel = 'email'`)} AS email,
    ${count(`c.channel = 'phone'`)} AS phone,
    ${count(`c.channel = 'chat' AND c.status = 'new'`)} AS "waitingChats"`;
}

/**
 * Without a search: summed from inbox_count_deltas (migration 0006), which triggers keep in the
 * same transaction as every change, so the numbers agree with the list at any snapshot. With a
 * search: one pass over the matches (a bitmap of the search indexes).
 */
export async function inboxCounts(db: Db, filter: { channel?: 'chat' | 'email' | 'phone'; q?: string }, viewer: { id: number }): Promise<InboxCounts> {
  const params = new Params();
  if (filter.q) {
    const where = filterConditions(filter, viewer.id, params, 'open', await prepareSearch(db, filter.q));
    const me = params.add(viewer.id);
    const counted = countsSql((condition) => `count(*) FILTER (WHERE ${condition})::int`, me, `c.next_due_state = 'due_soon'`);
    const { rows } = await db.query<InboxCounts>(`SELECT ${counted} FROM conversations c WHERE ${where.join(' AND ')}`, params.values);
    return rows[0]!;
  }
  const me = params.add(viewer.id);
  const channel = filter.channel ? `WHERE channel = ${params.add(filter.channel)}` : '';
  // Each key's sum is how many open conversations have it.
  const counted = countsSql((condition) => `coalesce(sum(c.n) FILTER (WHERE ${condition}), 0)::int`, me, 'c.due_soon');
  const { rows } = await db.query<InboxCounts & { deltaRows: number }>(
    `SELECT ${counted}, coalesce(max(c.delta_rows), 0)::int AS "deltaRows"
       FROM (SELECT channel, status, assignee_id, due_soon, breached, sum(delta) AS n, sum(count(*)) OVER () AS delta_rows
               FROM inbox_count_deltas ${channel} GROUP BY 1, 2, 3, 4, 5) c`,
    params.values,
  );
  const { deltaRows, ...counts } = rows[0]!;
  if (deltaRows > FOLD_AFTER_ROWS) await foldCountDeltas(db);
  return counts;
}

/**
 * Folds the deltas into one row per key. One statement: rows appended meanwhile are not deleted
 * and stay for the next fold; two folds at once each re-insert only what they deleted themselves.
 */
export async function foldCountDeltas(db: Db): Promise<void> {
  await db.query(
    `WITH gone AS (DELETE FROM inbox_count_deltas RETURNING *)
     INSERT INTO inbox_count_deltas (channel, status, assignee_id, due_soon, breached, delta)
     SELECT channel, status, assignee_id, due_soon, breached, sum(delta) FROM gone GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0`,
  );
}
