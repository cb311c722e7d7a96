// The widget as a gemeente embeds it: one script tag on a page of another origin with a strict CSP
// (no inline script, no inline style), in real Chromium. Also the /demo page Balie ships.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { focused, startHostPage, widget, type HostPage } from './widget-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let host: HostPage;
let page: Page;
let errors: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  // Chat hours that never open: what the widget says then is the offline.e2e test's; here the shell.
  [balie, browser] = await Promise.all([startTestBalie(db.url, { WIDGET_ORIGINS: '*', CHAT_HOURS: 'never' }), launchBrowser()]);
  host = await startHostPage(() => balie.url);
});
afterAll(async () => {
  await browser?.close();
  await host?.close();
  await balie?.stop();
  await db?.drop();
});
beforeEach(async () => {
  const context = await browser.newContext();
  page = await context.newPage();
  errors = watchForErrors(page);
  return () => context.close();
});

describe('the widget on a gemeente page of another origin', () => {
  it('loads under a strict CSP without inline styles, adds only window.Balie, and keeps the page CSS out', async () => {
    const w = widget(page);
    await page.goto(host.url);
    await w.launcher().waitFor();
    const globals = await page.evaluate(() => {
      const frame = document.createElement('iframe');
      document.body.append(frame);
      const clean = new Set(Object.keys(frame.contentWindow!));
      frame.remove();
      return Object.keys(window).filter((key) => !clean.has(key));
    });
    expect(globals).toEqual(['Balie']);
    const look = await w.launcher().evaluate((button) => ({ background: getComputedStyle(button).backgroundColor, fontSize: getComputedStyle(button).fontSize, font: getComputedStyle(button).fontFamily }));
    // The default brand colour from the adopted stylesheet: it applied although style-src has no
    // 'unsafe-inline'. The page's font token reached it through --balie-font.
    expect(look).toEqual({ background: 'rgb(21, 66, 115)', fontSize: '16px', font: 'Georgia, serif' });
    const inShadow = await page.evaluate(() => {
      const root = document.querySelector('balie-widget')!.shadowRoot!;
      return { adopted: root.adoptedStyleSheets.length, styleElements: root.querySelectorAll('style').length + document.querySelectorAll('style').length };
    });
    expect(inShadow).toEqual({ adopted: 1, styleElements: 0 });
    await w.launcher().click();
    await w.panel().waitFor();
    expect(errors).toEqual([]);
  });

  it('opens by keyboard with focus in the panel; Escape closes and focus returns to the launcher', async () => {
    const w = widget(page);
    await page.goto(host.url);
    await w.launcher().waitFor();
    await w.launcher().focus();
    await page.keyboard.press('Enter');
    await w.panel().waitFor();
    expect(await focused(page)).toMatch(/\[role=dialog\]/);
    expect(await w.launcher().getAttribute('aria-expanded')).toBe('true');
    // Tab moves on to the panel's controls, not out of it.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatch(/^button\..*close/);
    await page.keyboard.press('Escape');
    await w.panel().waitFor({ state: 'detached' });
    expect(await focused(page)).toMatch(/^button\..*launcher/);
    expect(await w.launcher().getAttribute('aria-expanded')).toBe('false');
  });

  it('is driven by window.Balie and tells listeners', async () => {
    await page.goto(host.url);
    await widget(page).launcher().waitFor();
    const events = await page.evaluate(() => {
      const seen: string[] = [];
      window.Balie!.on('open', () => seen.push('open'));
      window.Balie!.on('close', () => seen.push('close'));
      window.Balie!.open();
      window.Balie!.close();
      return seen;
    });
    expect(events).toEqual(['open', 'close']);
  });

  it('speaks English when the page is in English, or when the script tag says data-lang="en"', async () => {
    await page.goto(`${host.url}/?lang=en`);
    await widget(page, 'en').launcher().waitFor();
    await page.goto(`${host.url}/?data-lang=en`);
    const w = widget(page, 'en');
    await w.launcher().click();
    await w.panel().waitFor();
    await page.getByText('The chat is closed now.').waitFor();
    expect(await page.locator('balie-widget').locator('.balie').getAttribute('lang')).toBe('en');
  });

  it('takes position, colour and title from the script tag', async () => {
    await page.goto(`${host.url}/?data-position=left&data-color=%23006400&data-title=Vraag het de gemeente`);
    const launcher = page.getByRole('button', { name: 'Vraag het de gemeente' });
    await launcher.waitFor();
    const box = await launcher.boundingBox();
    expect(box!.x).toBeLessThan(100);
    expect(await launcher.evaluate((button) => getComputedStyle(button).backgroundColor)).toBe('rgb(0, 100, 0)');
    await launcher.click();
    await page.getByRole('dialog', { name: 'Vraag het de gemeente' }).waitFor();
  });

  it('fills a 320 px wide screen with the panel, without horizontal scrolling, and stays accessible', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    const w = widget(page);
    await page.goto(host.url);
    await w.launcher().click();
    await w.panel().waitFor();
    await page.getByLabel('Uw e-mailadres').waitFor();
    const box = await w.panel().boundingBox();
    expect(box).toMatchObject({ x: 0, y: 0, width: 320, height: 640 });
    const scroll = await w.panel().evaluate((panel) => ({ body: panel.querySelector('.body')!.scrollWidth, width: panel.clientWidth }));
    expect(scroll.body).toBeLessThanOrEqual(scroll.width);
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await w.launcher().waitFor();
  });

  it('at 200% zoom (1280×720 seen as 640×360 CSS pixels) the panel fills the window and every control is reachable', async () => {
    await page.setViewportSize({ width: 640, height: 360 });
    const w = widget(page);
    await page.goto(host.url);
    await w.launcher().click();
    await w.panel().waitFor();
    expect(await w.panel().boundingBox()).toMatchObject({ x: 0, y: 0, width: 640, height: 360 });
    // The last control can be scrolled to and used; nothing sticks out sideways.
    const send = page.getByRole('button', { name: 'Vraag versturen' });
    await send.scrollIntoViewIfNeeded();
    const box = (await send.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(360);
    await send.click();
    await page.getByText('Vul dit veld in.').first().waitFor();
    const scroll = await w.panel().evaluate((panel) => ({ body: panel.querySelector('.body')!.scrollWidth, width: panel.clientWidth }));
    expect(scroll.body).toBeLessThanOrEqual(scroll.width);
    await page.getByRole('button', { name: 'Chat sluiten' }).click();
    await w.launcher().waitFor();
    expect(await focused(page)).toMatch(/^button\..*launcher/);
  });
});

describe('the /demo page', () => {
  it('embeds the widget with the one script tag and is accessible', async () => {
    const w = widget(page);
    await page.goto(`${balie.url}/demo`);
    const tag = await page.locator('script[src$="/widget.js"]').evaluate((script) => script.outerHTML);
    expect(tag).toBe(`<script src="${balie.url}/widget.js" async=""></script>`);
    await w.launcher().click();
    await w.panel().waitFor();
    await page.getByLabel('Uw e-mailadres').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
