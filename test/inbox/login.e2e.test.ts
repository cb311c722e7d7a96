// The inbox's front door in real Chromium: logging in by keyboard, errors, staying logged in,
// logging out, both languages, and WCAG 2.1 AA by axe-core.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { accountMenu } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  [balie, browser] = await Promise.all([startTestBalie(db.url), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});
beforeEach(async () => {
  const context = await browser.newContext();
  page = await context.newPage();
  errors = watchForErrors(page);
  return () => context.close();
});

async function tab(times = 1) {
  for (let i = 0; i < times; i++) await page.keyboard.press('Tab');
}

describe('the login page', () => {
  it('is in Dutch, labelled, and has no WCAG 2.1 A/AA violations', async () => {
    await page.goto(balie.url);
    await page.getByRole('heading', { name: 'Inloggen' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('nl');
    await expect(page.getByLabel('E-mailadres').count()).resolves.toBe(1);
    await expect(page.getByLabel('Wachtwoord').count()).resolves.toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('logs in by keyboard alone, stays logged in across a reload, and logs out', async () => {
    await page.goto(balie.url);
    await page.getByRole('heading', { name: 'Inloggen' }).waitFor();
    // Tab order: language switch, e-mail, password, submit.
    await tab(2);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('login-email');
    await page.keyboard.type(ADMIN.email);
    await tab();
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Account: Beheerder' }).waitFor();
    await accountMenu(page);
    await page.getByText('Ingelogd als Beheerder').waitFor();
    expect(await axeViolations(page)).toEqual([]);

    await page.reload();
    await accountMenu(page);
    await page.getByText('Ingelogd als Beheerder').waitFor();

    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await page.getByRole('heading', { name: 'Inloggen' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Inloggen' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('says so in an alert when the password is wrong, and keeps the e-mail address', async () => {
    await page.goto(balie.url);
    await page.getByLabel('E-mailadres').fill(ADMIN.email);
    await page.getByLabel('Wachtwoord').fill('dit is niet het wachtwoord');
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.getByRole('alert').getByText('Het e-mailadres of het wachtwoord klopt niet.').waitFor();
    expect(await page.getByLabel('E-mailadres').inputValue()).toBe(ADMIN.email);
    expect(await page.getByLabel('Wachtwoord').inputValue()).toBe('');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('goes back to the login page when the session ends on the server', async () => {
    await page.goto(balie.url);
    await page.getByLabel('E-mailadres').fill(ADMIN.email);
    await page.getByLabel('Wachtwoord').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await db.pool.query('DELETE FROM sessions');
    // The next call to the API answers 401 (the live connection may notice first and detach the filters).
    await page.getByLabel('Kanaal').selectOption('chat', { timeout: 2000 }).catch(() => {});
    await page.getByRole('heading', { name: 'Inloggen' }).waitFor();
  });

  it('switches to English and remembers it', async () => {
    await page.goto(balie.url);
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.reload();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });
});
