// Hand-offs against a real Balie and PostgreSQL (issue 14): teams managed by admins only; a
// conversation handed to a team closes with the lifecycle's outcome and carries the callback
// milestone with the norm's term; attempts meet it only when the citizen was reached; an absent
// colleague is refused with the reason; misrouted work goes on or back; reconcile stays clean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandoff, newHandoffSchema } from '../../../server/backoffice/handoffs.ts';
import { reconcileInbox } from '../../../server/reconcile/reconcile.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let admin: string;
let kcc: { id: number; cookie: string };
let petra: { id: number; cookie: string };
let sem: { id: number; cookie: string };
let vergunningen: number;
let afval: number;

interface Body {
  [key: string]: unknown;
}
async function json(response: Response): Promise<Body> {
  return (await response.json()) as Body;
}

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'rotterdam' });
  admin = await balie.login(ADMIN.email, ADMIN.password);
  const login = async (role: 'agent' | 'backoffice', email: string) => {
    const agent = await addAgent(db.pool, role, email);
    return { id: agent.id, cookie: await balie.login(agent.email, agent.password) };
  };
  kcc = await login('agent', 'fatima@gemeente.test');
  petra = await login('backoffice', 'petra@gemeente.test');
  sem = await login('backoffice', 'sem@gemeente.test');
  const created = await json(await balie.request('/api/teams', { cookie: admin, body: { name: 'Vergunningen', notificationEmail: 'Vergunningen@Gemeente.test', coordinatorId: petra.id, memberIds: [petra.id] } }));
  vergunningen = (created.team as { id: number }).id;
  afval = ((await json(await balie.request('/api/teams', { cookie: admin, body: { name: 'Afval', memberIds: [sem.id], handoffTerm: { unit: 'workingDays', amount: 3 } } }))).team as { id: number }).id;
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

const openConversation = (name = 'Sanne de Boer') => seedConversation(db.pool, { channel: 'chat', status: 'open', contact: { name, email: 'sanne@example.nl' }, messages: [{ direction: 'in', text: 'Mijn dakkapel' }] });
const handOff = (cookie: string, body: Body) => balie.request('/api/backoffice/handoffs', { cookie, body });

describe('teams', () => {
  it('admins create and change teams; agents and back-office staff cannot; everyone logged in reads them', async () => {
    for (const cookie of [kcc.cookie, petra.cookie]) {
      expect((await balie.request('/api/teams', { cookie, body: { name: 'Burgerzaken' } })).status).toBe(403);
      expect((await balie.request(`/api/teams/${vergunningen}`, { method: 'PATCH', cookie, body: { name: 'Anders' } })).status).toBe(403);
    }
    const teams = (await json(await balie.request('/api/teams', { cookie: kcc.cookie }))).teams as { name: string; notificationEmail: string; members: { id: number }[] }[];
    expect(teams.map((team) => team.name)).toEqual(['Afval', 'Vergunningen']);
    expect(teams[1]!.notificationEmail).toBe('vergunningen@gemeente.test');
    expect(teams[1]!.members.map((member) => member.id)).toEqual([petra.id]);
    expect((await balie.request('/api/teams', { cookie: admin, body: { name: 'vergunningen' } })).status).toBe(409);
    const audit = await db.pool.query("SELECT 1 FROM audit_log WHERE action = 'team.created'");
    expect(audit.rowCount).toBe(2);
  });
});

