// Every KPI of domain.md over a period, in all and split by channel, team, agent and topic
// (issue 15 §1): sums of the day rows (rows.ts), the backlog as it stands, and the back office's
// hand-off figures (server/backoffice/kpis.ts, owned by the back office and called as it is).
import { DateTime } from 'luxon';
import { backofficeFigures } from '../backoffice/kpis.ts';
import type { Db } from '../db/index.ts';
import { loadServiceSettings, allNorms } from '../deadlines/settings.ts';
import type { Norm } from '../deadlines/norms.ts';
import { ZONE } from '../deadlines/zone.ts';
import { Params } from '../inbox/list.ts';
import { CLOSED_COLUMNS, COUNT_COLUMNS, KIND_PREFIX, KPI_KINDS, type KpiKind } from './facts.ts';
import type { BacklogKpi, KpiFigures, KpiGroup, KpiPeriod, KpiReport, KpiSplit, MilestoneKpi, NotApplicableKpi } from './kpi-types.ts';
import { dayRowsSql, daySources, notApplicableRowsSql, reportQuery, SUMS_SQL, type CountRow, type DaySources } from './rows.ts';

/** The national goal for handling in the first contact (domain.md: 80%). */
export const FCR_TARGET = 80;

const percent = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((1000 * part) / whole) / 10);

/**
 * The rows every group is summed from: the day rows of the dimensions read, plus — for the team
 * split — the agent rows once per team of that agent (today's members; an agent in two teams counts
 * in both, one in none in the team ''). `columns` are the columns carried.
 */
function unitsSql(splits: readonly KpiSplit[], columns: string): string {
  const team = splits.includes('team')
    ? `\n UNION ALL SELECT 'team'::text AS dim, coalesce(tm.team_id::text, '') AS key, ${columns} FROM r LEFT JOIN team_members tm ON tm.agent_id::text = r.key WHERE r.dim = 'agent'`
    : '';
  return `SELECT dim, key, ${columns} FROM r${team}`;
}

/**
 * One pass for every group: GROUPING SETS per (dim, key) for the splits and per dim for the total
 * (the channel rows together are the whole). `extra`: more grouping columns in both sets.
 */
function groupingSql(extra = ''): { select: string; groupBy: string } {
  const more = extra ? `, ${extra}` : '';
  return {
    select: `CASE WHEN grouping(key) = 1 THEN 'total' ELSE dim END AS split, CASE WHEN grouping(key) = 1 THEN '' ELSE key END AS gkey`,
    groupBy: `GROUP BY GROUPING SETS ((dim, key${more}), (dim${more})) HAVING grouping(key) = 0 OR dim = 'channel'`,
  };
}

function dimsFor(splits: readonly KpiSplit[]): string[] {
  return ['channel', ...(splits.includes('agent') || splits.includes('team') ? ['agent'] : []), ...(splits.includes('topic') ? ['topic'] : [])];
}

/**
 * The median of a wait column per group and for the total. Not by GROUPING SETS as the sums: that
 * would sort the waits of every dimension for a total only the channel rows give (the sort of the
 * waits is most of a month's cost).
 */
function medianSql(waits: string, as: string): string {
  const median = `percentile_cont(0.5) WITHIN GROUP (ORDER BY w)::float8 AS ${as}`;
  return `SELECT dim AS split, key AS gkey, ${median} FROM u, unnest(u.${waits}) w GROUP BY dim, key
          UNION ALL SELECT 'total', '', ${median} FROM u, unnest(u.${waits}) w WHERE u.dim = 'channel' HAVING count(*) > 0`;
}

type SumRow = CountRow & { split: string; gkey: string; pu_median: number | null; ab_median: number | null };

async function sums(db: Db, sources: DaySources, splits: readonly KpiSplit[]): Promise<SumRow[]> {
  const params = new Params();
  const rows = dayRowsSql(sources, params, dimsFor(splits));
  const { select, groupBy } = groupingSql();
  return reportQuery<SumRow>(
    db,
    `WITH r AS MATERIALIZED (${rows}),
          u AS MATERIALIZED (${unitsSql(splits, `${COUNT_COLUMNS.join(', ')}, pu_waits, ab_waits`)}),
          s AS (SELECT ${select}, ${SUMS_SQL} FROM u ${groupBy}),
          pu AS (${medianSql('pu_waits', 'pu_median')}),
          ab AS (${medianSql('ab_waits', 'ab_median')})
     SELECT s.*, pu.pu_median, ab.ab_median FROM s LEFT JOIN pu USING (split, gkey) LEFT JOIN ab USING (split, gkey)`,
    params.values,
  );
}

