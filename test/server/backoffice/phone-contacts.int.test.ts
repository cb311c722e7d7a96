// Phone contacts (issue 14 §7): the caller found by phone number in any notation, e-mail or name
// with their history; a call registered as a conversation of channel phone, closed as handled in
// first contact, or with a hand-off in the same transaction (an absent colleague rolls it all back).
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileInbox } from '../../../server/reconcile/reconcile.ts';
import { addAgent, ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedConversation } from '../inbox/seed.ts';

let db: TestDatabase;
let balie: TestBalie;
let kcc: string;
let teamId: number;
let petra: { id: number; email: string; password: string };

beforeAll(async () => {
  db = await createTestDatabase();
  balie = await startTestBalie(db.url, { NORM: 'rotterdam' });
  const admin = await balie.login(ADMIN.email, ADMIN.password);
  petra = await addAgent(db.pool, 'backoffice', 'petra@gemeente.test');
  const team = (await (await balie.request('/api/teams', { cookie: admin, body: { name: 'Vergunningen', memberIds: [petra.id] } })).json()) as { team: { id: number } };
  teamId = team.team.id;
  const agent = await addAgent(db.pool, 'agent', 'fatima@gemeente.test');
  kcc = await balie.login(agent.email, agent.password);
});
afterAll(async () => {
  await balie?.stop();
  await db?.drop();
});

describe('phone contacts', () => {
  it('finds the caller by phone number in any notation, by e-mail and by name, with their conversations', async () => {
    const { rows } = await db.pool.query<{ id: number }>("INSERT INTO contacts (name, email, phone) VALUES ('Sanne de Boer', 'sanne@example.nl', '+31612345678') RETURNING id");
    await seedConversation(db.pool, { channel: 'email', status: 'closed', subject: 'Paspoort verlengen', contact: { id: rows[0]!.id } });
    for (const q of ['06 12345678', '+31 6 1234 5678', 'SANNE@example.nl', 'de boer']) {
      const { contacts } = (await (await balie.request(`/api/backoffice/contacts?q=${encodeURIComponent(q)}`, { cookie: kcc })).json()) as { contacts: { id: number; conversations: { subject: string }[] }[] };
      expect(contacts.map((contact) => contact.id), q).toEqual([rows[0]!.id]);
      expect(contacts[0]!.conversations.map((c) => c.subject)).toEqual(['Paspoort verlengen']);
    }
    const petraCookie = await balie.login(petra.email, petra.password);
    expect((await balie.request('/api/backoffice/contacts?q=sanne', { cookie: petraCookie })).status).toBe(403);
  });

  it('a call handled in first contact is a closed conversation of channel phone in the list and the history', async () => {
    const response = await balie.request('/api/backoffice/phone-contacts', { cookie: kcc, body: { phone: '0612345678', subject: 'Afvalkalender', summary: 'Uitgelegd waar de afvalkalender staat.' } });
    expect(response.status, await response.clone().text()).toBe(201);
    const { conversation } = (await response.json()) as { conversation: { conversationId: number; reference: string } };
    const { rows } = await db.pool.query('SELECT c.channel, c.status, c.outcome, k.name FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.id = $1', [conversation.conversationId]);
    // The existing contact was found by the number, not a second one made.
    expect(rows).toEqual([{ channel: 'phone', status: 'closed', outcome: 'handled_first_contact', name: 'Sanne de Boer' }]);
    const list = (await (await balie.request('/api/conversations?status=closed', { cookie: kcc })).json()) as { items: { reference: string; channel: string }[] };
    expect(list.items.find((item) => item.reference === conversation.reference)?.channel).toBe('phone');
  });

  it('a call with a hand-off: the hand-off carries the callback and shows in the contact history', async () => {
    const response = await balie.request('/api/backoffice/phone-contacts', {
      cookie: kcc,
      body: { phone: '010 417 2000', name: 'Kees Bakker', subject: 'Dakkapel', summary: 'Wil weten of een dakkapel vergunningvrij is.', handoff: { teamId, action: 'callback' } },
    });
    expect(response.status, await response.clone().text()).toBe(201);
    const { conversation, handoff } = (await response.json()) as { conversation: { conversationId: number }; handoff: { phone: string; question: string; status: string } };
    expect(handoff).toMatchObject({ phone: '+31104172000', question: 'Wil weten of een dakkapel vergunningvrij is.', status: 'open' });
    const { rows } = await db.pool.query("SELECT c.channel, c.outcome, m.state FROM conversations c JOIN milestones m ON m.conversation_id = c.id AND m.kind = 'callback' WHERE c.id = $1", [conversation.conversationId]);
    expect(rows).toEqual([{ channel: 'phone', outcome: 'callback_requested', state: 'open' }]);
    const history = (await (await balie.request(`/api/backoffice/history/${conversation.conversationId}`, { cookie: kcc })).json()) as { handoffs: unknown[] };
    expect(history.handoffs).toHaveLength(1);
    // In the list under the channel filter Telefoon, and nothing of another channel there.
    const list = (await (await balie.request('/api/conversations?status=closed&channel=phone', { cookie: kcc })).json()) as { items: { id: number; channel: string }[] };
    expect(list.items.map((item) => item.id)).toContain(conversation.conversationId);
    expect(new Set(list.items.map((item) => item.channel))).toEqual(new Set(['phone']));
  });

  it('phone contacts count in the KPIs: how many, handled in first contact, handed off, and per team', async () => {
    const supervisor = await addAgent(db.pool, 'supervisor', 'teamleider@gemeente.test');
    const cookie = await balie.login(supervisor.email, supervisor.password);
    const today = DateTime.now().setZone('Europe/Amsterdam');
    const period = `from=${today.toISODate()}&to=${today.plus({ days: 21 }).toISODate()}`;
    const response = await balie.request(`/api/backoffice/figures?${period}`, { cookie });
    expect(response.status, await response.clone().text()).toBe(200);
    const figures = (await response.json()) as { phoneContacts: Record<string, number>; teams: { team: { id: number }; fromPhone: number; handoffs: number }[]; totals: { fromPhone: number } };
    expect(figures.phoneContacts).toEqual({ total: 2, firstContact: 1, handedOff: 1, firstContactPercent: 50 });
    expect(figures.teams.find((row) => row.team.id === teamId)).toMatchObject({ handoffs: 1, fromPhone: 1 });
    expect(figures.totals.fromPhone).toBe(1);
  });

  it('a hand-off that is refused rolls the whole call back', async () => {
    await db.pool.query("INSERT INTO agent_absences (agent_id, starts_at, ends_at) VALUES ($1, now() - interval '1 hour', now() + interval '1 day')", [petra.id]);
    const before = (await db.pool.query("SELECT count(*)::int AS n FROM conversations WHERE channel = 'phone'")).rows[0].n;
    const response = await balie.request('/api/backoffice/phone-contacts', {
      cookie: kcc,
      body: { phone: '0612345678', subject: 'Terugbellen', summary: 'Vraag over bouwen', handoff: { teamId, assigneeId: petra.id, action: 'callback' } },
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('assignee_absent');
    expect((await db.pool.query("SELECT count(*)::int AS n FROM conversations WHERE channel = 'phone'")).rows[0].n).toBe(before);
    const report = await reconcileInbox(balie.database.pool);
    expect(report.clean, JSON.stringify(report)).toBe(true);
  });
});
