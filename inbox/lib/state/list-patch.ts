// Patching the inbox list from a live event's rows (issue 16 §10), without asking the server:
// whether a row belongs under the current filter and where it goes in the working order. Plain
// functions over plain data, so they are unit-tested without a browser.
import type { LiveCounts } from '../../../server/inbox/live.ts';
import type { ConversationSummary, Counts, ListFilter } from '../api/conversations.ts';

/** The patched list, or `refetch` when the client cannot decide (a search, the closed list). */
export type PatchResult = { items: ConversationSummary[] } | 'refetch';

/** Whether the client can tell membership and order for this filter by itself. */
export function patchable(filter: ListFilter): boolean {
  // A search matches on text the row does not carry; the closed list orders by closing time.
  return filter.q.trim() === '' && filter.status !== 'closed';
}

/** The filter's conditions (server/inbox/list.ts filterConditions) over one row. */
export function belongs(row: ConversationSummary, filter: ListFilter, viewerId: number): boolean {
  if (row.status === 'closed') return false;
  if (filter.status && row.status !== filter.status) return false;
  if (filter.channel && row.channel !== filter.channel) return false;
  if (filter.assignee === 'mine' && row.assignee?.id !== viewerId) return false;
  if (filter.assignee === 'unassigned' && row.assignee !== null) return false;
  if (filter.due === 'soon' && row.nextDue?.state !== 'due_soon') return false;
  if (filter.due === 'breached' && !row.breached) return false;
  return true;
}

const instant = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.POSITIVE_INFINITY);

/** The working order of open work: breached first, then the nearest due, the longest waiting, the id. */
export function workingOrder(a: ConversationSummary, b: ConversationSummary): number {
  return (
    Number(!a.breached) - Number(!b.breached) ||
    compareInstants(instant(a.nextDue?.dueAt), instant(b.nextDue?.dueAt)) ||
    compareInstants(instant(a.waitingSince), instant(b.waitingSince)) ||
    a.id - b.id
  );
}

function compareInstants(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * Applies changed rows to a loaded list: a row that no longer belongs (or is gone) leaves it, one
 * that belongs goes to its place in the order. With more pages to load (`hasMore`), a row that
 * would sort after the last loaded one is left for the next page, as the server would page it.
 */
export function patchList(items: readonly ConversationSummary[], change: { rows: readonly ConversationSummary[]; gone: readonly number[] }, filter: ListFilter, viewerId: number, hasMore: boolean): PatchResult {
  if (!patchable(filter)) return 'refetch';
  const touched = new Set([...change.gone, ...change.rows.map((row) => row.id)]);
  if (!items.some((item) => touched.has(item.id)) && !change.rows.some((row) => belongs(row, filter, viewerId))) return { items: items as ConversationSummary[] };
  const kept = items.filter((item) => !touched.has(item.id));
  const last = items.at(-1);
  for (const row of change.rows) {
    if (!belongs(row, filter, viewerId)) continue;
    if (hasMore && last && workingOrder(row, last) > 0 && last.id !== row.id) continue;
    const at = kept.findIndex((item) => workingOrder(row, item) < 0);
    kept.splice(at === -1 ? kept.length : at, 0, row);
  }
  return { items: kept };
}

/** This inbox's counts from the live counts: its channel filter, and `mine` as this agent's. */
export function countsFor(live: LiveCounts, filter: Pick<ListFilter, 'channel'>, viewerId: number): Counts {
  const key = filter.channel || 'all';
  return { ...live.byChannel[key], mine: live.mine[viewerId]?.[key] ?? 0 };
}
