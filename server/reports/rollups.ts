// The daily rollups' job (issue 15 §9): recomputes whole days of report_daily from the source
// tables — days never computed (yesterday, once today is over; every past day after the
// migration), days marked dirty by work on old conversations (live.ts), and once in a while the
// last two weeks as a safety net for changes no event announces (a calendar recompute moving due
// times). Today is never rolled up: readers compute it live. Nothing here is on a writer's path.
import { DateTime } from 'luxon';
import { inTransaction, type Db, type Pool } from '../db/index.ts';
import { ZONE } from '../deadlines/zone.ts';
import type { Logger } from '../log.ts';
import { COUNT_COLUMNS, factsSql, notApplicableFactsSql, projectNotApplicableSql, projectSql } from './facts.ts';
import { missingRanges } from './period.ts';

/** An arbitrary constant: one instance at a time recomputes (pg_try_advisory_xact_lock). */
const ROLLUP_LOCK = 0x6b7069; // "kpi"
/** Days per transaction: a month of a large gemeente is a few seconds of work. */
const DAYS_PER_BATCH = 31;

const instant = (param: string) => `(${param}::date::timestamp AT TIME ZONE 'Europe/Amsterdam')`;
const today = (now: Date) => DateTime.fromJSDate(now, { zone: ZONE }).toISODate()!;

/**
 * Recomputes the rollups of the days [from, to) in one transaction: deletes and re-inserts them,
 * records them computed, and clears their dirty marks made before it began. Days from today on are
 * never stored (they are not over).
 */
export async function rollUpDays(db: Pool, from: string, to: string, now = new Date()): Promise<void> {
  const end = to < today(now) ? to : today(now);
  if (from >= end) return;
  await inTransaction(db, async (tx) => {
    await tx.query(`DELETE FROM report_daily WHERE day >= $1::date AND day < $2::date`, [from, end]);
    await tx.query(`DELETE FROM report_daily_not_applicable WHERE day >= $1::date AND day < $2::date`, [from, end]);
    await tx.query(
      `INSERT INTO report_daily (day, dim, key, ${COUNT_COLUMNS.join(', ')}, pu_waits, ab_waits)
       SELECT day, dim, key, ${COUNT_COLUMNS.join(', ')}, pu_waits, ab_waits FROM (${projectSql(factsSql(instant('$1'), instant('$2'), '$3'))}) p`,
      [from, end, now],
    );
    await tx.query(
      `INSERT INTO report_daily_not_applicable (day, dim, key, reason, ended_by, count)
       SELECT day, dim, key, reason, ended_by, count FROM (${projectNotApplicableSql(notApplicableFactsSql(instant('$1'), instant('$2')))}) p`,
      [from, end],
    );
    await tx.query(
      `INSERT INTO report_days (day, computed_at) SELECT d::date, now() FROM generate_series($1::date, $2::date - 1, interval '1 day') d
       ON CONFLICT (day) DO UPDATE SET computed_at = now()`,
      [from, end],
    );
    // A mark made after this transaction began may describe work this snapshot does not see: it stays.
    await tx.query(`DELETE FROM report_dirty_days WHERE day >= $1::date AND day < $2::date AND marked_at <= now()`, [from, end]);
  });
}

/** Contiguous runs of the given days (sorted YYYY-MM-DD), at most `max` days each. */
function runsOf(days: readonly string[], max: number): { from: string; to: string }[] {
  const runs: { from: string; to: string }[] = [];
  for (const day of days) {
    const last = runs.at(-1);
    const next = last && last.to === day && DateTime.fromISO(day).diff(DateTime.fromISO(last.from), 'days').days < max;
    if (last && next) last.to = DateTime.fromISO(day, { zone: ZONE }).plus({ days: 1 }).toISODate()!;
    else runs.push({ from: day, to: DateTime.fromISO(day, { zone: ZONE }).plus({ days: 1 }).toISODate()! });
  }
  return runs;
}