type NaRow = { split: string; gkey: string; reason: string; ended_by: string; count: number };

async function notApplicable(db: Db, sources: DaySources, splits: readonly KpiSplit[]): Promise<NaRow[]> {
  const params = new Params();
  const rows = notApplicableRowsSql(sources, params, dimsFor(splits));
  const { select, groupBy } = groupingSql('reason, ended_by');
  return reportQuery<NaRow>(
    db,
    `WITH r AS MATERIALIZED (${rows}), u AS (${unitsSql(splits, 'reason, ended_by, count')})
     SELECT ${select}, reason, ended_by, sum(count)::int AS count FROM u ${groupBy}`,
    params.values,
  );
}

type BacklogRow = BacklogKpi & { split: string; gkey: string };

/**
 * Open work now, per split. Total, channel, agent and team from the inbox's own count deltas
 * (server/inbox/counts.ts: kept by its triggers per channel, status, assignee, due soon and
 * breached), so no open conversation is read. Topic, which the deltas do not know: a topic is set
 * at a close, so only reopened conversations are open with one — counted through their own small
 * partial index (migration 0026); topic none is the total minus them.
 */
async function backlog(db: Db, splits: readonly KpiSplit[]): Promise<BacklogRow[]> {
  const counts = `count(*)::int`;
  const parts = [`SELECT 'total'::text AS split, ''::text AS gkey, o.* FROM o`];
  if (splits.includes('channel')) parts.push(`SELECT 'channel', o.channel, o.* FROM o`);
  if (splits.includes('agent')) parts.push(`SELECT 'agent', o.agent, o.* FROM o`);
  if (splits.includes('team')) parts.push(`SELECT 'team', coalesce(tm.team_id::text, ''), o.* FROM o LEFT JOIN team_members tm ON tm.agent_id::text = o.agent`);
  const sum = (condition: string) => `coalesce(sum(n) FILTER (WHERE ${condition}), 0)::int`;
  const [{ rows }, topics] = await Promise.all([
    db.query<BacklogRow>(
      `WITH o AS MATERIALIZED (
          SELECT channel, coalesce(assignee_id::text, '') AS agent, status, due_soon, breached, sum(delta) AS n
            FROM inbox_count_deltas GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0),
            k AS (${parts.join(' UNION ALL ')})
       SELECT split, gkey, ${sum('true')} AS open, ${sum('breached')} AS breached, ${sum('due_soon')} AS "dueSoon",
              ${sum(`channel = 'chat' AND status = 'new'`)} AS "waitingChats"
         FROM k GROUP BY 1, 2`,
    ),
    splits.includes('topic')
      ? db.query<BacklogRow>(
          `SELECT 'topic' AS split, topic_id::text AS gkey, ${counts} AS open, count(*) FILTER (WHERE breached)::int AS breached,
                  count(*) FILTER (WHERE next_due_state = 'due_soon')::int AS "dueSoon", count(*) FILTER (WHERE channel = 'chat' AND status = 'new')::int AS "waitingChats"
             FROM conversations WHERE status <> 'closed' AND topic_id IS NOT NULL GROUP BY 2`,
        )
      : Promise.resolve({ rows: [] as BacklogRow[] }),
  ]);
  if (splits.includes('topic')) {
    const total = rows.find((row) => row.split === 'total') ?? { ...EMPTY_BACKLOG };
    const none: BacklogRow = { split: 'topic', gkey: '', open: total.open, breached: total.breached, dueSoon: total.dueSoon, waitingChats: total.waitingChats };
    for (const row of topics.rows) for (const figure of ['open', 'breached', 'dueSoon', 'waitingChats'] as const) none[figure] -= row[figure];
    if (none.open > 0) topics.rows.push(none);
  }
  return [...rows.filter((row) => row.open > 0 || row.split === 'total'), ...topics.rows];
}

function targetOf(norm: Norm | undefined, kind: KpiKind): number | null {
  if (!norm) return null;
  // The hand-off's own milestone is held to the callback target (its term is the callback term's or the team's).
  const key = kind === 'pickup' ? 'chatPickup' : kind === 'handoff' ? 'callback' : kind;
  return norm.targets[key] ?? (kind === 'complexAnswer' ? (norm.targets.answer ?? null) : null);
}

