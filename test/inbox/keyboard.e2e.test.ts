// The inbox by keyboard alone (WCAG 2.1.1): from the login page to a sent reply without a mouse;
// the shortcuts (j/k, Enter, r, e, /, ?) and their dialog; closing with an outcome and reopening;
// canned answers with their variables; the supervisor view, and the admin's settings in Beheer, with
// axe-core finding no WCAG 2.1 A/AA violations on any of it.
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatBalie } from '../server/chat/chat-support.ts';
import { ADMIN, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { accountMenu, openInbox, row, type AgentPage } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let reference: string;

/** An e-mail conversation as the widget's offline form makes one. */
async function question(name: string, text: string): Promise<string> {
  const response = await balie.request('/api/public/questions', { body: { clientId: randomUUID(), email: `${name.split(' ')[0]!.toLowerCase()}@example.nl`, name, text } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { reference: string }).reference;
}

/** Waits until the conversation with `reference` is open on the right. */
const opened = (page: Page) => page.getByRole('main').locator('.meta').filter({ hasText: reference }).first().waitFor();

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('data-id') || document.activeElement?.tagName);

beforeAll(async () => {
  [db, browser] = await Promise.all([createTestDatabase(), launchBrowser()]);
  balie = await startChatBalie(db.url);
  await question('Pieter Bakker', 'Wanneer wordt het grofvuil opgehaald?');
  reference = await question('Sanne de Boer', 'Ik wil een parkeervergunning aanvragen.');
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

describe('the inbox by keyboard', () => {
  it('goes from the login page to a sent reply without a mouse', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchForErrors(page);
    await page.goto(balie.url);
    await page.getByRole('heading', { name: 'Inloggen' }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('login-email');
    await page.keyboard.type(ADMIN.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await row(page, 'Sanne de Boer').waitFor();

    // j moves to the first row (the list's order is the server's), k and j step through.
    await page.keyboard.press('j');
    const first = await focusedId(page);
    await page.keyboard.press('j');
    expect(await focusedId(page)).not.toBe(first);
    await page.keyboard.press('k');
    expect(await focusedId(page)).toBe(first);
    // Walk to Sanne's row, then Enter opens it and focus moves to its title.
    if (!(await page.evaluate(() => document.activeElement?.textContent ?? '')).includes('Sanne de Boer')) await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await opened(page);
    expect(await focusedId(page)).toBe('conversation-title');

    await page.keyboard.press('r');
    expect(await focusedId(page)).toBe('reply-text');
    // Letters typed in the reply box are text, not shortcuts.
    await page.keyboard.type('Beste Sanne, dat kan via de website. Ook j en k en e werken hier gewoon.');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Verstuurd.' }).waitFor();
    await page.getByRole('main').getByText('Beste Sanne, dat kan via de website.').waitFor();
    const { rows } = await db.pool.query<{ body_text: string }>("SELECT body_text FROM messages WHERE direction = 'out' AND kind = 'message' AND body_text LIKE 'Beste Sanne%'");
    expect(rows).toHaveLength(1);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  describe('as an admin', () => {
    let admin: AgentPage;
    beforeAll(async () => {
      admin = await openInbox(browser, balie.url, balie.database.pool, ADMIN);
    });
    afterAll(() => admin.close());

    it('lists the shortcuts on ?, focuses search on /, and closes with a required outcome on e', async () => {
      const { page } = admin;
      await page.keyboard.press('?');
      const dialog = page.getByRole('dialog', { name: 'Sneltoetsen' });
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain('Gesprek afsluiten');
      expect(await axeViolations(page)).toEqual([]);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });

      // Counts per filter, from the server.
      expect(await page.getByLabel('Kanaal').locator('option[value="email"]').textContent()).toBe('E-mail (2)');
      await page.keyboard.press('/');
      expect(await focusedId(page)).toBe('inbox-search');
      await page.keyboard.type('parkeervergunning');
      await page.waitForFunction(() => document.querySelectorAll('[data-id]').length === 1);
      await page.keyboard.press('Tab');

      await row(page, 'Sanne de Boer').click();
      await opened(page);
      await page.keyboard.press('e');
      const close = page.getByRole('dialog', { name: 'Gesprek afsluiten' });
      await close.waitFor();
      expect(await focusedId(page)).toBe('outcome-handled_first_contact');
      await close.getByRole('button', { name: 'Afsluiten', exact: true }).click();
      await close.getByRole('alert').filter({ hasText: 'Kies een uitkomst.' }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await close.getByLabel('Doorgezet naar de vakafdeling').check();
      await close.getByRole('button', { name: 'Afsluiten', exact: true }).click();
      await close.waitFor({ state: 'detached' });
      await page.getByText('Uitkomst: Doorgezet naar de vakafdeling').waitFor();
      const { rows } = await db.pool.query<{ status: string; outcome: string }>('SELECT status, outcome FROM conversations WHERE reference = $1', [reference]);
      expect(rows[0]).toEqual({ status: 'closed', outcome: 'back_office' });

      await page.getByRole('button', { name: 'Heropenen' }).click();
      await page.getByText('Het gesprek is heropend.').waitFor();
      await expect(db.pool.query('SELECT status FROM conversations WHERE reference = $1', [reference]).then((r) => r.rows[0].status)).resolves.toBe('open');
      await page.getByRole('button', { name: 'Wachten op inwoner' }).click();
      await page.getByText('Status is nu: Wacht op inwoner.').waitFor();
      expect(admin.errors).toEqual([]);
    });

    it('manages canned answers and inserts one with its variables filled in', async () => {
      const { page } = admin;
      await page.getByRole('button', { name: 'Standaardantwoorden beheren' }).click();
      const dialog = page.getByRole('dialog', { name: 'Standaardantwoorden' });
      await dialog.getByLabel('Titel').fill('Parkeervergunning');
      await dialog.getByLabel('Tekst').fill('Beste {naam}, uw vraag {referentie} is in behandeling.');
      await dialog.getByRole('button', { name: 'Opslaan' }).click();
      await dialog.getByText('Opgeslagen.').waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });

      await page.getByLabel('Standaardantwoord', { exact: true }).selectOption({ label: 'Parkeervergunning' });
      await page.getByRole('button', { name: 'Invoegen' }).click();
      await page.waitForFunction(() => (document.getElementById('reply-text') as HTMLTextAreaElement).value !== '');
      expect(await page.getByLabel('Uw bericht').inputValue()).toBe(`Beste Sanne de Boer, uw vraag ${reference} is in behandeling.`);
      expect(await focusedId(page)).toBe('reply-text');
      expect(admin.errors).toEqual([]);
    });

    it('speaks English on request, remembered across a reload', async () => {
      const { page } = admin;
      await accountMenu(page);
      await page.getByRole('button', { name: 'Switch to English' }).click();
      await page.getByRole('button', { name: 'Keyboard shortcuts (?)' }).waitFor();
      await page.getByRole('main').locator('.meta').filter({ hasText: 'Waiting on citizen' }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Supervisor overview' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      await accountMenu(page);
      await page.getByRole('button', { name: 'Nederlands' }).click();
      await page.getByRole('button', { name: 'Overzicht teamleider' }).waitFor();
    });

    it('shows the supervisor view and the settings, with the server’s field errors next to the fields', async () => {
      const { page } = admin;
      // One acknowledgement fell due (and was missed) a minute ago: this week's compliance has a line.
      await db.pool.query("UPDATE milestones SET due_at = now() - interval '1 minute', state = 'breached' WHERE id = (SELECT min(id) FROM milestones WHERE kind = 'acknowledgement')");
      await page.getByRole('button', { name: 'Overzicht teamleider' }).click();
      await page.getByRole('heading', { name: 'Overzicht teamleider', level: 1 }).waitFor();
      // The counters at the top (the dashboard below has an open-work tile of the same name).
      await page.locator('section[aria-labelledby="counts-title"]').getByText('Open gesprekken').waitFor();
      // The norm's table, among the view's others (quarantine, outgoing mail).
      const compliance = page.locator('section[aria-labelledby="compliance-title"]').getByRole('table');
      await compliance.getByRole('rowheader', { name: 'Ontvangstbevestiging' }).waitFor();
      expect(await compliance.textContent()).toContain('VNG');
      // The figures follow the inbox live.
      const openTile = page.locator('.tile').filter({ hasText: 'Open gesprekken' }).locator('dd');
      const openBefore = Number(await openTile.textContent());
      await question('Karin Smit', 'Hoe meld ik een verhuizing?');
      await openTile.filter({ hasText: String(openBefore + 1) }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      // The settings live in Beheer since issue 16 (test/inbox/admin.e2e.test.ts has the rest).
      await page.getByRole('button', { name: 'Beheer', exact: true }).click();
      await page.getByRole('button', { name: 'Dienstverlening' }).click();
      await page.getByRole('heading', { name: 'Instellingen dienstverlening' }).waitFor();
      await page.getByLabel('Openingstijden').waitFor();
      expect(await axeViolations(page)).toEqual([]);

      await page.getByLabel('Openingstijden').fill('mon-fri 08:30-25:00');
      await page.getByRole('button', { name: 'Instellingen opslaan' }).click();
      await page.locator('#businessHours-error').waitFor();
      expect(await page.getByLabel('Openingstijden').getAttribute('aria-invalid')).toBe('true');
      expect(await axeViolations(page)).toEqual([]);

      await page.getByLabel('Openingstijden').fill('mon-fri 08:30-17:00');
      await page.getByLabel('Sluitingsdagen').fill('2026-12-28\n2026-12-29');
      await page.getByRole('button', { name: 'Instellingen opslaan' }).click();
      await page.getByText('Instellingen opgeslagen.').waitFor();
      const settings = await balie.request('/api/settings/service', { cookie: await balie.login(ADMIN.email, ADMIN.password) });
      expect(((await settings.json()) as { settings: { closureDays: string[] } }).settings.closureDays).toEqual(['2026-12-28', '2026-12-29']);
      expect(admin.errors.filter((error) => !error.includes('status of 400'))).toEqual([]);
    });
  });
});
