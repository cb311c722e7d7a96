// The conversation list of the agents' inbox: filters, search over the whole history, and the working order — breached
// first, then the nearest due milestone, then the citizen who has waited longest — paged by cursor.
import type { Db } from '../db/index.ts';
import { isoAmsterdam } from '../deadlines/milestones.ts';
import { prepareSearch, searchCondition, type SearchTerms } from './search.ts';

export interface ListFilter {
  channel?: 'chat' | 'email' | 'phone';
  /** Absent: every conversation that is not closed (the working inbox); with a search, the closed ones after them. */
  status?: 'new' | 'open' | 'waiting' | 'closed';
  assignee?: 'mine' | 'unassigned' | 'all';
  due?: 'soon' | 'breached';
  q?: string;
  limit: number;
  /** Opaque cursor from the previous page. */
  cursor?: string;
}

export interface ConversationSummary {
  id: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
  status: 'new' | 'open' | 'waiting' | 'closed';
  subject: string | null;
  contact: { id: number; name: string | null; email: string | null } | null;
  assignee: { id: number; name: string } | null;
  lastMessageAt: string;
  /** The start of the latest message of the citizen or an agent; never a note. */
  preview: string;
  /** The nearest unmet milestone. */
  nextDue: { kind: string; dueAt: string; state: string } | null;
  breached: boolean;
  /** The citizen's oldest message without an answer after it; null when nobody is waiting on us. */
  waitingSince: string | null;
}

/** Numbered query parameters: `add` returns the placeholder of the value. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * Where a page ended. Open work pages over the NULL-free sort keys (sort_breach, sort_due,
 * sort_waiting, id); closed conversations over (closed_at DESC, id DESC). Timestamps travel as
 * PostgreSQL's own text, so no microsecond is lost on the way through JavaScript.
 */
type Cursor = { mode: 'open'; keys: [number, string, string, number] } | { mode: 'closed'; keys: [string, number] };

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** PostgreSQL's timestamptz text ("2026-11-23 14:15:20.123456+01"), or infinity for "none". */
const PG_INSTANT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)([+-]\d{2})(:\d{2})?$/;
function isInstant(value: unknown): boolean {
  if (value === 'infinity') return true;
  const parts = typeof value === 'string' ? PG_INSTANT.exec(value) : null;
  return parts !== null && !Number.isNaN(Date.parse(`${parts[1]}T${parts[2]!.slice(0, 12)}${parts[3]}${parts[4] ?? ':00'}`));
}
const isId = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 0;

function decodeCursor(text: string): Cursor | undefined {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString()) as Cursor;
    if (cursor.mode === 'open' && Array.isArray(cursor.keys) && cursor.keys.length === 4) {
      const [breach, due, waiting, id] = cursor.keys;
      if ((breach === 0 || breach === 1) && isInstant(due) && isInstant(waiting) && isId(id)) return cursor;
    }
    if (cursor.mode === 'closed' && Array.isArray(cursor.keys) && cursor.keys.length === 2 && isInstant(cursor.keys[0]) && isId(cursor.keys[1])) return cursor;
  } catch {
    // Not base64 JSON: not one of ours.
  }
  return undefined;
}

interface Row {
  id: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
  status: ConversationSummary['status'];
  subject: string | null;
  contact: ConversationSummary['contact'];
  assignee: ConversationSummary['assignee'];
  lastMessageAt: Date;
  preview: string;
  nextDueKind: string | null;
  nextDueAt: Date | null;
  nextDueState: string | null;
  breached: boolean;
  waitingSince: Date | null;
  sortBreach: number;
  sortDue: string;
  sortWaiting: string;
  closedAt: string | null;
}

function toSummary(row: Row): ConversationSummary {
  return {
    id: row.id,
    reference: row.reference,
    channel: row.channel,
    status: row.status,
    subject: row.subject,
    contact: row.contact,
    assignee: row.assignee,
    lastMessageAt: row.lastMessageAt.toISOString(),
    preview: row.preview,
    nextDue: row.nextDueAt ? { kind: row.nextDueKind!, dueAt: isoAmsterdam(row.nextDueAt), state: row.nextDueState! } : null,
    breached: row.breached,
    waitingSince: row.waitingSince ? row.waitingSince.toISOString() : null,
  };
}

/**
 * The two parts of the history a list reads, in this order: the open work in its working order,
 * then the closed conversations, newest closed first. Without a search the list is one of them;
 * a search without a status or due filter reads both (closed ranked after open), so that a
 * reference read out on the phone is found wherever it is.
 */
export type Part = 'open' | 'closed';

export function partsOf(filter: Pick<ListFilter, 'status' | 'due' | 'q'>): Part[] {
  if (filter.status === 'closed') return ['closed'];
  if (filter.status || filter.due || !filter.q) return ['open'];
  return ['open', 'closed'];
}

/**
 * The conditions every list and count shares within one part: channel, status, assignee, due and
 * search. Open work always says `status <> 'closed'`, so the partial indexes of migration 0006 apply.
 */