/** What one pass found to do. */
export interface RollupPass {
  days: number;
  ms: number;
}

/**
 * One pass: the dirty days, then up to `maxMissing` days never computed (newest first), under a
 * lock so that two instances do not do the same work. `window` recomputes the last N days too.
 */
export async function rollUpPass(db: Pool, options: { now?: Date; maxMissing?: number; window?: number } = {}): Promise<RollupPass> {
  const now = options.now ?? new Date();
  const started = Date.now();
  // A session lock on a connection of its own, held outside any transaction: the work itself runs
  // in transactions of a day batch each, so none stays open for the whole pass.
  const client = await db.connect();
  let todo: string[] = [];
  try {
    const { rows: locked } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [ROLLUP_LOCK]);
    if (!locked[0]!.ok) return { days: 0, ms: 0 };
    try {
      todo = await daysToDo(client, today(now), options.maxMissing ?? 62, options.window ?? 0);
      for (const run of runsOf(todo, DAYS_PER_BATCH)) await rollUpDays(db, run.from, run.to, now);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [ROLLUP_LOCK]);
    }
  } finally {
    client.release();
  }
  return { days: todo.length, ms: Date.now() - started };
}

async function daysToDo(db: Db, todayIso: string, maxMissing: number, window: number): Promise<string[]> {
  // One after the other: `db` is a single connection here.
  const dirty = await db.query<{ day: string }>(`SELECT day::text AS day FROM report_dirty_days WHERE day < $1::date`, [todayIso]);
  const first = await db.query<{ day: string | null }>(
    `SELECT ((least((SELECT min(created_at) FROM conversations), (SELECT min(due_at) FROM milestones))) AT TIME ZONE 'Europe/Amsterdam')::date::text AS day`,
  );
  const computed = await db.query<{ day: string }>(`SELECT day::text AS day FROM report_days WHERE day < $1::date`, [todayIso]);
  const days = new Set(dirty.rows.map((row) => row.day));
  const firstDay = first.rows[0]?.day ?? todayIso;
  const start = firstDay < todayIso ? firstDay : todayIso;
  const missing = missingRanges(start, todayIso, new Set(computed.rows.map((row) => row.day)))
    .flatMap((range) => {
      const list: string[] = [];
      for (let at = DateTime.fromISO(range.from, { zone: ZONE }); at.toISODate()! < range.to; at = at.plus({ days: 1 })) list.push(at.toISODate()!);
      return list;
    })
    .reverse()
    .slice(0, maxMissing);
  for (const day of missing) days.add(day);
  for (let back = 1; back <= window; back++) days.add(DateTime.fromISO(todayIso, { zone: ZONE }).minus({ days: back }).toISODate()!);
  return [...days].sort();
}

/** Runs passes on a timer; the safety-net window every `windowEveryMs`. */
export class RollupJob {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #lastWindow = 0;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly options: { everyMs: number; windowDays: number; windowEveryMs: number } = { everyMs: 60_000, windowDays: 14, windowEveryMs: 6 * 3600_000 },
  ) {}

  start(): void {
    const tick = () => {
      this.#timer = setTimeout(() => void this.runOnce().finally(tick), this.options.everyMs);
      this.#timer.unref();
    };
    void this.runOnce().finally(tick);
  }

  /** One pass now (also for tests); errors are logged, the next tick tries again. */
  runOnce(now = new Date()): Promise<unknown> {
    if (this.#running) return this.#running;
    const window = Date.now() - this.#lastWindow >= this.options.windowEveryMs ? this.options.windowDays : 0;
    this.#running = rollUpPass(this.pool, { now, window })
      .then((pass) => {
        if (window > 0) this.#lastWindow = Date.now();
        if (pass.days > 0) this.log.info({ days: pass.days, ms: pass.ms }, 'report rollups recomputed');
      })
      .catch((error: unknown) => this.log.warn({ err: error }, 'report rollups failed; retrying at the next pass'))
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#running;
  }
}
