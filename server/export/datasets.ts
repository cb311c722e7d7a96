// The four exports (issue 15 §5): their columns and the one query each, over a period [from, to).
// Columns are documented in docs/export.md (a test keeps the two alike). Figures, not content:
// no message text, subjects or hand-off notes; the citizens' addresses only in contacts.csv.

export const DATASETS = ['conversations', 'contacts', 'milestones', 'handoffs'] as const;
export type Dataset = (typeof DATASETS)[number];

export interface DatasetQuery {
  columns: readonly string[];
  /** SQL with $1 = from, $2 = to; every value comes out as text, a number, a boolean or null. */
  sql: string;
  /** What puts a row in the period, for docs and the audit trail. */
  periodBy: string;
}

// RFC 3339 in Amsterdam time with its offset (2026-10-05T10:00:00+02:00); the export's
// transaction sets the time zone, so DST is PostgreSQL's to get right.
const at = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')`;

/** Which report category a milestone falls in, as GET /api/reports/compliance counts it. */
const COMPLIANCE = `CASE m.state WHEN 'met' THEN 'on_time' WHEN 'met_late' THEN 'late' WHEN 'breached' THEN 'breached'
  WHEN 'not_applicable' THEN 'not_applicable' ELSE 'open' END`;

const QUERIES: Record<Dataset, DatasetQuery> = {
  conversations: {
    periodBy: 'created_at',
    columns: ['id', 'reference', 'channel', 'status', 'outcome', 'outcome_reason', 'created_at', 'picked_up_at', 'closed_at', 'assignee_id', 'assignee_name', 'contact_id', 'csat_score', 'csat_at', 'handoffs'],
    sql: `SELECT c.id, c.reference, c.channel, c.status, c.outcome, c.outcome_reason, ${at('c.created_at')}, ${at('c.picked_up_at')}, ${at('c.closed_at')},
                 c.assignee_id, a.name, c.contact_id, c.csat_score, ${at('c.csat_at')},
                 (SELECT count(*)::int FROM handoffs h WHERE h.conversation_id = c.id)
            FROM conversations c LEFT JOIN agents a ON a.id = c.assignee_id
           WHERE c.created_at >= $1 AND c.created_at < $2
           ORDER BY c.id`,
  },
  contacts: {
    periodBy: 'a conversation created in the period',
    columns: ['id', 'name', 'email', 'phone', 'created_at', 'conversations', 'first_contact_at', 'last_contact_at', 'channels'],
    sql: `SELECT p.id, p.name, p.email, p.phone, ${at('p.created_at')}, count(*)::int, ${at('min(c.created_at)')}, ${at('max(c.created_at)')},
                 string_agg(DISTINCT c.channel, ' ' ORDER BY c.channel)
            FROM conversations c JOIN contacts p ON p.id = c.contact_id
           WHERE c.created_at >= $1 AND c.created_at < $2
           GROUP BY p.id
           ORDER BY p.id`,
  },
  milestones: {
    periodBy: 'due_at (as the compliance report counts)',
    columns: ['id', 'conversation_id', 'reference', 'channel', 'kind', 'norm_id', 'term_unit', 'term_amount', 'term_stated', 'starts_at', 'due_at', 'state', 'compliance', 'met_at', 'met_by', 'breached_at', 'ended_at', 'ended_reason', 'ended_by'],
    sql: `SELECT m.id, m.conversation_id, c.reference, c.channel, m.kind, m.norm_id, m.term_unit, m.term_amount, m.term_stated, ${at('m.starts_at')}, ${at('m.due_at')},
                 m.state, ${COMPLIANCE}, ${at('m.met_at')}, m.met_by, ${at('m.breached_at')}, ${at('m.ended_at')}, m.ended_reason, m.ended_by
            FROM milestones m JOIN conversations c ON c.id = m.conversation_id
           WHERE m.due_at >= $1 AND m.due_at < $2
           ORDER BY m.id`,
  },
  handoffs: {
    periodBy: 'requested_at',
    columns: ['id', 'conversation_id', 'reference', 'action', 'team_id', 'team_name', 'assignee_id', 'assignee_name', 'status', 'term_unit', 'term_amount', 'term_source', 'requested_at', 'due_at', 'attempts', 'first_reached_at', 'completed_at', 'milestone_state', 'misrouted_count', 'created_by'],
    sql: `SELECT h.id, h.conversation_id, c.reference, h.action, h.team_id, t.name, h.assignee_id, a.name, h.status, h.term_unit, h.term_amount, h.term_source,
                 ${at('h.requested_at')}, ${at('coalesce(m.due_at, h.due_at)')},
                 (SELECT count(*)::int FROM handoff_attempts x WHERE x.handoff_id = h.id),
                 (SELECT ${at('min(x.at)')} FROM handoff_attempts x WHERE x.handoff_id = h.id AND x.result = 'reached'),
                 ${at('h.completed_at')}, m.state, h.misrouted_count, h.created_by
            FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
            LEFT JOIN teams t ON t.id = h.team_id LEFT JOIN agents a ON a.id = h.assignee_id LEFT JOIN milestones m ON m.id = h.milestone_id
           WHERE h.requested_at >= $1 AND h.requested_at < $2
           ORDER BY h.id`,
  },
};

export function datasetQuery(dataset: Dataset): DatasetQuery {
  return QUERIES[dataset];
}
