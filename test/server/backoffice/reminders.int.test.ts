// Reminders and escalation of hand-offs (issue 14 §5) with two Balie instances on one database:
// the assignee is reminded when the hand-off is due soon (business hours before its due moment),
// the coordinator at the due moment, the supervisors once breached — each exactly once, however
// many instances look at the same moment; nothing for a completed hand-off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HandoffReminders } from '../../../server/backoffice/reminders.ts';
import { createLogger } from '../../../server/log.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { untilDone } from '../../support/wait.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let one: TestBalie;
let two: TestBalie;
let workers: HandoffReminders[];
let teamId: number;
let petra: { id: number; email: string };
let coordinator: { id: number; email: string };
let kccCookie: string;
const FROM = { name: 'Gemeente Test', address: 'info@gemeente.test' };

beforeAll(async () => {
  db = await createTestDatabase();
  // Open around the clock: business time runs whenever the test does.
  const env = { NORM: 'rotterdam', BUSINESS_HOURS: 'mon-sun 00:00-24:00' };
  one = await startTestBalie(db.url, env);
  two = await startTestBalie(db.url, env);
  const log = createLogger('silent');
  workers = [one, two].map((balie) => new HandoffReminders({ pool: balie.database.pool, from: () => FROM, publicUrl: balie.url, log, intervalMs: 100 }));
  petra = await addAgent(db.pool, 'backoffice', 'petra@gemeente.test');
  coordinator = await addAgent(db.pool, 'backoffice', 'coordinator@gemeente.test');
  await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
  await addAgent(db.pool, 'supervisor', 'teamleider2@gemeente.test');
  const kcc = await addAgent(db.pool, 'agent', 'fatima@gemeente.test');
  kccCookie = await one.login(kcc.email, kcc.password);
  const admin = await one.login(ADMIN.email, ADMIN.password);
  const team = (await (await one.request('/api/teams', { cookie: admin, body: { name: 'Vergunningen', coordinatorId: coordinator.id, memberIds: [petra.id, coordinator.id] } })).json()) as { team: { id: number } };
  teamId = team.team.id;
});
afterAll(async () => {
  await Promise.all((workers ?? []).map((worker) => worker.stop()));
  await two?.stop();
  await one?.stop();
  await db?.drop();
});

async function handOff(assigneeId: number | null): Promise<{ id: number; conversationId: number; dueAt: Date }> {
  const conversation = await seedConversation(db.pool, { channel: 'chat', status: 'open', contact: { name: 'Sanne de Boer' } });
  const response = await one.request('/api/backoffice/handoffs', { cookie: kccCookie, body: { conversationId: conversation.id, teamId, assigneeId, action: 'callback', phone: '0612345678', question: 'Bel mij terug' } });
  const { handoff } = (await response.json()) as { handoff: { id: number; dueAt: string } };
  return { id: handoff.id, conversationId: conversation.id, dueAt: new Date(handoff.dueAt) };
}

/** Reminder mails queued for a hand-off, per recipient and kind (from the message's idempotency key). */
async function reminders(handoffId: number): Promise<string[]> {
  const { rows } = await db.pool.query<{ key: string; to: string }>(
    `SELECT m.idempotency_key AS key, o.to_address AS to FROM messages m JOIN mail_outbox o ON o.message_id = m.id
      WHERE m.idempotency_key LIKE $1 ORDER BY m.idempotency_key`,
    [`handoff:${handoffId}:%`],
  );
  return rows.map((row) => `${row.key.split(":")[2]} → ${row.to}`).sort();
}

const both = (now: Date) => Promise.all(workers.map((worker) => worker.tick(now)));

describe('reminders on the business-hours clock', () => {
  it('each reminder is due at its moment and sent exactly once by two instances looking together', async () => {
    const handoff = await handOff(petra.id);
    const hour = 3_600_000;
    // Rotterdam, open 24/7: due at 24:00 of the next day; due soon 4 business hours before.
    const dueSoon = new Date(handoff.dueAt.getTime() - 4 * hour);

    expect(await both(new Date(dueSoon.getTime() - 1000))).toEqual([0, 0]);
    expect(await reminders(handoff.id)).toEqual([]);

    const [a, b] = await both(new Date(dueSoon.getTime() + 1000));
    expect(a! + b!).toBe(1);
    expect(await reminders(handoff.id)).toEqual(['assignee → petra@gemeente.test']);

    await both(handoff.dueAt);
    expect(await reminders(handoff.id)).toEqual(['assignee → petra@gemeente.test', 'coordinator → coordinator@gemeente.test']);

    const later = new Date(handoff.dueAt.getTime() + 60_000);
    const [c, d] = await both(later);
    expect(c! + d!).toBe(2);
    // Looking again, on either instance, sends nothing more.
    expect(await both(later)).toEqual([0, 0]);
    expect(await reminders(handoff.id)).toEqual([
      'assignee → petra@gemeente.test',
      'coordinator → coordinator@gemeente.test',
      'supervisor → teamleider2@gemeente.test',
      'supervisor → teamleider@gemeente.test',
    ]);
    // The KCC sees in the thread who was reminded.
    const notes = await db.pool.query("SELECT body_text FROM messages WHERE conversation_id = $1 AND kind = 'note' AND idempotency_key LIKE 'handoff:%'", [handoff.conversationId]);
    expect(notes.rows.map((row: { body_text: string }) => row.body_text).join('\n')).toContain('Herinnering');
  });

  it('without an assignee the team members are reminded; a completed hand-off gets nothing', async () => {
    const open = await handOff(null);
    const done = await handOff(null);
    const cookie = await one.login(petra.email, 'an agent password');
    await one.request(`/api/backoffice/handoffs/${done.id}/attempts`, { cookie, body: { result: 'reached', outcome: 'Geholpen' } });
    await both(new Date(open.dueAt.getTime() - 60_000));
    expect(await reminders(open.id)).toEqual(['assignee → coordinator@gemeente.test', 'assignee → petra@gemeente.test'].sort());
    expect(await reminders(done.id)).toEqual([]);
  });

  it('running on both instances, a hand-off due in seconds is reminded, escalated and nothing doubled', async () => {
    const handoff = await handOff(petra.id);
    // A seconds-scale term: due three seconds from now (the milestone and the hand-off alike).
    await db.pool.query("UPDATE milestones SET due_at = now() + interval '3 seconds', due_soon_at = now() WHERE id = (SELECT milestone_id FROM handoffs WHERE id = $1)", [handoff.id]);
    for (const worker of workers) worker.start();
    const sent = await untilDone(() => reminders(handoff.id), (list) => list.length >= 4, { stallMs: 20_000 });
    expect(sent).toEqual([
      'assignee → petra@gemeente.test',
      'coordinator → coordinator@gemeente.test',
      'supervisor → teamleider2@gemeente.test',
      'supervisor → teamleider@gemeente.test',
    ]);
    // A few more rounds on both instances change nothing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await reminders(handoff.id)).toEqual(sent);
  });
});
