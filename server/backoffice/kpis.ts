// Back-office figures (issue 14 §8, domain.md "KPIs"): per team and for all teams together, of the
// hand-offs due in a period [from, to): callbacks within term, late and never (still open past the
// term, or sent back to the KCC without the citizen reached), the time from the request to the
// first call attempt, and the share that came back as verkeerde afdeling; cancelled hand-offs are
// counted beside them, not as broken promises. And the phone contacts registered in the period
// (channel phone, issue 14 §7): how many, handled in first contact, handed off.
// GET /api/backoffice/figures serves them to the supervisors' dashboard.
import type { Db } from '../db/index.ts';

export interface TeamFigures {
  /** null: hand-offs to a person without a team (in `teams`), or all teams together (the totals). */
  team: { id: number; name: string } | null;
  /** Hand-offs due in the period, cancelled ones included. */
  handoffs: number;
  /** Cancelled before they were done (withdrawn, made by mistake): in no other count below. */
  cancelled: number;
  /** Hand-offs that came from a phone contact. */
  fromPhone: number;
  callbacks: {
    /** Callbacks due in the period, not cancelled. */
    total: number;
    /** Reached the citizen at or before the due moment. */
    withinTerm: number;
    /** Reached after the due moment. */
    late: number;
    /** Open past the due moment, or sent back to the KCC without the citizen reached. */
    never: number;
    /** Open and not yet due: not decided. */
    open: number;
    /** withinTerm ÷ (withinTerm + late + never), percent; null when none decided. */
    withinTermPercent: number | null;
  };
  /** Median seconds from the request to the first call attempt; null without attempts. */
  medianSecondsToFirstAttempt: number | null;
  /** Hand-offs that went at least once to the wrong team (verkeerde afdeling). */
  misrouted: number;
  /** misrouted ÷ (handoffs − cancelled), percent; null without any. */
  misroutedPercent: number | null;
}

export interface PhoneContactFigures {
  /** Phone contacts registered in the period. */
  total: number;
  /** Closed as afgehandeld in eerste contact. */
  firstContact: number;
  /** Registered with a hand-off. */
  handedOff: number;
  /** firstContact ÷ total, percent; null without any. */
  firstContactPercent: number | null;
}

export interface BackofficeFigures {
  /** Per team, by name; hand-offs to a person without a team last (team null). */
  teams: TeamFigures[];
  /** All hand-offs due in the period together. */
  totals: TeamFigures;
  phoneContacts: PhoneContactFigures;
}

interface Row {
  grouped: boolean;
  teamId: number | null;
  teamName: string | null;
  handoffs: number;
  cancelled: number;
  fromPhone: number;
  callbacks: number;
  withinTerm: number;
  late: number;
  never: number;
  open: number;
  median: number | null;
  misrouted: number;
}

const percent = (part: number, whole: number) => (whole === 0 ? null : Math.round((1000 * part) / whole) / 10);

function toFigures(row: Row | undefined, team: TeamFigures['team']): TeamFigures {
  const r = row ?? { handoffs: 0, cancelled: 0, fromPhone: 0, callbacks: 0, withinTerm: 0, late: 0, never: 0, open: 0, median: null, misrouted: 0 };
  return {
    team,
    handoffs: r.handoffs,
    cancelled: r.cancelled,
    fromPhone: r.fromPhone,
    callbacks: { total: r.callbacks, withinTerm: r.withinTerm, late: r.late, never: r.never, open: r.open, withinTermPercent: percent(r.withinTerm, r.withinTerm + r.late + r.never) },
    medianSecondsToFirstAttempt: r.median === null ? null : Math.round(Number(r.median)),
    misrouted: r.misrouted,
    misroutedPercent: percent(r.misrouted, r.handoffs - r.cancelled),
  };
}

/** Per team only (the reports' overview embeds these). */
export async function backofficeFigures(db: Db, from: Date, to: Date, now = new Date()): Promise<TeamFigures[]> {
  return (await handoffKpis(db, from, to, now)).teams;
}

/** The figures for hand-offs due in [from, to), per team (each hand-off's current team) and together, and the phone contacts. */
export async function handoffKpis(db: Db, from: Date, to: Date, now = new Date()): Promise<BackofficeFigures> {
  const { rows } = await db.query<Row>(
    `WITH h AS (
       SELECT h.*, coalesce(ms.due_at, h.due_at) AS due, c.channel,
              (SELECT min(a.at) FROM handoff_attempts a WHERE a.handoff_id = h.id AND a.result = 'reached') AS reached_at,
              (SELECT min(a.at) FROM handoff_attempts a WHERE a.handoff_id = h.id) AS first_attempt_at
         FROM handoffs h JOIN conversations c ON c.id = h.conversation_id LEFT JOIN milestones ms ON ms.id = h.milestone_id
        WHERE coalesce(ms.due_at, h.due_at) >= $1 AND coalesce(ms.due_at, h.due_at) < $2)
     SELECT GROUPING(t.id) = 0 AS grouped, t.id::int AS "teamId", t.name AS "teamName", count(*)::int AS handoffs,
            count(*) FILTER (WHERE h.status = 'cancelled')::int AS cancelled,
            count(*) FILTER (WHERE h.channel = 'phone')::int AS "fromPhone",
            count(*) FILTER (WHERE h.action = 'callback' AND h.status <> 'cancelled')::int AS callbacks,
            count(*) FILTER (WHERE h.action = 'callback' AND h.status <> 'cancelled' AND h.reached_at <= h.due)::int AS "withinTerm",
            count(*) FILTER (WHERE h.action = 'callback' AND h.status <> 'cancelled' AND h.reached_at > h.due)::int AS late,
            count(*) FILTER (WHERE h.action = 'callback' AND h.reached_at IS NULL
                               AND (h.status = 'misrouted' OR (h.status IN ('open', 'attempted') AND h.due < $3)))::int AS never,
            count(*) FILTER (WHERE h.action = 'callback' AND h.reached_at IS NULL AND h.status IN ('open', 'attempted') AND h.due >= $3)::int AS open,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h.first_attempt_at - h.requested_at))
              FILTER (WHERE h.first_attempt_at IS NOT NULL) AS median,
            count(*) FILTER (WHERE h.misrouted_count > 0 AND h.status <> 'cancelled')::int AS misrouted
       FROM h LEFT JOIN teams t ON t.id = h.team_id
      GROUP BY GROUPING SETS ((t.id, t.name), ())
      ORDER BY GROUPING(t.id), lower(t.name) NULLS LAST`,
    [from, to, now],
  );
  const phone = await db.query<{ total: number; firstContact: number; handedOff: number }>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE c.outcome = 'handled_first_contact')::int AS "firstContact",
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id))::int AS "handedOff"
       FROM conversations c WHERE c.channel = 'phone' AND c.created_at >= $1 AND c.created_at < $2`,
    [from, to],
  );
  const { total, firstContact, handedOff } = phone.rows[0]!;
  return {
    teams: rows.filter((row) => row.grouped).map((row) => toFigures(row, row.teamId === null ? null : { id: row.teamId, name: row.teamName! })),
    totals: toFigures(rows.find((row) => !row.grouped), null),
    phoneContacts: { total, firstContact, handedOff, firstContactPercent: percent(firstContact, total) },
  };
}
