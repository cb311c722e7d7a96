// Back-office figures (issue 14 §8, domain.md "KPIs"): per team, of the hand-offs due in a period,
// callbacks within term, late and never (still open past the term, or closed without contact),
// the time to the first call attempt, and the share that came back as verkeerde afdeling.
import type { Db } from '../db/index.ts';

export interface TeamFigures {
  team: { id: number; name: string } | null;
  /** Hand-offs due in the period. */
  handoffs: number;
  callbacks: {
    total: number;
    /** Reached the citizen at or before the due moment. */
    withinTerm: number;
    /** Reached after the due moment. */
    late: number;
    /** Open past the due moment, or closed without reaching the citizen. */
    never: number;
    /** Open and not yet due: not decided. */
    open: number;
    /** withinTerm ÷ (withinTerm + late + never), percent; null when none decided. */
    withinTermPercent: number | null;
  };
  /** Median seconds from the request to the first call attempt; null without attempts. */
  medianSecondsToFirstAttempt: number | null;
  misrouted: number;
  /** misrouted ÷ handoffs, percent; null without hand-offs. */
  misroutedPercent: number | null;
}

/** The figures for hand-offs due in [from, to), per team (the current team of each hand-off). */
export async function backofficeFigures(db: Db, from: Date, to: Date, now = new Date()): Promise<TeamFigures[]> {
  const { rows } = await db.query<{
    teamId: number | null;
    teamName: string | null;
    handoffs: number;
    callbacks: number;
    withinTerm: number;
    late: number;
    never: number;
    open: number;
    median: number | null;
    misrouted: number;
  }>(
    `WITH h AS (
       SELECT h.*, coalesce(ms.due_at, h.due_at) AS due,
              (SELECT min(a.at) FROM handoff_attempts a WHERE a.handoff_id = h.id AND a.result = 'reached') AS reached_at,
              (SELECT min(a.at) FROM handoff_attempts a WHERE a.handoff_id = h.id) AS first_attempt_at
         FROM handoffs h LEFT JOIN milestones ms ON ms.id = h.milestone_id
        WHERE coalesce(ms.due_at, h.due_at) >= $1 AND coalesce(ms.due_at, h.due_at) < $2)
     SELECT t.id AS "teamId", t.name AS "teamName", count(*)::int AS handoffs,
            count(*) FILTER (WHERE h.action = 'callback')::int AS callbacks,
            count(*) FILTER (WHERE h.action = 'callback' AND h.reached_at IS NOT NULL AND h.reached_at <= h.due)::int AS "withinTerm",
            count(*) FILTER (WHERE h.action = 'callback' AND h.reached_at > h.due)::int AS late,
            count(*) FILTER (WHERE h.action = 'callback' AND h.reached_at IS NULL
                               AND (h.status NOT IN ('open', 'attempted') OR h.due < $3))::int AS never,
            count(*) FILTER (WHERE h.action = 'callback' AND h.reached_at IS NULL AND h.status IN ('open', 'attempted') AND h.due >= $3)::int AS open,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h.first_attempt_at - h.requested_at))
              FILTER (WHERE h.first_attempt_at IS NOT NULL) AS median,
            count(*) FILTER (WHERE h.misrouted_count > 0)::int AS misrouted
       FROM h LEFT JOIN teams t ON t.id = h.team_id
      GROUP BY t.id, t.name
      ORDER BY lower(t.name) NULLS LAST`,
    [from, to, now],
  );
  const percent = (part: number, whole: number) => (whole === 0 ? null : Math.round((1000 * part) / whole) / 10);
  return rows.map((row) => ({
    team: row.teamId === null ? null : { id: row.teamId, name: row.teamName! },
    handoffs: row.handoffs,
    callbacks: {
      total: row.callbacks,
      withinTerm: row.withinTerm,
      late: row.late,
      never: row.never,
      open: row.open,
      withinTermPercent: percent(row.withinTerm, row.withinTerm + row.late + row.never),
    },
    medianSecondsToFirstAttempt: row.median === null ? null : Math.round(Number(row.median)),
    misrouted: row.misrouted,
    misroutedPercent: percent(row.misrouted, row.handoffs),
  }));
}
