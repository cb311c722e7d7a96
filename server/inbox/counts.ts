// How many conversations each inbox filter holds, over the work that is not closed.
import type { Db } from '../db/index.ts';
import { filterConditions, Params } from './list.ts';

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
  /** Chats queued for pickup: nobody has taken them yet. */
  waitingChats: number;
}

/**
 * One pass over the open conversations (an index-only scan of conversations_inbox_counts_idx when
 * there is no search), every count a FILTER of it: one round trip, one snapshot, so the numbers
 * agree with each other.
 */
export async function inboxCounts(db: Db, filter: { channel?: 'chat' | 'email'; q?: string }, viewer: { id: number }): Promise<InboxCounts> {
  const params = new Params();
  const where = filterConditions(filter, viewer.id, params);
  const me = params.add(viewer.id);
  const { rows } = await db.query<InboxCounts>(
    `SELECT count(*)::int AS "all",
            count(*) FILTER (WHERE c.assignee_id = ${me})::int AS mine,
            count(*) FILTER (WHERE c.assignee_id IS NULL)::int AS unassigned,
            count(*) FILTER (WHERE c.status = 'new')::int AS "new",
            count(*) FILTER (WHERE c.status = 'open')::int AS "open",
            count(*) FILTER (WHERE c.status = 'waiting')::int AS waiting,
            count(*) FILTER (WHERE c.next_due_state = 'due_soon')::int AS "dueSoon",
            count(*) FILTER (WHERE c.breached)::int AS breached,
            count(*) FILTER (WHERE c.channel = 'chat')::int AS chat,
            count(*) FILTER (WHERE c.channel = 'email')::int AS email,
            count(*) FILTER (WHERE c.channel = 'chat' AND c.status = 'new')::int AS "waitingChats"
       FROM conversations c
      WHERE ${where.join(' AND ')}`,
    params.values,
  );
  return rows[0]!;
}
