// Reminders and escalation of open hand-offs on the business-hours clock (issue 14 §5): the
// assignee (or, without one, the team's members) is reminded when the hand-off becomes due soon
// (the settings' due-soon hours of opening time before its due moment), the team's coordinator
// (or the team's address) at the due moment, the supervisors once it is breached. Each reminder
// is one message row with a fixed idempotency key (`handoff:<id>:<kind>:<recipient>`), written in
// the transaction that queues its mail: any number of instances may run this, and the unique key
// lets exactly one of them send it. The daily digest (digest.ts) runs on the same loop.
import { DateTime } from 'luxon';
import { inTransaction, type Pool } from '../db/index.ts';
import { loadServiceContext } from '../deadlines/index.ts';
import { ZONE } from '../deadlines/zone.ts';
import type { Logger } from '../log.ts';
import { OPEN_STATUSES, queueMail } from './handoffs.ts';
import { sendDailyDigests } from './digest.ts';
import { reminderMail, type HandoffAction, type ReminderKind } from './notifications.ts';

interface OpenHandoff {
  id: number;
  conversationId: number;
  reference: string;
  action: HandoffAction;
  question: string;
  citizenName: string | null;
  phone: string | null;
  dueAt: Date;
  teamName: string | null;
  teamEmail: string | null;
  assignee: Recipient | null;
  coordinator: Recipient | null;
  members: Recipient[];
}

interface Recipient {
  id: number | null;
  name: string | null;
  email: string;
}

export interface ReminderOptions {
  pool: Pool;
  from: () => { name: string | null; address: string } | undefined;
  publicUrl: string;
  log: Logger;
  /** How often to look; reminders are due at business-time moments, checked this often. Default 30 s. */
  intervalMs?: number;
}

/** When each reminder of a hand-off is due (pure): due soon, at due, and breached just after. */
export function reminderMoments(due: DateTime, dueSoonBusinessSeconds: number, minusBusinessSeconds: (at: DateTime, seconds: number) => DateTime): Record<ReminderKind, DateTime> {
  return { assignee: minusBusinessSeconds(due, dueSoonBusinessSeconds), coordinator: due, supervisor: due.plus({ milliseconds: 1 }) };
}

export class HandoffReminders {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;

  constructor(private readonly options: ReminderOptions) {}

  start(): void {
    this.#stopped = false;
    const every = this.options.intervalMs ?? 30_000;
    const loop = () => {
      if (this.#stopped) return;
      // The daily digest rides on the same loop: one worker per instance, each mail once by its key.
      this.#running = this.tick()
        .then(() => sendDailyDigests(this.options))
        .catch((error: unknown) => this.options.log.warn({ err: error }, 'hand-off reminders: a round failed; the next one retries'))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, every);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Sends every reminder that is due now and not sent yet; returns how many this instance sent. */
  async tick(now = new Date()): Promise<number> {
    const from = this.options.from();
    if (!from) return 0;
    const { pool } = this.options;
    const context = await loadServiceContext(pool);
    const at = DateTime.fromJSDate(now, { zone: ZONE });
    let sent = 0;
    for (const handoff of await openHandoffs(pool)) {
      const due = DateTime.fromJSDate(handoff.dueAt, { zone: ZONE });
      const moments = reminderMoments(due, context.settings.dueSoonHours * 3600, (instant, seconds) => context.calendar.minusBusinessSeconds(instant, seconds));
      for (const kind of ['assignee', 'coordinator', 'supervisor'] as const) {
        if (at < moments[kind]) continue;
        const recipients = kind === 'supervisor' ? await supervisors(pool) : recipientsOf(handoff, kind);
        for (const recipient of recipients) {
          const mail = reminderMail({
            kind,
            reference: handoff.reference,
            teamName: handoff.teamName,
            action: handoff.action,
            question: handoff.question,
            citizenName: handoff.citizenName,
            phone: handoff.phone,
            dueAt: due,
            link: new URL('/#backoffice', this.options.publicUrl).href,
          });
          const queued = await inTransaction(pool, async (tx) => {
            // The lock order: the conversation before anything of it.
            await tx.query('SELECT 1 FROM conversations WHERE id = $1 FOR NO KEY UPDATE', [handoff.conversationId]);
            const still = await tx.query('SELECT 1 FROM handoffs WHERE id = $1 AND status = ANY($2)', [handoff.id, OPEN_STATUSES]);
            if (still.rowCount === 0) return false;
            return queueMail(tx, {
              conversationId: handoff.conversationId,
              from,
              to: { name: recipient.name, address: recipient.email },
              ...mail,
              kind: 'note',
              by: null,
              purpose: 'internal',
              noteText: `${mail.subject} → ${recipient.name ?? recipient.email}`,
              idempotencyKey: `handoff:${handoff.id}:${kind}:${recipient.id ?? recipient.email}`,
            });
          });
          if (queued) sent++;
        }
      }
    }
    return sent;
  }
}

function recipientsOf(handoff: OpenHandoff, kind: 'assignee' | 'coordinator'): Recipient[] {
  const team = handoff.teamEmail ? [{ id: null, name: handoff.teamName, email: handoff.teamEmail }] : [];
  if (kind === 'assignee') return handoff.assignee ? [handoff.assignee] : handoff.members.length ? handoff.members : team;
  return handoff.coordinator ? [handoff.coordinator] : team;
}

async function supervisors(pool: Pool): Promise<Recipient[]> {
  const { rows } = await pool.query<Recipient>("SELECT id, name, email FROM agents WHERE role = 'supervisor' AND NOT disabled ORDER BY id");
  return rows;
}

const person = (alias: string) => `CASE WHEN ${alias}.id IS NULL THEN NULL ELSE json_build_object('id', ${alias}.id, 'name', ${alias}.name, 'email', ${alias}.email) END`;

async function openHandoffs(pool: Pool): Promise<OpenHandoff[]> {
  const { rows } = await pool.query<OpenHandoff>(
    `SELECT h.id, h.conversation_id AS "conversationId", c.reference, h.action, h.question, h.citizen_name AS "citizenName", h.phone,
            coalesce(ms.due_at, h.due_at) AS "dueAt", t.name AS "teamName", t.notification_email AS "teamEmail",
            ${person('a')} AS assignee, ${person('co')} AS coordinator,
            coalesce((SELECT json_agg(json_build_object('id', m.id, 'name', m.name, 'email', m.email) ORDER BY m.id)
                        FROM team_members tm JOIN agents m ON m.id = tm.agent_id WHERE tm.team_id = t.id AND NOT m.disabled), '[]') AS members
       FROM handoffs h
       JOIN conversations c ON c.id = h.conversation_id
       LEFT JOIN milestones ms ON ms.id = h.milestone_id
       LEFT JOIN teams t ON t.id = h.team_id
       LEFT JOIN agents a ON a.id = h.assignee_id AND NOT a.disabled
       LEFT JOIN agents co ON co.id = t.coordinator_id AND NOT co.disabled
      WHERE h.status = ANY($1)
      ORDER BY coalesce(ms.due_at, h.due_at), h.id LIMIT 1000`,
    [OPEN_STATUSES],
  );
  return rows;
}
