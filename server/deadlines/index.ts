// Service-norm deadlines: holidays, working calendar, business hours, norms and due times (pure, no I/O).
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
export type { Result } from './result.ts';
export { SEED_GELIJKGESTELDE_DAGEN, defaultCalendarData } from './seed.ts';
