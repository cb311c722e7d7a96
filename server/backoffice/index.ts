// The back office (issue 14): teams, their availability, and hand-offs (contactverzoeken) with the
// norm's deadline, worked and reported back into the KCC's contact history.
export { teamRoutes, backofficeRoutes } from './routes.ts';
export { normalisePhone, displayPhone, DEFAULT_PHONE_REGION } from './phone.ts';
export { handoffTermFor, handoffDue, type HandoffTerm, type TermSource } from './terms.ts';
export { teamAvailability, availableFrom, memberAvailability, type MemberSchedule, type TeamAvailability } from './availability.ts';
export { createHandoff, recordAttempt, completeHandoff, sendBack, findHandoff, listHandoffsFor, handoffsInHistory, type Handoff, type HandoffStatus, type AttemptResult } from './handoffs.ts';
export { listTeams, findTeam, createTeam, updateTeam, type Team } from './teams.ts';
export { HandoffReminders, reminderMoments, type ReminderOptions } from './reminders.ts';
export { backofficeFigures, handoffKpis, type TeamFigures, type BackofficeFigures, type PhoneContactFigures } from './kpis.ts';
export { sendDailyDigests, workingDayStart } from './digest.ts';
