// The conversation list of the agents' inbox: filters, search, and the working order — breached
// first, then the nearest due milestone, then the citizen who has waited longest — paged by cursor.
import type { Db } from '../db/index.ts';
import { isoAmsterdam } from '../deadlines/milestones.ts';
import { likePattern, searchCondition } from './search.ts';

export interface ListFilter {
  channel?: 'chat' | 'email';
  /** Absent: every conversation that is not closed (the working inbox). */
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
  channel: 'chat' | 'email';
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
  channel: 'chat' | 'email';
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
 * The conditions every list and count shares: channel, status, assignee, due and search. The
 * working inbox always says `status <> 'closed'`, so the partial indexes of migration 0006 apply.
 */
export function filterConditions(filter: Omit<ListFilter, 'limit' | 'cursor'>, viewerId: number, params: Params): string[] {
  const where: string[] = [];
  if (filter.status === 'closed') where.push(`c.status = 'closed'`);
  else {
    where.push(`c.status <> 'closed'`);
    if (filter.status) where.push(`c.status = ${params.add(filter.status)}`);
  }
  if (filter.channel) where.push(`c.channel = ${params.add(filter.channel)}`);
  if (filter.assignee === 'mine') where.push(`c.assignee_id = ${params.add(viewerId)}`);
  if (filter.assignee === 'unassigned') where.push('c.assignee_id IS NULL');
  if (filter.due === 'soon') where.push(`c.next_due_state = 'due_soon'`);
  // The leading sort key, not the boolean: the inbox index then starts its scan right there.
  if (filter.due === 'breached') where.push('c.sort_breach = 0');
  if (filter.q) where.push(searchCondition(params.add(filter.q), params.add(likePattern(filter.q))));
  return where;
}

// The search_document tsvectors stay behind: the page needs none of them.
const PAGE_COLUMNS = `c.id, c.reference, c.channel, c.status, c.subject, c.last_message_at, c.preview, c.next_due_kind, c.next_due_at,
  c.next_due_state, c.breached, c.waiting_since, c.sort_breach, c.sort_due, c.sort_waiting, c.closed_at, c.contact_id, c.assignee_id`;

export async function listConversations(
  db: Db,
  filter: ListFilter,
  viewer: { id: number },
): Promise<{ items: ConversationSummary[]; nextCursor: string | null } | 'bad_cursor'> {
  const closed = filter.status === 'closed';
  const cursor = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
  if (filter.cursor !== undefined && (!cursor || (cursor.mode === 'closed') !== closed)) return 'bad_cursor';

  const params = new Params();
  const where = filterConditions(filter, viewer.id, params);
  if (cursor?.mode === 'open') {
    const [breach, due, waiting, id] = cursor.keys;
    where.push(`(c.sort_breach, c.sort_due, c.sort_waiting, c.id) > (${params.add(breach)}::smallint, ${params.add(due)}::timestamptz, ${params.add(waiting)}::timestamptz, ${params.add(id)}::bigint)`);
  }
  if (cursor?.mode === 'closed') {
    where.push(`(c.closed_at, c.id) < (${params.add(cursor.keys[0])}::timestamptz, ${params.add(cursor.keys[1])}::bigint)`);
  }
  const order = closed ? 'c.closed_at DESC, c.id DESC' : 'c.sort_breach, c.sort_due, c.sort_waiting, c.id';
  const limit = params.add(filter.limit + 1);

  // The page is chosen on conversations alone (an index scan that stops after limit + 1 rows); the
  // joins for contact and assignee then run for those rows only. A search of open work first
  // collects its matches (OFFSET 0 keeps PostgreSQL from walking the inbox order and testing every
  // row: when the matches all sort last, that reads the whole open inbox), then sorts the page.
  const source = filter.q && !closed
    ? `(SELECT ${PAGE_COLUMNS} FROM conversations c WHERE ${where.join(' AND ')} OFFSET 0) c`
    : 'conversations c';
  const matches = filter.q && !closed ? 'true' : where.join(' AND ');
  const { rows } = await db.query<Row>(
    `SELECT c.id, c.reference, c.channel, c.status, c.subject, c.last_message_at AS "lastMessageAt", c.preview,
            c.next_due_kind AS "nextDueKind", c.next_due_at AS "nextDueAt", c.next_due_state AS "nextDueState",
            c.breached, c.waiting_since AS "waitingSince",
            c.sort_breach AS "sortBreach", c.sort_due::text AS "sortDue", c.sort_waiting::text AS "sortWaiting", c.closed_at::text AS "closedAt",
            CASE WHEN ct.id IS NULL THEN NULL ELSE json_build_object('id', ct.id, 'name', ct.name, 'email', ct.email) END AS contact,
            CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object('id', a.id, 'name', a.name) END AS assignee
       FROM (SELECT ${PAGE_COLUMNS} FROM ${source} WHERE ${matches} ORDER BY ${order} LIMIT ${limit}) c
       LEFT JOIN contacts ct ON ct.id = c.contact_id
       LEFT JOIN agents a ON a.id = c.assignee_id
      ORDER BY ${order}`,
    params.values,
  );
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  let nextCursor: string | null = null;
  if (rows.length > filter.limit && last) {
    nextCursor = encodeCursor(closed ? { mode: 'closed', keys: [last.closedAt!, last.id] } : { mode: 'open', keys: [last.sortBreach, last.sortDue, last.sortWaiting, last.id] });
  }
  return { items: page.map(toSummary), nextCursor };
}
