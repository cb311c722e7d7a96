// Supervisor reports (issue 6 §6); the compliance report itself belongs to the deadlines feature.
export { overview, complianceView, startOfIsoWeek, type Overview, type ComplianceView } from './overview.ts';
export { overviewRoutes } from './routes.ts';
