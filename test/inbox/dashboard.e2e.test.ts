// The teamleider dashboard (issue 15 §3, §4, §8) in real Chromium against a real Balie and
// PostgreSQL, on the known month (test/server/reports/known-month.ts): every KPI tile shows the
// exact value the API test asserts, the five charts have their tables, the period switches, a
// counter and a chart mark (by keyboard) open the list behind them, a row opens the conversation
// in the inbox, today's figures follow reports.changed; axe 0 violations.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { seedConversation } from '../server/inbox/seed.ts';
import { buildKnownMonth, KNOWN_MONTH_FIGURES as F, type KnownMonth } from '../server/reports/known-month.ts';
import { openInbox, type AgentPage } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let lead: AgentPage;
let month: KnownMonth;

beforeAll(async () => {
  [db, browser] = await Promise.all([createTestDatabase(), launchBrowser()]);
  balie = await startTestBalie(db.url, { NORM: 'vng' });
  month = await buildKnownMonth(balie.database.pool);
  // The rollup job may have rolled a day up while the month was being built: compute it all live.
  await balie.database.pool.query('DELETE FROM report_days');
  const supervisor = await addAgent(balie.database.pool, 'supervisor', 'teamleider@gemeente.test');
  lead = await openInbox(browser, balie.url, balie.database.pool, supervisor);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

type TileText = { headline: string; note: string; counters: Record<string, string> };

/** Every tile as text: its headline, note and counters by label. */
async function tiles(page: Page): Promise<Record<string, TileText>> {
  return page.locator('.dashboard .kpi').evaluateAll((sections) =>
    Object.fromEntries(
      sections.map((section) => [
        section.querySelector('h3')!.textContent!.trim(),
        {
          headline: section.querySelector('.headline')!.textContent!.trim(),
          note: section.querySelector('.note')?.textContent?.trim() ?? '',
          counters: Object.fromEntries([...section.querySelectorAll('dl > div')].map((line) => [line.querySelector('dt')!.textContent!.trim(), line.querySelector('dd')!.textContent!.trim()])),
        },
      ]),
    ),
  );
}

async function showKnownMonth(page: Page) {
  await page.getByRole('radio', { name: 'Van–tot' }).check();
  await page.getByLabel('Van', { exact: true }).fill('2026-11-01');
  await page.getByLabel('Tot en met').fill('2026-11-30');
  await page.getByRole('button', { name: 'Toon periode' }).click();
  await page.getByText('1 november 2026 t/m 30 november 2026').waitFor();
}

describe('the dashboard', () => {
  it('shows every KPI of the known month exactly, with its charts and their tables', { timeout: 60_000 }, async () => {
    const { page } = lead;
    await page.getByRole('button', { name: 'Overzicht teamleider' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 2 }).waitFor();
    // Today first; the period switch leads to the known month.
    expect(await page.getByRole('radio', { name: 'Vandaag' }).isChecked()).toBe(true);
    await showKnownMonth(page);
    await page.locator('.dashboard .kpi .headline').first().filter({ hasText: String(F.volume.total) }).waitFor();
    const shown = await tiles(page);
    expect(shown['Contacten']).toEqual({ headline: '14', note: '', counters: { Totaal: '14', Chat: '5', 'E-mail': '7', Telefoon: '2' } });
    expect(shown['Ontvangst bevestigd binnen de norm']).toEqual({ headline: '66,7%', note: 'doel 100%', counters: { 'Op tijd': '2', 'Te laat': '1', Verlopen: '0', 'Nog open': '0', 'Niet van toepassing': '1' } });
    expect(shown['Beantwoord binnen de norm']).toEqual({ headline: '50%', note: 'de norm stelt geen doel', counters: { 'Op tijd': '1', 'Te laat': '0', Verlopen: '1', 'Nog open': '0', 'Niet van toepassing': '0' } });
    expect(shown['In één keer afgehandeld (FCR)']).toEqual({
      headline: '38,5%',
      note: 'doel 80%',
      counters: { Afgesloten: '13', 'Afgesloten in eerste contact': '6', 'Toch teruggekomen': '1', 'In één keer afgehandeld': '5' },
    });
    expect(shown['Teruggebeld binnen termijn']).toMatchObject({ headline: '33,3%', counters: { 'Binnen termijn': '1', 'Te laat': '1', Nooit: '1', 'Nog open': '0', 'Verkeerde afdeling': '0%' } });
    expect(shown['Teruggebeld binnen termijn']!.counters['Tijd tot eerste poging (mediaan)']).toMatch(/^\d+(,\d)? (min|h)$/);
    expect(shown['Chat opgepakt binnen termijn']).toEqual({
      headline: '66,7%',
      note: 'binnen 25 s',
      counters: { 'Binnen termijn opgepakt': '2', 'Te laat opgepakt': '1', Verlaten: '2', 'Wacht nog': '0', 'Wachttijd (mediaan)': '20 s', 'Wachttijd vóór verlaten (mediaan)': '40 s' },
    });
    expect(shown['Tevredenheid (gemiddeld, 1–5)']).toEqual({ headline: '4', note: '66,7% gaf een 4 of 5', counters: { Beoordelingen: '3', 'Een 4 of 5': '2' } });
    expect(shown['Herhaalcontact binnen 7 dagen']).toEqual({ headline: '14,3%', note: '', counters: { Herhaalcontacten: '2', Contacten: '14' } });
    expect(shown['Niet van toepassing']).toMatchObject({ headline: '3', counters: { Totaal: '3', spam: '1', 'chat verlaten': '2', 'Beëindigd door de inwoner': '2', 'Beëindigd door Anna': '1' } });
    expect(shown['Werkvoorraad nu']).toMatchObject({ headline: '1', counters: { 'Open gesprekken': '1', 'Termijn verlopen': '1', 'Bijna verlopen': '0', 'Wachtende chats': '0' } });

    // Five charts, each an SVG with a name, and its data as a table.
    const charts = page.locator('.dashboard section.chart');
    expect(await charts.count()).toBe(5);
    for (const title of ['Termijnen gehaald per soort, per week', 'Contacten per kanaal per dag', 'In één keer afgehandeld, per week', 'Terugbelverzoeken, per week', 'Wachttijd chat']) {
      const chart = page.getByRole('region', { name: title, exact: true });
      await chart.locator(`svg[aria-label="${title}"]`).waitFor();
      await chart.getByRole('table', { name: title }).waitFor();
    }
    const volume = page.getByRole('table', { name: 'Contacten per kanaal per dag' });
    expect(await volume.getByRole('row', { name: /^4 nov/ }).getByRole('cell').allTextContents()).toEqual(['2', '0', '0']);
    const waits = page.getByRole('table', { name: 'Wachttijd chat' });
    expect(await waits.getByRole('row', { name: /^20–30 s/ }).getByRole('cell').allTextContents()).toEqual(['1', '1']);
    const fcr = page.getByRole('table', { name: 'In één keer afgehandeld, per week' });
    expect(await fcr.getByRole('row', { name: /^week van 2 nov/ }).getByRole('cell').allTextContents()).toEqual(['33,3%']);
    const callbacks = page.getByRole('table', { name: 'Terugbelverzoeken, per week' });
    expect(await callbacks.getByRole('row', { name: /^week van 2 nov/ }).getByRole('cell').allTextContents()).toEqual(['1', '1', '1', '0']);

    // Split by agent: Anna's FCR and volume.
    await page.getByLabel('Uitsplitsen naar').selectOption('agent');
    const split = page.getByRole('table', { name: 'Kerncijfers per Medewerker' });
    expect(await split.getByRole('row', { name: /^Anna/ }).getByRole('cell').nth(0).textContent()).toBe('9');
    expect(await split.getByRole('row', { name: /^Anna/ }).getByRole('cell').nth(3).textContent()).toBe('33,3%');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('opens the list behind a counter and a chart mark (by keyboard), and a conversation from it', { timeout: 60_000 }, async () => {
    const { page } = lead;
    await page.getByRole('button', { name: 'Ontvangst bevestigd binnen de norm, Te laat: 1' }).click();
    const list = page.getByRole('region', { name: 'Gesprekken: Ontvangst bevestigd binnen de norm, Te laat' });
    await list.getByRole('status').filter({ hasText: '1 in deze lijst' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('drill-title');
    const row = list.getByRole('row').nth(1);
    expect(await row.textContent()).toContain('Bram');
    expect(await row.textContent()).toContain('Ontvangstbevestiging: te laat');
    expect(await axeViolations(page)).toEqual([]);

    // A chart mark by keyboard: the volume chart's chat bar of 4 November (two chats).
    const mark = page.locator('section.chart svg [role="button"][aria-label^="Chat, 4 nov"]');
    await mark.focus();
    await page.keyboard.press('Enter');
    const chats = page.getByRole('region', { name: /^Gesprekken: Contacten, Chat, 4 nov/ });
    await chats.getByRole('status').filter({ hasText: '2 in deze lijst' }).waitFor();
    // A table cell opens the same list: the chats picked up after 20–30 s.
    await page.getByRole('table', { name: 'Wachttijd chat' }).getByRole('button', { name: 'Opgepakt, 20–30 s: 1' }).press('Enter');
    const waited = page.getByRole('region', { name: 'Gesprekken: Opgepakt, 20–30 s' });
    await waited.getByRole('status').filter({ hasText: '1 in deze lijst' }).waitFor();

    // The row opens the conversation in the inbox.
    const reference = (await waited.getByRole('row').nth(1).getByRole('button').textContent())!.trim();
    await waited.getByRole('button', { name: reference }).press('Enter');
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await page.locator('#conversation-title').filter({ hasText: reference }).waitFor();
    expect(lead.errors).toEqual([]);
  });

  it('follows today’s work live', { timeout: 60_000 }, async () => {
    const { page } = lead;
    await page.getByRole('button', { name: 'Overzicht teamleider' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 2 }).waitFor();
    const fcr = page.getByRole('region', { name: 'In één keer afgehandeld (FCR)', exact: true });
    await fcr.locator('dd').first().filter({ hasText: /^0$/ }).waitFor();
    const conversation = await seedConversation(db.pool, { channel: 'email', status: 'open', contact: { email: 'vandaag@example.nl' } });
    const bram = await balie.login(month.agents.bram.email, month.agents.bram.password);
    const closed = await balie.request(`/api/conversations/${conversation.id}/close`, { cookie: bram, body: { outcome: 'handled_first_contact', topicId: month.topics.afval } });
    expect(closed.status, await closed.clone().text()).toBe(200);
    await fcr.getByRole('button', { name: 'In één keer afgehandeld (FCR), Afgesloten: 1' }).waitFor({ timeout: 20_000 });
    expect(await fcr.locator('.headline').textContent()).toBe('100%');
  });
});
