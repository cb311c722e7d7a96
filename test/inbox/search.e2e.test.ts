// The inbox's search in real Chromium against a real Balie and PostgreSQL (issue 11, item 6): a
// reference read out on the phone finds the closed conversation without choosing "Gesloten", a
// Dutch word finds its compound, and a search that finds nothing says so — "Geen resultaten voor
// …" in Dutch, "No results for …" in English, announced as a status and axe-clean.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { hoursFromNow, seedConversation } from '../server/inbox/seed.ts';
import { accountMenu, openInbox, row, type AgentPage } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let admin: AgentPage;
let closed: { id: number; reference: string };

beforeAll(async () => {
  [db, browser] = await Promise.all([createTestDatabase(), launchBrowser()]);
  balie = await startTestBalie(db.url);
  const pool = balie.database.pool;
  closed = await seedConversation(pool, {
    status: 'closed',
    closedAt: hoursFromNow(-24 * 90),
    subject: 'Melding over een boom',
    contact: { name: 'Kees Jansen', email: 'kees@example.nl' },
    messages: [{ direction: 'in', text: 'De kastanjeboom in onze straat moet gesnoeid worden.' }],
  });
  await seedConversation(pool, { subject: 'Omgevingsvergunning voor een dakkapel', contact: { name: 'Mila de Wit' } });
  await seedConversation(pool, { subject: 'Vraag over de afvalpas', contact: { name: 'Ahmed Bouzid' } });
  admin = await openInbox(browser, balie.url, pool, ADMIN);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

async function searchFor(text: string) {
  const box = admin.page.getByRole('searchbox', { name: /Zoeken|Search/ });
  await box.fill(text);
  await box.press('Enter');
}

describe('searching the inbox', () => {
  it('finds a closed conversation by the reference read out on the phone, without choosing "Gesloten"', async () => {
    const { page } = admin;
    await row(page, 'Ahmed Bouzid').waitFor();
    // Closed conversations are not in the working inbox …
    expect(await row(page, 'Kees Jansen').count()).toBe(0);
    // … but a search finds them, marked as closed. Read out as "BAL 2026 7…" with spaces.
    await searchFor(closed.reference.replace(/-/g, ' '));
    await row(page, 'Kees Jansen').waitFor();
    expect(await row(page, 'Kees Jansen').textContent()).toContain('Gesloten');
    expect(await row(page, 'Ahmed Bouzid').count()).toBe(0);
  });

  it('finds a word inside a Dutch compound', async () => {
    const { page } = admin;
    await searchFor('vergunning');
    await row(page, 'Mila de Wit').waitFor();
    await searchFor('boom');
    await row(page, 'Kees Jansen').waitFor();
    expect(await row(page, 'Mila de Wit').count()).toBe(0);
  });

  it('says "Geen resultaten voor …" when nothing matches, as a status; English on request; no WCAG 2.1 A/AA violations', async () => {
    const { page } = admin;
    await searchFor('zwembadabonnement');
    const status = page.getByRole('status').filter({ hasText: 'Geen resultaten voor “zwembadabonnement”.' });
    await status.waitFor();
    expect(await status.textContent()).toContain('open en gesloten gesprekken');
    expect(await page.getByRole('list', { name: 'Gesprekken' }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);

    await accountMenu(page);
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByRole('status').filter({ hasText: 'No results for “zwembadabonnement”.' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Schakel naar Nederlands' }).click();

    // Emptying the box brings the working inbox back, without the line.
    await searchFor('');
    await row(page, 'Ahmed Bouzid').waitFor();
    expect(await page.getByText('Geen resultaten voor').count()).toBe(0);
    expect(admin.errors).toEqual([]);
  });
});
