// The weight budget (issue 5 §2, issue 17 §3): everything the browser loads from Balie up to and
// including the first open of the panel — script, styles, fonts, the service status; not the socket
// traffic — is at most 30 KiB gzipped, and so is what a returning visitor with an open chat loads
// until that chat is live again (the socket client is part of widget.js: nothing is loaded later).
// Measured in real Chromium on a page of another origin.
import { gzipSync } from 'node:zlib';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../server/agents/agents.ts';
import type { TestBalie } from '../support/balie.ts';
import { launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { agentSocket, closeSockets, startChatBalie } from '../server/chat/chat-support.ts';
import { startHostPage, widget, type HostPage } from './widget-support.ts';

const BUDGET = 30 * 1024;

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let host: HostPage;

beforeAll(async () => {
  db = await createTestDatabase();
  host = await startHostPage(() => balie.url);
  [balie, browser] = await Promise.all([startChatBalie(db.url, { WIDGET_ORIGINS: host.url }), launchBrowser()]);
  const agent = await createAgent(db.pool, { email: 'fatima@gemeente.test', name: 'Fatima el Amrani', role: 'agent', password: 'an agent password' });
  if (agent === 'email_taken') throw new Error('taken');
  await agentSocket(balie, await balie.login('fatima@gemeente.test', 'an agent password'));
});
afterAll(async () => {
  closeSockets();
  await browser?.close();
  await host?.close();
  await balie?.stop();
  await db?.drop();
});

/** Records the gzipped size of every response from Balie except socket.io's own traffic. */
function weigh(page: Page) {
  const loaded: { path: string; gzipped: number }[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (response: Response) => {
    const url = new URL(response.url());
    if (url.origin !== balie.url || url.pathname.startsWith('/socket.io/') || response.request().method() === 'OPTIONS') return;
    pending.push(
      response.body().then(
        (body) => void loaded.push({ path: url.pathname, gzipped: gzipSync(body, { level: 9 }).length }),
        () => undefined,
      ),
    );
  });
  return {
    async total() {
      await Promise.all(pending);
      return { total: loaded.reduce((sum, item) => sum + item.gzipped, 0), loaded: [...loaded] };
    },
  };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

describe('the widget weight', () => {
  it('stays within 30 KiB gzipped up to and including the first open, and for a returning chat', async () => {
    const page = await (await browser.newContext()).newPage();
    const scale = weigh(page);
    await page.goto(host.url);
    await widget(page).launcher().click();
    await page.getByLabel('Uw vraag').waitFor();
    await page.waitForLoadState('networkidle');
    const firstOpen = await scale.total();
    console.log(`widget weight up to and including the first open: ${kib(firstOpen.total)} gzipped (${firstOpen.total} B) — ${firstOpen.loaded.map((l) => `${l.path} ${l.gzipped} B`).join(', ')}`);
    expect(firstOpen.loaded.map((l) => l.path).sort()).toEqual(['/api/public/service', '/widget.js']);
    expect(firstOpen.total).toBeLessThanOrEqual(BUDGET);

    // Starting the chat loads nothing more than the POST that starts it: the socket is in widget.js.
    await page.getByLabel('Uw vraag').fill('Hoeveel weegt de widget?');
    await page.getByRole('button', { name: 'Versturen' }).click();
    await page.getByText('U staat in de wachtrij.', { exact: false }).waitFor();
    await page.waitForLoadState('networkidle');
    const chatting = await scale.total();
    console.log(`widget weight once chatting: ${kib(chatting.total)} gzipped (${chatting.total} B) — ${chatting.loaded.map((l) => `${l.path} ${l.gzipped} B`).join(', ')}`);
    expect(chatting.loaded.map((l) => l.path).sort()).toEqual(['/api/public/chats', '/api/public/service', '/widget.js']);

    // A returning visitor (the chat kept in localStorage) opens the panel on the next page: the chat
    // is live again — history fetched over the socket — within the same budget.
    const next = await page.context().newPage();
    const returning = weigh(next);
    await next.goto(host.url);
    await widget(next).launcher().click();
    await next.getByText('Hoeveel weegt de widget?').waitFor();
    await next.getByText('U staat in de wachtrij.', { exact: false }).waitFor();
    await next.waitForLoadState('networkidle');
    const back = await returning.total();
    console.log(`widget weight for a returning chat, up to the live chat: ${kib(back.total)} gzipped (${back.total} B) — ${back.loaded.map((l) => `${l.path} ${l.gzipped} B`).join(', ')}`);
    expect(back.loaded.map((l) => l.path)).toEqual(['/widget.js']);
    expect(back.total).toBeLessThanOrEqual(BUDGET);
  });
});
