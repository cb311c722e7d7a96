// The public norm page as a gemeente embeds it: an iframe on a page of another origin whose own
// CSP is strict, in real Chromium; axe finds nothing in the page or the frame. A site not in
// WIDGET_ORIGINS cannot frame it.
import http from 'node:http';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { freePort } from '../support/process.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let site: { url: string; close(): Promise<void> };
let stranger: { url: string; close(): Promise<void> };

/** A gemeente page on its own origin that frames /prestaties, under a CSP with nothing inline. */
async function startSite(port: number, balieUrl: () => string) {
  const server = http.createServer((_req, res) => {
    res.setHeader('Content-Security-Policy', `default-src 'none'; frame-src ${balieUrl()}; script-src 'none'; style-src 'none'; base-uri 'none'`);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Gemeente Voorbeeld – onze dienstverlening</title></head>
<body><main><h1>Onze dienstverlening</h1>
<iframe src="${balieUrl()}/prestaties" title="Houden wij ons aan onze beloften?" width="900" height="900"></iframe>
</main></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

beforeAll(async () => {
  db = await createTestDatabase();
  const sitePort = await freePort();
  [balie, browser] = await Promise.all([startTestBalie(db.url, { NORM: 'rotterdam', WIDGET_ORIGINS: `http://127.0.0.1:${sitePort}` }), launchBrowser()]);
  site = await startSite(sitePort, () => balie.url);
  stranger = await startSite(await freePort(), () => balie.url);
  const admin = await balie.login(ADMIN.email, ADMIN.password);
  expect((await balie.request('/api/settings/public-page', { method: 'PUT', cookie: admin, body: { enabled: true } })).status).toBe(200);
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await stranger?.close();
  await balie?.stop();
  await db?.drop();
});

async function framed(page: Page): Promise<Frame> {
  const element = await page.waitForSelector('iframe');
  const frame = (await element.contentFrame())!;
  await frame.waitForLoadState('load');
  return frame;
}

describe('the public page in an iframe on the gemeente’s site', () => {
  it('loads under both CSPs and is accessible (axe: 0 violations), with no script at all', async () => {
    // A Dutch browser: the page follows its Accept-Language.
    const context = await browser.newContext({ locale: 'nl-NL' });
    const page = await context.newPage();
    const errors = watchForErrors(page);
    await page.goto(site.url);
    const frame = await framed(page);
    await frame.getByRole('heading', { level: 1, name: 'Houden wij ons aan onze beloften?' }).waitFor();
    expect(await frame.getByRole('heading', { level: 2 }).allTextContents()).toEqual([
      'Wij beantwoorden uw e-mail binnen 5 werkdagen',
      'Is uw vraag ingewikkeld, dan krijgt u binnen 4 weken antwoord',
      'Wij bellen u terug de volgende werkdag vóór 17:00',
    ]);
    // Its stylesheet applied inside the frame (style-src 'self' on Balie's page).
    expect(await frame.locator('table').first().evaluate((table) => getComputedStyle(table).borderCollapse)).toBe('collapse');
    expect(await frame.locator('script').count()).toBe(0);
    // The frame is the page's own document (axe runs in it), and the host page around it.
    expect(await axeViolations(frame as unknown as Page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);

    // The language link works inside the frame, by keyboard.
    await frame.getByRole('link', { name: 'English' }).focus();
    await page.keyboard.press('Enter');
    await frame.getByRole('heading', { level: 1, name: 'Do we keep our promises?' }).waitFor();
    expect(await axeViolations(frame as unknown as Page)).toEqual([]);
    await context.close();
  });

  it('is refused a frame on a site that is not in WIDGET_ORIGINS', async () => {
    const context = await browser.newContext({ locale: 'nl-NL' });
    const page = await context.newPage();
    const errors = watchForErrors(page);
    await page.goto(stranger.url);
    const frame = await framed(page);
    // Chromium replaces a frame its CSP refuses with its error page, and says why.
    expect(frame.url()).not.toContain('/prestaties');
    expect(await frame.getByRole('heading', { level: 1, name: 'Houden wij ons aan onze beloften?' }).count()).toBe(0);
    expect(errors.join('\n')).toContain('frame-ancestors');
    await context.close();
  });
});
