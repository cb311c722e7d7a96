// The reconcile job: derived inbox data checked against (and rebuilt from) its source rows.
export { reconcileInbox, type DriftReport, type SortKeyDrift, type CountDrift, type MilestoneDrift } from './reconcile.ts';
export { reconcileRoutes } from './routes.ts';
