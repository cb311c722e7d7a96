// The day rows a report sums: rolled-up days from report_daily, the rest (today, a day the job has
// not reached yet) computed live by the same SQL (facts.ts). Which days are rolled up is read first;
// only those are taken from the rollups, so a day rolled up meanwhile is never counted twice.
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Db } from '../db/index.ts';
import { ZONE } from '../deadlines/zone.ts';
import { Params } from '../inbox/list.ts';
import { COUNT_COLUMNS, factsSql, notApplicableFactsSql, projectNotApplicableSql, projectSql } from './facts.ts';
import { missingRanges } from './period.ts';

const instant = (param: string) => `(${param}::date::timestamp AT TIME ZONE 'Europe/Amsterdam')`;

export interface DaySources {
  /** Days read from the rollups. */
  rolledUp: string[];
  /** [from, to) ranges computed live. */
  live: { from: string; to: string }[];
  /**
   * The live ranges' day rows (every dimension) as a JSON array in report_daily's shape, computed
   * in a statement of their own and handed to the report's statement as a parameter: that one is
   * then the same text with or without live days, and is prepared once per connection.
   */
  liveRows: string;
  /** The same for report_daily_not_applicable ('[]' unless asked for). */
  liveNotApplicable: string;
}

const COLUMNS = ['day', 'dim', 'key', ...COUNT_COLUMNS, 'pu_waits', 'ab_waits'].join(', ');
const NA_COLUMNS = 'day, dim, key, reason, ended_by, count';

/**
 * A live range with today in it as up to three: before today, today, after today. One range over
 * today and the rest of the month was planned as if the month had a month of work (2.5 s at a
 * million conversations, against 0.4 s for today and 0.2 s for the days after it apart).
 */
function apartFromToday(range: { from: string; to: string }): { from: string; to: string }[] {
  const today = DateTime.now().setZone(ZONE).toISODate()!;
  const tomorrow = DateTime.now().setZone(ZONE).plus({ days: 1 }).toISODate()!;
  if (range.to <= today || range.from >= tomorrow) return [range];
  return [
    { from: range.from, to: today },
    { from: today, to: tomorrow },
    { from: tomorrow, to: range.to },
  ].filter((part) => part.from >= range.from && part.to <= range.to && part.from < part.to);
}

/**
 * Which days of [from, to) are rolled up, and the rows of the others computed live from the source
 * tables (the same SQL as the rollup job's, facts.ts). That statement is never prepared: a generic
 * plan cannot know that a range is one day and would scan every milestone and conversation.
 */
export async function daySources(db: Db, from: string, to: string, options: { notApplicable?: boolean } = {}): Promise<DaySources> {
  const { rows } = await db.query<{ day: string }>(`SELECT day::text AS day FROM report_days WHERE day >= $1::date AND day < $2::date`, [from, to]);
  const rolledUp = rows.map((row) => row.day);
  const live = missingRanges(from, to, new Set(rolledUp)).flatMap(apartFromToday);
  if (live.length === 0) return { rolledUp, live, liveRows: '[]', liveNotApplicable: '[]' };
  const liveSql = (project: (start: string, end: string, params: Params) => string, columns: string) => {
    const params = new Params();
    const parts = live.map((range) => `SELECT ${columns} FROM (${project(instant(params.add(range.from)), instant(params.add(range.to)), params)}) p`);
    return { text: `SELECT coalesce(jsonb_agg(r), '[]')::text AS rows FROM (${parts.join('\n UNION ALL ')}) r`, values: params.values };
  };
  const now = new Date();
  const counts = liveSql((start, end, params) => projectSql(factsSql(start, end, params.add(now))), COLUMNS);
  const notApplicable = liveSql((start, end) => projectNotApplicableSql(notApplicableFactsSql(start, end)), NA_COLUMNS);
  const [liveRows, liveNotApplicable] = await Promise.all([
    db.query<{ rows: string }>(counts.text, counts.values),
    options.notApplicable ? db.query<{ rows: string }>(notApplicable.text, notApplicable.values) : Promise.resolve({ rows: [{ rows: '[]' }] }),
  ]);
  return { rolledUp, live, liveRows: liveRows.rows[0]!.rows, liveNotApplicable: liveNotApplicable.rows[0]!.rows };
}

/**
 * SQL of the rows (day, dim, key, counts…, pu_waits, ab_waits) of the period, to use as a CTE:
 * the rolled-up days from report_daily, the live ones from the parameter; `dims` limits which
 * dimension rows are read.
 */
export function dayRowsSql(sources: DaySources, params: Params, dims: readonly string[]): string {
  const dimList = params.add(dims);
  return `SELECT ${COLUMNS} FROM report_daily WHERE day = ANY(${params.add(sources.rolledUp)}::date[]) AND dim = ANY(${dimList}::text[])
   UNION ALL SELECT ${COLUMNS} FROM jsonb_populate_recordset(null::report_daily, ${params.add(sources.liveRows)}::jsonb) WHERE dim = ANY(${dimList}::text[])`;
}

/** The same for not-applicable rows (day, dim, key, reason, ended_by, count). */
export function notApplicableRowsSql(sources: DaySources, params: Params, dims: readonly string[]): string {
  const dimList = params.add(dims);
  return `SELECT ${NA_COLUMNS} FROM report_daily_not_applicable WHERE day = ANY(${params.add(sources.rolledUp)}::date[]) AND dim = ANY(${dimList}::text[])
   UNION ALL SELECT ${NA_COLUMNS} FROM jsonb_populate_recordset(null::report_daily_not_applicable, ${params.add(sources.liveNotApplicable)}::jsonb) WHERE dim = ANY(${dimList}::text[])`;
}

/** Sums of every count column, as SQL select items. */
export const SUMS_SQL = COUNT_COLUMNS.map((column) => `sum(${column})::int AS ${column}`).join(', ');

export type CountRow = Record<string, number>;

/**
 * Runs a report's SQL over the day rows as a named (prepared) statement: the text is long and
 * stable (live days come in as a parameter), so each connection plans it once.
 */
export async function reportQuery<T extends object>(db: Db, text: string, values: unknown[]): Promise<T[]> {
  const name = `kpi-${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
  return (await db.query<T & Record<string, unknown>>({ name, text, values })).rows;
}
