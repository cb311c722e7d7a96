// The composer in real Chromium against a real Balie, Dovecot and SMTP server (issue 16.3, 16.6):
// Ctrl+Enter sends, a note does not stay the chosen kind, a draft (with its attachments) survives a reload, the assign
// control never starts on releasing, attachments show as chips (a disguised HTML file refused),
// and a new e-mail to a citizen opens its conversation. No WCAG 2.1 A/AA violations.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { citizenMail, deliver, startMailWorld, type MailWorld } from '../server/mail/mail-support.ts';
import { namedAgent, openInbox, row, until, type AgentPage, type TestAgent } from './inbox-support.ts';

let db: TestDatabase;
let world: MailWorld;
let balie: TestBalie;
let browser: Browser;
let agent: TestAgent;
let fatima: AgentPage;

beforeAll(async () => {
  [db, world, browser] = await Promise.all([createTestDatabase(), startMailWorld(), launchBrowser()]);
  balie = await startTestBalie(db.url, world.env);
  agent = await namedAgent(balie.database.pool, 'Fatima Yilmaz');
  await balie.database.pool.query("INSERT INTO signatures (team_id, body) VALUES (NULL, 'Met vriendelijke groet,\n{agent.name}')");
  fatima = await openInbox(browser, balie.url, balie.database.pool, agent);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await world?.close();
  await db?.drop();
});

const PDF = Buffer.from('%PDF-1.4\n% formulier\n');

describe('the composer', () => {
  it('keeps a draft across a reload, sends with Ctrl+Enter, resets a note to the answer, and never starts the assign control on releasing', async () => {
    await deliver(world.dovecot, citizenMail({ messageId: 'composer@example.nl', from: 'Sanne de Boer <sanne@example.nl>', subject: 'Parkeervergunning' }));
    await world.smtp.waitFor(1);
    const { page } = fatima;
    await row(page, 'Sanne de Boer').waitFor({ timeout: 15_000 });
    await row(page, 'Sanne de Boer').click();
    await page.getByRole('heading', { name: 'Parkeervergunning' }).waitFor();

    // Unassigned: a neutral choice, no release option, nothing to submit.
    const assign = page.getByLabel('Toewijzen aan');
    expect(await assign.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent)).toBe('Kies…');
    expect(await assign.locator('option', { hasText: 'Niemand (vrijgeven)' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Toewijzen', exact: true }).isDisabled()).toBe(true);

    // A draft survives a reload.
    await page.getByLabel('Soort bericht').selectOption('note');
    await page.getByLabel('Uw bericht').fill('Intern: vergunning nagevraagd');
    await page.reload();
    await row(page, 'Sanne de Boer').click();
    await page.getByRole('heading', { name: 'Parkeervergunning' }).waitFor();
    await until(async () => (await page.getByLabel('Uw bericht').inputValue()) === 'Intern: vergunning nagevraagd', 'the draft back in the form');
    expect(await page.getByLabel('Soort bericht').inputValue()).toBe('note');

    // Ctrl+Enter saves the note; the kind is the answer again, the draft is gone.
    await page.getByLabel('Uw bericht').press('Control+Enter');
    await page.getByRole('main').getByText('Intern: vergunning nagevraagd').first().waitFor();
    await until(async () => (await page.getByLabel('Uw bericht').inputValue()) === '', 'the emptied form');
    expect(await page.getByLabel('Soort bericht').inputValue()).toBe('answer');
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('balie.draft.')))).toEqual([]);

    // The note took the conversation: the control now starts on its assignee.
    await until(async () => (await assign.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent ?? '')).startsWith('Fatima Yilmaz'), 'the assignee selected');
    expect(await assign.locator('option', { hasText: 'Niemand (vrijgeven)' }).count()).toBe(1);
  });

  it('attaches a file as a chip, refuses HTML named .png, shows the signature, and sends the answer with its attachment', async () => {
    const { page } = fatima;
    await page.getByText('Met vriendelijke groet,').first().waitFor();
    await page.getByLabel('Bijlage toevoegen').setInputFiles({ name: 'formulier.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByRole('list', { name: 'Bijlagen bij dit bericht' }).getByText(/formulier\.pdf/).waitFor();
    await page.getByLabel('Bijlage toevoegen').setInputFiles({ name: 'foto.png', mimeType: 'image/png', buffer: Buffer.from('<!doctype html><script>alert(1)</script>') });
    await page.getByText('foto.png is niet toegevoegd').waitFor();
    expect(await page.getByRole('list', { name: 'Bijlagen bij dit bericht' }).getByRole('listitem').count()).toBe(1);
    // The browser logs the refusal's 415 itself; that one was expected.
    expect(fatima.errors).toEqual([expect.stringContaining('415')]);
    fatima.errors.length = 0;

    // The draft keeps the uploaded attachment across a reload.
    await page.getByLabel('Uw bericht').fill('Beste Sanne,\n\nHierbij het formulier.');
    await page.reload();
    await row(page, 'Sanne de Boer').click();
    await page.getByRole('heading', { name: 'Parkeervergunning' }).waitFor();
    await page.getByRole('list', { name: 'Bijlagen bij dit bericht' }).getByText(/formulier\.pdf/).waitFor();
    expect(await page.getByLabel('Uw bericht').inputValue()).toBe('Beste Sanne,\n\nHierbij het formulier.');
    expect(await axeViolations(page)).toEqual([]);

    const before = world.smtp.received.length;
    await page.getByLabel('Uw bericht').press('Control+Enter');
    const mail = (await world.smtp.waitFor(before + 1))[before]!.parsed;
    expect(mail.attachments.map((attachment) => attachment.filename)).toEqual(['formulier.pdf']);
    expect(mail.text).toContain('Met vriendelijke groet,\nFatima Yilmaz');
    await page.getByRole('list', { name: 'Bijlagen bij dit bericht' }).waitFor({ state: 'detached' });
  });

  it('writes a new e-mail to a citizen from the header, which opens its conversation', async () => {
    const { page } = fatima;
    await page.getByRole('button', { name: 'Nieuwe e-mail' }).click();
    const dialog = page.getByRole('dialog', { name: 'Nieuwe e-mail aan een inwoner' });
    await dialog.getByLabel('Aan (e-mailadres)').fill('piet@example.nl');
    await dialog.getByLabel('Onderwerp').fill('Ons telefoongesprek');
    await dialog.getByLabel('Bericht').fill('Beste Piet,\n\nZoals besproken.');
    expect(await axeViolations(page)).toEqual([]);
    const before = world.smtp.received.length;
    await dialog.getByLabel('Bericht').press('Control+Enter');
    await page.getByRole('heading', { name: 'Ons telefoongesprek' }).waitFor();
    const mail = (await world.smtp.waitFor(before + 1))[before]!;
    expect(mail.to).toEqual(['piet@example.nl']);
    expect(await axeViolations(page)).toEqual([]);
    expect(fatima.errors).toEqual([]);
  });

  it('keeps no draft after logging out', async () => {
    const { page } = fatima;
    await page.getByLabel('Uw bericht').fill('Nog een vraag aan Piet');
    await until(async () => (await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('balie.draft.')).length)) === 1, 'the draft stored');
    await page.locator('#account-button').click();
    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await page.getByRole('button', { name: 'Inloggen' }).waitFor();
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('balie.draft.')))).toEqual([]);
  });
});