describe('handing off', () => {
  it('a callback to a team closes the conversation, opens the callback milestone with the norm term and normalises the phone number', async () => {
    const conversation = await openConversation();
    const response = await handOff(kcc.cookie, { conversationId: conversation.id, teamId: vergunningen, action: 'callback', question: 'Mag ik een dakkapel plaatsen?', phone: '06 12345678', preferredMoment: 'ochtend' });
    expect(response.status, await response.clone().text()).toBe(201);
    const { handoff } = (await json(response)) as { handoff: { id: number; phone: string; status: string; termSource: string; dueAt: string; team: { name: string } } };
    expect(handoff).toMatchObject({ phone: '+31612345678', status: 'open', termSource: 'norm', team: { name: 'Vergunningen' } });
    const { rows } = await db.pool.query<{ status: string; outcome: string; kind: string; state: string; due: Date; term: number }>(
      `SELECT c.status, c.outcome, m.kind, m.state, m.due_at AS due, m.term_amount AS term FROM conversations c JOIN milestones m ON m.conversation_id = c.id WHERE c.id = $1 AND m.kind = 'callback'`,
      [conversation.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'closed', outcome: 'callback_requested', state: 'open', term: 1 });
    expect(new Date(handoff.dueAt).getTime()).toBe(rows[0]!.due.getTime());
  });

  it('refuses a phone number that is not one, and a callback without one', async () => {
    const conversation = await openConversation();
    const wrong = await json(await handOff(kcc.cookie, { conversationId: conversation.id, teamId: vergunningen, action: 'callback', question: 'Vraag', phone: '12345' }));
    expect(wrong.error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'phone' }] });
    const none = await json(await handOff(kcc.cookie, { conversationId: conversation.id, teamId: vergunningen, action: 'callback', question: 'Vraag' }));
    expect(none.error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'phone' }] });
    const long = await json(await handOff(kcc.cookie, { conversationId: conversation.id, teamId: vergunningen, action: 'callback', question: 'x'.repeat(1001), phone: '0612345678' }));
    expect(long.error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'question' }] });
  });

  it('a hand-off to a colleague who is away is refused with the reason; to the team it goes', async () => {
    const until = new Date(Date.now() + 3 * 86_400_000);
    expect((await balie.request('/api/backoffice/absences', { cookie: petra.cookie, body: { startsAt: new Date(Date.now() - 3_600_000).toISOString(), endsAt: until.toISOString() } })).status).toBe(201);
    const availability = await json(await balie.request(`/api/teams/${vergunningen}/availability`, { cookie: kcc.cookie }));
    expect(availability.members).toEqual([expect.objectContaining({ id: petra.id, absentNow: true, availableNow: false })]);
    expect(new Date(availability.canActFrom as string).getTime()).toBeGreaterThanOrEqual(until.getTime());

    const conversation = await openConversation();
    const body = { conversationId: conversation.id, teamId: vergunningen, assigneeId: petra.id, action: 'email', email: 'sanne@example.nl', question: 'Graag per mail' };
    const refused = await handOff(kcc.cookie, body);
    expect(refused.status).toBe(409);
    const error = (await json(refused)).error as { code: string; absentUntil: string };
    expect(error.code).toBe('assignee_absent');
    expect(new Date(error.absentUntil).getTime()).toBe(until.getTime());
    // Nothing was written: the conversation is still open.
    expect((await db.pool.query("SELECT 1 FROM conversations WHERE id = $1 AND status = 'open'", [conversation.id])).rowCount).toBe(1);
    expect((await handOff(kcc.cookie, { ...body, assigneeId: null })).status).toBe(201);
    await db.pool.query('DELETE FROM agent_absences WHERE agent_id = $1', [petra.id]);
  });

  it("a team's own term goes before the norm's and is kept by the calendar recompute (stated)", async () => {
    const conversation = await openConversation();
    const response = await json(await handOff(kcc.cookie, { conversationId: conversation.id, teamId: afval, action: 'callback', question: 'Container', phone: '0104172000' }));
    expect((response.handoff as { termSource: string }).termSource).toBe('team');
    const { rows } = await db.pool.query('SELECT term_amount, term_stated FROM milestones WHERE conversation_id = $1 AND kind = $2', [conversation.id, 'callback']);
    expect(rows).toEqual([{ term_amount: 3, term_stated: true }]);
  });

  it('Thu 24 Dec 2026 16:00 under rotterdam: the callback is due Mon 28 Dec 2026 17:00 (+01:00), and reconcile finds no drift', async () => {
    const conversation = await openConversation();
    const outcome = await createHandoff(
      balie.database.pool,
      newHandoffSchema.parse({ conversationId: conversation.id, teamId: vergunningen, action: 'callback', question: 'Kerst', phone: '+31612345678' }),
      { id: kcc.id, name: 'Fatima' },
      { from: undefined, publicUrl: balie.url },
      new Date('2026-12-24T16:00:00+01:00'),
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.handoff.dueAt).toBe('2026-12-28T17:00:00.000+01:00');
    expect(outcome.change.milestones.find((milestone) => milestone.kind === 'callback')?.dueAt).toBe('2026-12-28T17:00:00.000+01:00');
    const report = await reconcileInbox(balie.database.pool);
    expect(report.clean, JSON.stringify(report)).toBe(true);
  });
});

