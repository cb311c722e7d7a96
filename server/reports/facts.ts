// The KPI facts of a range of days, straight from the source tables, as the SQL both the rollup
// job (which stores them, rollups.ts) and the reader (for days not rolled up yet: today) run.
// One definition of every figure, so rolled-up and live days can never disagree (domain.md "KPIs").

/** Milestone kinds and their column prefix in report_daily. */
import type { KpiMilestoneKind } from './kpi-types.ts';

export const KIND_PREFIX: Record<KpiMilestoneKind, string> = { acknowledgement: 'ack', answer: 'ans', complexAnswer: 'cpx', callback: 'cb', pickup: 'pu', handoff: 'ho' };
export type KpiKind = KpiMilestoneKind;
export const KPI_KINDS = Object.keys(KIND_PREFIX) as KpiKind[];
/** met, met late, breached (or open past due), open (not yet due, or suspended), not applicable. */
export const STATE_SUFFIXES = ['met', 'late', 'breached', 'open', 'na'] as const;

/** The additive integer columns of report_daily, in table order. */
export const COUNT_COLUMNS: readonly string[] = [
  'created',
  ...KPI_KINDS.flatMap((kind) => STATE_SUFFIXES.map((state) => `${KIND_PREFIX[kind]}_${state}`)),
  'pu_abandoned',
  'closed_hfc',
  'closed_bo',
  'closed_cb',
  'closed_nan',
  'closed_ab',
  'fcr_repeat',
  'csat_n',
  'csat_sum',
  'csat_sat',
  'repeats',
];
export const WAIT_COLUMNS = ['pu_waits', 'ab_waits'] as const;

const ZONE_SQL = `'Europe/Amsterdam'`;
const dayOf = (column: string) => `(${column} AT TIME ZONE ${ZONE_SQL})::date`;

const STATE_OF: Record<(typeof STATE_SUFFIXES)[number], string> = {
  met: `state = 'met'`,
  late: `state = 'met_late'`,
  breached: `state = 'breached'`,
  open: `state IN ('open', 'due_soon', 'suspended')`,
  na: `state = 'not_applicable'`,
};

/**
 * Callbacks "never" (domain.md "KPIs": still open past the term, or closed without contact): the
 * callback milestones breached or open past due. A callback milestone ends not applicable only when
 * its hand-off is cancelled (withdrawn, made by mistake) or a merge ended the later of two promises
 * (the earlier one, kept, carries it): neither is a broken promise, so both are counted beside.
 * The KPI, the series and the drill-down use this one definition.
 */
export const CALLBACK_NEVER_STATES = ['breached'] as const;

/**
 * Same citizen: the contact itself, or another contact with its e-mail address or phone number
 * (domain.md: "a contact by the same citizen (e-mail address or phone)").
 */
export function sameCitizen(contact: string): string {
  return `SELECT ${contact} UNION SELECT k2.id FROM contacts k JOIN contacts k2 ON k2.email = k.email WHERE k.id = ${contact} AND k.email IS NOT NULL
          UNION SELECT k2.id FROM contacts k JOIN contacts k2 ON k2.phone = k.phone WHERE k.id = ${contact} AND k.phone IS NOT NULL`;
}

/**
 * The report_daily column of each close outcome. FCR's denominator is the sum of all of them —
 * domain.md: "÷ all closed" — abandoned chats included: a chat the citizen left before pickup is a
 * closed conversation in which the gemeente did not help the citizen.
 */
export const CLOSED_COLUMNS = { handled_first_contact: 'closed_hfc', back_office: 'closed_bo', callback_requested: 'closed_cb', no_answer_needed: 'closed_nan', abandoned: 'closed_ab' } as const;

/**
 * A conversation `c` closed as afgehandeld in eerste contact that was not handled in the first
 * contact after all (domain.md "KPIs"): the question went to the back office or a callback anyway
 * (a hand-off of its own), or the same citizen came back within 7 days of the close. The KPI facts
 * and the drill-down both use this one condition.
 */
