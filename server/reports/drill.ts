// Drill-down (issue 15 §4): the conversations behind one KPI segment of a period — every counter
// and chart segment of the dashboard opens this list. One row per counted fact (a milestone, a
// close, a rating, a creation), so the list's total equals the figure it was opened from; the
// conditions repeat facts.ts's definitions (a milestone still open past its due time is breached).
// GET /api/reports/drill, supervisors and admins, paginated.
import { z } from 'zod';
import type { Db } from '../db/index.ts';
import { Params } from '../inbox/list.ts';
import { CALLBACK_NEVER_STATES, FCR_UNDONE, sameCitizen } from './facts.ts';
import type { KpiMilestoneKind, KpiPeriod } from './kpi-types.ts';

/** The segments a list can be opened for (the figure's path in KpiFigures, flattened). */
export const DRILL_MEASURES = [
  'volume',
  'milestone.metOnTime',
  'milestone.metLate',
  'milestone.breached',
  'milestone.open',
  'milestone.notApplicable',
  'fcr.closed',
  'fcr.closedFirstContact',
  'fcr.repeatedWithin7Days',
  'fcr.firstContactResolved',
  'fcr.outcome',
  'callbacks.withinTerm',
  'callbacks.late',
  'callbacks.never',
  'callbacks.open',
  'chat.pickedUpWithinTerm',
  'chat.pickedUpLate',
  'chat.abandoned',
  'chat.waiting',
  'chat.wait',
  'csat.responses',
  'csat.satisfied',
  'repeats',
  'notApplicable',
  'backlog.open',
  'backlog.breached',
  'backlog.dueSoon',
  'backlog.waitingChats',
] as const;
export type DrillMeasure = (typeof DRILL_MEASURES)[number];

const MILESTONE_KINDS = ['acknowledgement', 'answer', 'complexAnswer', 'callback', 'pickup', 'handoff'] as const;
/** `answered` on the dashboard is both answer kinds together. */
const KIND_GROUPS = [...MILESTONE_KINDS, 'answered'] as const;
const OUTCOMES = ['handled_first_contact', 'back_office', 'callback_requested', 'no_answer_needed', 'abandoned'] as const;

const id = z.coerce.number().int().positive();
/** An id, or `none` for the group without one (no agent, team or topic). */
const idOrNone = z.union([z.literal('none'), id]);

export const drillFilter = z
  .object({
    measure: z.enum(DRILL_MEASURES),
    /** milestone.*: which kind (answered = answer and complexAnswer). */
    kind: z.enum(KIND_GROUPS).optional(),
    /** fcr.outcome: which outcome. */
    outcome: z.enum(OUTCOMES).optional(),
    /** notApplicable: one reason only. */
    reason: z.string().regex(/^[a-z_]{1,40}$/).optional(),
    /** chat.wait: the bucket [waitFrom, waitTo) in seconds (waitTo absent: and longer), and which side. */
    waitFrom: z.coerce.number().int().min(0).max(86_400).optional(),
    waitTo: z.coerce.number().int().min(1).max(86_400).optional(),
    waited: z.enum(['pickedUp', 'abandoned']).optional(),
    channel: z.enum(['chat', 'email', 'phone']).optional(),
    agent: idOrNone.optional(),
    team: idOrNone.optional(),
    topic: idOrNone.optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(25),
  })
  .superRefine((value, context) => {
    if (value.measure.startsWith('milestone.') && !value.kind) context.addIssue({ code: 'custom', path: ['kind'], message: 'required with a milestone measure' });
    if (value.measure === 'fcr.outcome' && !value.outcome) context.addIssue({ code: 'custom', path: ['outcome'], message: 'required with fcr.outcome' });
    if (value.measure === 'chat.wait' && (value.waitFrom === undefined || !value.waited)) context.addIssue({ code: 'custom', path: ['waitFrom'], message: 'waitFrom and waited required with chat.wait' });
  });
export type DrillFilter = z.infer<typeof drillFilter>;

export interface DrillRow {
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
  status: string;
  subject: string | null;
  assignee: string | null;
  topic: string | null;
  /** ISO 8601: when the fact counted happened or was due (due time, close, rating, creation). */
  at: string;
  /** The milestone's kind and state where the fact is a milestone. */
  milestone: { kind: KpiMilestoneKind; state: string } | null;
}

export interface DrillList {
  period: KpiPeriod;
  measure: DrillMeasure;
  total: number;
  page: number;
  pageSize: number;
  rows: DrillRow[];
}