describe('working it', () => {
  it('the back office lists only its own teams’ hand-offs, nearest due first; another team’s does not exist for it', async () => {
    const mine = (await json(await balie.request('/api/backoffice/handoffs', { cookie: petra.cookie }))).handoffs as { team: { id: number }; dueAt: string }[];
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((handoff) => handoff.team.id === vergunningen)).toBe(true);
    expect(mine.map((handoff) => handoff.dueAt)).toEqual([...mine.map((handoff) => handoff.dueAt)].sort((a, b) => new Date(a).getTime() - new Date(b).getTime()));
    const others = (await json(await balie.request('/api/backoffice/handoffs', { cookie: sem.cookie }))).handoffs as { id: number; team: { id: number } }[];
    expect(others.every((handoff) => handoff.team.id === afval)).toBe(true);
    const foreign = others[0]!.id;
    expect((await balie.request(`/api/backoffice/handoffs/${foreign}`, { cookie: petra.cookie })).status).toBe(404);
    expect((await balie.request(`/api/backoffice/handoffs/${foreign}/attempts`, { cookie: petra.cookie, body: { result: 'not_reached' } })).status).toBe(404);
  });

  it('niet bereikt meets nothing; bereikt with an outcome completes it and meets the callback; both audited', async () => {
    const conversation = await openConversation();
    const created = (await json(await handOff(kcc.cookie, { conversationId: conversation.id, teamId: vergunningen, action: 'callback', question: 'Bel mij', phone: '0612345678' }))).handoff as { id: number };
    const attempt = (body: Body) => balie.request(`/api/backoffice/handoffs/${created.id}/attempts`, { cookie: petra.cookie, body });
    const first = await json(await attempt({ result: 'not_reached', note: 'geen gehoor' }));
    expect((first.handoff as { status: string }).status).toBe('attempted');
    expect((await db.pool.query("SELECT state FROM milestones WHERE conversation_id = $1 AND kind = 'callback'", [conversation.id])).rows).toEqual([{ state: 'open' }]);
    expect((await json(await attempt({ result: 'reached' }))).error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'outcome' }] });
    const second = (await json(await attempt({ result: 'reached', outcome: 'Vergunning niet nodig; uitgelegd.' }))).handoff as { status: string; outcome: string; attempts: { result: string; by: { id: number } }[] };
    expect(second).toMatchObject({ status: 'completed', outcome: 'Vergunning niet nodig; uitgelegd.' });
    expect(second.attempts.map((a) => [a.result, a.by.id])).toEqual([
      ['not_reached', petra.id],
      ['reached', petra.id],
    ]);
    expect((await db.pool.query("SELECT state, met_by FROM milestones WHERE conversation_id = $1 AND kind = 'callback'", [conversation.id])).rows).toEqual([{ state: 'met', met_by: 'callback' }]);
    expect((await attempt({ result: 'not_reached' })).status).toBe(409);
    const audit = await db.pool.query("SELECT details FROM audit_log WHERE action = 'handoff.attempt' AND subject_id = $1 ORDER BY id", [String(created.id)]);
    expect(audit.rows.map((row: { details: { result: string } }) => row.details.result)).toEqual(['not_reached', 'reached']);
    // The KCC sees it in the contact history.
    const history = (await json(await balie.request(`/api/backoffice/history/${conversation.id}`, { cookie: kcc.cookie }))).handoffs as { id: number; status: string }[];
    expect(history.find((handoff) => handoff.id === created.id)?.status).toBe('completed');
  });

  it('verkeerde afdeling: on to another team (still open, counted), or back to the KCC (the conversation reopens)', async () => {
    const conversation = await openConversation();
    const created = (await json(await handOff(kcc.cookie, { conversationId: conversation.id, teamId: vergunningen, action: 'email', email: 'sanne@example.nl', question: 'Over afval' }))).handoff as { id: number };
    const forwarded = (await json(await balie.request(`/api/backoffice/handoffs/${created.id}/misrouted`, { cookie: petra.cookie, body: { teamId: afval, note: 'Hoort bij Afval' } }))).handoff as { status: string; team: { id: number }; misroutedCount: number };
    expect(forwarded).toMatchObject({ status: 'open', team: { id: afval }, misroutedCount: 1 });
    expect((await balie.request(`/api/backoffice/handoffs/${created.id}`, { cookie: petra.cookie })).status).toBe(404);
    const back = (await json(await balie.request(`/api/backoffice/handoffs/${created.id}/misrouted`, { cookie: sem.cookie, body: { note: 'Niet voor ons' } }))).handoff as { status: string; misroutedCount: number; steps: { kind: string }[] };
    expect(back).toMatchObject({ status: 'misrouted', misroutedCount: 2 });
    expect(back.steps.map((step) => step.kind)).toEqual(['created', 'forwarded', 'sent_back']);
    expect((await db.pool.query('SELECT status, outcome FROM conversations WHERE id = $1', [conversation.id])).rows).toEqual([{ status: 'open', outcome: null }]);
  });

  it('completing a non-callback hand-off records its outcome; a callback cannot be completed without reaching the citizen', async () => {
    const conversation = await openConversation();
    const created = (await json(await handOff(kcc.cookie, { conversationId: conversation.id, teamId: afval, action: 'other', actionLabel: 'Container omwisselen', question: 'Te kleine container' }))).handoff as { id: number };
    const done = (await json(await balie.request(`/api/backoffice/handoffs/${created.id}/complete`, { cookie: sem.cookie, body: { outcome: 'Omgewisseld' } }))).handoff as { status: string };
    expect(done.status).toBe('completed');
    const call = await openConversation();
    const callback = (await json(await handOff(kcc.cookie, { conversationId: call.id, teamId: afval, action: 'callback', phone: '0612345678', question: 'Bel' }))).handoff as { id: number };
    expect((await json(await balie.request(`/api/backoffice/handoffs/${callback.id}/complete`, { cookie: sem.cookie, body: { outcome: 'x' } }))).error).toMatchObject({ code: 'handoff_wrong_action' });
  });
});