export function filterConditions(filter: Omit<ListFilter, 'limit' | 'cursor' | 'q'>, viewerId: number, params: Params, part: Part, search?: SearchTerms): string[] {
  const where: string[] = [];
  if (part === 'closed') where.push(`c.status = 'closed'`);
  else {
    where.push(`c.status <> 'closed'`);
    if (filter.status && filter.status !== 'closed') where.push(`c.status = ${params.add(filter.status)}`);
  }
  if (filter.channel) where.push(`c.channel = ${params.add(filter.channel)}`);
  if (filter.assignee === 'mine') where.push(`c.assignee_id = ${params.add(viewerId)}`);
  if (filter.assignee === 'unassigned') where.push('c.assignee_id IS NULL');
  if (filter.due === 'soon') where.push(`c.next_due_state = 'due_soon'`);
  // The leading sort key, not the boolean: the inbox index then starts its scan right there.
  if (filter.due === 'breached') where.push('c.sort_breach = 0');
  if (search) where.push(searchCondition(search, (value) => params.add(value)));
  return where;
}

// The search_document tsvectors stay behind: the page needs none of them.
const PAGE_COLUMNS = `c.id, c.reference, c.channel, c.status, c.subject, c.last_message_at, c.preview, c.next_due_kind, c.next_due_at,
  c.next_due_state, c.breached, c.waiting_since, c.sort_breach, c.sort_due, c.sort_waiting, c.closed_at, c.contact_id, c.assignee_id`;
// What the search condition reads, besides reference: carried through the window of a walk.
const SEARCH_COLUMNS = 'c.search_document, c.messages_document, c.contact_search';

const ORDER: Record<Part, string> = {
  open: 'c.sort_breach, c.sort_due, c.sort_waiting, c.id',
  closed: 'c.closed_at DESC, c.id DESC',
};

/**
 * A search that PostgreSQL expects to match fewer conversations than this (in the part, after the
 * cursor) collects its matches from the search indexes and sorts them: a few thousand rows are
 * cheap to sort. A word expected more often is common: walk the list order instead.
 */
export const COLLECT_BELOW = 3000;
/**
 * How far a walk goes before it gives up: a word in one of 25 conversations or more fills a page
 * within this many rows (a third of open work: within ~150).
 */
export function walkLength(take: number): number {
  return Math.max(5000, 25 * take);
}

/** The page's rows, chosen in `source` (ordered by `order`), with contact and assignee joined. */
function withPeople(source: string, order: string, extra = ''): string {
  return `SELECT c.id, c.reference, c.channel, c.status, c.subject, c.last_message_at AS "lastMessageAt", c.preview,
            c.next_due_kind AS "nextDueKind", c.next_due_at AS "nextDueAt", c.next_due_state AS "nextDueState",
            c.breached, c.waiting_since AS "waitingSince",
            c.sort_breach AS "sortBreach", c.sort_due::text AS "sortDue", c.sort_waiting::text AS "sortWaiting", c.closed_at::text AS "closedAt",
            CASE WHEN ct.id IS NULL THEN NULL ELSE json_build_object('id', ct.id, 'name', ct.name, 'email', ct.email) END AS contact,
            CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object('id', a.id, 'name', a.name) END AS assignee${extra}
       FROM ${source} c
       LEFT JOIN contacts ct ON ct.id = c.contact_id
       LEFT JOIN agents a ON a.id = c.assignee_id
      ORDER BY ${order}`;
}

/** The filter's conditions in one part, after the cursor's keys when the cursor is in that part. */
function partConditions(filter: ListFilter, viewerId: number, params: Params, part: Part, cursor: Cursor | undefined, search?: SearchTerms): string[] {
  const where = filterConditions(filter, viewerId, params, part, search);
  if (cursor?.mode === 'open' && part === 'open') {
    const [breach, due, waiting, id] = cursor.keys;
    where.push(`(c.sort_breach, c.sort_due, c.sort_waiting, c.id) > (${params.add(breach)}::smallint, ${params.add(due)}::timestamptz, ${params.add(waiting)}::timestamptz, ${params.add(id)}::bigint)`);
  }
  if (cursor?.mode === 'closed' && part === 'closed') {
    where.push(`(c.closed_at, c.id) < (${params.add(cursor.keys[0])}::timestamptz, ${params.add(cursor.keys[1])}::bigint)`);
  }
  return where;
}

/**
 * Up to `take` rows of one part in its order. Without a search: an index scan of the part's order
 * that stops after `take` rows. With one, the way that is fast for this word, chosen by
 * PostgreSQL's own estimate of its matches (the statistics of the tsvector and trigram columns):
 * - Rare (fewer than COLLECT_BELOW expected): collect the matches from the search indexes (a
 *   bitmap of the GIN indexes; OFFSET 0 keeps PostgreSQL from walking the order and testing every
 *   row, which for a rare word reads the whole part) and sort them.
 * - Common: walk the part in its order and test each row, stopping at a full page. "aanvraag" in
 *   a third of 100,000 open conversations needs ~150 rows, where collecting its 33,000 matches and
 *   sorting them took 0.4–0.8 s (docs/benchmarks.md, before issue 11). Only when the walk ends
 *   with too few (the estimate was wrong, or the matches are nearly all far down the order) does
 *   it collect after all.
 */
