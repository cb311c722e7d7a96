// The day rows a report sums: rolled-up days from report_daily, the rest (today, a day the job has
// not reached yet) computed live by the same SQL (facts.ts). Which days are rolled up is read first;
// only those are taken from the rollups, so a day rolled up meanwhile is never counted twice.
import { createHash } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { Params } from '../inbox/list.ts';
import { COUNT_COLUMNS, factsSql, notApplicableFactsSql, projectNotApplicableSql, projectSql } from './facts.ts';
import { missingRanges } from './period.ts';

const instant = (param: string) => `(${param}::date::timestamp AT TIME ZONE 'Europe/Amsterdam')`;

export interface DaySources {
  /** Days read from the rollups. */
  rolledUp: string[];
  /** [from, to) ranges computed live. */
  live: { from: string; to: string }[];
}

/** Which days of [from, to) are rolled up, and which ranges must be computed live. */
export async function daySources(db: Db, from: string, to: string): Promise<DaySources> {
  const { rows } = await db.query<{ day: string }>(`SELECT day::text AS day FROM report_days WHERE day >= $1::date AND day < $2::date`, [from, to]);
  const rolledUp = rows.map((row) => row.day);
  return { rolledUp, live: missingRanges(from, to, new Set(rolledUp)) };
}

/**
 * SQL of the rows (day, dim, key, counts…, pu_waits, ab_waits) of the period, to use as a CTE;
 * `dims` limits which dimension rows are read.
 */
export function dayRowsSql(sources: DaySources, params: Params, dims: readonly string[]): string {
  const columns = ['day', 'dim', 'key', ...COUNT_COLUMNS, 'pu_waits', 'ab_waits'].join(', ');
  const dimList = params.add(dims);
  const parts = [`SELECT ${columns} FROM report_daily WHERE day = ANY(${params.add(sources.rolledUp)}::date[]) AND dim = ANY(${dimList}::text[])`];
  const now = sources.live.length > 0 ? params.add(new Date()) : '';
  for (const range of sources.live) {
    const facts = factsSql(instant(params.add(range.from)), instant(params.add(range.to)), now);
    parts.push(`SELECT ${columns} FROM (${projectSql(facts)}) p WHERE dim = ANY(${dimList}::text[])`);
  }
  return parts.join('\n UNION ALL ');
}

/** The same for not-applicable rows (day, dim, key, reason, ended_by, count). */
export function notApplicableRowsSql(sources: DaySources, params: Params, dims: readonly string[]): string {
  const columns = 'day, dim, key, reason, ended_by, count';
  const dimList = params.add(dims);
  const parts = [`SELECT ${columns} FROM report_daily_not_applicable WHERE day = ANY(${params.add(sources.rolledUp)}::date[]) AND dim = ANY(${dimList}::text[])`];
  for (const range of sources.live) {
    const facts = notApplicableFactsSql(instant(params.add(range.from)), instant(params.add(range.to)));
    parts.push(`SELECT ${columns} FROM (${projectNotApplicableSql(facts)}) p WHERE dim = ANY(${dimList}::text[])`);
  }
  return parts.join('\n UNION ALL ');
}

/** Sums of every count column, as SQL select items. */
export const SUMS_SQL = COUNT_COLUMNS.map((column) => `sum(${column})::int AS ${column}`).join(', ');

export type CountRow = Record<string, number>;

/**
 * Runs a report's SQL. Over rollups only it is a named (prepared) statement: the text is long and
 * stable, so each connection plans it once. SQL with live ranges is never prepared: a generic plan
 * cannot know that a range is one day and would scan every milestone and conversation.
 */
export async function reportQuery<T extends object>(db: Db, text: string, values: unknown[], sources: DaySources): Promise<T[]> {
  if (sources.live.length > 0) return (await db.query<T & Record<string, unknown>>(text, values)).rows;
  const name = `kpi-${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
  return (await db.query<T & Record<string, unknown>>({ name, text, values })).rows;
}
