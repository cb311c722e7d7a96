// The weight budget (issue 5 §2): everything the browser loads from Balie up to and including the
// first open of the panel — script, styles, fonts, the service status; not the socket traffic — is
// at most 30 KiB gzipped. Measured in real Chromium on a page of another origin.
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
  it('stays within 30 KiB gzipped up to and including the first open', async () => {
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

    // For the record: starting the chat adds the lazily loaded socket.io-client and the first POST.
    await page.getByLabel('Uw vraag').fill('Hoeveel weegt de widget?');
    const socketIo = page.waitForResponse((response) => new URL(response.url()).pathname.startsWith('/widget/socket.io-'));
    await page.getByRole('button', { name: 'Versturen' }).click();
    await page.getByText('U staat in de wachtrij.', { exact: false }).waitFor();
    await (await socketIo).finished();
    const chatting = await scale.total();
    const chunk = chatting.loaded.find((l) => l.path.startsWith('/widget/socket.io-'));
    expect(chunk).toBeDefined();
    console.log(`widget weight once chatting (adds ${chunk!.path}): ${kib(chatting.total)} gzipped (${chatting.total} B)`);
  });
});
