// The close dialog with topics (issue 15 §2): the gemeente's topics to choose from, required
// (except for geen antwoord nodig) when an admin says so, by keyboard, with axe finding nothing.
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatBalie } from '../server/chat/chat-support.ts';
import { ADMIN, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { openInbox, row, type AgentPage } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let reference: string;
let inbox: AgentPage;

beforeAll(async () => {
  [db, browser] = await Promise.all([createTestDatabase(), launchBrowser()]);
  balie = await startChatBalie(db.url);
  const admin = await balie.login(ADMIN.email, ADMIN.password);
  for (const name of ['Afval', 'Paspoort en ID-kaart']) expect((await balie.request('/api/topics', { cookie: admin, body: { name } })).status).toBe(201);
  expect((await balie.request('/api/topics/settings', { cookie: admin, method: 'PUT', body: { required: true } })).status).toBe(200);
  const response = await balie.request('/api/public/questions', { body: { clientId: randomUUID(), email: 'sanne@example.nl', name: 'Sanne de Boer', text: 'Wanneer komt de grofvuilwagen?' } });
  reference = ((await response.json()) as { reference: string }).reference;
  inbox = await openInbox(browser, balie.url, balie.database.pool, ADMIN);
});
afterAll(async () => {
  await inbox?.close();
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

describe('closing with a topic', () => {
  it('asks for the required topic and stores the one chosen', async () => {
    const { page } = inbox;
    await row(page, 'Sanne de Boer').click();
    await page.getByRole('main').locator('.meta').filter({ hasText: reference }).first().waitFor();
    await page.keyboard.press('e');
    const close = page.getByRole('dialog', { name: 'Gesprek afsluiten' });
    await close.waitFor();
    const topic = close.getByLabel('Onderwerp (verplicht)');
    await topic.waitFor();
    expect(await topic.locator('option').allTextContents()).toEqual(['Kies een onderwerp', 'Afval', 'Paspoort en ID-kaart']);
    await close.getByLabel('In één keer afgehandeld').check();
    await close.getByRole('button', { name: 'Afsluiten', exact: true }).click();
    await close.getByRole('alert').filter({ hasText: 'Kies een onderwerp.' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('close-topic');
    expect(await axeViolations(page)).toEqual([]);
    await topic.selectOption({ label: 'Afval' });
    await close.getByRole('button', { name: 'Afsluiten', exact: true }).click();
    await close.waitFor({ state: 'detached' });
    const { rows } = await db.pool.query<{ status: string; topic: string }>('SELECT c.status, t.name AS topic FROM conversations c JOIN topics t ON t.id = c.topic_id WHERE c.reference = $1', [reference]);
    expect(rows).toEqual([{ status: 'closed', topic: 'Afval' }]);
    expect(inbox.errors).toEqual([]);
  });
});
