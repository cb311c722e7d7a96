// The KPI report's and the chart series' response schemas (GET /api/reports/kpis, /series). Typed
// as z.ZodType<KpiReport> and z.ZodType<KpiSeries>, so a
// change to server/reports/kpi-types.ts that this schema no longer describes fails the type check.
import { z } from 'zod';
import type { TeamFigures } from '../../backoffice/kpis.ts';
import { KPI_PERIOD_KINDS, KPI_SPLITS, type KpiMilestoneKind, type KpiReport, type KpiSeries } from '../../reports/kpi-types.ts';

const count = z.number().int();
const percent = z.number().nullable();

const milestone = z.strictObject({
  metOnTime: count,
  metLate: count,
  breached: count,
  open: count,
  notApplicable: count,
  percentOnTime: percent,
  target: z.number().nullable(),
  meetsTarget: z.boolean().nullable(),
});

const MILESTONE_KINDS = ['acknowledgement', 'answer', 'complexAnswer', 'callback', 'pickup', 'handoff'] as const satisfies readonly KpiMilestoneKind[];

const figures = z.strictObject({
  volume: z.strictObject({ total: count, chat: count.nullable(), email: count.nullable(), phone: count.nullable() }),
  acknowledged: milestone,
  answered: milestone,
  milestones: z.strictObject(Object.fromEntries(MILESTONE_KINDS.map((kind) => [kind, milestone])) as Record<KpiMilestoneKind, typeof milestone>),
  fcr: z.strictObject({
    closed: count,
    closedFirstContact: count,
    repeatedWithin7Days: count,
    firstContactResolved: count,
    percent,
    target: z.literal(80),
    meetsTarget: z.boolean().nullable(),
    outcomes: z.strictObject({ handled_first_contact: count, back_office: count, callback_requested: count, no_answer_needed: count, abandoned: count }),
  }),
  callbacks: z.strictObject({ total: count, withinTerm: count, late: count, never: count, open: count, withinTermPercent: percent }),
  chat: z.strictObject({
    thresholdSeconds: z.number().nullable(),
    queued: count,
    pickedUpWithinTerm: count,
    pickedUpLate: count,
    abandoned: count,
    waiting: count,
    percentWithinTerm: percent,
    medianWaitSeconds: z.number().nullable(),
    abandonedMedianWaitSeconds: z.number().nullable(),
    target: z.number().nullable(),
  }),
  csat: z.strictObject({ responses: count, mean: z.number().nullable(), satisfied: count, percentSatisfied: percent }),
  repeats: z.strictObject({ repeatContacts: count, contacts: count, percent }),
  notApplicable: z.strictObject({
    total: count,
    byReason: z.partialRecord(z.enum(['auto_reply', 'spam', 'duplicate', 'withdrawn', 'abandoned', 'handed_to_back_office', 'handed_to_callback', 'closed_before_tracking']), count),
    byAgent: z.array(z.strictObject({ agentId: count.nullable(), agentName: z.string().nullable(), count })),
  }),
  backlog: z.strictObject({ open: count, breached: count, dueSoon: count, waitingChats: count }),
});

const group = z.strictObject({ split: z.enum(KPI_SPLITS), id: z.union([z.string(), z.number(), z.null()]), name: z.string().nullable(), figures });

const period = z.strictObject({ kind: z.enum(KPI_PERIOD_KINDS), from: z.string(), to: z.string(), fromInstant: z.string(), toInstant: z.string(), zone: z.literal('Europe/Amsterdam') });

export const kpiReportSchema: z.ZodType<KpiReport> = z.strictObject({
  period,
  generatedAt: z.string(),
  norm: z.strictObject({ id: z.string(), name: z.string() }),
  total: figures,
  splits: z.partialRecord(z.enum(KPI_SPLITS), z.array(group)),
  // The back office's figures have their own type (server/backoffice/kpis.ts), described as rows here.
  backoffice: z.array(z.looseObject({})) as unknown as z.ZodType<TeamFigures[]>,
});

export const kpiSeriesSchema: z.ZodType<KpiSeries> = z.strictObject({
  period,
  interval: z.enum(['day', 'week']),
  generatedAt: z.string(),
  compliance: z
    .array(z.strictObject({ start: z.string(), kind: z.enum(MILESTONE_KINDS), metOnTime: count, metLate: count, breached: count, open: count, notApplicable: count, percentOnTime: percent, target: z.number().nullable() }))
    .optional(),
  volume: z.array(z.strictObject({ start: z.string(), chat: count, email: count, phone: count, total: count })).optional(),
  fcr: z.array(z.strictObject({ start: z.string(), closed: count, firstContactResolved: count, percent, target: z.literal(80) })).optional(),
  callbacks: z.array(z.strictObject({ start: z.string(), withinTerm: count, late: count, never: count, open: count })).optional(),
  chatWait: z.array(z.strictObject({ fromSeconds: z.number(), toSeconds: z.number().nullable(), pickedUp: count, abandoned: count })).optional(),
});