async function partPage(db: Db, filter: ListFilter, viewerId: number, part: Part, cursor: Cursor | undefined, search: SearchTerms | undefined, take: number): Promise<Row[]> {
  const order = ORDER[part];
  if (!search) {
    const params = new Params();
    const where = partConditions(filter, viewerId, params, part, cursor);
    const source = `(SELECT ${PAGE_COLUMNS} FROM conversations c WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${params.add(take)})`;
    return (await db.query<Row>(withPeople(source, order), params.values)).rows;
  }
  const collect = async () => {
    const params = new Params();
    const where = partConditions(filter, viewerId, params, part, cursor, search);
    const source = `(SELECT ${PAGE_COLUMNS} FROM (SELECT ${PAGE_COLUMNS} FROM conversations c WHERE ${where.join(' AND ')} OFFSET 0) c ORDER BY ${order} LIMIT ${params.add(take)})`;
    return (await db.query<Row>(withPeople(source, order), params.values)).rows;
  };

  const estimateParams = new Params();
  const estimateWhere = partConditions(filter, viewerId, estimateParams, part, cursor);
  estimateWhere.push(searchCondition(search, (value) => estimateParams.add(value), true));
  const plan = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM conversations c WHERE ${estimateWhere.join(' AND ')}`,
    estimateParams.values,
  );
  if (plan.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'] < COLLECT_BELOW) return collect();

  // The search's condition stays outside the walk's LIMIT, so it tests only the walked rows; the
  // page keeps the walk's order (no sort), so the walk stops at a full page.
  const walk = walkLength(take);
  const params = new Params();
  const where = partConditions(filter, viewerId, params, part, cursor);
  const inWalk = `SELECT ${PAGE_COLUMNS}, ${SEARCH_COLUMNS} FROM conversations c WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${params.add(walk)}`;
  const walked = `(SELECT ${PAGE_COLUMNS} FROM (${inWalk}) c WHERE ${searchCondition(search, (value) => params.add(value))} ORDER BY ${order} LIMIT ${params.add(take)})`;
  const { rows } = await db.query<Row>(withPeople(walked, order), params.values);
  if (rows.length >= take) return rows;
  // Too few in the walk: was that all there is after the cursor, or was the walk cut short?
  const countParams = new Params();
  const countWhere = partConditions(filter, viewerId, countParams, part, cursor);
  const length = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM conversations c WHERE ${countWhere.join(' AND ')} ORDER BY ${order} LIMIT ${countParams.add(walk)}) w`,
    countParams.values,
  );
  return length.rows[0]!.n < walk ? rows : collect();
}

/**
 * One page of the list. A search reads open work first, then (when the filter allows) the closed
 * conversations: a page that ends the open matches is filled from the closed ones, and the cursor
 * says in which part the next page goes on.
 */
export async function listConversations(
  db: Db,
  filter: ListFilter,
  viewer: { id: number },
): Promise<{ items: ConversationSummary[]; nextCursor: string | null } | 'bad_cursor'> {
  const parts = partsOf(filter);
  const cursor = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
  if (filter.cursor !== undefined && (!cursor || !parts.includes(cursor.mode))) return 'bad_cursor';

  const search = filter.q ? await prepareSearch(db, filter.q) : undefined;
  const want = filter.limit + 1;
  const rows: { row: Row; part: Part }[] = [];
  for (const part of parts.slice(cursor ? parts.indexOf(cursor.mode) : 0)) {
    const found = await partPage(db, filter, viewer.id, part, cursor, search, want - rows.length);
    rows.push(...found.map((row) => ({ row, part })));
    if (rows.length >= want) break;
  }
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  let nextCursor: string | null = null;
  if (rows.length > filter.limit && last) {
    const { row, part } = last;
    nextCursor = encodeCursor(part === 'closed' ? { mode: 'closed', keys: [row.closedAt!, row.id] } : { mode: 'open', keys: [row.sortBreach, row.sortDue, row.sortWaiting, row.id] });
  }
  return { items: page.map(({ row }) => toSummary(row)), nextCursor };
}

/**
 * The list rows of these conversations, exactly as listConversations presents them (the same
 * columns, joins and toSummary): live events carry them so that inboxes patch instead of re-reading
 * (issue 16 §10). Ids that no longer exist are simply absent.
 */
export async function conversationRows(db: Db, ids: readonly number[]): Promise<ConversationSummary[]> {
  if (ids.length === 0) return [];
  const source = `(SELECT ${PAGE_COLUMNS} FROM conversations c WHERE c.id = ANY($1::bigint[]))`;
  const { rows } = await db.query<Row>(withPeople(source, 'c.id'), [ids]);
  return rows.map(toSummary);
}
