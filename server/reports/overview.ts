// The supervisor's overview: the backlog as it stands, who is online, and this week's compliance
// with the norm per milestone kind (issue 6 §6).
import { DateTime } from 'luxon';
import type { PresenceTracker } from '../chat/presence.ts';
import type { Db } from '../db/index.ts';
import { complianceReport, ZONE, type ComplianceLine } from '../deadlines/index.ts';
import { allNorms } from '../deadlines/settings.ts';
import { inboxCounts } from '../inbox/counts.ts';

export interface ComplianceView {
  from: string;
  to: string;
  counting: string;
  norms: Record<string, string>;
  lines: ComplianceLine[];
}

export interface Overview {
  open: number;
  breached: number;
  dueSoon: number;
  waitingChats: number;
  agentsOnline: number;
  compliance: ComplianceView;
}

/** Monday 00:00 in Amsterdam of the week `now` is in (ISO weeks start on Monday). */
export function startOfIsoWeek(now: DateTime): DateTime {
  return now.setZone(ZONE).startOf('week');
}

/** The same shape GET /api/reports/compliance answers with. */
export async function complianceView(db: Db, from: DateTime, to: DateTime): Promise<ComplianceView> {
  const [lines, norms] = await Promise.all([complianceReport(db, from.toJSDate(), to.toJSDate()), allNorms(db)]);
  return {
    from: from.setZone(ZONE).toISO()!,
    to: to.setZone(ZONE).toISO()!,
    counting: 'milestones due in [from, to)',
    norms: Object.fromEntries([...new Set(lines.map((line) => line.normId))].map((id) => [id, norms.get(id)?.name ?? id])),
    lines,
  };
}

export async function overview(db: Db, presence: PresenceTracker, now: DateTime = DateTime.now().setZone(ZONE)): Promise<Overview> {
  const [backlog, online, compliance] = await Promise.all([
    // The inbox's own counts (kept by triggers): no scan of the open conversations.
    inboxCounts(db, {}, { id: 0 }),
    presence.list(),
    complianceView(db, startOfIsoWeek(now), now),
  ]);
  return { open: backlog.all, breached: backlog.breached, dueSoon: backlog.dueSoon, waitingChats: backlog.waitingChats, agentsOnline: online.length, compliance };
}
