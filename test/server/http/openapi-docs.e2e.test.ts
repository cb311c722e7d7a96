// The description's page (/api/docs) in real Chromium: it loads under its own strict CSP without
// an error (no script, the one stylesheet allowed by its hash), axe finds nothing, the keyboard
// reaches the areas.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let cookie: string;

beforeAll(async () => {
  db = await createTestDatabase();
  [balie, browser] = await Promise.all([startTestBalie(db.url), launchBrowser()]);
  cookie = await balie.login(ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

describe('the API page', () => {
  it('is styled under its CSP, accessible (axe: 0 violations) and usable by keyboard', async () => {
    const context = await browser.newContext();
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: balie.url }]);
    const page = await context.newPage();
    const errors = watchForErrors(page);
    const response = await page.goto(`${balie.url}/api/docs`);
    expect(response?.status()).toBe(200);
    await page.getByRole('heading', { level: 1, name: /Balie REST API/ }).waitFor();
    // The inline stylesheet applied: a refused one would leave the browser's default font.
    expect(await page.evaluate(() => getComputedStyle(document.body).maxWidth)).not.toBe('none');
    expect(errors).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('/api/openapi.json');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('#tag-public');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#tag-public');
    await context.close();
  });
});
