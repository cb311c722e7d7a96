// What supervisors watch (GET /api/reports/overview) and what admins set (GET/PUT /api/settings/service).
import { api } from './http.ts';

// The report's line as the deadline engine computes it: one declaration for server and inbox.
export type { ComplianceLine } from '../../../server/deadlines/compliance.ts';
import type { ComplianceLine } from '../../../server/deadlines/compliance.ts';

export interface Overview {
  open: number;
  breached: number;
  dueSoon: number;
  waitingChats: number;
  agentsOnline: number;
  /** The compliance report's body for this ISO week (GET /api/reports/compliance's shape). */
  compliance: { lines: ComplianceLine[]; norms?: Record<string, string>; from?: string; to?: string } | ComplianceLine[];
}

export function overview(): Promise<Overview> {
  return api<Overview>('GET', '/api/reports/overview');
}

/** The lines of a compliance body, whichever of the two shapes it has. */
export function complianceLines(compliance: Overview['compliance']): ComplianceLine[] {
  return Array.isArray(compliance) ? compliance : (compliance.lines ?? []);
}

/** The norm's name ("VNG-normen") where the report names it, else its id. */
export function normName(compliance: Overview['compliance'], normId: string): string {
  return (Array.isArray(compliance) ? undefined : compliance.norms?.[normId]) ?? normId;
}

export interface ServiceSettings {
  activeNormId: string;
  /** The BUSINESS_HOURS syntax, e.g. "mon-fri 08:30-17:00". */
  businessHours: string;
  chatHours: string;
  closureDays: string[];
  dueSoonHours: number;
  version: number;
  updatedAt: string | null;
}

export interface NormChoice {
  id: string;
  name: string;
}

export async function serviceSettings(): Promise<ServiceSettings> {
  return (await api<{ settings: ServiceSettings }>('GET', '/api/settings/service')).settings;
}

/** Every norm an admin can make active: the presets and the gemeente's own (public GET /api/norms). */
export async function norms(): Promise<NormChoice[]> {
  return (await api<{ norms: NormChoice[] }>('GET', '/api/norms')).norms;
}

export async function saveServiceSettings(patch: Partial<Pick<ServiceSettings, 'activeNormId' | 'businessHours' | 'chatHours' | 'closureDays' | 'dueSoonHours'>>): Promise<ServiceSettings> {
  return (await api<{ settings: ServiceSettings }>('PUT', '/api/settings/service', patch)).settings;
}

// ── KPIs and series (issue 15; the contract and each figure's meaning: server/reports/kpi-types.ts) ──
export type {
  KpiReport,
  KpiSeries,
  KpiFigures,
  KpiGroup,
  KpiPeriodKind,
  KpiSplit,
  SeriesName,
  SeriesInterval,
  ReportsChanged,
  KpiPeriod,
  KpiChannel,
  KpiMilestoneKind,
  MilestoneKpi,
  FcrKpi,
  CallbackKpi,
  ChatKpi,
  CsatKpi,
  RepeatKpi,
  NotApplicableKpi,
  BacklogKpi,
  CompliancePoint,
  VolumePoint,
  FcrPoint,
  CallbackPoint,
  ChatWaitBucket,
} from '../../../server/reports/kpi-types.ts';
export { CHAT_WAIT_BOUNDS, KPI_CHANNELS, KPI_PERIOD_KINDS, KPI_SPLITS, SERIES_NAMES } from '../../../server/reports/kpi-types.ts';
import type { KpiPeriodKind, KpiReport, KpiSeries, KpiSplit, SeriesInterval, SeriesName } from '../../../server/reports/kpi-types.ts';

/** A period: today/week/month (around `at`, default today) or custom [from, to), days YYYY-MM-DD in Europe/Amsterdam. */
export interface PeriodQuery {
  period: KpiPeriodKind;
  at?: string;
  from?: string;
  to?: string;
}

function periodParams(query: PeriodQuery): URLSearchParams {
  const params = new URLSearchParams({ period: query.period });
  for (const key of ['at', 'from', 'to'] as const) if (query[key]) params.set(key, query[key]);
  return params;
}

/** GET /api/reports/kpis: every KPI in all and per requested split. */
export function kpis(query: PeriodQuery & { split?: readonly KpiSplit[] }): Promise<KpiReport> {
  const params = periodParams(query);
  if (query.split?.length) params.set('split', query.split.join(','));
  return api<KpiReport>('GET', `/api/reports/kpis?${params}`);
}

/** GET /api/reports/series: the charts' series (all, or the named ones). */
export function series(query: PeriodQuery & { interval?: SeriesInterval; series?: readonly SeriesName[] }): Promise<KpiSeries> {
  const params = periodParams(query);
  if (query.interval) params.set('interval', query.interval);
  if (query.series?.length) params.set('series', query.series.join(','));
  return api<KpiSeries>('GET', `/api/reports/series?${params}`);
}

// ── Drill-down (issue 15 §4): the conversations behind one KPI segment (server/reports/drill.ts) ──
export type { DrillList, DrillRow, DrillMeasure } from '../../../server/reports/drill.ts';
import type { DrillList, DrillMeasure } from '../../../server/reports/drill.ts';

/** Which segment: the measure and what narrows it (kind, outcome, reason, wait bucket, split group). */
export interface DrillSegment {
  measure: DrillMeasure;
  kind?: string;
  outcome?: string;
  reason?: string;
  waitFrom?: number;
  waitTo?: number;
  waited?: 'pickedUp' | 'abandoned';
  channel?: string;
  agent?: number | 'none';
  team?: number | 'none';
  topic?: number | 'none';
}

/** GET /api/reports/drill: one page of the segment's conversations. */
export function drill(query: PeriodQuery & DrillSegment & { page?: number; pageSize?: number }): Promise<DrillList> {
  const params = periodParams(query);
  for (const key of ['measure', 'kind', 'outcome', 'reason', 'waitFrom', 'waitTo', 'waited', 'channel', 'agent', 'team', 'topic', 'page', 'pageSize'] as const) {
    const value = query[key];
    if (value !== undefined) params.set(key, String(value));
  }
  return api<DrillList>('GET', `/api/reports/drill?${params}`);
}
