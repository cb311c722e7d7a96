// Shared by the recompute tests: thousands of open e-mail conversations seeded with SQL, the
// check that every open milestone says what GET /api/deadlines says, and waiting on progress.
import type { Db } from '../../../server/db/index.ts';
import { recomputeStatus, type RecomputeStatus } from '../../../server/deadlines/calendar-recompute.ts';

/** Distinct receipt instants: each costs one GET /api/deadlines in the check (rate-limited to 120/min). */
export const DISTINCT_STARTS = 24;

/**
 * Inserts `count` open e-mail conversations, each with a citizen (so agents can reply by mail),
 * an incoming mail and one unmet milestone per term given, under norm `normId`. Receipt times are
 * the last `DISTINCT_STARTS` whole hours; due times are deliberately wrong (60 days on), so only a
 * recompute makes them right — and none falls due soon or breaches while a test runs.
 */
export async function seedOpenMail(
  db: Db,
  options: { count: number; normId: string; terms: { kind: 'acknowledgement' | 'answer'; workingDays: number }[]; prefix?: string },
): Promise<void> {
  const prefix = options.prefix ?? 'RC';
  await db.query(
    `WITH ct AS (INSERT INTO contacts (name, email)
                 SELECT 'Inwoner ' || n, 'inwoner' || n || '@' || lower($3) || '.example' FROM generate_series(1, $1) n RETURNING id),
     -- Numbered by id, not joined on the address: CTE results carry no statistics for a join plan.
     g AS (SELECT id AS contact_id, row_number() OVER (ORDER BY id) AS n FROM ct),
     cv AS (INSERT INTO conversations (reference, channel, status, subject, contact_id, created_at, last_message_at)
            SELECT $3 || '-' || lpad(n::text, 7, '0'), 'email', 'open', 'Vraag ' || n, contact_id, received, received
              FROM (SELECT *, date_trunc('hour', now()) - (n % $2) * interval '1 hour' AS received FROM g) numbered
            RETURNING id, contact_id, created_at)
     INSERT INTO messages (conversation_id, direction, kind, body_text, created_at, author_contact_id)
     SELECT id, 'in', 'message', 'Mijn vraag over de lantaarnpaal', created_at, contact_id FROM cv`,
    [options.count, DISTINCT_STARTS, prefix],
  );
  await db.query(
    `INSERT INTO email_messages (message_id, rfc_message_id, from_address, from_name, subject)
     SELECT m.id, 'vraag-' || m.id || '@burger.example', ct.email, ct.name, c.subject
       FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts ct ON ct.id = c.contact_id
      WHERE c.reference LIKE $1 || '-%' AND m.direction = 'in'`,
    [prefix],
  );
  for (const term of options.terms) {
    await db.query(
      `INSERT INTO milestones (conversation_id, kind, norm_id, term_unit, term_amount, starts_at, due_at, due_soon_at)
       SELECT id, $2, $3, 'workingDays', $4, created_at, created_at + interval '60 days', created_at + interval '59 days'
         FROM conversations WHERE reference LIKE $1 || '-%' ORDER BY id`,
      [prefix, term.kind, options.normId, term.workingDays],
    );
  }
  // A database that grew this way would have been analysed by autovacuum; plans should say so.
  await db.query('ANALYZE contacts, conversations, messages, email_messages, milestones');
}

interface OpenMilestone {
  id: number;
  kind: 'acknowledgement' | 'answer';
  norm_id: string;
  starts_at: Date;
  due_at: Date;
}

/**
 * Every unmet milestone whose due time differs from what the public API gives for its receipt
 * under the current calendar (`GET /api/deadlines?norm&received`), with the number checked.
 */
export async function milestonesOffCalendar(
  db: Db,
  request: (path: string) => Promise<Response>,
): Promise<{ checked: number; off: { id: number; kind: string; startsAt: string; stored: string; expected: string | null }[] }> {
  const { rows } = await db.query<OpenMilestone>(`SELECT id, kind, norm_id, starts_at, due_at FROM milestones WHERE state IN ('open', 'due_soon') ORDER BY id`);
  const expected = new Map<string, Record<string, string | null>>();
  for (const key of new Set(rows.map((row) => `${row.norm_id}|${row.starts_at.toISOString()}`))) {
    const [norm, received] = key.split('|') as [string, string];
    const response = await request(`/api/deadlines?norm=${encodeURIComponent(norm)}&received=${encodeURIComponent(received)}`);
    if (response.status !== 200) throw new Error(`GET /api/deadlines answered ${response.status}: ${await response.text()}`);
    expected.set(key, (await response.json()).due);
  }
  const off = rows.flatMap((row) => {
    const due = expected.get(`${row.norm_id}|${row.starts_at.toISOString()}`)![row.kind] ?? null;
    if (due !== null && new Date(due).getTime() === row.due_at.getTime()) return [];
    return [{ id: row.id, kind: row.kind, startsAt: row.starts_at.toISOString(), stored: row.due_at.toISOString(), expected: due }];
  });
  return { checked: rows.length, off };
}

/**
 * Polls until `done` holds, failing when the watched value stops changing for `stallMs` (the
 * work has stopped, not merely slowed down) or after `maxMs` in all.
 */
export async function waitFor<T>(measure: () => Promise<T>, done: (value: T) => boolean, options: { stallMs?: number; maxMs?: number; everyMs?: number } = {}): Promise<T> {
  const { stallMs = 30_000, maxMs = 120_000, everyMs = 50 } = options;
  const started = Date.now();
  let value = await measure();
  let seen = JSON.stringify(value);
  let changed = Date.now();
  while (!done(value)) {
    if (Date.now() - changed > stallMs) throw new Error(`no progress for ${stallMs} ms; last value: ${seen}`);
    if (Date.now() - started > maxMs) throw new Error(`not done after ${maxMs} ms; last value: ${seen}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    value = await measure();
    const now = JSON.stringify(value);
    if (now !== seen) [seen, changed] = [now, Date.now()];
  }
  return value;
}

/** Waits until the recompute has applied the current settings version. */
export function recomputeCaughtUp(db: Db, options?: { stallMs?: number; maxMs?: number }): Promise<RecomputeStatus> {
  return waitFor(() => recomputeStatus(db), (status) => !status.pending && status.settingsVersion > 0, options);
}

/** The days from `from` on, as ISO dates, that are Monday to Friday. */
export function weekdaysFrom(from: Date, count: number): string[] {
  const days: string[] = [];
  for (let day = new Date(from); days.length < count; day = new Date(day.getTime() + 86_400_000)) {
    const weekday = day.getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(day.toISOString().slice(0, 10));
  }
  return days;
}
