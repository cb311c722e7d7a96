// The first login with a password an admin chose, in real Chromium: only "Kies een nieuw
// wachtwoord" is reachable, it is WCAG 2.1 AA by axe-core, its errors sit at their fields and are
// announced, it works by keyboard alone, and then the inbox opens on a new session.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { until } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let page: Page;
let errors: string[];
let temporary: string;
let agentId: number;
const email = 'sanne@gemeente.test';
const chosen = 'mijn eigen lange wachtwoord';

beforeAll(async () => {
  db = await createTestDatabase();
  [balie, browser] = await Promise.all([startTestBalie(db.url), launchBrowser()]);
  // Added in Beheer, as an admin does: the temporary password is the admin's choice, not Sanne's.
  const admin = await balie.login(ADMIN.email, ADMIN.password);
  const created = await (await balie.request('/api/agents', { cookie: admin, body: { email, name: 'Sanne de Vries', role: 'agent' } })).json();
  temporary = created.temporaryPassword;
  agentId = created.agent.id;
  const context = await browser.newContext();
  page = await context.newPage();
  errors = watchForErrors(page);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
const field = (label: string) => page.getByLabel(label, { exact: true });

/** Replaces the focused field's text, by keyboard. */
async function retype(text: string) {
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
}

describe('the first login of an agent an admin added', () => {
  it('shows only "Kies een nieuw wachtwoord", focused on the current password, without WCAG violations', async () => {
    await page.goto(balie.url);
    await page.getByRole('heading', { name: 'Inloggen' }).waitFor();
    await page.getByLabel('E-mailadres').fill(email);
    await page.getByLabel('Wachtwoord').fill(temporary);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Kies een nieuw wachtwoord', level: 1 }).waitFor();
    expect(await focusedId()).toBe(await field('Huidig wachtwoord').getAttribute('id'));
    expect(await page.getByRole('heading', { name: 'Inbox' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Account/ }).count()).toBe(0);
    expect(await field('Nieuw wachtwoord').getAttribute('aria-describedby')).toMatch(/hint/);
    expect(await axeViolations(page)).toEqual([]);
    // No live connection for this session.
    expect((await db.pool.query('SELECT 1 FROM agent_connections WHERE agent_id = $1', [agentId])).rowCount).toBe(0);
  });

  it('puts each mistake at its field, announces it and moves the focus there', async () => {
    await page.keyboard.type(temporary);
    await page.keyboard.press('Tab');
    await page.keyboard.type(chosen);
    await page.keyboard.press('Tab');
    await page.keyboard.type('mijn eigen lange wachtwoort');
    await page.keyboard.press('Enter');
    const repeat = field('Herhaal het nieuwe wachtwoord');
    await page.getByRole('alert').filter({ hasText: 'De twee nieuwe wachtwoorden zijn niet gelijk.' }).waitFor();
    expect(await focusedId()).toBe(await repeat.getAttribute('id'));
    expect(await repeat.getAttribute('aria-invalid')).toBe('true');
    const described = (await repeat.getAttribute('aria-describedby'))!;
    expect(await page.locator(`[id="${described}"]`).textContent()).toBe('De twee nieuwe wachtwoorden zijn niet gelijk.');
    expect(await axeViolations(page)).toEqual([]);

    // The server's refusal of a wrong current password lands at that field.
    await retype(chosen);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await retype('niet het tijdelijke wachtwoord');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Het huidige wachtwoord klopt niet.' }).waitFor();
    expect(await focusedId()).toBe(await field('Huidig wachtwoord').getAttribute('id'));
    expect(await field('Herhaal het nieuwe wachtwoord').getAttribute('aria-invalid')).toBeNull();
  });

  it('saves by keyboard alone, then the inbox opens live on a new session that survives a reload', async () => {
    await retype(temporary);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Account: Sanne de Vries' }).waitFor();
    expect((await db.pool.query('SELECT password_must_change AS flag FROM agents WHERE id = $1', [agentId])).rows[0].flag).toBe(false);
    await until(async () => (await db.pool.query('SELECT 1 FROM agent_connections WHERE agent_id = $1', [agentId])).rowCount! > 0, 'the agent socket');
    await page.reload();
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    expect(errors).toEqual([]);
  });
});
