// When nobody can chat (issue 5 §5): outside chat hours the widget says so, tells when chat opens
// next, and takes the question by e-mail — an e-mail conversation with the norm's milestones, and
// the promised date on screen. Also: the last agent leaving between opening and sending.
import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { agentSocket, closeSockets, startChatBalie } from '../server/chat/chat-support.ts';
import { startHostPage, widget, type HostPage } from './widget-support.ts';

let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
  errors = watchForErrors(page);
});
afterEach(async () => {
  closeSockets();
  await context.close();
});

/** Chat hours on one weekday that is not today (Amsterdam), so chat is closed now and opens on a known day. */
function closedToday(): string {
  const today = DateTime.now().setZone('Europe/Amsterdam').weekday; // 1 = Monday
  return today === 3 ? 'thu 10:00-12:00' : 'wed 10:00-12:00';
}

describe('outside chat hours', () => {
  let db: TestDatabase;
  let balie: TestBalie;
  let host: HostPage;

  beforeAll(async () => {
    db = await createTestDatabase();
    host = await startHostPage(() => balie.url);
    // Rotterdam's norm promises a substantive answer within 5 working days.
    balie = await startChatBalie(db.url, { WIDGET_ORIGINS: host.url, CHAT_HOURS: closedToday(), NORM: 'rotterdam' });
  });
  afterAll(async () => {
    await host?.close();
    await balie?.stop();
    await db?.drop();
  });

  it('says when chat opens next and turns the question into an e-mail conversation with the promised date', async () => {
    const w = widget(page);
    const service = await (await balie.request('/api/public/service')).json();
    expect(service.chat).toMatchObject({ open: false, available: false, nextOpening: expect.any(String) });
    const opening = DateTime.fromISO(service.chat.nextOpening).setZone('Europe/Amsterdam').setLocale('nl');

    await page.goto(host.url);
    await w.launcher().click();
    await page.getByText('De chat is nu gesloten.').waitFor();
    await page.getByText(`De chat is weer open op ${opening.toFormat("cccc d LLLL 'om' HH:mm")}.`).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // The address is required and checked before anything is sent.
    await page.getByLabel('Uw vraag').fill('Wanneer kan ik mijn rijbewijs ophalen?');
    await page.getByRole('button', { name: 'Vraag versturen' }).click();
    await page.getByText('Vul dit veld in.').waitFor();
    await page.getByLabel('Uw e-mailadres').fill('jan@voorbeeld');
    await page.getByRole('button', { name: 'Vraag versturen' }).click();
    await page.getByText('Vul een geldig e-mailadres in').waitFor();
    expect(await page.getByLabel('Uw e-mailadres').getAttribute('aria-invalid')).toBe('true');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('Uw e-mailadres').fill('jan@voorbeeld.nl');
    await page.getByLabel('Uw naam (niet verplicht)').fill('Jan Jansen');
    await page.getByRole('button', { name: 'Vraag versturen' }).click();
    const received = page.getByText(/^Uw vraag is ontvangen onder nummer BAL-\d{4}-\d{6}\./);
    await received.waitFor();
    const shown = (await received.textContent())!.trim().replace(/\s+/g, ' ');
    const reference = /BAL-\d{4}-\d{6}/.exec(shown)![0];

    const { rows } = await db.pool.query<{ id: number; channel: string }>('SELECT id, channel FROM conversations WHERE reference = $1', [reference]);
    expect(rows).toEqual([{ id: expect.any(Number), channel: 'email' }]);
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const thread = (await (await balie.request(`/api/conversations/${rows[0]!.id}`, { cookie: admin })).json()).conversation;
    expect(thread.contact).toMatchObject({ name: 'Jan Jansen', email: 'jan@voorbeeld.nl' });
    expect(thread.messages.map((m: { text: string }) => m.text)).toEqual(['Wanneer kan ik mijn rijbewijs ophalen?']);
    const answer = thread.milestones.find((m: { kind: string }) => m.kind === 'answer');
    expect(answer).toMatchObject({ normId: 'rotterdam', state: 'open' });
    const due = DateTime.fromISO(answer.dueAt).setZone('Europe/Amsterdam').setLocale('nl');
    expect(shown).toBe(`Uw vraag is ontvangen onder nummer ${reference}. U ontvangt uiterlijk ${due.toFormat('cccc d LLLL')}${due.year === DateTime.now().year ? '' : ` ${due.year}`} een antwoord per e-mail.`);
    expect(errors).toEqual([]);
  });

  it('in English when the script tag says data-lang="en"', async () => {
    const w = widget(page, 'en');
    const service = await (await balie.request('/api/public/service')).json();
    const opening = DateTime.fromISO(service.chat.nextOpening).setZone('Europe/Amsterdam').setLocale('en-GB');
    await page.goto(`${host.url}/?data-lang=en`);
    await w.launcher().click();
    await page.getByText(`The chat opens again on ${opening.toFormat("cccc d LLLL 'at' HH:mm")}.`).waitFor();
    await page.getByLabel('Your e-mail address').waitFor();
    await page.getByRole('button', { name: 'Send question' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });
});

describe('within chat hours', () => {
  let db: TestDatabase;
  let balie: TestBalie;
  let host: HostPage;

  beforeAll(async () => {
    db = await createTestDatabase();
    host = await startHostPage(() => balie.url);
    balie = await startChatBalie(db.url, { WIDGET_ORIGINS: host.url });
  });
  afterAll(async () => {
    await host?.close();
    await balie?.stop();
    await db?.drop();
  });

  it('with nobody online: says so plainly and offers the form', async () => {
    await page.goto(host.url);
    await widget(page).launcher().click();
    await page.getByText('Er is op dit moment geen medewerker beschikbaar voor de chat.').waitFor();
    await page.getByLabel('Uw e-mailadres').waitFor();
  });

  it('when the last agent leaves before the citizen sends: the typed question moves into the form', async () => {
    const admin = await balie.login(ADMIN.email, ADMIN.password);
    const agent = await agentSocket(balie, admin, { keep: true });
    await page.goto(host.url);
    await widget(page).launcher().click();
    await page.getByLabel('Uw vraag').fill('Is het stadhuis morgen open?');
    agent.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await page.getByRole('button', { name: 'Versturen' }).click();
    await page.getByLabel('Uw e-mailadres').waitFor();
    expect(await page.getByLabel('Uw vraag').inputValue()).toBe('Is het stadhuis morgen open?');
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM conversations WHERE channel = 'chat'");
    expect(rows[0].n).toBe(0);
  });
});
