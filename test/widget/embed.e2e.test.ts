// The widget as a gemeente embeds it: one script tag on a page of another origin with a strict
// script policy, in real Chromium. Also the /demo page Balie ships.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestBalie, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser, watchForErrors } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { freePort } from '../support/process.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let host: http.Server;
let hostUrl: string;
let page: Page;
let errors: string[];

/** A gemeente page on another origin (localhost vs Balie's 127.0.0.1) whose own CSS is hostile. */
function gemeentePage(balieUrl: string, lang = 'nl') {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Gemeente Test</title>
<style>button { background: rgb(255, 0, 0) !important; font-size: 40px !important; } div { display: none; }</style></head>
<body><main><h1>Gemeente Test</h1><p>Een pagina van de gemeente.</p></main>
<script src="${balieUrl}/widget.js" async></script></body></html>`;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const hostPort = await freePort();
  hostUrl = `http://localhost:${hostPort}`;
  [balie, browser] = await Promise.all([startTestBalie(db.url, { WIDGET_ORIGINS: hostUrl }), launchBrowser()]);
  host = http.createServer((req, res) => {
    const lang = new URL(req.url ?? '/', hostUrl).searchParams.get('lang') ?? 'nl';
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      // A strict script policy: no inline script, no eval, scripts only from Balie.
      'content-security-policy': `default-src 'self'; script-src ${balie.url}; connect-src ${balie.url} ${balie.url.replace('http', 'ws')}; style-src 'self' 'unsafe-inline'; img-src 'self' data:`,
    });
    res.end(gemeentePage(balie.url, lang));
  });
  await new Promise<void>((resolve) => host.listen(hostPort, 'localhost', resolve));
  hostUrl = `http://localhost:${(host.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await browser?.close();
  host?.close();
  await balie?.stop();
  await db?.drop();
});
beforeEach(async () => {
  const context = await browser.newContext();
  page = await context.newPage();
  errors = watchForErrors(page);
  return () => context.close();
});

const launcher = () => page.getByRole('button', { name: 'Chat met de gemeente' });
const panel = () => page.getByRole('dialog', { name: 'Chat met de gemeente' });

/** The element that has focus, looking into the widget's shadow root. */
function focused() {
  return page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    return element ? `${element.tagName.toLowerCase()}${element.getAttribute('role') ? `[role=${element.getAttribute('role')}]` : ''}.${element.className}` : null;
  });
}

describe('the widget on a gemeente page of another origin', () => {
  it('loads under a strict script policy, adds only window.Balie, and keeps the page CSS out', async () => {
    await page.goto(hostUrl);
    await launcher().waitFor();
    const globals = await page.evaluate(() => {
      const frame = document.createElement('iframe');
      document.body.append(frame);
      const clean = new Set(Object.keys(frame.contentWindow!));
      frame.remove();
      return Object.keys(window).filter((key) => !clean.has(key));
    });
    expect(globals).toEqual(['Balie']);
    const background = await launcher().evaluate((button) => getComputedStyle(button).backgroundColor);
    expect(background).not.toBe('rgb(255, 0, 0)');
    expect(errors).toEqual([]);
  });

  it('opens by keyboard with focus in the panel; Escape closes and focus returns to the launcher', async () => {
    await page.goto(hostUrl);
    await launcher().waitFor();
    await launcher().focus();
    await page.keyboard.press('Enter');
    await panel().waitFor();
    expect(await focused()).toMatch(/\[role=dialog\]/);
    expect(await launcher().getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    await panel().waitFor({ state: 'detached' });
    expect(await focused()).toMatch(/^button\..*launcher/);
    expect(await launcher().getAttribute('aria-expanded')).toBe('false');
  });

  it('has no WCAG 2.1 A/AA violations with the panel open', async () => {
    await page.goto(hostUrl);
    await launcher().click();
    await panel().waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });

  it('is driven by window.Balie and tells listeners', async () => {
    await page.goto(hostUrl);
    await launcher().waitFor();
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

  it('speaks English when the page is in English', async () => {
    await page.goto(`${hostUrl}/?lang=en`);
    await page.getByRole('button', { name: 'Chat with the municipality' }).waitFor();
  });
});

describe('the /demo page', () => {
  it('embeds the widget with the one script tag and is accessible', async () => {
    await page.goto(`${balie.url}/demo`);
    const tag = await page.locator('script[src$="/widget.js"]').evaluate((script) => script.outerHTML);
    expect(tag).toBe(`<script src="${balie.url}/widget.js" async=""></script>`);
    await launcher().click();
    await panel().waitFor();
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
