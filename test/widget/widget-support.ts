// Shared by the widget's browser tests: a gemeente page on another origin (localhost vs Balie's
// 127.0.0.1) with a strict CSP — no inline script, no inline style — that embeds widget.js, and
// helpers to drive and inspect the widget inside its shadow root.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { freePort } from '../support/process.ts';

export interface HostPage {
  url: string;
  close(): Promise<void>;
}

/**
 * Hostile page CSS: the widget must look the same whatever the gemeente's stylesheet says — except
 * for the custom properties it documents for theming (here the font, as an NL Design System token would).
 */
const HOSTILE_CSS = `button { background: rgb(255, 0, 0) !important; font-size: 40px !important; } div { display: none; } p { color: rgb(90, 0, 0); }
:root { --gemeente-font: Georgia, serif; } balie-widget { --balie-font: var(--gemeente-font); }`;

/**
 * Serves the gemeente page. Query parameters become script tag attributes (lang → <html lang>,
 * data-lang, data-position, data-color, data-title), so one host serves every variant.
 * Pass a port to keep the origin (and so localStorage) across a Balie restart.
 */
export async function startHostPage(balieUrl: () => string, port?: number): Promise<HostPage> {
  const hostPort = port ?? (await freePort());
  const origin = `http://localhost:${hostPort}`;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/site.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      res.end(HOSTILE_CSS);
      return;
    }
    if (url.pathname !== '/' && url.pathname !== '/other-page') {
      res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
      return;
    }
    const balie = balieUrl();
    const lang = url.searchParams.get('lang') ?? 'nl';
    const data = ['data-lang', 'data-position', 'data-color', 'data-title']
      .filter((name) => url.searchParams.has(name))
      .map((name) => ` ${name}="${url.searchParams.get(name)!.replace(/[^\w #-]/g, '')}"`)
      .join('');
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      // Strict: scripts only from Balie, no inline script or style, no eval.
      'content-security-policy': `default-src 'self'; script-src ${balie}; connect-src ${balie} ${balie.replace('http', 'ws')}; style-src 'self'; img-src 'self' data:`,
    });
    res.end(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gemeente Test</title><link rel="stylesheet" href="/site.css"></head>
<body><main><h1>Gemeente Test</h1><p>Een pagina van de gemeente.</p><a href="/other-page">Andere pagina</a></main>
<script src="${balie}/widget.js" async${data}></script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(hostPort, 'localhost', resolve));
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The element that has focus, looking into the widget's shadow root. */
export function focused(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    return element ? `${element.tagName.toLowerCase()}${element.getAttribute('role') ? `[role=${element.getAttribute('role')}]` : ''}${element.id ? `#${element.id}` : ''}.${element.className}` : null;
  });
}

/** Locators for the widget as a citizen sees it (Playwright's role queries pierce open shadow roots). */
export function widget(page: Page, lang: 'nl' | 'en' = 'nl') {
  const nl = lang === 'nl';
  return {
    launcher: () => page.getByRole('button', { name: nl ? 'Chat met de gemeente' : 'Chat with the municipality' }),
    panel: () => page.getByRole('dialog', { name: nl ? 'Chat met de gemeente' : 'Chat with the municipality' }),
    messages: () => page.locator('balie-widget').locator('li.message'),
    /** The texts of the messages shown, oldest first, as [sender, text]. */
    async thread(): Promise<[string, string][]> {
      return page
        .locator('balie-widget')
        .locator('li.message')
        .evaluateAll((items) => items.map((li) => [li.querySelector('.sender')!.textContent!.trim(), li.querySelector('.text')!.textContent!] as [string, string]));
    },
  };
}

/** Opens the panel and sends the first question (chat available). */
export async function startChatting(page: Page, text: string, name?: string): Promise<void> {
  const w = widget(page);
  await w.launcher().click();
  await page.getByLabel('Uw vraag').fill(text);
  if (name) {
    await page.getByText('Uw naam toevoegen (niet verplicht)').click();
    await page.getByLabel('Uw naam', { exact: true }).fill(name);
  }
  await page.getByRole('button', { name: 'Versturen' }).click();
  await page.getByLabel('Uw bericht').waitFor();
}

/** Types and sends a message in a running chat. */
export async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel('Uw bericht').fill(text);
  await page.getByLabel('Uw bericht').press('Enter');
}
