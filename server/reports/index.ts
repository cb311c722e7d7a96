// Supervisor reports (issue 6 §6, issue 15); the compliance report itself belongs to the deadlines feature.
export { overview, complianceView, startOfIsoWeek, type Overview, type ComplianceView } from './overview.ts';
export { overviewRoutes } from './routes.ts';
export { kpiReport } from './kpis.ts';
export { kpiSeries } from './series.ts';
export { resolvePeriod } from './period.ts';
export { RollupJob, rollUpDays, rollUpPass } from './rollups.ts';
export { ReportsLive, reportsEvents, markDirtyDays, type ReportsEventMap } from './live.ts';
export type * from './kpi-types.ts';
