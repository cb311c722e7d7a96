// Compliance with the service norm over a period: per milestone kind, how many were met on time, late, not yet, or breached.
import type { Db } from '../db/index.ts';
import { MILESTONE_KINDS, targetOf, type MilestoneKind } from './schedule.ts';
import { allNorms } from './settings.ts';

export interface ComplianceLine {
  kind: MilestoneKind;
  normId: string;
  /** Milestones that count: met on time, met late, open or breached (not-applicable ones are beside). */
  total: number;
  metOnTime: number;
  metLate: number;
  /** Not met and not yet due (open, due soon, or suspended while waiting on the citizen). */
  open: number;
  /** Not met and past due. For callbacks: never called back within the term. */
  breached: number;
  /** metOnTime / (total − open), in percent with one decimal; null while nothing is decided. */
  percentOnTime: number | null;
  /** The norm's target for this kind, in percent. */
  target: number | null;
  meetsTarget: boolean | null;
  /**
   * Ended as not applicable (geen antwoord nodig, a hand-off, an abandoned chat): excluded from the
   * percentage and counted here, so that nobody improves the figures unseen (domain.md: KPIs).
   */
  notApplicable: number;
  /** The not-applicable ones per reason and per agent whose action ended them (null: the citizen's). */
  notApplicableBy: { agentId: number | null; agentName: string | null; reason: string; count: number }[];
  /** Pickup only: chats the citizen left before pickup, and the median wait at which they left. */
  abandoned?: { count: number; medianWaitSeconds: number | null };
}

/** The share met on time among the milestones whose outcome is known; open ones may still go either way. */
export function percentOnTime(counts: { total: number; metOnTime: number; open: number }): number | null {
  const decided = counts.total - counts.open;
  return decided === 0 ? null : Math.round((counts.metOnTime / decided) * 1000) / 10;
}

interface CountRow {
  kind: MilestoneKind;
  norm_id: string;
  total: number;
  met: number;
  met_late: number;
  open: number;
  breached: number;
  not_applicable: number;
  abandoned: number;
  abandoned_median: number | null;
}

/**
 * Milestones count in the period in which they fall due: [from, to). A milestone due on the last
 * day of March counts for March even when it is met (or breached) in April, so a period's figures
 * are final once its last due time has passed and nothing is counted twice.
 */
export async function complianceReport(db: Db, from: Date, to: Date): Promise<ComplianceLine[]> {
  const [{ rows }, by, norms] = await Promise.all([
    db.query<CountRow>(
      `SELECT kind, norm_id, count(*) FILTER (WHERE state <> 'not_applicable')::int AS total,
              count(*) FILTER (WHERE state = 'met')::int AS met,
              count(*) FILTER (WHERE state = 'met_late')::int AS met_late,
              count(*) FILTER (WHERE state IN ('open', 'due_soon', 'suspended'))::int AS open,
              count(*) FILTER (WHERE state = 'breached')::int AS breached,
              count(*) FILTER (WHERE state = 'not_applicable')::int AS not_applicable,
              count(*) FILTER (WHERE state = 'not_applicable' AND ended_reason = 'abandoned')::int AS abandoned,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - starts_at))
                FILTER (WHERE state = 'not_applicable' AND ended_reason = 'abandoned')::float8 AS abandoned_median
         FROM milestones WHERE due_at >= $1 AND due_at < $2
        GROUP BY kind, norm_id`,
      [from, to],
    ),
    db.query<{ kind: MilestoneKind; norm_id: string; agent_id: number | null; agent_name: string | null; reason: string; count: number }>(
      `SELECT m.kind, m.norm_id, m.ended_by AS agent_id, a.name AS agent_name, m.ended_reason AS reason, count(*)::int AS count
         FROM milestones m LEFT JOIN agents a ON a.id = m.ended_by
        WHERE m.due_at >= $1 AND m.due_at < $2 AND m.state = 'not_applicable'
        GROUP BY 1, 2, 3, 4, 5 ORDER BY count(*) DESC, 4, 5`,
      [from, to],
    ),
    allNorms(db),
  ]);
  return rows
    .map((row): ComplianceLine => {
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
        notApplicable: row.not_applicable,
        notApplicableBy: by.rows
          .filter((line) => line.kind === row.kind && line.norm_id === row.norm_id)
          .map((line) => ({ agentId: line.agent_id, agentName: line.agent_name, reason: line.reason, count: line.count })),
        ...(row.kind === 'pickup' ? { abandoned: { count: row.abandoned, medianWaitSeconds: row.abandoned_median === null ? null : Math.round(row.abandoned_median * 10) / 10 } } : {}),
      };
    })
    .sort((a, b) => MILESTONE_KINDS.indexOf(a.kind) - MILESTONE_KINDS.indexOf(b.kind) || a.normId.localeCompare(b.normId));
}
