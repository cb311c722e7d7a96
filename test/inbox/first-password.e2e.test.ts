// The first login with a password an admin chose, in real Chromium: only "Kies een nieuw
// wachtwoord" is reachable, it is WCAG 2.1 AA by axe-core, its errors sit at their fields and are
// announced, it works by keyboard alone, and then the inbox opens on a new session. Later the agent
// changes it again from the account menu, and every open tab stays in the inbox on the new session.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { accountMenu, until } from './inbox-support.ts';

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

describe('changing it later from the account menu', () => {
  const sockets = async () => new Set((await db.pool.query<{ id: string }>('SELECT socket_id AS id FROM agent_connections WHERE agent_id = $1', [agentId])).rows.map((row) => row.id));

  it('works by keyboard in a dialog, and every tab of this browser stays live on the new session', async () => {
    const second = await page.context().newPage();
    await second.goto(balie.url);
    await second.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await until(async () => (await sockets()).size === 2, 'both tabs live');
    const before = await sockets();

    await accountMenu(page);
    await page.getByRole('button', { name: 'Wachtwoord wijzigen' }).click();
    const dialog = page.getByRole('dialog', { name: 'Wachtwoord wijzigen' });
    await dialog.waitFor();
    expect(await focusedId()).toBe(await dialog.getByLabel('Huidig wachtwoord', { exact: true }).getAttribute('id'));
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.type(chosen);
    await page.keyboard.press('Tab');
    await page.keyboard.type('nog een ander lang wachtwoord');
    await page.keyboard.press('Tab');
    await page.keyboard.type('nog een ander lang wachtwoord');
    await page.keyboard.press('Enter');
    await dialog.getByRole('status').filter({ hasText: 'Uw wachtwoord is gewijzigd.' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Sluiten');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });

    // Both tabs reconnect on the new session (new sockets), neither goes back to the login page.
    await until(async () => {
      const now = await sockets();
      return now.size === 2 && [...now].every((id) => !before.has(id));
    }, 'both tabs live again');
    for (const tab of [page, second]) {
      expect(await tab.getByRole('heading', { name: 'Inbox', level: 1 }).count()).toBe(1);
      expect(await tab.getByRole('heading', { name: 'Inloggen' }).count()).toBe(0);
    }
    expect((await db.pool.query('SELECT count(*)::int AS n FROM sessions WHERE agent_id = $1', [agentId])).rows[0].n).toBe(1);
    expect(await flagOfAgent()).toBe(false);
    expect(errors).toEqual([]);
  });
});

async function flagOfAgent(): Promise<boolean> {
  return (await db.pool.query('SELECT password_must_change AS flag FROM agents WHERE id = $1', [agentId])).rows[0].flag;
}