describe('after all of it', () => {
  it('reconcile finds the derived data and the lifecycle rules intact', async () => {
    const report = await reconcileInbox(balie.database.pool);
    expect(report.clean, JSON.stringify(report)).toBe(true);
  });
});

describe('the back office and the KCC inbox', () => {
  it.each([
    ['GET', '/api/conversations'],
    ['GET', '/api/conversations/counts'],
    ['GET', '/api/conversations/1'],
    ['POST', '/api/conversations/1/messages'],
    ['GET', '/api/team'],
    ['GET', '/api/canned-answers'],
    ['GET', '/api/settings/service'],
    ['GET', '/api/reports/overview'],
    ['GET', '/api/backoffice/history/1'],
    ['POST', '/api/backoffice/handoffs'],
  ])('a back-office user gets 403 on %s %s', async (method, path) => {
    const response = await balie.request(path, { method, cookie: petra.cookie, ...(method === 'POST' ? { body: {} } : {}) });
    expect(response.status).toBe(403);
    expect(((await json(response)).error as { code: string }).code).toBe('forbidden');
  });

  it('a back-office user still knows who they are', async () => {
    const me = await json(await balie.request('/api/auth/me', { cookie: petra.cookie }));
    expect(me.agent).toMatchObject({ role: 'backoffice' });
  });
});
