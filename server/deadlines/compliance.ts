// Compliance with the service norm over a period: per milestone kind, how many were met on time, late, not yet, or breached.
import type { Db } from '../db/index.ts';
import { MILESTONE_KINDS, targetOf, type MilestoneKind } from './schedule.ts';
import { allNorms } from './settings.ts';

export interface ComplianceLine {
  kind: MilestoneKind;
  normId: string;
  total: number;
  metOnTime: number;
  metLate: number;
  /** Not met and not yet due (open or due soon). */
  open: number;
  /** Not met and past due. */
  breached: number;
  /** metOnTime / (total − open), in percent with one decimal; null while nothing is decided. */
  percentOnTime: number | null;
  /** The norm's target for this kind, in percent. */
  target: number | null;
  meetsTarget: boolean | null;
}

/** The share met on time among the milestones whose outcome is known; open ones may still go either way. */
export function percentOnTime(counts: { total: number; metOnTime: number; open: number }): number | null {
  const decided = counts.total - counts.open;
  return decided === 0 ? null : Math.round((counts.metOnTime / decided) * 1000) / 10;
}

/**
 * Milestones count in the period in which they fall due: [from, to). A milestone due on the last
 * day of March counts for March even when it is met (or breached) in April, so a period's figures
 * are final once its last due time has passed and nothing is counted twice.
 */
export async function complianceReport(db: Db, from: Date, to: Date): Promise<ComplianceLine[]> {
  const [{ rows }, norms] = await Promise.all([
    db.query<{ kind: MilestoneKind; norm_id: string; total: number; met: number; met_late: number; open: number; breached: number }>(
      `SELECT kind, norm_id, count(*)::int AS total,
              count(*) FILTER (WHERE state = 'met')::int AS met,
              count(*) FILTER (WHERE state = 'met_late')::int AS met_late,
              count(*) FILTER (WHERE state IN ('open', 'due_soon'))::int AS open,
              count(*) FILTER (WHERE state = 'breached')::int AS breached
         FROM milestones WHERE due_at >= $1 AND due_at < $2
        GROUP BY kind, norm_id`,
      [from, to],
    ),
    allNorms(db),
  ]);
  return rows
    .map((row) => {
      const counts = { total: row.total, metOnTime: row.met, open: row.open };
      const percent = percentOnTime(counts);
      const target = targetOf(norms.get(row.norm_id), row.kind);
      return {
        kind: row.kind,
        normId: row.norm_id,
        total: row.total,
        metOnTime: row.met,
        metLate: row.met_late,
        open: row.open,
        breached: row.breached,
        percentOnTime: percent,
        target,
        meetsTarget: percent === null || target === null ? null : percent >= target,
      };
    })
    .sort((a, b) => MILESTONE_KINDS.indexOf(a.kind) - MILESTONE_KINDS.indexOf(b.kind) || a.normId.localeCompare(b.normId));
}
