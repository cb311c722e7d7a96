// The daily digest of open hand-offs (issue 14 §5): at the start of each working day — the first
// opening moment of a working day on the gemeente's calendar — each team with open hand-offs gets
// one mail listing them, nearest due first, at its notification address and to its coordinator.
//
// The outbox delivers mail of a conversation (mail_outbox and its message row need one), and a
// digest spans many: it is stored as a note in the conversation of the team's nearest-due open
// hand-off (the KCC sees there that the team was told), with the once-only key
// `digest:<date>:<team>:<recipient>` on that message row. Like the reminders, any number of
// instances may run this; the unique key lets exactly one of them send each digest.
import { DateTime } from 'luxon';
import { inTransaction, type Pool } from '../db/index.ts';
import { loadServiceContext } from '../deadlines/index.ts';
import type { WorkingCalendar } from '../deadlines/calendar.ts';
import { ZONE } from '../deadlines/zone.ts';
import { OPEN_STATUSES, queueMail } from './handoffs.ts';
import { digestMail, type DigestLine } from './notifications.ts';

export interface DigestOptions {
  pool: Pool;
  from: () => { name: string | null; address: string } | undefined;
  publicUrl: string;
}

/**
 * The start of the working day that `at` falls on, or null when that date is not a working day or
 * has no opening hours. A digest is due from then until the day ends (an instance that starts late
 * still sends it, once).
 */
export function workingDayStart(at: DateTime, calendar: WorkingCalendar): DateTime | null {
  const date = calendar.dateOf(at);
  if (!calendar.isWorkingDay(date)) return null;
  const opening = calendar.nextOpening(DateTime.fromISO(date, { zone: ZONE }).startOf('day'));
  return opening && calendar.dateOf(opening) === date ? opening : null;
}

interface TeamDigest {
  teamId: number;
  teamName: string;
  teamEmail: string | null;
  coordinator: { id: number; name: string; email: string } | null;
  lines: (Omit<DigestLine, 'dueAt'> & { dueAt: Date; conversationId: number })[];
}

/** Sends the digests due at `now` that were not sent yet; returns how many this instance sent. */
export async function sendDailyDigests(options: DigestOptions, now = new Date()): Promise<number> {
  const from = options.from();
  if (!from) return 0;
  const context = await loadServiceContext(options.pool);
  const at = DateTime.fromJSDate(now, { zone: ZONE });
  const start = workingDayStart(at, context.calendar);
  if (!start || at < start) return 0;
  const date = context.calendar.dateOf(at);
  let sent = 0;
  for (const team of await openByTeam(options.pool)) {
    const lead = team.lines[0]!;
    const mail = digestMail({
      teamName: team.teamName,
      date: start,
      now: at,
      lines: team.lines.map((line) => ({ ...line, dueAt: DateTime.fromJSDate(line.dueAt, { zone: ZONE }) })),
      link: new URL('/#backoffice', options.publicUrl).href,
    });
    const recipients = new Map<string, { key: string; name: string | null }>();
    if (team.teamEmail) recipients.set(team.teamEmail, { key: team.teamEmail, name: team.teamName });
    if (team.coordinator && !recipients.has(team.coordinator.email.toLowerCase())) recipients.set(team.coordinator.email.toLowerCase(), { key: String(team.coordinator.id), name: team.coordinator.name });
    for (const [address, recipient] of recipients) {
      const queued = await inTransaction(options.pool, async (tx) => {
        // The lock order: the conversation before anything of it.
        await tx.query('SELECT 1 FROM conversations WHERE id = $1 FOR NO KEY UPDATE', [lead.conversationId]);
        return queueMail(tx, {
          conversationId: lead.conversationId,
          from,
          to: { name: recipient.name, address },
          ...mail,
          kind: 'note',
          by: null,
          purpose: 'internal',
          noteText: `${mail.subject} → ${recipient.name ?? address}`,
          idempotencyKey: `digest:${date}:${team.teamId}:${recipient.key}`,
        });
      });
      if (queued) sent++;
    }
  }
  return sent;
}

async function openByTeam(pool: Pool): Promise<TeamDigest[]> {
  const { rows } = await pool.query<TeamDigest>(
    `SELECT t.id::int AS "teamId", t.name AS "teamName", t.notification_email AS "teamEmail",
            CASE WHEN co.id IS NULL THEN NULL ELSE json_build_object('id', co.id, 'name', co.name, 'email', co.email) END AS coordinator,
            json_agg(json_build_object('reference', c.reference, 'conversationId', h.conversation_id, 'action', h.action, 'status', h.status,
                                       'citizenName', h.citizen_name, 'assigneeName', a.name, 'dueAt', coalesce(ms.due_at, h.due_at))
                     ORDER BY coalesce(ms.due_at, h.due_at), h.id) AS lines
       FROM handoffs h
       JOIN teams t ON t.id = h.team_id
       JOIN conversations c ON c.id = h.conversation_id
       LEFT JOIN milestones ms ON ms.id = h.milestone_id
       LEFT JOIN agents a ON a.id = h.assignee_id
       LEFT JOIN agents co ON co.id = t.coordinator_id AND NOT co.disabled
      WHERE h.status = ANY($1) AND (t.notification_email IS NOT NULL OR co.id IS NOT NULL)
      GROUP BY t.id, co.id
      ORDER BY t.id`,
    [OPEN_STATUSES],
  );
  // json_agg gives timestamps as text.
  return rows.map((row) => ({ ...row, lines: row.lines.map((line) => ({ ...line, dueAt: new Date(line.dueAt as unknown as string) })) }));
}
