// What the widget shows before the citizen writes: chat open now, when it opens next, whether an
// agent is there, and the date the gemeente promises for a question left by e-mail now.
import type { DateTime } from 'luxon';
import { deadlinesFor, ZONE, type ServiceContext } from '../deadlines/index.ts';

export interface AnswerPromise {
  /** answer: the norm's substantive answer; acknowledgement: the norm has no answer term (e.g. VNG). */
  kind: 'answer' | 'acknowledgement';
  /** ISO 8601 with offset, Europe/Amsterdam. */
  dueAt: string;
}

export interface ServiceStatus {
  chat: {
    /** Within CHAT_HOURS, closure days and holidays counted. */
    open: boolean;
    /** At least one agent online and not away (only told while chat is open). */
    agentsAvailable: boolean;
    /** open and agentsAvailable: the widget offers chat; otherwise the question form. */
    available: boolean;
    /** When chat hours start next (ISO 8601 with offset); null while open or when never. */
    nextOpening: string | null;
  };
  email: { normId: string; promise: AnswerPromise | null };
  now: string;
}

/** The promise of the active norm for a question received at `now`. */
export function promiseFor(context: ServiceContext, now: DateTime): AnswerPromise | null {
  const due = deadlinesFor(context.activeNorm, now, context.calendar);
  if (due.answer) return { kind: 'answer', dueAt: due.answer.setZone(ZONE).toISO()! };
  if (due.acknowledgement) return { kind: 'acknowledgement', dueAt: due.acknowledgement.setZone(ZONE).toISO()! };
  return null;
}

export function serviceStatus(context: ServiceContext, now: DateTime, agentsAvailable: boolean): ServiceStatus {
  const hours = context.settings.chatHours;
  const open = context.calendar.isOpen(now, hours);
  // Outside chat hours whether agents are online is nobody's business but theirs.
  const available = open && agentsAvailable;
  return {
    chat: { open, agentsAvailable: available, available, nextOpening: open ? null : (context.calendar.nextOpening(now, hours)?.setZone(ZONE).toISO() ?? null) },
    email: { normId: context.activeNorm.id, promise: promiseFor(context, now) },
    now: now.setZone(ZONE).toISO()!,
  };
}
