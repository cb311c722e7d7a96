// The way in (issue 16.8): the inbox opened at another of the server's addresses than PUBLIC_URL
// (127.0.0.1 where PUBLIC_URL says localhost) used to load with its live connection refused as
// another origin — no live updates, no presence, and no word of it. Pages are now sent to
// PUBLIC_URL, so both addresses give a live inbox; and when the live connection is down a banner
// says so and the presence control does not claim "Beschikbaar".
import http from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChat, startChatBalie } from '../server/chat/chat-support.ts';
import { ADMIN, type TestBalie } from '../support/balie.ts';
import { axeViolations, launchBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { freePort } from '../support/process.ts';
import { namedAgent, openInbox, row, type AgentPage } from './inbox-support.ts';

let db: TestDatabase;
let balie: TestBalie;
let browser: Browser;
let port: number;
let viaIp: AgentPage;
let viaName: AgentPage;

beforeAll(async () => {
  port = await freePort();
  [db, browser] = await Promise.all([createTestDatabase(), launchBrowser()]);
  // As `npm start` without PUBLIC_URL: the agents' address is localhost, Balie listens on 127.0.0.1.
  balie = await startChatBalie(db.url, { PORT: String(port), PUBLIC_URL: `http://localhost:${port}` });
  const fatima = await namedAgent(balie.database.pool, 'Fatima El Amrani');
  [viaIp, viaName] = await Promise.all([
    openInbox(browser, `http://127.0.0.1:${port}/`, balie.database.pool, fatima),
    openInbox(browser, `http://localhost:${port}/`, balie.database.pool, ADMIN),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await balie?.stop();
  await db?.drop();
});

/** A GET with exactly these headers (fetch would add its own Sec-Fetch-Mode). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; location?: string; cookie: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (response) => {
      response.resume();
      const cookie = (response.headers['set-cookie'] ?? []).map((value) => value.split(';')[0]).join('; ');
      resolve({ status: response.statusCode ?? 0, location: response.headers.location, cookie });
    }).on('error', reject);
  });
}

describe('opening the inbox at either of the server’s addresses', () => {
  it('sends a page opened at 127.0.0.1 to PUBLIC_URL, and both inboxes get live updates', async () => {
    expect(new URL(viaIp.page.url()).origin).toBe(`http://localhost:${port}`);
    const chat = await startChat(balie, 'Mijn container is niet geleegd.', { name: 'Joke Visser' });
    for (const { page } of [viaIp, viaName]) {
      await row(page, 'Joke Visser').waitFor();
      await page.getByRole('status').filter({ hasText: `Nieuwe chat ${chat.conversation.reference}` }).waitFor();
    }
    expect(viaIp.errors).toEqual([]);
  });

  it('sends the widget demo there too, and leaves API calls, proxied requests and a second round trip alone', async () => {
    // A browser of its own: the agent's browser was redirected moments ago, and its loop guard
    // (a cookie that lives 5 s) rightly lets a second redirect through as the page itself.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/demo`);
    expect(page.url()).toBe(`http://localhost:${port}/demo`);
    await context.close();

    const ip = `http://127.0.0.1:${port}`;
    const navigate = { 'sec-fetch-mode': 'navigate', accept: 'text/html' };
    const redirected = await get(`${ip}/?view=1`, navigate);
    expect(redirected.status).toBe(302);
    expect(redirected.location).toBe(`http://localhost:${port}/?view=1`);
    // A browser without Fetch Metadata is known by its Accept.
    expect((await get(`${ip}/`, { accept: 'text/html,application/xhtml+xml' })).status).toBe(302);
    // Not a page load: answered where it was asked (the CLI, scripts, the health probe).
    expect((await get(`${ip}/healthz`, navigate)).status).toBe(200);
    expect((await get(`${ip}/`, { accept: '*/*' })).status).toBe(200);
    // Behind a reverse proxy the proxy owns the public address (it may rewrite Host): no redirect.
    expect((await get(`${ip}/`, { ...navigate, 'x-forwarded-for': '203.0.113.7' })).status).toBe(200);
    // A proxy that rewrites Host and says nothing of itself would loop: the second time, the page.
    expect((await get(`${ip}/`, { ...navigate, cookie: redirected.cookie })).status).toBe(200);
  });
});

describe('when the live connection is down', () => {
  it('says so in a banner, shows no "Beschikbaar", and is live again on "Nu opnieuw verbinden"', async () => {
    const { page } = viaIp;
    const presence = page.getByLabel('Mijn status');
    expect(await presence.inputValue()).toBe('available');
    // The server drops the agents' sockets (as on a restart); the client does not reconnect by itself then.
    balie.realtime.agents.disconnectSockets(true);
    const banner = page.getByRole('alert').filter({ hasText: 'Geen live verbinding met Balie.' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain('inwoners kunnen u nu niet bereiken');
    await expect.poll(() => presence.inputValue()).toBe('none');
    expect(await presence.locator('option:checked').textContent()).toBe('Geen verbinding');
    expect(await presence.isDisabled()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Nu opnieuw verbinden' }).click();
    await banner.waitFor({ state: 'detached' });
    await expect.poll(() => presence.inputValue()).toBe('available');
    // Live again: a new chat shows without a reload.
    await startChat(balie, 'Wanneer is het gemeentehuis open?', { name: 'Ahmed Bakker' });
    await row(page, 'Ahmed Bakker').waitFor();
  });
});
