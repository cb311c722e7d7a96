// Who in a team can act, and from when (pure, issue 14 §3): a member is available at an instant
// that lies in the gemeente's opening hours on a working day, on one of the member's own working
// days, outside their absences and outside the busy periods of their free/busy calendar
// (freebusy.ts). The team can act from its members' earliest such moment.
import { DateTime } from 'luxon';
import type { IsoWeekday } from '../deadlines/business-hours.ts';
import type { WorkingCalendar } from '../deadlines/calendar.ts';
import { ZONE } from '../deadlines/zone.ts';

export interface Absence {
  startsAt: Date;
  endsAt: Date;
}

export interface MemberSchedule {
  agentId: number;
  name: string;
  /** ISO weekdays the member works; null: every working day of the gemeente. */
  workingDays: readonly IsoWeekday[] | null;
  absences: readonly Absence[];
  /** Busy in their own calendar (a meeting): not available then, but not absent either. */
  busy?: readonly Absence[];
}

export interface MemberAvailability {
  agentId: number;
  name: string;
  /** Away now (an absence covers this moment). */
  absentNow: boolean;
  /** When the absence that covers now ends. */
  absentUntil: DateTime | null;
  /** Busy now in their calendar, until then (null: not busy now). */
  busyUntil: DateTime | null;
  /** Working now: in opening hours, on their working day, not away. */
  availableNow: boolean;
  /** The first moment from now they can act; null when none within a year. */
  availableFrom: DateTime | null;
}

export interface TeamAvailability {
  members: MemberAvailability[];
  /** The earliest moment a member can act; null when the team has nobody who can. */
  canActFrom: DateTime | null;
}

/** Steps through openings, absences and days off; a year of days is more than any real schedule needs. */
const MAX_STEPS = 800;

function absenceAt(instant: DateTime, absences: readonly Absence[]): Absence | undefined {
  const ms = instant.toMillis();
  return absences.find((absence) => absence.startsAt.getTime() <= ms && ms < absence.endsAt.getTime());
}

/** The first instant at or after `from` at which this member can act. */
export function availableFrom(member: MemberSchedule, from: DateTime, calendar: WorkingCalendar): DateTime | null {
  let at: DateTime | null = from.setZone(ZONE);
  for (let step = 0; step < MAX_STEPS && at; step++) {
    const opening = calendar.nextOpening(at);
    if (!opening) return null;
    const away = absenceAt(opening, member.absences) ?? absenceAt(opening, member.busy ?? []);
    if (away) {
      at = DateTime.fromJSDate(away.endsAt, { zone: ZONE });
      continue;
    }
    if (member.workingDays && !member.workingDays.includes(opening.weekday as IsoWeekday)) {
      at = opening.plus({ days: 1 }).startOf('day');
      continue;
    }
    return opening;
  }
  return null;
}

export function memberAvailability(member: MemberSchedule, now: DateTime, calendar: WorkingCalendar): MemberAvailability {
  const away = absenceAt(now, member.absences);
  const busy = absenceAt(now, member.busy ?? []);
  const from = availableFrom(member, now, calendar);
  return {
    agentId: member.agentId,
    name: member.name,
    absentNow: away !== undefined,
    absentUntil: away ? DateTime.fromJSDate(away.endsAt, { zone: ZONE }) : null,
    busyUntil: busy ? DateTime.fromJSDate(busy.endsAt, { zone: ZONE }) : null,
    availableNow: from !== null && from.toMillis() === now.toMillis(),
    availableFrom: from,
  };
}

export function teamAvailability(members: readonly MemberSchedule[], now: DateTime, calendar: WorkingCalendar): TeamAvailability {
  const each = members.map((member) => memberAvailability(member, now, calendar));
  const moments = each.flatMap((member) => (member.availableFrom ? [member.availableFrom] : []));
  const canActFrom = moments.length === 0 ? null : moments.reduce((earliest, moment) => (moment < earliest ? moment : earliest));
  return { members: each, canActFrom };
}
