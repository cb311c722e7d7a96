// The agents' inbox in real Chromium against a real Balie, Dovecot and SMTP server: new mail
// appears live, the deadline reads right, replies go out threaded, notes stay in.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { citizenMail, deliver, eventually, startMailWorld, type MailWorld } from '../server/mail/mail-support.ts';

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  [db, world, browser] = await Promise.all([createTestDatabase(), startMailWorld(), launchBrowser()]);
  balie = await startTestBalie(db.url, world.env);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await world?.close();
  await db?.drop();
});
beforeEach(async () => {
  const context = await browser.newContext();
  page = await context.newPage();
  errors = watchForErrors(page);
  return () => context.close();
});

async function logIn() {
  await page.goto(balie.url);
  await page.getByLabel('E-mailadres').fill(ADMIN.email);
  await page.getByLabel('Wachtwoord').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByRole('heading', { name: 'Inbox' }).waitFor();
}

describe('the inbox', () => {
  it('shows a new e-mail live, with its deadline in plain Dutch, and has no WCAG 2.1 A/AA violations', async () => {
    await logIn();
    await page.waitForTimeout(500);
    await deliver(world.dovecot, citizenMail({ messageId: 'live@example.nl', from: 'Sanne de Boer <sanne@example.nl>', subject: 'Kapotte lantaarnpaal' }));
    const item = page.getByRole('button', { name: /Sanne de Boer/ });
    await item.waitFor({ timeout: 10_000 });
    const { rows } = await db.pool.query(
      "SELECT ms.due_at FROM milestones ms JOIN messages m ON m.conversation_id = ms.conversation_id JOIN email_messages e ON e.message_id = m.id WHERE e.rfc_message_id = 'live@example.nl' AND ms.kind = 'answer'",
    );
    const due = new Intl.DateTimeFormat('nl-NL', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Amsterdam' })
      .format(rows[0].due_at)
      .replace(/\./g, '')
      .replace(/,/g, '');
    expect(await item.textContent()).toContain(`antwoord vóór ${due}`);
    expect(await axeViolations(page)).toEqual([]);

    await item.click();
    await page.getByRole('heading', { name: 'Kapotte lantaarnpaal' }).waitFor();
    expect(await page.getByRole('region', { name: 'Termijnen' }).textContent()).toContain(`antwoord vóór ${due}`);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a reply by keyboard reaches the SMTP server threaded; an internal note never leaves', async () => {
    await logIn();
    await page.getByRole('button', { name: /Sanne de Boer/ }).click();
    await page.getByRole('heading', { name: 'Kapotte lantaarnpaal' }).waitFor();

    const before = world.smtp.received.length;
    await page.getByLabel('Soort bericht').selectOption('note');
    await page.getByLabel('Uw bericht').fill('Intern: melding doorgezet naar Openbare Ruimte');
    await page.getByRole('button', { name: 'Notitie opslaan' }).click();
    await page.getByText('Intern: melding doorgezet naar Openbare Ruimte').first().waitFor();

    await page.getByLabel('Soort bericht').selectOption('answer');
    await page.getByLabel('Uw bericht').focus();
    await page.keyboard.type('Beste Sanne, de lantaarnpaal wordt deze week gerepareerd.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('verzonden').first().waitFor({ timeout: 15_000 });

    const reply = await eventually(async () => world.smtp.received.slice(before).find((mail) => mail.to.includes('sanne@example.nl') && /lantaarnpaal wordt/.test(mail.parsed.text ?? '')), (found) => found !== undefined);
    expect(reply!.parsed.inReplyTo).toBe('<live@example.nl>');
    expect(reply!.parsed.subject).toMatch(/^Re: Kapotte lantaarnpaal \[BAL-\d{4}-\d{6}\]$/);
    expect(world.smtp.received.some((mail) => /Openbare Ruimte/.test(mail.parsed.text ?? ''))).toBe(false);
    expect(errors).toEqual([]);
  });
});