export const FCR_UNDONE = `(EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id)
                     OR (c.contact_id IS NOT NULL AND EXISTS (SELECT 1 FROM conversations y WHERE y.contact_id IN (${sameCitizen('c.contact_id')}) AND y.id <> c.id
                         AND y.created_at > c.closed_at AND y.created_at <= c.closed_at + interval '7 days')))`;

/**
 * Granular facts of milestones due, conversations created, closed and rated in [from, to):
 * one row per (day, channel, agent_id, topic_id) with every count column and the wait arrays.
 * `from`, `to` and `now` are SQL expressions (placeholders); a milestone still open past its due
 * time counts as breached even before the scheduler marks it.
 */
export function factsSql(from: string, to: string, now: string): string {
  const key = `c.channel, coalesce(c.assignee_id, 0) AS agent_id, coalesce(c.topic_id, 0) AS topic_id`;
  const milestoneCounts = KPI_KINDS.flatMap((kind) =>
    STATE_SUFFIXES.map((state) => [`${KIND_PREFIX[kind]}_${state}`, `count(*) FILTER (WHERE kind = '${kind}' AND ${STATE_OF[state]})`] as const),
  );
  const parts: { sql: string; columns: Record<string, string> }[] = [
    {
      sql: `FROM ms GROUP BY 1, 2, 3, 4`,
      columns: Object.fromEntries([...milestoneCounts, ['pu_abandoned', `count(*) FILTER (WHERE kind = 'pickup' AND state = 'not_applicable' AND ended_reason = 'abandoned')`]]),
    },
    {
      sql: `FROM conversations c WHERE c.created_at >= ${from} AND c.created_at < ${to} GROUP BY 1, 2, 3, 4`,
      columns: {
        created: 'count(*)',
        repeats: `count(*) FILTER (WHERE c.contact_id IS NOT NULL AND EXISTS (
                    SELECT 1 FROM conversations y WHERE y.contact_id IN (${sameCitizen('c.contact_id')}) AND y.id <> c.id
                       AND y.closed_at >= c.created_at - interval '7 days' AND y.closed_at < c.created_at))`,
      },
    },
    {
      sql: `FROM conversations c WHERE c.closed_at >= ${from} AND c.closed_at < ${to} AND c.status = 'closed' GROUP BY 1, 2, 3, 4`,
      columns: {
        ...Object.fromEntries(Object.entries(CLOSED_COLUMNS).map(([outcome, column]) => [column, `count(*) FILTER (WHERE c.outcome = '${outcome}')`])),
        fcr_repeat: `count(*) FILTER (WHERE c.outcome = 'handled_first_contact' AND ${FCR_UNDONE})`,
      },
    },
    {
      sql: `FROM conversations c WHERE c.csat_at >= ${from} AND c.csat_at < ${to} AND c.csat_score IS NOT NULL GROUP BY 1, 2, 3, 4`,
      columns: { csat_n: 'count(*)', csat_sum: 'sum(c.csat_score)', csat_sat: 'count(*) FILTER (WHERE c.csat_score >= 4)' },
    },
  ];
  const dayColumn = ['day', dayOf('c.created_at'), dayOf('c.closed_at'), dayOf('c.csat_at')];
  const selects = parts.map((part, index) => {
    const columns = COUNT_COLUMNS.map((column) => `${part.columns[column] ?? '0'}::int AS ${column}`).join(', ');
    const keyColumns = index === 0 ? 'day, channel, agent_id, topic_id' : `${dayColumn[index]} AS day, ${key}`;
    return `SELECT ${keyColumns}, ${columns} ${part.sql}`;
  });
  return `WITH ms AS (
      SELECT ${dayOf('m.due_at')} AS day, ${key}, m.kind, m.ended_reason, m.ended_by, m.starts_at, m.met_at, m.ended_at,
             CASE WHEN m.state IN ('open', 'due_soon') AND m.due_at <= ${now} THEN 'breached' ELSE m.state END AS state
        FROM milestones m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.due_at >= ${from} AND m.due_at < ${to}),
    counts AS (${selects.join('\n      UNION ALL ')}),
    waits AS (
      SELECT day, channel, agent_id, topic_id,
             coalesce(array_agg(extract(epoch FROM met_at - starts_at)::real ORDER BY met_at - starts_at) FILTER (WHERE state IN ('met', 'met_late')), '{}') AS pu_waits,
             coalesce(array_agg(extract(epoch FROM ended_at - starts_at)::real ORDER BY ended_at - starts_at) FILTER (WHERE state = 'not_applicable' AND ended_reason = 'abandoned'), '{}') AS ab_waits
        FROM ms WHERE kind = 'pickup' GROUP BY 1, 2, 3, 4),
    summed AS (
      SELECT day, channel, agent_id, topic_id, ${COUNT_COLUMNS.map((column) => `sum(${column})::int AS ${column}`).join(', ')}
        FROM counts GROUP BY 1, 2, 3, 4)
    SELECT s.*, coalesce(w.pu_waits, '{}') AS pu_waits, coalesce(w.ab_waits, '{}') AS ab_waits
      FROM summed s LEFT JOIN waits w USING (day, channel, agent_id, topic_id)`;
}