/** Milestone states as the KPIs count them (facts.ts STATE_OF, with open past due as breached). */
const STATE_SQL: Record<string, string> = {
  metOnTime: `m.state = 'met'`,
  metLate: `m.state = 'met_late'`,
  breached: `(m.state = 'breached' OR (m.state IN ('open', 'due_soon') AND m.due_at <= now()))`,
  open: `(m.state = 'suspended' OR (m.state IN ('open', 'due_soon') AND m.due_at > now()))`,
  notApplicable: `m.state = 'not_applicable'`,
};

const REPEAT_BEFORE = `c.contact_id IS NOT NULL AND EXISTS (SELECT 1 FROM conversations y WHERE y.contact_id IN (${sameCitizen('c.contact_id')}) AND y.id <> c.id
                         AND y.closed_at >= c.created_at - interval '7 days' AND y.closed_at < c.created_at)`;
/** The fact source of a measure: milestones (m joined to c), or conversations alone, with its time column and conditions. */
function sourceOf(filter: DrillFilter, params: Params, period: KpiPeriod): { milestones: boolean; at: string; where: string[] } {
  // Placeholders are added where they are used: PostgreSQL refuses a parameter it cannot type.
  const from = () => params.add(period.fromInstant);
  const to = () => params.add(period.toInstant);
  const due = () => [`m.due_at >= ${from()}`, `m.due_at < ${to()}`];
  const milestone = (kinds: readonly string[], states: readonly string[], extra: string[] = []) => ({
    milestones: true,
    at: 'm.due_at',
    where: [...due(), `m.kind::text = ANY(${params.add(kinds)}::text[])`, `(${states.map((state) => STATE_SQL[state]!).join(' OR ')})`, ...extra],
  });
  const kinds = filter.kind === 'answered' ? ['answer', 'complexAnswer'] : [filter.kind ?? ''];
  const closed = () => [`c.closed_at >= ${from()}`, `c.closed_at < ${to()}`, `c.status = 'closed'`];
  const created = () => ({ milestones: false, at: 'c.created_at', where: [`c.created_at >= ${from()}`, `c.created_at < ${to()}`] });
  const wait = (end: string) => {
    const seconds = `extract(epoch FROM ${end} - m.starts_at)`;
    return [`${seconds} >= ${params.add(filter.waitFrom ?? 0)}`, ...(filter.waitTo === undefined ? [] : [`${seconds} < ${params.add(filter.waitTo)}`])];
  };
  switch (filter.measure) {
    case 'volume':
      return created();
    case 'repeats': {
      const base = created();
      return { ...base, where: [...base.where, REPEAT_BEFORE] };
    }
    case 'milestone.metOnTime':
    case 'milestone.metLate':
    case 'milestone.breached':
    case 'milestone.open':
    case 'milestone.notApplicable':
      return milestone(kinds, [filter.measure.slice('milestone.'.length)]);
    case 'notApplicable':
      return milestone(MILESTONE_KINDS, ['notApplicable'], filter.reason ? [`m.ended_reason = ${params.add(filter.reason)}`] : []);
    case 'callbacks.withinTerm':
      return milestone(['callback'], ['metOnTime']);
    case 'callbacks.late':
      return milestone(['callback'], ['metLate']);
    case 'callbacks.never':
      return milestone(['callback'], CALLBACK_NEVER_STATES);
    case 'callbacks.open':
      return milestone(['callback'], ['open']);
    case 'chat.pickedUpWithinTerm':
      return milestone(['pickup'], ['metOnTime']);
    case 'chat.pickedUpLate':
      return milestone(['pickup'], ['metLate']);
    case 'chat.abandoned':
      return milestone(['pickup'], ['notApplicable'], [`m.ended_reason = 'abandoned'`]);
    case 'chat.waiting':
      return milestone(['pickup'], ['open', 'breached']);
    case 'chat.wait':
      return filter.waited === 'abandoned'
        ? milestone(['pickup'], ['notApplicable'], [`m.ended_reason = 'abandoned'`, ...wait('m.ended_at')])
        : milestone(['pickup'], ['metOnTime', 'metLate'], wait('m.met_at'));
    case 'fcr.closed':
      // Every close, abandoned chats included: FCR's denominator (facts.ts CLOSED_COLUMNS).
      return { milestones: false, at: 'c.closed_at', where: closed() };
    case 'fcr.closedFirstContact':
      return { milestones: false, at: 'c.closed_at', where: [...closed(), `c.outcome = 'handled_first_contact'`] };
    case 'fcr.repeatedWithin7Days':
      return { milestones: false, at: 'c.closed_at', where: [...closed(), `c.outcome = 'handled_first_contact'`, FCR_UNDONE] };
    case 'fcr.firstContactResolved':
      return { milestones: false, at: 'c.closed_at', where: [...closed(), `c.outcome = 'handled_first_contact'`, `NOT ${FCR_UNDONE}`] };
    case 'fcr.outcome':
      return { milestones: false, at: 'c.closed_at', where: [...closed(), `c.outcome = ${params.add(filter.outcome)}`] };
    case 'csat.responses':
    case 'csat.satisfied':
      return {
        milestones: false,
        at: 'c.csat_at',
        where: [`c.csat_at >= ${from()}`, `c.csat_at < ${to()}`, `c.csat_score IS NOT NULL`, ...(filter.measure === 'csat.satisfied' ? ['c.csat_score >= 4'] : [])],
      };
    // The backlog is open work now, not bound to the period.
    case 'backlog.open':
      return { milestones: false, at: 'c.created_at', where: [`c.status <> 'closed'`] };
    case 'backlog.breached':
      return { milestones: false, at: 'c.created_at', where: [`c.status <> 'closed'`, 'c.breached'] };
    case 'backlog.dueSoon':
      return { milestones: false, at: 'c.created_at', where: [`c.status <> 'closed'`, `c.next_due_state = 'due_soon'`] };
    case 'backlog.waitingChats':
      return { milestones: false, at: 'c.created_at', where: [`c.status <> 'closed'`, `c.channel = 'chat'`, `c.status = 'new'`] };
  }
}

