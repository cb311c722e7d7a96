// Service-norm deadlines. The pure domain core (holidays, working calendar, business hours, norms, due
// times) comes first; below it the settings, milestones, scheduler, routes and reports that use PostgreSQL.
export { holidaysOf, easterSunday, type Holiday } from './holidays.ts';
export {
  parseWeeklyHours,
  formatWeeklyHours,
  validateWeeklyHours,
  DEFAULT_BUSINESS_HOURS,
  ALWAYS_OPEN,
  NEVER_OPEN,
  WEEKDAYS,
  type IsoWeekday,
  type TimeWindow,
  type WeeklyHours,
} from './business-hours.ts';
export { WorkingCalendar, type CalendarData, type ExtraHoliday } from './calendar.ts';
export {
  NORM_PRESETS,
  normPreset,
  normSchema,
  validateNorm,
  describeTerm,
  MILESTONE_KEYS,
  TERM_KEYS,
  type Norm,
  type NormTerms,
  type Term,
  type TermUnit,
  type TermKey,
  type MilestoneKey,
  type PresetId,
} from './norms.ts';
export {
  dueFor,
  deadlinesFor,
  dueSoonFrom,
  deadlineState,
  DUE_SOON_BUSINESS_SECONDS,
  type Deadlines,
  type DeadlineState,
} from './due.ts';
export { ZONE } from './zone.ts';
export { parseIsoDate } from './dates.ts';
export type { Result } from './result.ts';
export { SEED_GELIJKGESTELDE_DAGEN, defaultCalendarData } from './seed.ts';
export { scheduleOf, termKeyOf, targetOf, MILESTONE_KINDS, type MilestoneKind, type ScheduleOptions } from './schedule.ts';

// ── With PostgreSQL ────────────────────────────────────────────────────────
export {
  ensureServiceSettings,
  loadServiceSettings,
  loadServiceContext,
  seededSettings,
  type ServiceSettings,
  type ServiceSeed,
  type ServiceContext,
  type GelijkgesteldeDag,
} from './settings.ts';
export {
  openMilestonesFor,
  openPickupMilestone,
  openCallbackMilestone,
  openHandoffMilestone,
  listMilestones,
  meetMilestones,
  acknowledgementDelivered,
  replySent,
  agentPickedUp,
  interimSent,
  endMilestones,
  suspendMilestones,
  resumeMilestones,
  openComplexAnswer,
  UNMET_STATES,
  isoAmsterdam,
  MILESTONES_CHANNEL,
  type Milestone,
  type MilestoneState,
  type MetBy,
  type InterimOutcome,
  type ComplexAnswerOutcome,
  type EndedReason,
} from './milestones.ts';
export { recomputeOpenMilestones, type RecomputeResult } from './recompute.ts';
export { CalendarRecompute, recomputeStatus, type RecomputeStatus, type RecomputeOutcome } from './calendar-recompute.ts';
export { DeadlineScheduler } from './scheduler.ts';
export { complianceReport, percentOnTime, type ComplianceLine } from './compliance.ts';
export { publicDeadlineRoutes, settingsRoutes, reportRoutes } from './routes.ts';
