// When one milestone is due and when it becomes due soon (pure): the bridge from a stored term to due times.
import type { DateTime } from 'luxon';
import type { WeeklyHours } from './business-hours.ts';
import type { WorkingCalendar } from './calendar.ts';
import { dueFor } from './due.ts';
import type { Norm, Term, TermKey } from './norms.ts';

/**
 * Milestone kinds as stored: the norm's calendar milestones plus the chat pickup, and `handoff`:
 * a hand-off that is not a callback (issue 14), always with the hand-off's term stated.
 */
export type MilestoneKind = 'acknowledgement' | 'answer' | 'complexAnswer' | 'callback' | 'pickup' | 'handoff';
export const MILESTONE_KINDS: readonly MilestoneKind[] = ['acknowledgement', 'answer', 'complexAnswer', 'callback', 'pickup', 'handoff'];

/** The norm term a kind of milestone takes its term (and target) from. */
export function termKeyOf(kind: MilestoneKind): TermKey {
  // A hand-off's term is always stated (the team's or the callback term), held to the callback target.
  return kind === 'pickup' ? 'chatPickup' : kind === 'handoff' ? 'callback' : kind;
}

/**
 * The target percentage for a kind under a norm. The substantive answer after a tussenbericht
 * (complexAnswer) is held to the answer target when the norm names no complex term (Enschede, Zwolle).
 */
export function targetOf(norm: Norm | undefined, kind: MilestoneKind): number | null {
  if (!norm) return null;
  const target = norm.targets[termKeyOf(kind)];
  return target ?? (kind === 'complexAnswer' ? (norm.targets.answer ?? null) : null);
}

export interface ScheduleOptions {
  calendar: WorkingCalendar;
  chatHours: WeeklyHours;
  /** Business hours before the due time at which a day-scale milestone becomes due soon. */
  dueSoonHours: number;
}

/**
 * Due time and due-soon moment of a term starting at `start`, or null when a seconds term can
 * never start (chat hours "never"). Seconds terms (chat pickup) run in chat hours and become due
 * soon halfway: "4 business hours before" means nothing for a 25-second term.
 */
export function scheduleOf(term: Term, start: DateTime, options: ScheduleOptions): { due: DateTime; dueSoon: DateTime } | null {
  const { calendar, chatHours, dueSoonHours } = options;
  if (term.unit === 'seconds') {
    if (calendar.nextOpening(start, chatHours) === null) return null;
    const due = dueFor(term, start, calendar, chatHours);
    return { due, dueSoon: due.minus({ milliseconds: Math.round((term.amount * 1000) / 2) }) };
  }
  const due = dueFor(term, start, calendar);
  return { due, dueSoon: calendar.minusBusinessSeconds(due, dueSoonHours * 3600) };
}
