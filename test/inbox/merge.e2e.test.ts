// Merging and linking in the inbox in real Chromium (issue 16.5): the merge dialog by keyboard
// with axe finding nothing, the other conversation closed into this one; linking a conversation
// to a contact the agent searched for.
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatBalie } from '../server/chat/chat-support.ts';
import { ADMIN, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { openInbox, row, until, type AgentPage } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let inbox: AgentPage;
const references: string[] = [];

const ask = async (email: string, name: string, text: string) => {
  const response = await balie.request('/api/public/questions', { body: { clientId: randomUUID(), email, name, text, lang: 'nl' } });
  return ((await response.json()) as { reference: string }).reference;
};

beforeAll(async () => {
  [db, browser] = await Promise.all([createTestDatabase(), launchBrowser()]);
  balie = await startChatBalie(db.url);
  references.push(await ask('sanne@example.nl', 'Sanne de Boer', 'Wanneer komt de grofvuilwagen?'));
  references.push(await ask('sanne@example.nl', 'Sanne de Boer', 'Nogmaals over het grofvuil'));
  inbox = await openInbox(browser, balie.url, balie.database.pool, ADMIN);
});
afterAll(async () => {
  await inbox?.close();
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

const statusOf = async (reference: string) =>
  (await db.pool.query<{ status: string; mergedInto: string | null }>('SELECT status, (SELECT reference FROM conversations k WHERE k.id = c.merged_into_id) AS "mergedInto" FROM conversations c WHERE reference = $1', [reference])).rows[0]!;

describe('the merge dialog', () => {
  it('merges the citizen’s other open conversation into this one, by keyboard, axe clean', async () => {
    const { page } = inbox;
    await row(page, 'Nogmaals over het grofvuil').click();
    const main = page.getByRole('main');
    await main.locator('.meta').filter({ hasText: references[1]! }).first().waitFor();
    const open = main.getByRole('button', { name: 'Gesprek samenvoegen…' });
    await open.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Samenvoegen met ${references[1]}` });
    await dialog.waitFor();
    // Focus starts on the choice of the other conversation, which offers the first question.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('merge-other');
    expect(await dialog.getByLabel('Ander open gesprek van deze inwoner').inputValue()).not.toBe('');
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Samenvoegen');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await until(async () => (await statusOf(references[0]!)).status === 'closed', 'the other conversation closed');
    expect(await statusOf(references[0]!)).toEqual({ status: 'closed', mergedInto: references[1] });
    // The kept conversation now holds both questions.
    await main.getByText('Wanneer komt de grofvuilwagen?').first().waitFor();
    expect(inbox.errors).toEqual([]);
  });
});

describe('linking to a contact', () => {
  it('finds a contact by search and links the conversation to it', async () => {
    const { rows } = await db.pool.query<{ id: number }>(`INSERT INTO contacts (name, email) VALUES ('Sanne Boer-de Vries', 'sanne.boer@example.nl') RETURNING id::int`);
    const { page } = inbox;
    const main = page.getByRole('main');
    await main.getByRole('searchbox', { name: 'Contact zoeken' }).fill('Boer-de Vries');
    await main.getByRole('searchbox', { name: 'Contact zoeken' }).press('Enter');
    await main.getByRole('button', { name: 'Koppel aan Sanne Boer-de Vries' }).click();
    await main.getByText('Gekoppeld aan Sanne Boer-de Vries.').waitFor();
    const linked = await db.pool.query('SELECT contact_id::int AS id FROM conversations WHERE reference = $1', [references[1]]);
    expect(linked.rows[0].id).toBe(rows[0]!.id);
    expect(await axeViolations(page)).toEqual([]);
  });
});