/** The split group the list is narrowed to, as the KPI splits define them (team: the assignee's teams now). */
function groupWhere(filter: DrillFilter, params: Params): string[] {
  const where: string[] = [];
  if (filter.channel) where.push(`c.channel = ${params.add(filter.channel)}`);
  if (filter.agent !== undefined) where.push(filter.agent === 'none' ? 'c.assignee_id IS NULL' : `c.assignee_id = ${params.add(filter.agent)}`);
  if (filter.topic !== undefined) where.push(filter.topic === 'none' ? 'c.topic_id IS NULL' : `c.topic_id = ${params.add(filter.topic)}`);
  if (filter.team !== undefined)
    where.push(
      filter.team === 'none'
        ? 'NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.agent_id = c.assignee_id)'
        : `EXISTS (SELECT 1 FROM team_members tm WHERE tm.agent_id = c.assignee_id AND tm.team_id = ${params.add(filter.team)})`,
    );
  return where;
}

export async function drillList(db: Db, period: KpiPeriod, filter: DrillFilter): Promise<DrillList> {
  const params = new Params();
  const source = sourceOf(filter, params, period);
  const where = [...source.where, ...groupWhere(filter, params)];
  const limit = params.add(filter.pageSize);
  const offset = params.add((filter.page - 1) * filter.pageSize);
  const milestoneColumns = source.milestones ? `m.kind AS m_kind, CASE WHEN m.state IN ('open', 'due_soon') AND m.due_at <= now() THEN 'breached' ELSE m.state END AS m_state` : 'NULL AS m_kind, NULL AS m_state';
  const { rows } = await db.query<{ id: number; reference: string; channel: DrillRow['channel']; status: string; subject: string | null; assignee: string | null; topic: string | null; at: Date; m_kind: KpiMilestoneKind | null; m_state: string | null; total: number }>(
    `SELECT c.id, c.reference, c.channel, c.status, c.subject, a.name AS assignee, t.name AS topic, ${source.at} AS at, ${milestoneColumns}, count(*) OVER ()::int AS total
       FROM ${source.milestones ? 'milestones m JOIN conversations c ON c.id = m.conversation_id' : 'conversations c'}
       LEFT JOIN agents a ON a.id = c.assignee_id
       LEFT JOIN topics t ON t.id = c.topic_id
      WHERE ${where.join(' AND ')}
      ORDER BY ${source.at} DESC, c.id DESC
      LIMIT ${limit} OFFSET ${offset}`,
    params.values,
  );
  // Past the last page there are no rows to carry the total: count alone.
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && filter.page > 1) {
    const counted = new Params();
    const again = sourceOf(filter, counted, period);
    const all = [...again.where, ...groupWhere(filter, counted)];
    const { rows: count } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${again.milestones ? 'milestones m JOIN conversations c ON c.id = m.conversation_id' : 'conversations c'} WHERE ${all.join(' AND ')}`,
      counted.values,
    );
    total = count[0]!.n;
  }
  return {
    period,
    measure: filter.measure,
    total,
    page: filter.page,
    pageSize: filter.pageSize,
    rows: rows.map((row) => ({
      conversationId: row.id,
      reference: row.reference,
      channel: row.channel,
      status: row.status,
      subject: row.subject,
      assignee: row.assignee,
      topic: row.topic,
      at: row.at.toISOString(),
      milestone: row.m_kind ? { kind: row.m_kind, state: row.m_state! } : null,
    })),
  };
}
