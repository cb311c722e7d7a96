// The back office in real Chromium against a real Balie, PostgreSQL, Dovecot and SMTP server
// (issue 14 "Must show"): a KCC agent hands a live chat to team Vergunningen as a callback; the
// citizen's confirmation and the team's notification reach the SMTP server; a back-office user
// logs in, sees only that hand-off, records "niet bereikt" and then "bereikt" with an outcome;
// the KCC agent sees each step live in the contact history; axe finds no WCAG 2.1 AA violations.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { CHAT_ENV, closeSockets, startChat, type StartedChat } from '../server/chat/chat-support.ts';
import { startMailWorld, type MailWorld } from '../server/mail/mail-support.ts';
import { seedConversation } from '../server/inbox/seed.ts';
import { namedAgent, openInbox, row, type AgentPage, type TestAgent } from './inbox-support.ts';

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let browser: Browser;
let fatima: AgentPage;
let petra: TestAgent;
let kccAgent: TestAgent;
let chat: StartedChat;

/** "ma 28 dec 17:00", formatted here independently of the inbox's own code. */
const dutch = (at: Date) =>
  new Intl.DateTimeFormat('nl-NL', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Amsterdam' })
    .format(at)
    .replace(/\./g, '')
    .replace(/,/g, '');

beforeAll(async () => {
  [db, world, browser] = await Promise.all([createTestDatabase(), startMailWorld(), launchBrowser()]);
  balie = await startTestBalie(db.url, { ...CHAT_ENV, ...world.env });
  const pool = balie.database.pool;
  const kcc = await namedAgent(pool, 'Fatima Yilmaz');
  kccAgent = kcc;
  petra = await namedAgent(pool, 'Petra Jansen', 'backoffice');
  const sem = await namedAgent(pool, 'Sem de Wit', 'backoffice');
  const admin = await balie.login(ADMIN.email, ADMIN.password);
  for (const team of [
    { name: 'Vergunningen', notificationEmail: 'vergunningen@gemeente.test', coordinatorId: petra.id, memberIds: [petra.id] },
    { name: 'Afval', memberIds: [sem.id] },
  ]) {
    const response = await balie.request('/api/teams', { cookie: admin, body: team });
    if (response.status !== 201) throw new Error(`team not created: ${await response.text()}`);
  }
  // Afval has work of its own, which Petra must not see.
  const other = await seedConversation(pool, { channel: 'email', status: 'open', subject: 'Container', contact: { name: 'Kees Bakker', email: 'kees@example.nl' } });
  const afval = ((await (await balie.request('/api/teams', { cookie: admin })).json()) as { teams: { id: number; name: string }[] }).teams.find((team) => team.name === 'Afval')!;
  const fatimaCookie = await balie.login(kcc.email, kcc.password);
  const seeded = await balie.request('/api/backoffice/handoffs', { cookie: fatimaCookie, body: { conversationId: other.id, teamId: afval.id, action: 'callback', phone: '0104172000', question: 'Container te klein' } });
  if (seeded.status !== 201) throw new Error(`hand-off not created: ${await seeded.text()}`);
  await world.smtp.waitFor(1, 30_000);
  fatima = await openInbox(browser, balie.url, pool, kcc);
});
afterAll(async () => {
  closeSockets();
  await browser?.close();
  await balie?.stop();
  await world?.close();
  await db?.drop();
});

/** Logs a back-office user in; they land on their own view, not the inbox. */
async function openBackoffice(agent: TestAgent): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchForErrors(page);
  // Back office has no presence (it never counts as an agent who can chat): its live connection is
  // ready once the server's session.ready frame arrives on the page's WebSocket.
  const live = page
    .waitForEvent('websocket', { predicate: (socket) => socket.url().includes('/socket.io/'), timeout: 60_000 })
    .then((socket) => socket.waitForEvent('framereceived', { predicate: (frame) => String(frame.payload).includes('session.ready'), timeout: 60_000 }));
  await page.goto(balie.url);
  await page.getByLabel('E-mailadres').fill(agent.email);
  await page.getByLabel('Wachtwoord').fill(agent.password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByRole('heading', { name: 'Contactverzoeken', level: 1 }).waitFor();
  await live;
  return { page, errors };
}

describe('a live chat handed to the back office as a callback', () => {
  it('the KCC agent hands the chat to Vergunningen; the dialog shows availability and the promise; no WCAG 2.1 AA violations', async () => {
    chat = await startChat(balie, 'Mag ik een dakkapel plaatsen zonder vergunning?', { name: 'Sanne de Boer' });
    const { page } = fatima;
    await row(page, 'Sanne de Boer').waitFor({ timeout: 15_000 });
    await row(page, 'Sanne de Boer').click();
    await page.getByRole('heading', { name: chat.conversation.reference }).waitFor();
    await page.getByRole('button', { name: 'Oppakken', exact: true }).click();
    await page.getByText('U heeft dit gesprek opgepakt.').waitFor();

    await page.getByRole('button', { name: 'Doorzetten naar backoffice' }).click();
    const dialog = page.getByRole('dialog', { name: 'Contactverzoek doorzetten' });
    await dialog.waitFor();
    await dialog.getByLabel('Team').selectOption({ label: 'Vergunningen' });
    // Who can act, and the promise the norm makes (Rotterdam: next working day before 17:00).
    await dialog.getByText(/Petra Jansen: nu beschikbaar|Petra Jansen: beschikbaar vanaf/).waitFor();
    await dialog.getByText(/Belofte aan de inwoner: uiterlijk .* \(servicenorm\)/).waitFor();
    expect(await dialog.getByLabel('Terugbellen').isChecked()).toBe(true);
    await dialog.getByLabel('Vraag van de inwoner').fill('Mag ik een dakkapel plaatsen zonder vergunning? Achterzijde, Dorpsstraat 12.');
    await dialog.getByLabel('Telefoonnummer').fill('06 12345678');
    await dialog.getByLabel('E-mailadres van de inwoner').fill('sanne@example.nl');
    await dialog.getByLabel('Voorkeursmoment (optioneel)').fill('liefst vóór 12:00');
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Doorzetten', exact: true }).click();
    await page.getByText(/Doorgezet naar Vergunningen; uiterlijk/).waitFor();
    expect(await dialog.count()).toBe(0);

    const { rows } = await db.pool.query<{ status: string; outcome: string; due_at: Date; phone: string }>(
      `SELECT c.status, c.outcome, m.due_at, h.phone FROM handoffs h JOIN conversations c ON c.id = h.conversation_id JOIN milestones m ON m.id = h.milestone_id WHERE c.id = $1`,
      [chat.conversationId],
    );
    expect(rows).toEqual([expect.objectContaining({ status: 'closed', outcome: 'callback_requested', phone: '+31612345678' })]);
    // The contact card shows the hand-off at once.
    const card = page.getByRole('region', { name: 'Inwoner' });
    await card.getByText('Terugbellen — Vergunningen').waitFor();
    await card.getByText(`uiterlijk ${dutch(rows[0]!.due_at)}`).waitFor();
    expect(fatima.errors).toEqual([]);
  });

  it("the citizen's confirmation names the reference and the promised moment; the team's notification reaches its address", async () => {
    const mails = await world.smtp.waitFor(3, 30_000);
    const toCitizen = mails.find((mail) => mail.to.includes('sanne@example.nl'));
    const toTeam = mails.find((mail) => mail.to.includes('vergunningen@gemeente.test'));
    expect(toCitizen, JSON.stringify(mails.map((mail) => mail.to))).toBeDefined();
    expect(toTeam).toBeDefined();
    const { rows } = await db.pool.query<{ due_at: Date }>('SELECT h.due_at FROM handoffs h WHERE h.conversation_id = $1', [chat.conversationId]);
    const day = new Intl.DateTimeFormat('nl-NL', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Amsterdam' }).format(rows[0]!.due_at);
    const text = toCitizen!.parsed.text ?? '';
    expect(text).toContain(chat.conversation.reference);
    expect(text).toContain(`uiterlijk ${day} vóór 17:00 terug op 06 12345678`);
    expect(toCitizen!.parsed.subject).toContain(chat.conversation.reference);
    expect(toTeam!.parsed.text).toContain('Mag ik een dakkapel plaatsen zonder vergunning? Achterzijde, Dorpsstraat 12.');
    expect(toTeam!.parsed.text).toContain('Telefoon: 06 12345678');
    expect(toTeam!.parsed.subject).toContain(`[${chat.conversation.reference}] Contactverzoek`);
  });

  it('the back-office user sees only that hand-off, records niet bereikt then bereikt; the KCC agent sees each step live; no WCAG 2.1 AA violations', async () => {
    const { page, errors } = await openBackoffice(petra);
    const list = page.getByRole('list', { name: 'Open contactverzoeken' });
    await list.getByRole('button').first().waitFor();
    expect(await list.getByRole('button').count()).toBe(1);
    expect(await list.textContent()).toContain(chat.conversation.reference);
    expect(await list.textContent()).not.toContain('Kees Bakker');
    // Not the KCC inbox.
    expect(await page.getByRole('heading', { name: 'Inbox' }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);

    await list.getByRole('button').first().click();
    await page.getByRole('heading', { name: /Terugbellen — Sanne de Boer/ }).waitFor();
    await page.getByText('Mag ik een dakkapel plaatsen zonder vergunning? Achterzijde, Dorpsstraat 12.').first().waitFor();
    expect(await page.getByRole('link', { name: '+31612345678' }).getAttribute('href')).toBe('tel:+31612345678');
    expect(await axeViolations(page)).toEqual([]);

    const card = fatima.page.getByRole('region', { name: 'Inwoner' });
    await page.getByLabel('Resultaat').selectOption({ label: 'niet bereikt' });
    await page.getByLabel('Notitie (optioneel)').fill('geen gehoor');
    await page.getByRole('button', { name: 'Belpoging opslaan' }).click();
    await page.getByRole('status').filter({ hasText: 'Belpoging opgeslagen.' }).waitFor();
    await card.getByText(/Gebeld door Petra Jansen \(Vergunningen\) .* — niet bereikt: geen gehoor/).waitFor({ timeout: 10_000 });
    await card.getByText('Poging gedaan').waitFor();

    await page.getByLabel('Resultaat').selectOption({ label: 'bereikt' });
    await page.getByLabel('Uitkomst: wat is er afgesproken?').fill('Achterzijde vergunningvrij; uitgelegd en bevestigd.');
    await page.getByRole('button', { name: 'Belpoging opslaan' }).click();
    await page.getByRole('status').filter({ hasText: 'Contactverzoek afgehandeld.' }).waitFor();
    await card.getByText(/Gebeld door Petra Jansen \(Vergunningen\) .* — bereikt/).waitFor({ timeout: 10_000 });
    await card.getByText(/Afgehandeld door Petra Jansen \(Vergunningen\) .*: Achterzijde vergunningvrij; uitgelegd en bevestigd\./).waitFor();
    // Done: it leaves the back office's open list.
    await page.getByText('Er staan geen contactverzoeken voor u of uw teams open.').waitFor();

    const { rows } = await db.pool.query<{ state: string; met_by: string }>("SELECT state, met_by FROM milestones WHERE conversation_id = $1 AND kind = 'callback'", [chat.conversationId]);
    expect(rows).toEqual([{ state: 'met', met_by: 'callback' }]);
    expect(await axeViolations(fatima.page)).toEqual([]);
    expect(errors).toEqual([]);
    expect(fatima.errors).toEqual([]);
  });

  it('a phone call is registered after finding the caller, and opens as a conversation of channel Telefoon; no WCAG 2.1 AA violations', async () => {
    const { page } = fatima;
    await page.getByRole('button', { name: 'Telefoongesprek noteren' }).click();
    const dialog = page.getByRole('dialog', { name: 'Telefoongesprek noteren' });
    await dialog.waitFor();
    await dialog.getByLabel('Zoek de inwoner op telefoonnummer, e-mailadres of naam').fill('kees@example.nl');
    await dialog.getByRole('button', { name: 'Zoeken' }).click();
    // Kees's earlier conversation shows before anything is asked.
    await dialog.getByRole('list', { name: 'Gevonden inwoners' }).getByText(/Container · E-mail/).waitFor();
    await dialog.getByRole('button', { name: 'Kees Bakker' }).click();
    await dialog.getByLabel('Onderwerp').fill('Afvalkalender');
    await dialog.getByLabel('Wat is er gedaan?').fill('Uitgelegd waar de afvalkalender op de website staat.');
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Vastleggen' }).click();
    await page.getByRole('heading', { name: 'Afvalkalender' }).waitFor();
    expect(await page.locator('.meta').first().textContent()).toContain('Telefoon');
    const { rows } = await db.pool.query("SELECT c.channel, c.outcome, k.name FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.subject = 'Afvalkalender'");
    expect(rows).toEqual([{ channel: 'phone', outcome: 'handled_first_contact', name: 'Kees Bakker' }]);
    expect(fatima.errors).toEqual([]);
  });
});

describe("a back-office member's own availability", () => {
  it('removes a planned absence and sets their own working days, by keyboard; no WCAG 2.1 AA violations', async () => {
    const cookie = await balie.login(petra.email, petra.password);
    const startsAt = new Date(Date.now() + 7 * 24 * 3_600_000);
    const endsAt = new Date(startsAt.getTime() + 2 * 24 * 3_600_000);
    const added = await balie.request('/api/backoffice/absences', { cookie, body: { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() } });
    expect(added.status).toBe(201);

    const { page, errors } = await openBackoffice(petra);
    const region = page.getByRole('region', { name: 'Mijn beschikbaarheid' });
    const planned = region.getByRole('list', { name: 'Geplande afwezigheid' });
    await planned.getByRole('listitem').first().waitFor();
    expect(await planned.getByRole('listitem').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);

    // By keyboard: focus the remove button and press Enter.
    await planned.getByRole('button', { name: /^Afwezigheid .* verwijderen$/ }).focus();
    await page.keyboard.press('Enter');
    await region.getByRole('status').filter({ hasText: /Afwezigheid .* verwijderd\./ }).waitFor();
    await region.getByText('Geen afwezigheid gepland.').waitFor();
    expect((await db.pool.query('SELECT 1 FROM agent_absences WHERE agent_id = $1', [petra.id])).rowCount).toBe(0);

    // Part-time: Monday and Tuesday only (Space ticks a focused checkbox).
    for (const day of ['maandag', 'dinsdag']) {
      await region.getByRole('checkbox', { name: day }).focus();
      await page.keyboard.press('Space');
    }
    await region.getByRole('button', { name: 'Werkdagen opslaan' }).focus();
    await page.keyboard.press('Enter');
    await region.getByRole('status').filter({ hasText: 'Werkdagen opgeslagen.' }).waitFor();
    const { rows } = await db.pool.query<{ working_days: number[] }>('SELECT working_days FROM agent_availability WHERE agent_id = $1', [petra.id]);
    expect(rows).toEqual([{ working_days: [1, 2] }]);
    // The team's availability now follows Petra's own days.
    const kcc = await balie.login(kccAgent.email, kccAgent.password);
    const teams = ((await (await balie.request('/api/teams', { cookie: kcc })).json()) as { teams: { id: number; name: string }[] }).teams;
    const vergunningen = teams.find((team) => team.name === 'Vergunningen')!;
    const availability = (await (await balie.request(`/api/teams/${vergunningen.id}/availability`, { cookie: kcc })).json()) as { members: { id: number; availableFrom: string }[] };
    const from = new Date(availability.members.find((member) => member.id === petra.id)!.availableFrom);
    const weekday = new Intl.DateTimeFormat('en-GB', { weekday: 'long', timeZone: 'Europe/Amsterdam' }).format(from);
    expect(['Monday', 'Tuesday']).toContain(weekday);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('a hand-off made by mistake', () => {
  it('its maker cancels it from the contact card by keyboard, with a reason; its deadline ends as not applicable; no WCAG 2.1 AA violations', async () => {
    const { page } = fatima;
    // The hand-off closed the conversation: the agent finds it by its reference.
    const { rows: found } = await db.pool.query<{ reference: string }>("SELECT reference FROM conversations WHERE subject = 'Container'");
    const box = page.getByRole('searchbox', { name: 'Zoeken', exact: true });
    await box.fill(found[0]!.reference);
    await box.press('Enter');
    await row(page, 'Kees Bakker').click();
    await page.getByRole('heading', { name: 'Container' }).waitFor();
    const card = page.getByRole('region', { name: 'Inwoner' });
    const open = card.getByRole('button', { name: 'Contactverzoek annuleren' });
    await open.waitFor();

    await open.focus();
    await page.keyboard.press('Enter');
    const reason = card.getByLabel('Waarom vervalt dit verzoek?');
    await reason.waitFor();
    // Focus moves to the reason; an empty reason is refused at the field, not sent.
    expect(await reason.evaluate((element) => element === document.activeElement)).toBe(true);
    await card.getByRole('button', { name: 'Verzoek annuleren' }).focus();
    await page.keyboard.press('Enter');
    await card.getByRole('alert').filter({ hasText: 'Geef een reden op.' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    await reason.focus();
    await page.keyboard.type('Inwoner heeft de container zelf omgeruild.');
    await card.getByRole('button', { name: 'Verzoek annuleren' }).focus();
    await page.keyboard.press('Enter');
    await card.getByRole('status').filter({ hasText: 'Het contactverzoek is geannuleerd.' }).waitFor();
    await card.getByText(/Geannuleerd door Fatima Yilmaz .*: Inwoner heeft de container zelf omgeruild\./).waitFor({ timeout: 10_000 });
    await card.getByText('Geannuleerd', { exact: true }).waitFor();
    expect(await open.count()).toBe(0);

    const { rows } = await db.pool.query<{ status: string; state: string; ended_reason: string }>(
      `SELECT h.status, m.state, m.ended_reason FROM handoffs h JOIN milestones m ON m.id = h.milestone_id JOIN conversations c ON c.id = h.conversation_id WHERE c.subject = 'Container'`,
    );
    expect(rows).toEqual([{ status: 'cancelled', state: 'not_applicable', ended_reason: 'handoff_cancelled' }]);
    expect(await axeViolations(page)).toEqual([]);
    expect(fatima.errors).toEqual([]);
  });
});
