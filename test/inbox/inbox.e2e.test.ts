// The agents' inbox in real Chromium against a real Balie, Dovecot and SMTP server: new mail
// appears live for two agents at once, the deadline reads right, quoted history folds, the contact's
// earlier conversations are one click away, replies go out threaded, notes stay in.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from '../server/mail/mail-support.ts';
import { namedAgent, openInbox, row, type AgentPage } from './inbox-support.ts';

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let browser: Browser;
let admin: AgentPage;
let fatima: AgentPage;

beforeAll(async () => {
  [db, world, browser] = await Promise.all([createTestDatabase(), startMailWorld(), launchBrowser()]);
  balie = await startTestBalie(db.url, world.env);
  const agent = await namedAgent(balie.database.pool, 'Fatima Yilmaz');
  [admin, fatima] = await Promise.all([openInbox(browser, balie.url, balie.database.pool, ADMIN), openInbox(browser, balie.url, balie.database.pool, agent)]);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await world?.close();
  await db?.drop();
});

/** "di 29 dec 17:00", formatted here independently of the inbox's own code. */
const dutch = (at: Date) =>
  new Intl.DateTimeFormat('nl-NL', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Amsterdam' })
    .format(at)
    .replace(/\./g, '')
    .replace(/,/g, '');

const QUOTED_BODY = [
  'Goedemiddag, de lantaarnpaal voor Dorpsstraat 12 is nog steeds kapot.',
  '',
  'Op ma 16 nov 2026 om 09:00 schreef Gemeente Test <info@gemeente.test>:',
  '> Beste heer/mevrouw,',
  '> Wij hebben uw melding ontvangen.',
].join('\n');

describe('the inbox with e-mail', () => {
  it('two agents see a new e-mail appear live, with its deadline in plain Dutch; no WCAG 2.1 A/AA violations', async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'live@example.nl', from: 'Sanne de Boer <sanne@example.nl>', subject: 'Kapotte lantaarnpaal', body: QUOTED_BODY }));
    for (const { page } of [admin, fatima]) await row(page, 'Sanne de Boer').waitFor({ timeout: 15_000 });
    const { rows } = await db.pool.query<{ due_at: Date }>(
      "SELECT ms.due_at FROM milestones ms JOIN messages m ON m.conversation_id = ms.conversation_id JOIN email_messages e ON e.message_id = m.id WHERE e.rfc_message_id = 'live@example.nl' AND ms.kind = 'answer'",
    );
    const due = dutch(rows[0]!.due_at);
    expect(await row(fatima.page, 'Sanne de Boer').textContent()).toContain(`antwoord vóór ${due}`);
    expect(await axeViolations(fatima.page)).toEqual([]);

    const { page } = fatima;
    await row(page, 'Sanne de Boer').click();
    await page.getByRole('heading', { name: 'Kapotte lantaarnpaal' }).waitFor();
    // Focus moves to the opened conversation's title.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('conversation-title');
    expect(await page.getByRole('region', { name: 'Termijnen' }).textContent()).toContain(`antwoord vóór ${due}`);
    // The quoted history is folded behind a toggle.
    const main = page.getByRole('main');
    await main.getByText('de lantaarnpaal voor Dorpsstraat 12 is nog steeds kapot').waitFor();
    expect(await main.getByText('Wij hebben uw melding ontvangen').count()).toBe(0);
    await main.getByRole('button', { name: 'Eerdere berichten tonen' }).click();
    await main.getByText('Wij hebben uw melding ontvangen').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    expect(fatima.errors).toEqual([]);
  });

  it('shows an HTML mail in a sandboxed frame, its quote folded, and the citizen’s earlier conversations', async () => {
    const html = [
      'From: Sanne de Boer <sanne@example.nl>',
      'To: info@gemeente.test',
      'Subject: Container niet geleegd',
      'Message-ID: <html@example.nl>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="grens"',
      '',
      '--grens',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Mijn groene container is niet geleegd.',
      '--grens',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Mijn <b>groene</b> container is niet geleegd.</p><blockquote><p>Eerder citaat uit een oude mail</p></blockquote>',
      '--grens--',
    ].join('\n');
    await deliver(world.dovecot, html);
    const { page } = admin;
    await row(page, 'Container niet geleegd').waitFor({ timeout: 15_000 });
    await row(page, 'Container niet geleegd').click();
    await page.getByRole('heading', { name: 'Container niet geleegd' }).waitFor();
    const frame = page.frameLocator('iframe[title="E-mail van Sanne de Boer"]');
    await frame.getByText('container is niet geleegd').waitFor();
    expect(await frame.getByText('Eerder citaat').count()).toBe(0);
    expect(await page.locator('iframe[title="E-mail van Sanne de Boer"]').getAttribute('sandbox')).not.toContain('allow-scripts');
    await page.getByRole('button', { name: 'Eerdere berichten tonen' }).click();
    await frame.getByText('Eerder citaat').waitFor();

    // The contact card lists the earlier conversation about the lantern; one click opens it.
    const card = page.getByRole('region', { name: 'Inwoner' });
    await card.getByRole('button', { name: 'Kapotte lantaarnpaal' }).click();
    await page.getByRole('heading', { name: 'Kapotte lantaarnpaal' }).waitFor();
    expect(admin.errors).toEqual([]);
  });

  it('a reply reaches the SMTP server threaded; an internal note never leaves', async () => {
    const { page } = fatima;
    await row(page, 'Sanne de Boer').filter({ hasText: 'Kapotte lantaarnpaal' }).click();
    await page.getByRole('heading', { name: 'Kapotte lantaarnpaal' }).waitFor();

    const before = world.smtp.received.length;
    await page.getByLabel('Soort bericht').selectOption('note');
    await page.getByLabel('Uw bericht').fill('Intern: melding doorgezet naar Openbare Ruimte');
    await page.getByRole('button', { name: 'Notitie opslaan' }).click();
    await page.getByText('Intern: melding doorgezet naar Openbare Ruimte').first().waitFor();
    // The colleague sees the note live, marked as internal.
    await row(admin.page, 'Sanne de Boer').filter({ hasText: 'Kapotte lantaarnpaal' }).click();
    await admin.page.getByText('Intern: melding doorgezet naar Openbare Ruimte').waitFor();

    await page.getByLabel('Soort bericht').selectOption('answer');
    await page.getByLabel('Uw bericht').focus();
    await page.keyboard.type('Beste Sanne, de lantaarnpaal wordt deze week gerepareerd.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('verzonden').first().waitFor({ timeout: 15_000 });

    const reply = await eventually(async () => world.smtp.received.slice(before).find((mail) => mail.to.includes('sanne@example.nl') && /lantaarnpaal wordt/.test(mail.parsed.text ?? '')), (found) => found !== undefined);
    expect(reply!.parsed.inReplyTo).toBe('<live@example.nl>');
    expect(String(reply!.parsed.references)).toContain('<live@example.nl>');
    expect(reply!.parsed.subject).toMatch(/^Re: Kapotte lantaarnpaal \[BAL-\d{4}-\d{6}\]$/);
    // The colleague's open conversation shows the answer and its delivery state live.
    // (The exact text: the list row's preview shows its start too, now that the row is patched live.)
    await admin.page.getByText('Beste Sanne, de lantaarnpaal wordt deze week gerepareerd.', { exact: true }).waitFor();
    expect(world.smtp.received.some((mail) => /Openbare Ruimte/.test(mail.parsed.text ?? ''))).toBe(false);
    // The reply assigned the conversation to Fatima.
    await row(admin.page, 'Sanne de Boer').filter({ hasText: 'Behandelaar: Fatima Yilmaz' }).first().waitFor();
    expect(fatima.errors).toEqual([]);
  });

  it('sends a tussenbericht with a new term: it goes out, and the new deadline shows in plain Dutch', async () => {
    const { page } = admin;
    await row(page, 'Container niet geleegd').click();
    await page.getByRole('heading', { name: 'Container niet geleegd' }).waitFor();
    const before = world.smtp.received.length;
    // The default for e-mail is the answer; each kind says in a line what it does to the deadlines.
    expect(await page.getByLabel('Soort bericht').inputValue()).toBe('answer');
    await page.getByLabel('Soort bericht').selectOption('question');
    await page.getByText('de antwoordtermijn staat stil tot de inwoner reageert').waitFor();
    await page.getByLabel('Soort bericht').selectOption('interim');
    await page.getByText('zet een nieuwe datum voor het antwoord; de mail noemt die datum').waitFor();
    await page.getByLabel('Nieuwe termijn', { exact: true }).fill('3');
    await page.getByLabel('Uw bericht').fill('Uw melding is doorgezet naar de afdeling Afval.');
    await page.getByRole('button', { name: 'Versturen' }).click();
    await page.getByRole('status').filter({ hasText: 'Tussenbericht verstuurd.' }).waitFor();
    await page.getByRole('region', { name: 'Termijnen' }).getByText(/antwoord \(complex\) vóór/).waitFor();
    const { rows } = await db.pool.query<{ due_at: Date }>(
      "SELECT ms.due_at FROM milestones ms JOIN conversations c ON c.id = ms.conversation_id WHERE c.subject = 'Container niet geleegd' AND ms.kind = 'complexAnswer'",
    );
    expect(await page.getByRole('region', { name: 'Termijnen' }).textContent()).toContain(`antwoord (complex) vóór ${dutch(rows[0]!.due_at)}`);
    // Every promise names its date: the confirmation and the mail the citizen gets.
    const promised = new Intl.DateTimeFormat('nl-NL', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Amsterdam' }).format(rows[0]!.due_at);
    expect(await page.getByRole('status').filter({ hasText: 'Tussenbericht verstuurd.' }).textContent()).toContain(`uiterlijk ${promised} een inhoudelijk antwoord`);
    const mail = await eventually(async () => world.smtp.received.slice(before).find((m) => /afdeling Afval/.test(m.parsed.text ?? '')), (found) => found !== undefined, 30_000);
    expect(mail!.parsed.text).toContain(`U ontvangt uiterlijk ${promised} een inhoudelijk antwoord.`);

    // The answer given by phone afterwards: recorded with its time, it meets the complex answer.
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Antwoord gegeven via').selectOption('phone');
    await page.getByRole('button', { name: 'Vastleggen', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'de antwoordtermijn is op dat moment gehaald' }).waitFor();
    const met = await db.pool.query<{ state: string; met_by: string }>(
      "SELECT ms.state, ms.met_by FROM milestones ms JOIN conversations c ON c.id = ms.conversation_id WHERE c.subject = 'Container niet geleegd' AND ms.kind = 'complexAnswer'",
    );
    expect(met.rows).toEqual([{ state: 'met', met_by: 'other_channel' }]);
    expect(admin.errors).toEqual([]);
  });
});