function milestoneKpi(row: CountRow, prefixes: readonly string[], target: number | null): MilestoneKpi {
  const sum = (state: string) => prefixes.reduce((total, prefix) => total + (row[`${prefix}_${state}`] ?? 0), 0);
  const metOnTime = sum('met');
  const metLate = sum('late');
  const breached = sum('breached');
  const rate = percent(metOnTime, metOnTime + metLate + breached);
  return { metOnTime, metLate, breached, open: sum('open'), notApplicable: sum('na'), percentOnTime: rate, target, meetsTarget: rate === null || target === null ? null : rate >= target };
}

const EMPTY_BACKLOG: BacklogKpi = { open: 0, breached: 0, dueSoon: 0, waitingChats: 0 };

/** The KPI figures of one group from its summed counts, medians, not-applicable rows and backlog. */
export function figuresOf(row: (CountRow & { pu_median?: number | null; ab_median?: number | null }) | undefined, na: readonly NaRow[], open: BacklogKpi | undefined, norm: Norm | undefined, agentNames: ReadonlyMap<string, string>): KpiFigures {
  const counts = (row ?? {}) as CountRow;
  const n = (column: string) => counts[column] ?? 0;
  const milestones = Object.fromEntries(KPI_KINDS.map((kind) => [kind, milestoneKpi(counts, [KIND_PREFIX[kind]], targetOf(norm, kind))])) as Record<KpiKind, MilestoneKpi>;
  // domain.md: ÷ all closed — every close outcome, abandoned chats included.
  const closed = Object.values(CLOSED_COLUMNS).reduce((sum, column) => sum + n(column), 0);
  const resolved = n('closed_hfc') - n('fcr_repeat');
  const fcrPercent = percent(resolved, closed);
  const callback = milestones.callback;
  const pickup = milestones.pickup;
  const csatN = n('csat_n');
  const byReason: Record<string, number> = {};
  const byAgent = new Map<string, number>();
  for (const line of na) {
    byReason[line.reason] = (byReason[line.reason] ?? 0) + line.count;
    byAgent.set(line.ended_by, (byAgent.get(line.ended_by) ?? 0) + line.count);
  }
  const notApplicable: NotApplicableKpi = {
    total: na.reduce((total, line) => total + line.count, 0),
    byReason,
    byAgent: [...byAgent]
      .map(([id, count]) => ({ agentId: id === '' ? null : Number(id), agentName: id === '' ? null : (agentNames.get(id) ?? null), count }))
      .sort((a, b) => b.count - a.count || (a.agentName ?? '').localeCompare(b.agentName ?? '')),
  };
  const threshold = norm?.terms.chatPickup;
  return {
    volume: { total: n('created'), chat: null, email: null, phone: null },
    acknowledged: milestones.acknowledgement,
    answered: milestoneKpi(counts, [KIND_PREFIX.answer, KIND_PREFIX.complexAnswer], targetOf(norm, 'answer')),
    milestones,
    fcr: {
      closed,
      closedFirstContact: n('closed_hfc'),
      repeatedWithin7Days: n('fcr_repeat'),
      firstContactResolved: resolved,
      percent: fcrPercent,
      target: FCR_TARGET,
      meetsTarget: fcrPercent === null ? null : fcrPercent >= FCR_TARGET,
      outcomes: { handled_first_contact: n(CLOSED_COLUMNS.handled_first_contact), back_office: n(CLOSED_COLUMNS.back_office), callback_requested: n(CLOSED_COLUMNS.callback_requested), no_answer_needed: n(CLOSED_COLUMNS.no_answer_needed), abandoned: n(CLOSED_COLUMNS.abandoned) },
    },
    callbacks: {
      total: callback.metOnTime + callback.metLate + callback.breached + callback.open + callback.notApplicable,
      withinTerm: callback.metOnTime,
      late: callback.metLate,
      // Never: past the term unmet (facts.ts CALLBACK_NEVER_STATES). A callback ends not applicable
      // only when its hand-off was cancelled (the citizen withdrew, made by mistake) or a merge moved
      // the promise to the kept conversation's callback: no broken promise, counted beside (`total`).
      never: callback.breached,
      open: callback.open,
      withinTermPercent: percent(callback.metOnTime, callback.metOnTime + callback.metLate + callback.breached),
    },
    chat: {
      thresholdSeconds: threshold && threshold.unit === 'seconds' ? threshold.amount : null,
      queued: pickup.metOnTime + pickup.metLate + pickup.breached + pickup.open + pickup.notApplicable,
      pickedUpWithinTerm: pickup.metOnTime,
      pickedUpLate: pickup.metLate,
      abandoned: n('pu_abandoned'),
      // Still in the queue: within the threshold (open) or past it (breached).
      waiting: pickup.open + pickup.breached,
      percentWithinTerm: pickup.percentOnTime,
      medianWaitSeconds: row?.pu_median == null ? null : Math.round(row.pu_median * 10) / 10,
      abandonedMedianWaitSeconds: row?.ab_median == null ? null : Math.round(row.ab_median * 10) / 10,
      target: pickup.target,
    },
    csat: { responses: csatN, mean: csatN === 0 ? null : Math.round((100 * n('csat_sum')) / csatN) / 100, satisfied: n('csat_sat'), percentSatisfied: percent(n('csat_sat'), csatN) },
    repeats: { repeatContacts: n('repeats'), contacts: n('created'), percent: percent(n('repeats'), n('created')) },
    notApplicable,
    backlog: open ? { open: open.open, breached: open.breached, dueSoon: open.dueSoon, waitingChats: open.waitingChats } : EMPTY_BACKLOG,
  };
}