/** Not-applicable milestones due in [from, to): per (day, channel, agent_id, topic_id, reason, ended_by). */
export function notApplicableFactsSql(from: string, to: string): string {
  return `SELECT ${dayOf('m.due_at')} AS day, c.channel, coalesce(c.assignee_id, 0) AS agent_id, coalesce(c.topic_id, 0) AS topic_id,
                 m.ended_reason AS reason, coalesce(m.ended_by, 0) AS ended_by, count(*)::int AS count
            FROM milestones m JOIN conversations c ON c.id = m.conversation_id
           WHERE m.due_at >= ${from} AND m.due_at < ${to} AND m.state = 'not_applicable'
           GROUP BY 1, 2, 3, 4, 5, 6`;
}

/** The dimension rows of report_daily from granular facts: GROUPING SETS over channel, agent and topic ('' : none). */
export function projectSql(facts: string): string {
  return `SELECT day,
                 CASE WHEN grouping(channel) = 0 THEN 'channel' WHEN grouping(agent_id) = 0 THEN 'agent' ELSE 'topic' END AS dim,
                 coalesce(CASE WHEN grouping(channel) = 0 THEN channel WHEN grouping(agent_id) = 0 THEN nullif(agent_id, 0)::text ELSE nullif(topic_id, 0)::text END, '') AS key,
                 ${COUNT_COLUMNS.map((column) => `sum(${column})::int AS ${column}`).join(', ')},
                 report_waits_cat(pu_waits) AS pu_waits, report_waits_cat(ab_waits) AS ab_waits
            FROM (${facts}) f
           GROUP BY GROUPING SETS ((day, channel), (day, agent_id), (day, topic_id))`;
}

/** The same projection for the not-applicable facts. */
export function projectNotApplicableSql(facts: string): string {
  return `SELECT day,
                 CASE WHEN grouping(channel) = 0 THEN 'channel' WHEN grouping(agent_id) = 0 THEN 'agent' ELSE 'topic' END AS dim,
                 coalesce(CASE WHEN grouping(channel) = 0 THEN channel WHEN grouping(agent_id) = 0 THEN nullif(agent_id, 0)::text ELSE nullif(topic_id, 0)::text END, '') AS key,
                 reason, coalesce(nullif(ended_by, 0)::text, '') AS ended_by, sum(count)::int AS count
            FROM (${facts}) f
           GROUP BY GROUPING SETS ((day, channel, reason, ended_by), (day, agent_id, reason, ended_by), (day, topic_id, reason, ended_by))`;
}
