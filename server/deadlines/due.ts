// Due times of service-norm milestones (domain.md, "Deadline semantics") and the due-soon state.
import type { DateTime } from 'luxon';
import type { WorkingCalendar } from './calendar.ts';
import type { WeeklyHours } from './business-hours.ts';
import type { DayNumber } from './dates.ts';
import type { Norm, Term } from './norms.ts';

export interface Deadlines {
  readonly acknowledgement: DateTime | null;
  readonly answer: DateTime | null;
  readonly complexAnswer: DateTime | null;
  readonly callback: DateTime | null;
}

/** "Due soon" starts this much opening time before the due time. */
export const DUE_SOON_BUSINESS_SECONDS = 4 * 3600;

function checkAmount(term: Term): void {
  if (!Number.isInteger(term.amount) || term.amount < 1) {
    throw new RangeError(`a ${term.unit} term needs a whole amount ≥ 1, not ${term.amount}`);
  }
}

function dueAfterReceiptDay(term: Term, receiptDay: DayNumber, calendar: WorkingCalendar): DateTime {
  checkAmount(term);
  if (term.unit === 'workingDays') {
    // Business close of the N-th working day after the receipt date; that date never counts.
    return calendar.businessCloseOfDay(calendar.workingDaysAfterDay(receiptDay, term.amount));
  }
  // Weeks: 7·W calendar days on; a day that is not a working day moves to the next working
  // day (Algemene termijnenwet art. 1, with the gemeente's closure days added by domain.md).
  const day = receiptDay + 7 * term.amount;
  return calendar.businessCloseOfDay(calendar.isWorkingDayNumber(day) ? day : calendar.workingDaysAfterDay(day, 1));
}

/**
 * When a term received (or, for chat, queued) at `received` is due. The receipt date is the
 * Amsterdam calendar date of the instant, whatever the hour. Seconds terms run from `received`
 * when within `chatHours`, else from the next opening.
 */
export function dueFor(term: Term, received: DateTime, calendar: WorkingCalendar, chatHours: WeeklyHours = calendar.businessHours): DateTime {
  if (term.unit !== 'seconds') return dueAfterReceiptDay(term, calendar.dayOfInstant(received), calendar);
  checkAmount(term);
  const start = calendar.nextOpening(received, chatHours);
  if (start === null) throw new RangeError('chat hours never open: a pickup term cannot start');
  return start.plus({ seconds: term.amount });
}

/** Due times of a norm's calendar milestones for a contact received at `received`; null where the norm has no such term. */
export function deadlinesFor(norm: Norm, received: DateTime, calendar: WorkingCalendar): Deadlines {
  const receiptDay = calendar.dayOfInstant(received);
  const at = (term: Term | undefined): DateTime | null => {
    if (term === undefined) return null;
    return term.unit === 'seconds' ? dueFor(term, received, calendar) : dueAfterReceiptDay(term, receiptDay, calendar);
  };
  const { terms } = norm;
  return {
    acknowledgement: at(terms.acknowledgement),
    answer: at(terms.answer),
    complexAnswer: at(terms.complexAnswer),
    callback: at(terms.callback),
  };
}

/** The moment a milestone becomes "due soon": 4 business hours before it is due. */
export function dueSoonFrom(due: DateTime, calendar: WorkingCalendar): DateTime {
  return calendar.minusBusinessSeconds(due, DUE_SOON_BUSINESS_SECONDS);
}

export type DeadlineState = 'onTrack' | 'dueSoon' | 'overdue';

/** State of an unmet milestone at `now`; meeting it at the due instant itself is on time. */
export function deadlineState(due: DateTime, now: DateTime, calendar: WorkingCalendar): DeadlineState {
  if (now > due) return 'overdue';
  return now >= dueSoonFrom(due, calendar) ? 'dueSoon' : 'onTrack';
}