/** Display names of agents (for not-applicable lines too), teams and topics, in one query. */
async function namesOf(db: Db, splits: readonly KpiSplit[]): Promise<Record<'agent' | 'team' | 'topic', Map<string, string>>> {
  const { rows } = await db.query<{ kind: 'agent' | 'team' | 'topic'; id: string; name: string }>(
    `SELECT 'agent' AS kind, id::text AS id, name FROM agents
     ${splits.includes('team') ? `UNION ALL SELECT 'team', id::text, name FROM teams` : ''}
     ${splits.includes('topic') ? `UNION ALL SELECT 'topic', id::text, name FROM topics` : ''}`,
  );
  const names = { agent: new Map<string, string>(), team: new Map<string, string>(), topic: new Map<string, string>() };
  for (const row of rows) names[row.kind].set(row.id, row.name);
  return names;
}

async function activeNorm(db: Db): Promise<Norm | undefined> {
  const [settings, norms] = await Promise.all([loadServiceSettings(db), allNorms(db)]);
  return norms.get(settings.activeNormId);
}

/** The whole report: total, the requested splits, the back office per team. */
export async function kpiReport(db: Db, period: KpiPeriod, splits: readonly KpiSplit[], now = new Date()): Promise<KpiReport> {
  const sources = await daySources(db, period.from, period.to, { notApplicable: true });
  const find = <T extends { split: string; gkey: string }>(rows: readonly T[], split: string, key: string) => rows.find((row) => row.split === split && row.gkey === key);
  // The channel rows are summed always: they give the total its volume per channel.
  const summed: KpiSplit[] = splits.includes('channel') ? [...splits] : [...splits, 'channel'];
  const [sumRows, naRows, backlogRows, names, norm, backoffice] = await Promise.all([
    sums(db, sources, summed),
    notApplicable(db, sources, splits),
    backlog(db, splits),
    namesOf(db, splits),
    activeNorm(db),
    backofficeFigures(db, new Date(period.fromInstant), new Date(period.toInstant), now),
  ]);
  const channelCreated = (channel: string) => find(sumRows, 'channel', channel)?.['created'] ?? 0;
  const figures = (split: string, key: string): KpiFigures => {
    const result = figuresOf(find(sumRows, split, key), naRows.filter((row) => row.split === split && row.gkey === key), find(backlogRows, split, key), norm, names.agent);
    if (split === 'total') result.volume = { total: result.volume.total, chat: channelCreated('chat'), email: channelCreated('email'), phone: channelCreated('phone') };
    if (split === 'channel') result.volume = { total: result.volume.total, chat: 0, email: 0, phone: 0, [key]: result.volume.total };
    return result;
  };
  const groups: Partial<Record<KpiSplit, KpiGroup[]>> = {};
  for (const split of splits) {
    const keys = new Set([...sumRows, ...backlogRows].filter((row) => row.split === split).map((row) => row.gkey));
    groups[split] = [...keys]
      .map((key): KpiGroup => ({
        split,
        id: key === '' ? null : split === 'channel' ? key : Number(key),
        name: key === '' ? null : split === 'channel' ? key : (names[split as 'agent' | 'team' | 'topic'].get(key) ?? null),
        figures: figures(split, key),
      }))
      .sort((a, b) => (a.id === null ? 1 : b.id === null ? -1 : (a.name ?? '').localeCompare(b.name ?? '', 'nl')));
  }
  return {
    period,
    generatedAt: DateTime.fromJSDate(now, { zone: ZONE }).toISO()!,
    norm: { id: norm?.id ?? '', name: norm?.name ?? '' },
    total: figures('total', ''),
    splits: groups,
    backoffice,
  };
}
