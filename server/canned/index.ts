// Canned answers (issue 6): texts with variables that supervisors manage and agents insert.
export { renderCanned, dutchDate, UNKNOWN_NAME, type CannedContext, type CannedRendering } from './render.ts';
export { cannedRoutes } from './routes.ts';
export type { CannedAnswer } from './store.ts';
