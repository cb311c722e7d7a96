// When a hand-off is due (pure): the team's own hand-off term, else the norm's callback term, else
// Balie's default (server/deadlines/norms.ts), counted on the gemeente's working calendar.
import type { DateTime } from 'luxon';
import type { WorkingCalendar } from '../deadlines/calendar.ts';
import { dueFor } from '../deadlines/due.ts';
import { callbackTermOf, type Norm, type Term } from '../deadlines/norms.ts';

export type TermSource = 'team' | 'norm' | 'default';

export interface HandoffTerm {
  term: Term;
  source: TermSource;
}

/** The term a hand-off to this team runs by. */
export function handoffTermFor(teamTerm: Term | null, norm: Norm): HandoffTerm {
  return teamTerm ? { term: teamTerm, source: 'team' } : callbackTermOf(norm);
}

/**
 * The promised moment: "next working day before 17:00" is 1 working day — due at business close
 * of the first working day after the request's date, which itself never counts (domain.md).
 */
export function handoffDue(term: Term, requestedAt: DateTime, calendar: WorkingCalendar): DateTime {
  return dueFor(term, requestedAt, calendar);
}
